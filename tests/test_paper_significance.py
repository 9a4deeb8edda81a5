"""Significance the way a paper needs it: several baselines corrected as one family, pooled
datasets, bootstrap intervals and win/tie/loss counts, checked by hand on a real MLflow store."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from _tracking_helpers import log_run, store_uri
from scipy import stats

from rerank_bench.errors import ConfigError, EvaluationError
from rerank_bench.evaluation.significance import (
    align,
    bootstrap_cis,
    paired_bootstrap_ci,
    win_tie_loss,
)
from rerank_bench.reporting.runs import RunStore
from rerank_bench.reporting.tables import TableSpec, tabulate

QIDS = [f"q{i:02d}" for i in range(30)]
DATASETS = ("scifact", "dl19")
METRICS = ("ndcg@10", "recall@100")
BASELINES = ("bm25", "bm25>>minilm")
SYSTEMS = ("bm25", "bm25>>minilm", "bm25>>ce", "bm25>>weak")


def _hand_holm(p: np.ndarray) -> np.ndarray:
    """Holm step-down written out: the i-th smallest of m p-values times (m - i), made monotone
    by a running maximum, capped at 1."""
    order = np.argsort(p, kind="stable")
    m = len(p)
    stepped = np.maximum.accumulate((m - np.arange(m)) * p[order])
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(1.0, stepped)
    return adjusted


def _loop_bootstrap(a: np.ndarray, b: np.ndarray, n_resamples: int, seed: int) -> tuple:
    """The percentile bootstrap as a plain loop: one resample of query indices at a time."""
    rng = np.random.default_rng(seed)
    diff = a - b
    means = []
    for _ in range(n_resamples):
        means.append(diff[rng.integers(0, len(diff), size=len(diff))].mean())
    low, high = np.percentile(means, [2.5, 97.5])
    return diff.mean(), low, high


# --- significance.py on tiny arrays ---------------------------------------------------------


def test_bootstrap_ci_of_a_constant_difference_has_zero_width() -> None:
    a = np.array([0.75, 0.5, 1.0, 0.25])
    mean, low, high = paired_bootstrap_ci((a, a - 0.25), n_resamples=200, seed=1)
    assert (mean, low, high) == pytest.approx((0.25, 0.25, 0.25), abs=1e-15)


def test_bootstrap_ci_matches_a_plain_numpy_loop_with_the_same_seed() -> None:
    a = np.array([0.9, 0.1, 0.4, 0.8, 0.3, 0.55, 0.0])
    b = np.array([0.5, 0.2, 0.4, 0.3, 0.6, 0.15, 0.1])
    expected = _loop_bootstrap(a, b, 500, seed=3)
    assert paired_bootstrap_ci((a, b), n_resamples=500, seed=3) == pytest.approx(
        expected, abs=1e-12
    )
    ids = [f"q{i}" for i in range(len(a))]
    pair = align(dict(zip(ids, a, strict=True)), dict(zip(ids, b, strict=True)))
    assert paired_bootstrap_ci(pair, n_resamples=500, seed=3) == pytest.approx(expected, abs=1e-12)
    # several pairs at once share their resampled indices: each is the call on it alone
    other = align(dict(zip(ids, b, strict=True)), dict(zip(ids, a[::-1], strict=True)))
    many = bootstrap_cis([pair, other], n_resamples=500, seed=3)
    assert many[0] == pytest.approx(expected, abs=1e-12)
    assert many[1] == pytest.approx(_loop_bootstrap(b, a[::-1], 500, 3), abs=1e-12)
    assert paired_bootstrap_ci((a, b), n_resamples=500, seed=4) != pytest.approx(expected)


def test_bootstrap_ci_refuses_what_it_cannot_compute() -> None:
    a = np.array([0.1, 0.2])
    with pytest.raises(EvaluationError, match="n_resamples"):
        paired_bootstrap_ci((a, a), n_resamples=0)
    with pytest.raises(EvaluationError, match="confidence"):
        paired_bootstrap_ci((a, a), confidence=1.0)
    with pytest.raises(EvaluationError, match="one length"):
        paired_bootstrap_ci((a, np.array([0.1])))
    with pytest.raises(EvaluationError, match="NaN"):
        paired_bootstrap_ci((a, np.array([0.1, np.nan])))


def test_win_tie_loss_counts_by_hand() -> None:
    a = [0.5, 0.3, 0.2, 0.7, 0.1]
    b = [0.4, 0.3, 0.25, 0.7 + 1e-12, 0.1]  # differences +0.1, 0, -0.05, -1e-12 (noise), 0
    counts = win_tie_loss((a, b))
    assert (counts.wins, counts.ties, counts.losses) == (1, 3, 1)
    assert str(counts) == "1/3/1" and counts.tolerance == 1e-9
    loose = win_tie_loss((a, b), tolerance=0.06)  # |-0.05| is now a tie
    assert (loose.wins, loose.ties, loose.losses) == (1, 4, 0)
    with pytest.raises(EvaluationError, match="tolerance"):
        win_tie_loss((a, b), tolerance=-0.1)


# --- tables of a real MLflow store ----------------------------------------------------------


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """BM25, the best pre-trained re-ranker (minilm), a clearly stronger one (ce) and one
    close to BM25 (weak) on two datasets, one seed each, with per-query nDCG@10 and R@100."""
    root = tmp_path_factory.mktemp("paper")
    uri, artifacts = store_uri(root)
    rng = np.random.default_rng(11)
    logged: dict = {}
    for dataset in DATASETS:
        base = rng.random(len(QIDS)) * 0.7
        for system, shift in zip(SYSTEMS, (0.0, 0.08, 0.2, -0.02), strict=True):
            per_query = {}
            for metric in METRICS:
                values = np.clip(base + shift + rng.normal(0, 0.08, len(QIDS)), 0, 1)
                per_query[metric] = dict(zip(QIDS, (float(v) for v in values), strict=True))
            log_run(uri, artifacts, "paper", system, dataset, per_query)
            logged[(system, dataset)] = per_query
    return {"uri": uri, "logged": logged}


def _table(store: dict, **settings):
    runs_store = RunStore(store["uri"])
    spec = TableSpec(metrics=METRICS, efficiency=(), **settings)
    return tabulate(runs_store.search("paper"), spec, runs_store.per_query)


def _vector(store: dict, system: str, dataset: str, metric: str) -> np.ndarray:
    return np.array([store["logged"][(system, dataset)][metric][q] for q in QIDS])


def _family(groups: tuple[str, ...]) -> list[tuple[str, str, str, str]]:
    """(row, baseline, group, metric) of every test: each row against the baselines before it."""
    return [
        (row, base, group, metric)
        for group, metric in itertools.product(groups, METRICS)
        for k, base in enumerate(BASELINES)
        for row in SYSTEMS
        if row not in BASELINES[: k + 1]
    ]


def _versus(table, row: str, group: str, metric: str, baseline: str):
    j = [(c.group, c.metric) for c in table.columns].index((group, metric.replace("@", "_at_")))
    cell = table.cells[table.row_keys.index(row)][j]
    return next(v for v in cell.versus if v.baseline == baseline)


def test_two_baselines_are_corrected_as_one_family_over_the_table(store: dict) -> None:
    table = _table(store, baseline=list(BASELINES))
    assert table.row_keys == SYSTEMS and table.baselines == BASELINES
    family = _family(DATASETS)
    assert len(family) == 20  # (3 vs bm25 + 2 vs minilm) x 2 metrics x 2 datasets
    raw = np.array([
        stats.ttest_rel(_vector(store, r, g, m), _vector(store, b, g, m)).pvalue
        for r, b, g, m in family
    ])
    adjusted = _hand_holm(raw)
    for (row, base, group, metric), p, p_adj in zip(family, raw, adjusted, strict=True):
        versus = _versus(table, row, group, metric, base)
        assert versus.p_value == pytest.approx(p, rel=1e-10)
        assert versus.p_adjusted == pytest.approx(p_adj, rel=1e-10)
        diff = np.mean(_vector(store, row, group, metric) - _vector(store, base, group, metric))
        expected = None if p_adj >= 0.05 else "better" if diff > 0 else "worse"
        assert versus.direction == expected
    assert not table.cells[0][0].versus  # bm25 is tested against no one
    minilm = table.cells[1][0]
    assert [v.baseline for v in minilm.versus] == ["bm25"]  # only against the baseline before it
    assert minilm.p_adjusted == minilm.versus[0].p_adjusted  # the first baseline's, as before
    note = next(n for n in table.notes if n.startswith("†x / ‡x"))
    assert "a: bm25, b: bm25>>minilm" in note
    assert "the family is every comparison in the table, 20 tests" in note
    rows = table.to_markdown().splitlines()[2:6]
    scifact_ndcg = [row.split(" | ")[1] for row in rows]
    assert scifact_ndcg[0] == "0.3434"  # the first baseline: no mark
    assert scifact_ndcg[1].endswith("<sup>†a</sup>")  # minilm beats bm25
    assert scifact_ndcg[2].endswith("<sup>†a†b</sup>")  # ce beats both
    assert scifact_ndcg[3].endswith("<sup>‡b</sup>")  # weak: not worse than bm25, than minilm
    assert "$^{\\dagger\\mathrm{a}\\dagger\\mathrm{b}}$" in table.to_latex()


def test_family_per_column_or_per_dataset_when_asked(store: dict) -> None:
    family = _family(DATASETS)
    raw = np.array([
        stats.ttest_rel(_vector(store, r, g, m), _vector(store, b, g, m)).pvalue
        for r, b, g, m in family
    ])
    for name, key in (("column", lambda t: t[2:]), ("group", lambda t: t[2])):
        table = _table(store, baseline=list(BASELINES), family=name)
        for k in {key(t) for t in family}:
            members = [i for i, t in enumerate(family) if key(t) == k]
            for i, p_adj in zip(members, _hand_holm(raw[members]), strict=True):
                row, base, group, metric = family[i]
                assert _versus(table, row, group, metric, base).p_adjusted == pytest.approx(p_adj)
    one = _table(store, baseline="bm25", family="table")  # one baseline, the table's family
    note = next(n for n in one.notes if n.startswith("† / ‡"))
    assert "the family is every comparison in the table, 12 tests" in note


def test_pooled_group_tests_the_concatenated_queries(store: dict) -> None:
    table = _table(store, baseline=list(BASELINES), pooled=True)
    assert [c.group for c in table.columns][-2:] == ["pooled", "pooled"]
    ce = np.concatenate([_vector(store, "bm25>>ce", d, "ndcg@10") for d in DATASETS])
    bm25 = np.concatenate([_vector(store, "bm25", d, "ndcg@10") for d in DATASETS])
    versus = _versus(table, "bm25>>ce", "pooled", "ndcg@10", "bm25")
    assert versus.n_queries == 60
    assert versus.p_value == pytest.approx(stats.ttest_rel(ce, bm25).pvalue, rel=1e-10)
    j = len(table.columns) - 2
    assert table.cells[2][j].mean == pytest.approx(ce.mean())
    note = next(n for n in table.notes if n.startswith("†x"))
    assert "30 tests" in note and "of each dataset and pooled" in note
    assert "pooled: 60" in note
    pooled = "pooled: the queries of every dataset (scifact, dl19) concatenated"
    assert any(n.startswith(pooled) for n in table.notes)


def test_ci_and_win_tie_loss_per_comparison(store: dict) -> None:
    table = _table(store, baseline=list(BASELINES), ci=True, n_resamples=400, seed=5, wtl=True)
    for row, base in (("bm25>>ce", "bm25"), ("bm25>>weak", "bm25>>minilm")):
        a, b = _vector(store, row, "dl19", "ndcg@10"), _vector(store, base, "dl19", "ndcg@10")
        versus = _versus(table, row, "dl19", "ndcg@10", base)
        mean, low, high = _loop_bootstrap(a, b, 400, seed=5)
        assert versus.mean_diff == pytest.approx(mean)
        assert versus.ci == pytest.approx((low, high), abs=1e-12)
        diff = a - b
        assert versus.wtl is not None
        assert (versus.wtl.wins, versus.wtl.ties, versus.wtl.losses) == (
            int((diff > 1e-9).sum()),
            int((abs(diff) <= 1e-9).sum()),
            int((diff < -1e-9).sum()),
        )
    versus = _versus(table, "bm25>>ce", "dl19", "ndcg@10", "bm25")
    text = table.to_markdown()
    assert "| Condition | vs | Column | Δ [95% CI] | p | p adj. | W/T/L |" in text
    assert (
        f"| bm25>>ce | bm25 (a) | dl19 nDCG@10 | {versus.mean_diff:+.4f} "
        f"[{versus.ci[0]:+.4f}, {versus.ci[1]:+.4f}] | {versus.p_value:.3g} | "
        f"{versus.p_adjusted:.3g} | {versus.wtl} |"
    ) in text
    assert "400 resamples, seed 5" in text and "within ±1e-09 of (a tie)" in text
    lines = text.split("\n\n")[1].splitlines()
    assert len(lines) == 2 + len(_family(DATASETS))  # header, rule, one line per test
    csv_rows = [r.split(",") for r in table.to_csv().splitlines()]
    assert csv_rows[0][-7:] == ["baseline", "mean_diff", "ci_low", "ci_high", "wins", "ties",
                                "losses"]
    # one line per cell and baseline it was tested against, one for a cell not tested (bm25)
    assert len(csv_rows) == 1 + 4 * (1 + 1 + 2 + 2)


def test_baselines_must_be_rows_and_distinct(store: dict) -> None:
    with pytest.raises(ConfigError, match="baseline 'minilm' is not a row"):
        _table(store, baseline=["bm25", "minilm"])
    with pytest.raises(ConfigError, match="repeated"):
        TableSpec(baseline=["bm25", "bm25"])


def test_cli_two_baselines_with_ci_wtl_and_plot(store: dict, tmp_path: Path) -> None:
    from rerank_bench.cli import main

    common = ["table", "--experiment", "paper", "--tracking-uri", store["uri"], "--metrics",
              "ndcg@10", "--efficiency", "", "--baseline", "bm25,bm25>>minilm"]
    out, plot = tmp_path / "table.md", tmp_path / "wtl.png"
    code = main([*common, "--pooled", "--ci", "--resamples", "300", "--plot-wtl", str(plot),
                 "--output", str(out)])
    assert code == 0
    text = out.read_text(encoding="utf-8")
    assert "†x / ‡x: significantly better / worse than baseline x (a: bm25, b: bm25>>minilm" in text
    assert "the family is every comparison in the table, 15 tests" in text  # 5 x 3 columns
    assert "| bm25>>weak | bm25>>minilm (b) | pooled nDCG@10 |" in text
    assert "W/T/L" in text  # --plot-wtl counts them
    assert plot.read_bytes()[:4] == b"\x89PNG"
    latex = tmp_path / "table.tex"
    assert main([*common, "--format", "latex", "--family", "column", "--output", str(latex)]) == 0
    tex = latex.read_text(encoding="utf-8")
    assert "the family is the comparisons with the baselines in each column" in tex
    lines = tex.splitlines()
    second = next(i for i, line in enumerate(lines) if line.startswith("bm25\\textgreater{}"))
    assert lines[second + 1] == "\\midrule"  # the rule closes the baselines, minilm included
