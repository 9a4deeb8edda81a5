"""Measure a learning curve: one run per (point, seed), reused like a reproduction's cells.

Why through :func:`~rerank_bench.experiments.runner.reproduce`: a curve is a sweep whose
trainings take most of an hour, so it must resume after a kill and reuse every finished point
on a second call; the reproduction already does both (reuse keys over overrides, data and code)
and nests its runs under a parent. A curve is compiled into an
:class:`~rerank_bench.experiments.spec.ExperimentSpec` whose conditions are the baseline and each
(point, seed) of the system, with nothing expected (every check is ``NEW``); the statistics are
then computed from the runs' per-query metrics (:mod:`rerank_bench.evaluation.curves`).

The parent run of a curve is always made (it holds the plot, the CSV and the table as
artifacts); cells that run are nested under it, reused ones keep the parent they were made
under, and the CSV names every run either way.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rerank_bench.evaluation.curves import Crossover, CurvePoint, curve_statistics
from rerank_bench.experiments.curve_spec import CurveSpec
from rerank_bench.experiments.runner import (
    EXPERIMENT_TAG,
    Check,
    Runner,
    RunResultLike,
    reproduce,
)
from rerank_bench.experiments.spec import Condition, ExperimentSpec, Tolerance
from rerank_bench.reporting.tables.labels import metric_label

if TYPE_CHECKING:
    from rerank_bench.reporting.runs import RunStore

__all__ = [
    "WALL_TAG",
    "CurveResult",
    "CurveRun",
    "curve_experiment",
    "default_logs_folder",
    "run_curve",
    "simulated_log",
]

WALL_TAG = "curve_wall_s"
"""Tag on a curve's run: the seconds it took when it ran (kept with a reused run, so a second
call reports the measured time, not the cache's)."""


@dataclass(frozen=True)
class CurveRun:
    """One run of a curve.

    Attributes:
        x: its amount of data (``None``: the baseline).
        seed: its seed (``None``: the baseline).
        run_id: the MLflow run.
        reused: whether a finished run was reused.
        wall_s: seconds it took when it ran (tag :data:`WALL_TAG`), if known.
    """

    x: float | None
    seed: int | None
    run_id: str
    reused: bool
    wall_s: float | None


@dataclass(frozen=True)
class CurveResult:
    """A measured curve.

    Attributes:
        spec: the curve.
        points: each amount of data, increasing.
        crossover: where the gain over the baseline last rises above zero.
        baseline_score: the baseline's mean metric.
        runs: every run (the baseline first).
        parent_run_id: the curve's parent run (its artifacts).
        tracking_uri: the MLflow store.
    """

    spec: CurveSpec
    points: tuple[CurvePoint, ...]
    crossover: Crossover
    baseline_score: float
    runs: tuple[CurveRun, ...]
    parent_run_id: str
    tracking_uri: str

    def statement(self) -> str:
        """The crossover as a sentence: "X beats Y from about N searches (95% interval ...)"."""
        spec = self.spec
        first, last = self.points[0].x, self.points[-1].x
        scale = 100.0 if spec.axis == "fraction" else 1.0
        unit = f"% {spec.unit}" if spec.axis == "fraction" else f" {spec.unit}"
        where = Crossover(
            self.crossover.x * scale, self.crossover.low * scale, self.crossover.high * scale,
            self.crossover.never,
        ).describe(unit, first * scale, last * scale)
        never = (
            f"; {self.crossover.never:.0%} of the bootstrap curves never cross"
            if 0 < self.crossover.never < 1
            else ""
        )
        return (
            f"{spec.system.display} beats {spec.baseline.display} on {metric_label(spec.metric)} "
            f"{where}{never}."
        )


def curve_experiment(spec: CurveSpec, logs: Path | None = None) -> ExperimentSpec:
    """The curve as a reproduction: the baseline, then each (point, seed) of the system.

    Args:
        spec: the curve.
        logs: folder of the simulated logs of a ``searches`` axis (see :func:`simulated_log`).
    """
    nothing = {spec.dataset: {spec.metric: None}}
    tolerance = Tolerance()
    conditions = [
        Condition(spec.baseline.name, spec.baseline.display, spec.baseline.overrides, nothing,
                  tolerance)
    ]
    for x in spec.points:
        for seed in spec.seeds:
            conditions.append(
                Condition(
                    _condition_name(spec, x, seed),
                    f"{spec.system.display} [{x:g} {spec.unit}, seed {seed}]",
                    (*spec.system.overrides, _axis_override(spec, x, seed, logs), f"seed={seed}"),
                    nothing,
                    tolerance,
                )
            )
    return ExperimentSpec(
        name=spec.name,
        path=spec.path,
        description=spec.description,
        mlflow_experiment=spec.mlflow_experiment,
        conditions=tuple(conditions),
        metrics=(spec.metric,),
        common_overrides=spec.common_overrides,
    )


def run_curve(
    spec: CurveSpec,
    tracking_uri: str,
    logs: Path,
    runner: Runner | None = None,
    force: bool = False,
    reuse_any_commit: bool = False,
    on_check: Callable[[Check], None] | None = None,
) -> CurveResult:
    """Run (or reuse) every run of the curve and compute its statistics.

    Args:
        spec: the curve.
        tracking_uri: the MLflow store.
        logs: where the simulated logs of a ``searches`` axis are written (reused when present:
            a log is a pure function of dataset, size and seed).
        runner: runs one job from overrides; default :func:`rerank_bench.pipeline.run_overrides`.
        force: re-run every run.
        reuse_any_commit: reuse runs made by another clean commit (see ``reproduce``).
        on_check: called with each run's check (its metric) as soon as it is known.

    Raises:
        ConfigError: a run that does not compose (before any runs).
        EvaluationError: a run evaluated on other queries than the baseline.
    """
    from rerank_bench.reporting.runs import RunStore, default_artifact_root
    from rerank_bench.tracking.parents import close_parent, open_parent
    from rerank_bench.tracking.writer import resolve_tracking_uri

    if runner is None:
        from rerank_bench.pipeline import run_overrides

        runner = run_overrides
    if spec.axis == "searches":
        for x in spec.points:
            for seed in spec.seeds:
                simulated_log(spec, x, seed, logs)
    uri = resolve_tracking_uri(tracking_uri)
    experiment = curve_experiment(spec, logs)
    parent = open_parent(uri, spec.mlflow_experiment, default_artifact_root(),
                         f"curve {spec.name}", {EXPERIMENT_TAG: spec.name})  # makes the store
    store = RunStore(uri)
    failed = True
    try:
        report = reproduce(experiment, uri, _timed(runner, store), force=force,
                           on_check=on_check, reuse_any_commit=reuse_any_commit,
                           parent_run_id=parent)
        per_query = {
            key: store.per_query(store.get(run_id)).metric(spec.metric) or {}
            for key, run_id in report.run_ids.items()
        }
        baseline = per_query[(spec.baseline.name, spec.dataset)]
        points = {
            x: [per_query[(_condition_name(spec, x, s), spec.dataset)] for s in spec.seeds]
            for x in spec.points
        }
        stats, crossover = curve_statistics(points, baseline, spec.n_resamples)
        runs = [_run(store, report.run_ids, report.reused, spec, None, None)] + [
            _run(store, report.run_ids, report.reused, spec, x, s)
            for x in spec.points
            for s in spec.seeds
        ]
        failed = False
    finally:
        close_parent(uri, parent, failed=failed)
    return CurveResult(
        spec, tuple(stats), crossover, sum(baseline.values()) / len(baseline), tuple(runs),
        parent, uri,
    )


def default_logs_folder() -> Path:
    """Where simulated logs of a ``searches`` axis go: ``$RERANK_BENCH_HOME/cache/curve_logs``
    (beside the other caches, ``.rerank-bench`` by default)."""
    return Path(os.environ.get("RERANK_BENCH_HOME", ".rerank-bench")) / "cache" / "curve_logs"


def simulated_log(spec: CurveSpec, searches: float, seed: int, logs: Path) -> Path:
    """The simulated log of ``searches`` searches with ``seed`` on the curve's dataset's training
    split: written once (atomically), then reused."""
    path = _log_path(spec, searches, seed, logs)
    if not path.is_file():
        from rerank_bench.data.registry import load_dataset
        from rerank_bench.feedback.simulate import simulate_log

        simulate_log(load_dataset(spec.dataset), int(searches), seed, path, split="train")
    return path


def _log_path(spec: CurveSpec, searches: float, seed: int, logs: Path) -> Path:
    return logs / f"{spec.dataset}_{int(searches)}_seed{seed}.jsonl.gz"


def _axis_override(spec: CurveSpec, x: float, seed: int, logs: Path | None) -> str:
    """The override that sets a run's amount of data."""
    if spec.axis == "fraction":
        return f"train.train_fraction={x:g}"
    if logs is None:
        raise ValueError("a searches axis needs the folder of its simulated logs.")
    return f"train.label_source.log='{_log_path(spec, x, seed, logs).resolve()}'"


def _condition_name(spec: CurveSpec, x: float, seed: int) -> str:
    return f"{spec.system.name}@{x:g}#seed{seed}"


def _timed(runner: Runner, store: RunStore) -> Runner:
    """``runner``, tagging each run it makes with the seconds it took (:data:`WALL_TAG`)."""

    def run(overrides: list[str]) -> RunResultLike:
        start = time.perf_counter()
        result = runner(overrides)
        store.client.set_tag(result.run_id, WALL_TAG, f"{time.perf_counter() - start:.1f}")
        return result

    return run


def _run(
    store: RunStore,
    run_ids: Mapping[tuple[str, str], str],
    reused: frozenset[tuple[str, str]],
    spec: CurveSpec,
    x: float | None,
    seed: int | None,
) -> CurveRun:
    name = spec.baseline.name if x is None or seed is None else _condition_name(spec, x, seed)
    key = (name, spec.dataset)
    run_id = run_ids[key]
    wall = store.get(run_id).tags.get(WALL_TAG)
    return CurveRun(x, seed, run_id, key in reused, None if wall is None else float(wall))
