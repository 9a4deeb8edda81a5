"""notebooks/inspect_runs.ipynb executes end to end (nbclient) on a small real store."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from rerank_bench.pipeline import run_overrides


@pytest.mark.slow
def test_inspect_runs_notebook_executes(
    repo_root: Path, data_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RERANK_BENCH_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("RERANK_BENCH_DATA", str(data_root))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    replay = data_root / "msmarco-trec-dl" / "fixture-tiny" / "run.bm25.top20.trec"
    common = ["dataset=dl19_tiny", "tracking.experiment=nb"]
    run_overrides(
        [*common, "retriever=run_file", f"retriever.path={replay}", "retriever.name=bm25"]
    )
    run_overrides([*common, "retriever=bm25", "retriever.name=bm25s"])

    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'state' / 'mlflow.db'}")
    monkeypatch.setenv("NB_EXPERIMENT", "nb")
    monkeypatch.setenv("NB_BASELINE", "bm25")
    monkeypatch.setenv("NB_OUT", str(tmp_path / "out"))
    notebook = nbformat.read(repo_root / "notebooks" / "inspect_runs.ipynb", as_version=4)
    client = NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()

    text = "\n".join(
        str(out.get("text", "")) + str(out.get("data", {}).get("text/markdown", ""))
        for cell in notebook.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
    )
    assert "2 finished runs in 'nb'" in text
    assert "| bm25s |" in text and "Holm-corrected" in text
    assert "bm25s vs bm25 on ndcg_at_10:" in text and "over 10 queries" in text
    assert "Largest wins" in text and "(grade " in text
    assert "bm25: nDCG@10 0." in text and "as logged by `rerank-bench run`" in text
    assert text.count("| bm25s |") == 2  # the table of the MLflow runs, and compare's
    assert (tmp_path / "out" / "per_query_dl19_tiny_bm25s_vs_bm25.png").is_file()
