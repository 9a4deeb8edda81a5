"""Paper-style tables built from real runs in a real MLflow sqlite store."""

from __future__ import annotations

import csv
import io
import shutil
import statistics
import subprocess
from pathlib import Path

import numpy as np
import pytest
from _tracking_helpers import log_run, store_uri
from scipy import stats

from rerank_bench.errors import ConfigError, EvaluationError
from rerank_bench.evaluation.significance import holm
from rerank_bench.reporting.runs import RunStore
from rerank_bench.reporting.tables import TableSpec, build_table, metric_label, tabulate

QIDS = [f"q{i:02d}" for i in range(30)]


def _scores(rng: np.random.Generator, base: np.ndarray, shift: float, noise: float) -> dict:
    values = np.clip(base + shift + rng.normal(0, noise, len(base)), 0, 1)
    return dict(zip(QIDS, (float(v) for v in values), strict=True))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """bm25, a strong re-ranker (two seeds) and a weak one, on two datasets."""
    root = tmp_path_factory.mktemp("mlflow")
    uri, artifacts = store_uri(root)
    rng = np.random.default_rng(0)
    logged: dict = {}
    for dataset in ("scifact", "dl19"):
        base = rng.random(len(QIDS)) * 0.8
        plan = [("bm25", 0.0, 0.0, 42), ("bm25>>ce", 0.15, 0.05, 1), ("bm25>>ce", 0.15, 0.05, 2)]
        plan.append(("bm25>>weak", -0.01, 0.05, 42))
        for system, shift, noise, seed in plan:
            ndcg = _scores(rng, base, shift, noise)
            recall = _scores(rng, base, shift / 2, noise)
            extra = {"queries_per_s_first_stage": 500.0}
            if ">>" in system:
                extra["pairs_per_s_rerank"] = 120.0 if system.endswith("ce") else 900.0
            per_query = {"ndcg@10": ndcg, "recall@100": recall}
            run_id = log_run(
                uri, artifacts, "tables", system, dataset, per_query, seed, extra_metrics=extra
            )
            logged.setdefault((system, dataset), []).append((run_id, per_query))
    return {"uri": uri, "logged": logged}


def _table(store: dict, **kwargs):
    runs_store = RunStore(store["uri"])
    runs = runs_store.search("tables", kwargs.pop("filter_string", None))
    spec = TableSpec(metrics=("ndcg@10", "recall_at_100"), **kwargs)
    return tabulate(runs, spec, runs_store.per_query)


def test_values_are_seed_means_with_sample_std(store: dict) -> None:
    table = _table(store, baseline="bm25")
    assert table.row_keys == ("bm25", "bm25>>ce", "bm25>>weak")
    j = [(c.group, c.metric) for c in table.columns].index(("scifact", "ndcg_at_10"))
    seeds = [
        statistics.fmean(pq["ndcg@10"].values())
        for _, pq in store["logged"][("bm25>>ce", "scifact")]
    ]
    cell = table.cells[1][j]
    assert cell.n_runs == 2
    assert cell.mean == pytest.approx(statistics.fmean(seeds))
    assert cell.std == pytest.approx(statistics.stdev(seeds))
    assert table.cells[0][j].std is None  # one seed: no spread


def test_significance_matches_scipy_with_holm(store: dict) -> None:
    table = _table(store, baseline="bm25", test="ttest", correction="holm")
    j = [(c.group, c.metric) for c in table.columns].index(("dl19", "ndcg_at_10"))
    logged = store["logged"]
    base = logged[("bm25", "dl19")][0][1]["ndcg@10"]
    ce = [pq["ndcg@10"] for _, pq in logged[("bm25>>ce", "dl19")]]
    ce_mean = {q: (ce[0][q] + ce[1][q]) / 2 for q in QIDS}  # seeds averaged per query
    weak = logged[("bm25>>weak", "dl19")][0][1]["ndcg@10"]
    raw = [
        float(stats.ttest_rel([s[q] for q in QIDS], [base[q] for q in QIDS]).pvalue)
        for s in (ce_mean, weak)
    ]
    assert [table.cells[1][j].p_value, table.cells[2][j].p_value] == pytest.approx(raw)
    assert [table.cells[1][j].p_adjusted, table.cells[2][j].p_adjusted] == pytest.approx(holm(raw))
    assert table.cells[1][j].direction == "better"
    assert table.cells[0][j].p_value is None  # the baseline is not tested against itself


def test_markdown_marks_best_second_and_significance(store: dict) -> None:
    table = _table(store, baseline="bm25", test="fisher", correction="bonferroni")
    text = table.to_markdown()
    header, _, base_row, ce_row, weak_row = text.splitlines()[:5]
    assert "scifact nDCG@10" in header and "dl19 R@100" in header
    assert "pairs/s (re-rank)" in header
    assert ce_row.startswith("| bm25>>ce | **0.")
    assert " ± " in ce_row and "†" in ce_row
    assert "<u>" in base_row or "<u>" in weak_row
    assert "Fisher randomisation test (10,000 permutations, seed 42)" in text
    assert "Bonferroni-corrected" in text and "alpha = 0.05" in text
    assert "queries per column: scifact: 30, dl19: 30" in text
    assert "means over seeds" in text


def test_csv_is_long_format_with_every_number(store: dict) -> None:
    table = _table(store, baseline="bm25")
    rows = list(csv.DictReader(io.StringIO(table.to_csv())))
    assert len(rows) == len(table.row_keys) * len(table.columns)
    ce = [r for r in rows if r["row"] == "bm25>>ce" and r["metric"] == "ndcg_at_10"]
    assert {r["column"] for r in ce} == {"scifact", "dl19"}
    assert all(r["n_runs"] == "2" and len(r["run_ids"].split()) == 2 for r in ce)
    assert all(r["significant"] == "better" and float(r["p_adjusted"]) < 0.05 for r in ce)


def test_html_has_grouped_headers_and_marks(store: dict) -> None:
    html = _table(store, baseline="bm25").to_html()
    assert '<th colspan="4">scifact</th>' in html  # nDCG@10, R@100, q/s, pairs/s
    assert "<strong>" in html and "<u>" in html and "<sup>†</sup>" in html
    assert "bm25&gt;&gt;ce" in html


def test_filter_and_rows_by_tag(store: dict) -> None:
    table = _table(store, filter_string="tags.dataset = 'dl19'", rows="reranker")
    assert table.row_keys == ("none", "ce", "weak")
    assert {c.group for c in table.columns} == {"dl19"}
    assert [c.label for c in table.columns] == [
        "nDCG@10",
        "R@100",
        "q/s (1st stage)",
        "pairs/s (re-rank)",
    ]


def test_different_query_sets_are_refused_then_aligned(tmp_path: Path) -> None:
    uri, artifacts = store_uri(tmp_path)
    full = {q: 0.5 for q in QIDS}
    half = {q: (1.0 if q < "q15" else 0.0) for q in QIDS[:20]}
    log_run(uri, artifacts, "qs", "bm25", "scifact", {"ndcg@10": full})
    log_run(uri, artifacts, "qs", "bm25>>ce", "scifact", {"ndcg@10": half})
    store = RunStore(uri)
    runs = store.search("qs")
    with pytest.raises(EvaluationError, match="2 different query sets.*--align intersect"):
        build_table(runs, store.per_query, metrics=["ndcg@10"], baseline="bm25")
    table = build_table(
        runs, store.per_query, metrics=["ndcg@10"], baseline="bm25", align="intersect"
    )
    assert table.cells[1][0].mean == pytest.approx(15 / 20)  # recomputed on the 20 shared queries
    assert table.cells[0][0].mean == pytest.approx(0.5)
    assert "computed on the 20 shared queries (largest set: 30)" in table.to_markdown()


def test_user_errors_name_the_fix(store: dict) -> None:
    runs_store = RunStore(store["uri"])
    runs = runs_store.search("tables")
    with pytest.raises(ConfigError, match="baseline 'bm26' is not a row.*bm25>>ce"):
        build_table(runs, runs_store.per_query, baseline="bm26", metrics=["ndcg@10"])
    with pytest.raises(ConfigError, match="'mrr@10' was not logged.*ndcg_at_10"):
        build_table(runs, metrics=["mrr@10"])
    with pytest.raises(ConfigError, match="experiment 'nope' does not exist.*tables"):
        runs_store.search("nope")
    with pytest.raises(ConfigError, match="rejected the filter"):
        runs_store.search("tables", "tags.dataset ==== 1")
    with pytest.raises(ConfigError, match="no MLflow store"):
        RunStore("sqlite:////nonexistent/mlflow.db")


def test_build_table_is_tabulate_with_the_spec_fields_as_keywords(store: dict) -> None:
    runs_store = RunStore(store["uri"])
    runs = runs_store.search("tables")
    settings = {
        "metrics": ["ndcg@10"],
        "baseline": "bm25",
        "test": "fisher",
        "n_permutations": 200,
        "row_labels": {"bm25": "BM25"},
    }
    table = build_table(runs, runs_store.per_query, **settings)
    assert table == tabulate(runs, TableSpec(**settings), runs_store.per_query)
    assert table.row_labels[0] == "BM25" and "200 permutations" in table.to_markdown()
    with pytest.raises(TypeError, match="basline"):
        build_table(runs, runs_store.per_query, basline="bm25")


def test_metric_labels() -> None:
    assert metric_label("ndcg_at_10") == "nDCG@10"
    assert metric_label("recall_at_100_l2") == "R@100-l2"
    assert metric_label("map_at_100") == "MAP@100"
    assert metric_label("something_else") == "something_else"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="no LaTeX engine installed")
def test_latex_compiles(store: dict, tmp_path: Path) -> None:
    tex = _table(store, baseline="bm25").to_latex(standalone=True)
    assert "\\toprule" in tex and "\\cmidrule(lr){2-5}" in tex and "\\textgreater{}" in tex
    (tmp_path / "table.tex").write_text(tex, encoding="utf-8")
    done = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "table.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-2000:]
    assert (tmp_path / "table.pdf").stat().st_size > 1000


def test_cli_writes_table_and_plots_and_logs_them(tmp_path: Path) -> None:
    from rerank_bench.cli import main

    uri, artifacts = store_uri(tmp_path / "store")
    rng = np.random.default_rng(5)
    base = rng.random(len(QIDS)) * 0.6
    log_run(uri, artifacts, "sweep", "bm25", "scifact", {"ndcg@10": _scores(rng, base, 0, 0)})
    for depth, gain in ((10, 0.05), (50, 0.1), (100, 0.12)):
        log_run(
            uri,
            artifacts,
            "sweep",
            "bm25>>finetuned",
            "scifact",
            {"ndcg@10": _scores(rng, base, gain, 0.03)},
            seed=depth,
            params={"reranker": {"depth": depth}},
            history={"rank/train/loss": [1.0, 0.6, 0.4], "rank/val/ndcg_at_10": [0.5, 0.6, 0.65]},
        )
    out = tmp_path / "table.tex"
    code = main(
        [
            "table",
            "--experiment",
            "sweep",
            "--tracking-uri",
            uri,
            "--metrics",
            "ndcg@10",
            "--baseline",
            "bm25",
            "--test",
            "fisher",
            "--format",
            "latex",
            "--output",
            str(out),
            "--plots",
            str(tmp_path / "plots"),
            "--log-plots",
        ]
    )
    assert code == 0
    assert "\\begin{tabular}" in out.read_text(encoding="utf-8")
    plots = sorted(p.name for p in (tmp_path / "plots").iterdir())
    assert plots == [  # the depths are three conditions: three rows, not three "seeds" of one
        "depth_ndcg_at_10.png",
        *(f"per_query_scifact_bm25+finetuned__reranker.depth_{d}__vs_bm25.png"
          for d in (100, 10, 50)),
        "training_curves.png",
    ]
    assert all((tmp_path / "plots" / p).read_bytes()[:4] == b"\x89PNG" for p in plots)
    store = RunStore(uri)
    finetuned = [r for r in store.search("sweep") if r.system == "bm25>>finetuned"]
    logged = {a.path for r in finetuned for a in store.client.list_artifacts(r.run_id, "plots")}
    assert logged == {f"plots/per_query_scifact_bm25+finetuned__reranker.depth_{d}__vs_bm25.png"
                      for d in (10, 50, 100)}


def test_cli_reports_user_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rerank_bench.cli import main

    uri, artifacts = store_uri(tmp_path)
    log_run(uri, artifacts, "x", "bm25", "scifact", {"ndcg@10": {"q1": 0.5, "q2": 0.1}})
    assert main(["table", "--experiment", "y", "--tracking-uri", uri]) == 2
    assert "experiment 'y' does not exist" in capsys.readouterr().err


def test_collapsed_trainings_are_flagged_in_the_table(tmp_path: Path) -> None:
    uri, artifacts = store_uri(tmp_path)
    scores = {"ndcg@10": {q: 0.5 for q in QIDS}}
    log_run(uri, artifacts, "t", "bm25", "helpdesk", scores)
    log_run(uri, artifacts, "t", "bm25>>ft", "helpdesk", scores, tags={"status_collapse": "true"})
    log_run(uri, artifacts, "t", "bm25>>ok", "helpdesk", scores, tags={"status_collapse": "false"})
    runs_store = RunStore(uri)
    table = build_table(runs_store.search("t"), runs_store.per_query, metrics=("ndcg@10",))
    assert table.row_labels == ("bm25", "bm25>>ft ⚠", "bm25>>ok")
    markdown = table.to_markdown()
    assert "| bm25>>ft ⚠ |" in markdown and "training collapsed" in markdown


def test_conditions_sharing_a_system_are_rows_of_their_own(tmp_path: Path) -> None:
    """Three trainings of one system on different labels are three rows (they were merged as
    "superseded"); the seeds of one condition share a row; a re-run of a seed supersedes it."""
    uri, artifacts = store_uri(tmp_path / "store")
    rng = np.random.default_rng(3)
    base = rng.random(len(QIDS)) * 0.6
    for labels, seed in (("clicks", 1), ("votes", 1), ("truth", 1), ("truth", 2), ("truth", 2)):
        log_run(uri, artifacts, "story", "bm25>>finetuned", "helpdesk",
                {"ndcg@10": _scores(rng, base, 0.1, 0.05)}, seed=seed,
                params={"labels": {"method": labels}})
    store = RunStore(uri)
    table = tabulate(store.search("story"), TableSpec(metrics=("ndcg@10",)), store.per_query)
    assert table.row_keys == tuple(f"bm25>>finetuned (labels.method={m})"
                                   for m in ("clicks", "votes", "truth"))
    assert [c[0].n_runs for c in table.cells] == [1, 1, 2]
    assert any("1 older run(s) of the same condition and seed" in n for n in table.notes)
