"""notebooks/inspect_runs.ipynb executes end to end (nbclient) on a store made by `reproduce`, and
analyses exactly the runs its table shows."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from _tracking_helpers import log_run
from nbclient import NotebookClient

from rerank_bench.reporting.runs import RunStore

TWO_BM25 = """
name: nb_tiny
description: BM25 at two k1 on the built-in helpdesk.
mlflow_experiment: nb_tiny
baseline: bm25
metrics: [ndcg_at_10]
conditions:
  - name: bm25
    display: BM25
    overrides: [retriever=bm25]
    expected: {helpdesk: {ndcg_at_10: null}}
  - name: bm25_k1
    display: BM25 k1=2.0
    overrides: [retriever=bm25, retriever.k1=2.0]
    expected: {helpdesk: {ndcg_at_10: null}}
"""


def _reproduce(spec: Path, uri: str, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "rerank_bench", "reproduce", str(spec), "--tracking-uri", uri,
         "--no-results", *args],
        check=True, capture_output=True, text=True, timeout=600,
    )


def _outputs(notebook: nbformat.NotebookNode) -> str:
    return "\n".join(
        str(out.get("text", "")) + str(out.get("data", {}).get("text/markdown", ""))
        for cell in notebook.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
    )


def _per_query(home: Path, run_id: str) -> dict[str, float]:
    """nDCG@10 per query, read from the run's per_query.json in the artifact folder."""
    path = next(home.glob(f"mlartifacts/**/{run_id}/artifacts/per_query.json"))
    return json.loads(path.read_text(encoding="utf-8"))["per_query"]["ndcg@10"]


@pytest.mark.slow
def test_inspect_runs_notebook_analyses_the_runs_its_table_shows(
    repo_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "state"
    monkeypatch.setenv("RERANK_BENCH_HOME", str(home))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    spec = tmp_path / "experiments" / "nb_tiny"
    spec.mkdir(parents=True)
    (spec / "spec.yaml").write_text(TWO_BM25, encoding="utf-8")
    uri = f"sqlite:///{home / 'mlflow.db'}"
    _reproduce(spec, uri)
    _reproduce(spec, uri, "--condition", "bm25_k1", "--force")  # a newer run of the same cell
    by_condition: dict[str, list] = {}
    for run in RunStore(uri).search("nb_tiny"):
        by_condition.setdefault(run.tags.get("repro_condition", ""), []).append(run)
    newest = {c: max(runs, key=lambda r: r.start_time).run_id for c, runs in by_condition.items()}
    assert len(by_condition["bm25_k1"]) == 2

    # the demo's defaults but the spec and the store (RERANK_BENCH_HOME) given by the environment
    monkeypatch.setenv("NB_SPEC", str(spec))
    monkeypatch.setenv("NB_OUT", str(tmp_path / "out"))
    for name in ("NB_EXPERIMENT", "NB_BASELINE", "NB_SYSTEM", "NB_ROWS", "NB_METRIC"):
        monkeypatch.delenv(name, raising=False)
    notebook = nbformat.read(repo_root / "notebooks" / "inspect_runs.ipynb", as_version=4)
    NotebookClient(
        notebook, timeout=300, kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    text = _outputs(notebook)

    assert "finished runs in 'nb_tiny'" in text
    assert "| BM25 k1=2.0 |" in text and "Holm-corrected" in text
    analysed = re.search(r"analysed: bm25_k1 = run (\w+); baseline bm25 = run (\w+)", text)
    assert analysed, text
    assert analysed.groups() == (newest["bm25_k1"], newest["bm25"])  # the runs the table shows
    system, base = _per_query(home, newest["bm25_k1"]), _per_query(home, newest["bm25"])
    diffs = [system[q] - base[q] for q in system.keys() & base.keys()]
    wins, losses = sum(d > 0 for d in diffs), sum(d < 0 for d in diffs)
    assert wins + losses > 0
    assert (f"BM25 k1=2.0 vs BM25 on ndcg@10: {wins} wins, {losses} losses, "
            f"{len(diffs) - wins - losses} ties over {len(diffs)} queries") in text
    assert "Largest wins" in text and "(grade " in text
    assert "BM25: ndcg@10 0." in text and "as logged by `rerank-bench run`" in text
    assert (tmp_path / "out" / "per_query_helpdesk_bm25_k1_vs_bm25.png").is_file()


def test_inspect_runs_defaults_to_the_demos_experiment(
    repo_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without parameters the notebook reads the experiment `make demo` reproduces
    (helpdesk_story's mlflow_experiment), not one the demo never writes."""
    from rerank_bench.experiments import find_spec, load_spec

    demo = load_spec(find_spec("helpdesk_story", repo_root / "experiments")).mlflow_experiment
    home = tmp_path / "state"
    uri, artifacts = f"sqlite:///{home / 'mlflow.db'}", str(home / "mlartifacts")
    log_run(uri, artifacts, demo, "bm25", "helpdesk", {"ndcg@10": {"q-0001": 1.0}})
    monkeypatch.setenv("RERANK_BENCH_HOME", str(home))
    for name in ("MLFLOW_TRACKING_URI", "NB_SPEC", "NB_EXPERIMENT"):
        monkeypatch.delenv(name, raising=False)
    notebook = nbformat.read(repo_root / "notebooks" / "inspect_runs.ipynb", as_version=4)
    parameters = next(cell for cell in notebook.cells if cell.cell_type == "code")
    notebook.cells = [parameters]  # the parameter cell alone: the demo's runs are not here
    NotebookClient(
        notebook, timeout=120, kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    assert f"1 finished runs in {demo!r} (sqlite:///{home}/mlflow.db)" in _outputs(notebook)
