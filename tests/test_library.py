"""The library surface on the built-in helpdesk: load_dataset, evaluate, compare, run_experiment
and RunStore.run give the numbers of the pipeline (the command's) and of tables of MLflow runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from _tracking_helpers import log_run, store_uri
from scipy import stats

from rerank_bench import compare, evaluate, list_datasets, load_dataset, run_experiment
from rerank_bench.data import Dataset, Run, read_trec_run
from rerank_bench.data.helpdesk import HelpdeskSource
from rerank_bench.errors import ConfigError
from rerank_bench.evaluation.significance import holm, paired_bootstrap_ci, win_tie_loss
from rerank_bench.pipeline import RunResult
from rerank_bench.reporting.runs import RunStore
from rerank_bench.reporting.tables import TableSpec, tabulate
from rerank_bench.retrieval import BM25Retriever
from rerank_bench.tracking import names

HELPDESK_BM25_NDCG_AT_10 = 0.7077
"""``rerank-bench run retriever=bm25`` (experiments/helpdesk_story/RESULTS.md)."""


@pytest.fixture(scope="module")
def helpdesk() -> Dataset:
    return load_dataset("helpdesk")


@pytest.fixture(scope="module")
def bm25(helpdesk: Dataset) -> Run:
    """BM25 with the config's settings (conf/retriever/bm25.yaml), no index cache."""
    return BM25Retriever().retrieve(helpdesk.corpus, helpdesk.split("test").queries, 100)


@pytest.fixture(scope="module")
def runs(helpdesk: Dataset, bm25: Run) -> dict[str, Run]:
    """BM25, BM25 upside down (far worse), and BM25 at Anserini's k1 = 1.2, b = 0.75 (a bit
    worse on the helpdesk, within query noise)."""
    upside_down = {q: {d: -s for d, s in docs.items()} for q, docs in bm25.items()}
    variant = BM25Retriever(k1=1.2, b=0.75).retrieve(
        helpdesk.corpus, helpdesk.split("test").queries, 100
    )
    return {"bm25": bm25, "bm25 reversed": upside_down, "bm25 k1=1.2 b=0.75": variant}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A private project state folder (cache, MLflow store, outputs) for this module."""
    path = tmp_path_factory.mktemp("state")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RERANK_BENCH_HOME", str(path))
        patch.delenv("MLFLOW_TRACKING_URI", raising=False)
        yield path


@pytest.fixture(scope="module")
def experiment(home: Path) -> RunResult:
    return run_experiment(["retriever=bm25"])


def test_list_datasets_is_the_config_group(repo_root: Path) -> None:
    configs = sorted(path.stem for path in (repo_root / "conf" / "dataset").glob("*.yaml"))
    assert list_datasets() == configs
    assert "helpdesk" in configs


def test_load_dataset_is_the_configured_source(helpdesk: Dataset) -> None:
    shipped = HelpdeskSource().load()
    assert helpdesk.name == "helpdesk"
    assert helpdesk.rel_level == 2
    assert helpdesk.corpus.keys() == shipped.corpus.keys()
    assert {name: len(split.queries) for name, split in helpdesk.splits.items()} == {
        "train": 338,
        "dev": 85,
        "test": 146,
    }
    assert helpdesk.split("test").qrels == shipped.split("test").qrels
    assert helpdesk.split("test").rel_level == 2


def test_load_dataset_takes_the_config_settings(tiny_data: Path) -> None:
    files = {"queries": tiny_data / "queries.tsv", "qrels": tiny_data / "qrels.trec"}
    dataset = load_dataset("local", corpus=tiny_data / "docs.tsv", name="tiny", **files)
    assert (dataset.name, len(dataset.corpus), list(dataset.splits)) == ("tiny", 12, ["test"])
    assert load_dataset("helpdesk", rel_level=1).split("test").rel_level == 1
    with pytest.raises(ConfigError, match=r"'local' needs corpus=\.\.\.: "):
        load_dataset("local", **files)
    with pytest.raises(ConfigError, match="no setting 'k1'; its settings: name, path"):
        load_dataset("helpdesk", k1=1.2)


def test_unknown_dataset_lists_the_available() -> None:
    with pytest.raises(ConfigError, match=r"no dataset 'helpdesks'; available: .*helpdesk, local"):
        load_dataset("helpdesks")


def test_run_experiment_gives_the_command_s_number(
    experiment: RunResult, helpdesk: Dataset, bm25: Run
) -> None:
    value = experiment.metrics["ndcg@10"]
    assert round(value, 4) == HELPDESK_BM25_NDCG_AT_10
    split = helpdesk.split("test")
    written = read_trec_run(experiment.output_dir / names.RUN_ARTIFACT)
    assert evaluate(split, written, ["ndcg@10"]).mean["ndcg@10"] == pytest.approx(value, abs=1e-12)
    assert evaluate(split, bm25, ["ndcg@10"]).mean["ndcg@10"] == pytest.approx(value, abs=1e-12)


def test_compare_marks_the_significant_row_only(helpdesk: Dataset, runs: dict[str, Run]) -> None:
    split = helpdesk.split("test")
    table = compare(split, runs, baseline="bm25", metrics=["ndcg@10", "recall@100"])
    assert table.row_keys == ("bm25", "bm25 reversed", "bm25 k1=1.2 b=0.75")
    assert [c.label for c in table.columns] == ["nDCG@10", "R@100"]
    for name, row in zip(table.row_keys, table.cells, strict=True):
        means = evaluate(split, runs[name], ["ndcg@10", "recall@100"]).mean
        assert [cell.mean for cell in row] == [means["ndcg@10"], means["recall@100"]]

    base, worse, variant = (row[0] for row in table.cells)
    per_query = {n: evaluate(split, r, ["ndcg@10"]).per_query["ndcg@10"] for n, r in runs.items()}
    qids = sorted(per_query["bm25"])
    against = [per_query["bm25"][q] for q in qids]
    raw = [
        float(stats.ttest_rel([per_query[name][q] for q in qids], against).pvalue)
        for name in ("bm25 reversed", "bm25 k1=1.2 b=0.75")
    ]
    assert [worse.p_value, variant.p_value] == pytest.approx(raw)
    assert [worse.p_adjusted, variant.p_adjusted] == pytest.approx(holm(raw))
    assert (base.rank, base.direction, base.p_value) == (1, None, None)
    assert worse.direction == "worse" and worse.p_adjusted < 0.05
    assert variant.direction is None and variant.p_adjusted >= 0.05 and variant.rank == 2

    lines = table.to_markdown().splitlines()
    assert lines[2].startswith("| bm25 | **0.7077** |")
    assert lines[3].startswith("| bm25 reversed | 0.") and "‡" in lines[3].split("|")[2]
    assert lines[4].startswith("| bm25 k1=1.2 b=0.75 | <u>0.") and "‡" not in lines[4]
    notes = " ".join(table.notes)
    assert "better / worse than bm25 (two-sided paired t-test, Holm-corrected" in notes
    assert "\\textbf{0.7077}" in table.render("latex")


def test_compare_is_the_table_of_the_same_runs_in_mlflow(
    tmp_path: Path, helpdesk: Dataset, runs: dict[str, Run]
) -> None:
    split = helpdesk.split("test")
    uri, artifacts = store_uri(tmp_path)
    for name, run in runs.items():
        per_query = evaluate(split, run, ["ndcg@10"]).per_query
        log_run(uri, artifacts, "library", name, "helpdesk", per_query, rel_level=2)
    store = RunStore(uri)
    spec = TableSpec(metrics=["ndcg@10"], baseline="bm25", efficiency=())
    logged = tabulate(store.search("library"), spec, store.per_query)
    in_memory = compare(split, runs, baseline="bm25", metrics=["ndcg@10"])

    assert in_memory.row_keys == logged.row_keys
    for mine, theirs in zip(in_memory.cells, logged.cells, strict=True):
        assert mine[0].mean == pytest.approx(theirs[0].mean, abs=1e-12)
        assert (mine[0].rank, mine[0].direction) == (theirs[0].rank, theirs[0].direction)
        assert mine[0].p_adjusted == pytest.approx(theirs[0].p_adjusted)
    rows = slice(0, 5)  # header, rule and the three rows; the notes name the column group
    assert in_memory.to_markdown().splitlines()[rows] == logged.to_markdown().splitlines()[rows]
    assert [n.replace("test: ", "helpdesk: ") for n in in_memory.notes] == list(logged.notes)


def test_compare_tests_against_two_baselines_with_intervals_and_counts(
    helpdesk: Dataset, runs: dict[str, Run]
) -> None:
    split = helpdesk.split("test")
    first, second, third = runs
    table = compare(
        split, runs, baseline=[first, second], metrics=["ndcg@10"], ci=True, n_resamples=500,
        wtl=True,
    )
    per_query = {n: evaluate(split, r, ["ndcg@10"]).per_query["ndcg@10"] for n, r in runs.items()}
    qids = sorted(per_query[first])

    def pair(a: str, b: str) -> tuple[list[float], list[float]]:
        return [per_query[a][q] for q in qids], [per_query[b][q] for q in qids]

    family = [(second, first), (third, first), (third, second)]  # the table is one family
    raw = [float(stats.ttest_rel(*pair(a, b)).pvalue) for a, b in family]
    cells = {key: row[0] for key, row in zip(table.row_keys, table.cells, strict=True)}
    tested = [next(v for v in cells[a].versus if v.baseline == b) for a, b in family]
    assert [v.p_value for v in tested] == pytest.approx(raw)
    assert [v.p_adjusted for v in tested] == pytest.approx(holm(raw))
    for v, (a, b) in zip(tested, family, strict=True):
        assert v.ci == pytest.approx(paired_bootstrap_ci(pair(a, b), 500, 42)[1:])
        assert v.wtl == win_tie_loss(pair(a, b))
    assert cells[first].versus == ()


def test_compare_needs_the_baseline_among_the_runs(helpdesk: Dataset, bm25: Run) -> None:
    with pytest.raises(ConfigError, match="baseline 'BM25' is not one of the runs \\(bm25\\)"):
        compare(helpdesk.split("test"), {"bm25": bm25}, baseline="BM25")


def test_run_store_reads_one_run_by_id(home: Path, experiment: RunResult) -> None:
    store = RunStore(f"sqlite:///{home / 'mlflow.db'}")
    record = store.run(experiment.run_id)
    assert record.run_id == experiment.run_id and record.status == "FINISHED"
    assert record.metric("ndcg@10") == pytest.approx(experiment.metrics["ndcg@10"], abs=1e-12)
    assert record.metrics["n_queries"] == 146
    assert (record.system, record.dataset, record.tags["split"]) == ("bm25", "helpdesk", "test")
    assert (record.params["retriever.k1"], record.params["dataset.rel_level"]) == ("0.9", "2")
    per_query = store.per_query(record).metric("ndcg@10")
    assert per_query == pytest.approx(experiment.evaluation.per_query["ndcg@10"])
    with pytest.raises(ConfigError, match="no run 'no-such-run' in sqlite:///"):
        store.run("no-such-run")
