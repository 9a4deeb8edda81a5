"""A paper table of runs held in memory, evaluated on one split: no MLflow, no files.

Why: a researcher comparing rankings in a notebook (a retriever's output, a run file, a variant
made by hand) should get the table ``rerank-bench table`` prints for the same runs (the same
values, the same corrected paired test, the same † / ‡ and bold / underline, the same footnote)
without logging them first. Each run is evaluated with
:func:`~rerank_bench.evaluation.metrics.evaluate`, the pipeline's door to ranx, and the table is
finished by :func:`~rerank_bench.reporting.tables.build.table_from_cells`, as tables of MLflow
runs are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rerank_bench.data.records import Run, Split
from rerank_bench.errors import ConfigError
from rerank_bench.evaluation.metrics import evaluate, metric_key
from rerank_bench.evaluation.significance import CorrectionName, FamilyName, TestName
from rerank_bench.reporting.tables.build import table_from_cells
from rerank_bench.reporting.tables.labels import metric_label
from rerank_bench.reporting.tables.model import Cell, Column, Table
from rerank_bench.reporting.tables.spec import DEFAULT_METRICS, TableSpec

__all__ = ["compare"]


def compare(
    split: Split,
    runs: Mapping[str, Run],
    baseline: str | Sequence[str],
    metrics: Sequence[str] = DEFAULT_METRICS,
    test: TestName = "ttest",
    correction: CorrectionName = "holm",
    alpha: float = 0.05,
    *,
    n_permutations: int = 10_000,
    seed: int = 42,
    family: FamilyName | None = None,
    ci: bool = False,
    n_resamples: int = 10_000,
    wtl: bool = False,
) -> Table:
    """Evaluate runs on a split and test each against the baseline: a :class:`Table`.

    ``compare(split, {"bm25": bm25, "mine": mine}, baseline="bm25").to_markdown()`` is the table
    ``rerank-bench table --baseline bm25`` shows for the same rankings logged as MLflow runs.

    Args:
        split: the judgments, at the split's relevance level (as the pipeline evaluates).
        runs: row name -> ranking, in display order (the baseline is shown first).
        baseline: the row every other row is tested against, or several (each row is tested
            against the baselines listed before it; marks name them by letter).
        metrics: ranx metric names, one column each.
        test: ``"ttest"`` (paired t-test) or ``"fisher"`` (randomisation test).
        correction: ``"holm"``, ``"bonferroni"`` or ``"none"``, over each ``family``.
        alpha: family-wise significance level.
        n_permutations: permutations of the randomisation test.
        seed: seed of the randomisation test and of the bootstrap.
        family: what one correction covers (:attr:`TableSpec.family`).
        ci: add each comparison's paired bootstrap 95% interval (the comparisons block).
        n_resamples: bootstrap resamples.
        wtl: add each comparison's per-query wins/ties/losses (the comparisons block).

    Returns:
        The table; render it with ``.to_markdown()`` or ``.render(fmt)``.

    Raises:
        ConfigError: a baseline is not one of the runs, or baselines are repeated.
        EvaluationError: a metric ranx does not know, or an invalid test, correction or alpha.
    """
    baselines = (baseline,) if isinstance(baseline, str) else tuple(baseline)
    for one in baselines:
        if one not in runs:
            raise ConfigError(
                f"baseline {one!r} is not one of the runs ({', '.join(runs)}). Fix: pass the "
                "name of one of them."
            )
    spec = TableSpec(
        columns="split",
        metrics=tuple(metrics),
        baseline=baselines,
        test=test,
        correction=correction,
        alpha=alpha,
        n_permutations=n_permutations,
        seed=seed,
        family=family,
        ci=ci,
        n_resamples=n_resamples,
        wtl=wtl,
        efficiency=(),
    )
    rows = [*baselines, *(name for name in runs if name not in baselines)]
    evaluations = {name: evaluate(split, runs[name], spec.metrics) for name in rows}
    columns = [Column(split.name, metric_key(m), metric_label(metric_key(m))) for m in spec.metrics]
    cells = [[Cell(evaluations[r].mean[m], n_runs=1) for m in spec.metrics] for r in rows]
    per_query = [{r: evaluations[r].per_query[m] for r in rows} for m in spec.metrics]
    return table_from_cells(rows, rows, columns, cells, per_query, spec)
