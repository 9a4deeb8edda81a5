"""Learning curves: the statistics checked by hand, the spec's errors, and a real curve run
twice (the second run reuses every point)."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np
import pytest
from test_experiments import CLEAN, _at_commit

from rerank_bench.errors import ConfigError, EvaluationError
from rerank_bench.evaluation.curves import Crossover, crossing, curve_statistics
from rerank_bench.evaluation.significance import resample_counts
from rerank_bench.experiments.curve_spec import find_curve, load_curve


def test_crossing_interpolates_the_last_rise_on_a_log_axis() -> None:
    # between 100 (-0.1) and 1000 (+0.1) the gain is zero halfway on a log axis: sqrt(100 * 1000)
    assert crossing([10, 100, 1000], [-0.3, -0.1, 0.1]) == pytest.approx(math.sqrt(1e5))
    # a dip after a first rise: the crossing is the last rise (past it, every point wins)
    assert crossing([10, 100, 1000], [0.2, -0.1, 0.3]) == pytest.approx(
        math.exp(math.log(100) + 0.25 * math.log(10))
    )
    assert crossing([10, 100], [0.1, 0.2]) == 0.0  # already beats at the first point
    assert crossing([10, 100], [-0.1, 0.0]) == math.inf  # a tie is not a win


def test_point_means_gains_and_intervals_by_hand() -> None:
    queries = ["a", "b", "c", "d"]
    baseline = dict(zip(queries, [0.5, 0.5, 0.4, 0.6], strict=True))
    seeds_small = [dict(zip(queries, v, strict=True)) for v in ([0.4, 0.5, 0.3, 0.5],
                                                                  [0.4, 0.3, 0.3, 0.6])]
    seeds_large = [dict(zip(queries, v, strict=True)) for v in ([0.7, 0.6, 0.5, 0.8],
                                                                  [0.6, 0.7, 0.6, 0.7])]
    points, cross = curve_statistics({100: seeds_large, 10: seeds_small}, baseline, 2000, 7)
    small, large = points
    assert (small.x, large.x) == (10.0, 100.0)  # sorted by amount
    assert small.mean == pytest.approx(np.mean([0.4, 0.5, 0.3, 0.5, 0.4, 0.3, 0.3, 0.6]))
    assert small.per_seed == pytest.approx((0.425, 0.4))
    assert small.gain == pytest.approx(small.mean - 0.5)
    assert large.gain == pytest.approx(0.65 - 0.5)
    assert small.low <= small.mean <= small.high and large.gain_low <= large.gain <= large.gain_high
    assert large.gain_low > 0  # every cell of the large point beats the baseline's mean

    # the intervals are percentiles of the two-level resampled means, drawn as documented
    rng = np.random.default_rng(7)
    q = resample_counts(rng, 4, 2000).astype(float)
    s_small = resample_counts(rng, 2, 2000).astype(float)
    m = np.array([[r[k] for k in queries] for r in seeds_small])
    means = np.einsum("rs,sq,rq->r", s_small, m, q) / 8
    assert (small.low, small.high) == pytest.approx(tuple(np.percentile(means, [2.5, 97.5])))
    # halfway (log axis) at the observed means: gains -0.0875 at 10 and +0.15 at 100
    assert cross.x == pytest.approx(10 ** (1 + 0.0875 / (0.0875 + 0.15)))
    assert 10 <= cross.low <= cross.x <= cross.high <= 100 or cross.low == 0.0


def test_crossover_sentence_names_open_ends() -> None:
    assert Crossover(317.4, 250.0, 410.0, 0.0).describe(" searches", 30, 3000) == (
        "from about 317 searches (95% interval: 250 searches to 410 searches)"
    )
    assert Crossover(0.0, 0.0, 40.0, 0.0).describe("%", 10, 100) == (
        "already at 10% (the smallest amount measured) (95% interval: below 10% to 40%)"
    )
    assert Crossover(math.inf, 50.0, math.inf, 0.6).describe(" searches", 30, 3000).startswith(
        "never, up to 3,000 searches (95% interval: 50 searches to beyond 3,000 searches)"
    )


def test_statistics_refuse_unpaired_queries_and_a_zero_amount() -> None:
    base = {"a": 0.1, "b": 0.2}
    with pytest.raises(EvaluationError, match=r"point 10, seed #0: .*1 missing, 0 extra"):
        curve_statistics({10: [{"a": 0.3}], 20: [base]}, base)
    with pytest.raises(EvaluationError, match="must be positive"):
        curve_statistics({0: [base], 20: [base]}, base)


def _curve(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tiny" / "curve.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


_SIDES = "baseline: {name: b}\nsystem: {name: s}\ndataset: helpdesk\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (_SIDES + "seeds: [1]\naxis: {kind: fraction, points: [0.5, 2]}", r"fractions must lie"),
        (_SIDES + "seeds: [1]\naxis: {kind: fraction, points: [0.5, 0.2]}", "increasing"),
        (_SIDES + "seeds: [1]\naxis: {kind: steps, points: [1, 2]}", r"axis.kind: expected one"),
        (_SIDES + "seeds: [1]\naxis: {kind: searches, points: [10.5, 20]}", "positive integers"),
        (_SIDES + "seeds: [1, 1]\naxis: {kind: searches, points: [10, 20]}", "seeds repeat"),
        (_SIDES + "seeds: []\naxis: {kind: searches, points: [10, 20]}", "non-empty list"),
        ("baseline: {name: b}\nsystem: {name: b}\ndataset: d\nseeds: [1]\n"
         "axis: {kind: searches, points: [10, 20]}", "is the baseline's name too"),
        (_SIDES + "axis: {kind: searches, points: [10, 20]}", r"missing .*\['seeds'"),
    ],
)
def test_curve_spec_errors_name_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = _curve(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as caught:
        load_curve(path)
    assert str(path) in str(caught.value)


def test_the_helpdesk_curve_is_valid(repo_root: Path) -> None:
    spec = load_curve(find_curve("helpdesk_curve", repo_root / "experiments"))
    assert spec.axis == "fraction" and spec.points == (0.1, 0.25, 0.5, 1.0)
    assert len(spec.seeds) >= 3 and spec.baseline.name == "bm25_minilm"


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data_root: Path) -> str:
    """An empty MLflow store and cache in ``tmp_path``, on the shared data."""
    monkeypatch.setenv("RERANK_BENCH_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("RERANK_BENCH_DATA", str(data_root))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return f"sqlite:///{tmp_path / 'state' / 'mlflow.db'}"


_MEMORY = (
    "dataset: helpdesk\n"
    "common_overrides: [dataset=helpdesk, retriever=bm25]\n"
    "baseline: {name: bm25, display: BM25, overrides: [reranker=none]}\n"
    "system: {name: memory, display: log memory, overrides: [reranker=log_memory, train=memory, "
    "labels=explicit, train.dev_from_labels=false]}\n"
    "resamples: 300\n"
)


@pytest.mark.slow
def test_a_curve_runs_writes_its_outputs_and_reuses_every_point(
    tmp_path: Path, env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rerank_bench.experiments.curve import WALL_TAG, run_curve
    from rerank_bench.reporting.curves import write_curve
    from rerank_bench.reporting.runs import RunStore

    _at_commit(monkeypatch, CLEAN)
    text = _MEMORY + "axis: {kind: fraction, points: [0.2, 1.0]}\nseeds: [1, 2]\n"
    spec = load_curve(_curve(tmp_path, text))
    first = run_curve(spec, env, tmp_path / "logs")
    small, full = first.points
    assert small.per_seed[0] != small.per_seed[1]  # the seed draws another 20% of the questions
    assert small.mean < full.mean  # the memory remembers more questions with more of them
    store = RunStore(env)
    per_query = store.per_query(store.get(first.runs[0].run_id)).metric("ndcg@10") or {}
    assert first.baseline_score == pytest.approx(sum(per_query.values()) / len(per_query))
    assert all(not r.reused and r.wall_s is not None and r.wall_s > 0 for r in first.runs)
    client = store.client
    parent = client.get_run(first.parent_run_id)
    assert parent.info.status == "FINISHED" and parent.info.run_name == "curve tiny"
    assert {client.get_run(r.run_id).data.tags["mlflow.parentRunId"] for r in first.runs} == {
        first.parent_run_id
    }

    written = write_curve(first, tmp_path / "out", "test machine", CLEAN, "today")
    assert [p.name for p in written] == ["curve.png", "curve.csv", "RESULTS.md"]
    assert written[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rows = _rows(written[1].read_text(encoding="utf-8"))
    assert [float(r["x"]) for r in rows] == [0.2, 1.0]
    assert float(rows[1]["gain"]) == pytest.approx(full.gain)
    assert len(rows[0]["run_ids"].split()) == 2
    page = written[2].read_text(encoding="utf-8")
    assert first.statement() in page and "| 20% | 2 |" in page
    artifacts = {f.path for f in client.list_artifacts(first.parent_run_id, "curve")}
    assert artifacts == {"curve/curve.png", "curve/curve.csv", "curve/RESULTS.md"}

    again = run_curve(spec, env, tmp_path / "logs")
    assert all(r.reused for r in again.runs)
    assert [r.run_id for r in again.runs] == [r.run_id for r in first.runs]
    assert [r.wall_s for r in again.runs] == [r.wall_s for r in first.runs]  # not the cache's
    assert again.points == first.points and again.parent_run_id != first.parent_run_id
    assert store.get(first.runs[1].run_id).tags[WALL_TAG]


@pytest.mark.slow
def test_a_searches_axis_trains_on_simulated_logs_of_each_size(
    tmp_path: Path, env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rerank_bench.experiments.curve import run_curve
    from rerank_bench.feedback.schema import read_log

    text = _MEMORY + "axis: {kind: searches, points: [100, 3000]}\nseeds: [1]\n"
    spec = load_curve(_curve(tmp_path, text))
    result = run_curve(spec, env, tmp_path / "logs")
    logs = sorted((tmp_path / "logs").iterdir())
    assert [p.name for p in logs] == ["helpdesk_100_seed1.jsonl.gz", "helpdesk_3000_seed1.jsonl.gz"]
    assert len(list(read_log(logs[0]))) == 100
    few, many = result.points
    assert few.mean < many.mean  # a larger log covers more questions
