"""A measured learning curve as a plot, a CSV and a Markdown page (RESULTS.md).

Why one module: the three show the same :class:`~rerank_bench.experiments.curve.CurveResult`
(the plot for the eye, the CSV for further analysis, the page for the record), so they are
written together by :func:`write_curve`, atomically, and attached to the curve's parent run.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

from rerank_bench.data.io import atomic_write
from rerank_bench.evaluation.curves import CI_LEVEL
from rerank_bench.experiments.curve import CurveResult, CurveRun
from rerank_bench.reporting.plots import _figure, _save
from rerank_bench.reporting.tables.labels import metric_label

__all__ = ["CURVE_FILES", "curve_csv", "curve_markdown", "plot_curve", "write_curve"]

CURVE_FILES = ("curve.png", "curve.csv", "RESULTS.md")


def curve_csv(result: CurveResult) -> str:
    """One line per point: amount, seeds, mean and gain with their intervals, per-seed means,
    run ids and the measured minutes per run (unrounded)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["axis", "x", "n_seeds", "n_queries", "metric", "mean", "ci_low", "ci_high",
         "baseline", "gain", "gain_low", "gain_high", "per_seed", "run_ids", "minutes_per_run"]
    )
    for point in result.points:
        runs = [r for r in result.runs if r.x == point.x]
        writer.writerow(
            [result.spec.axis, point.x, point.n_seeds, point.n_queries, result.spec.metric,
             point.mean, point.low, point.high, result.baseline_score, point.gain,
             point.gain_low, point.gain_high, " ".join(f"{v:.6f}" for v in point.per_seed),
             " ".join(r.run_id for r in runs), _minutes(runs)]
        )
    return buffer.getvalue()


def curve_markdown(result: CurveResult, machine: str, commit: str, date: str) -> str:
    """The curve's RESULTS.md: the crossover sentence, the table, the plot and the runs."""
    spec = result.spec
    label = metric_label(spec.metric)
    axis = "fraction of the training questions" if spec.axis == "fraction" else spec.unit
    lines = [
        f"# {spec.name}: learning curve",
        "",
        f"Written by `rerank-bench curve {spec.name}`; do not edit by hand.",
        "",
        f"- written at commit: `{commit}`",
        f"- written on machine: {machine}",
        f"- written on date: {date}",
        "",
        *([spec.description, ""] if spec.description else []),
        f"**Crossover.** {result.statement()}",
        "",
        f"| {axis} | runs | {label} ({CI_LEVEL:.0%} CI) | gain over baseline ({CI_LEVEL:.0%} CI) "
        "| per seed | minutes per run |",
        "|---:|---:|---|---|---|---:|",
    ]
    for point in result.points:
        runs = [r for r in result.runs if r.x == point.x]
        amount = f"{point.x:.0%}" if spec.axis == "fraction" else f"{point.x:,.0f}"
        minutes = _minutes(runs)
        lines.append(
            f"| {amount} | {point.n_seeds} | {point.mean:.4f} [{point.low:.4f}, {point.high:.4f}] "
            f"| {point.gain:+.4f} [{point.gain_low:+.4f}, {point.gain_high:+.4f}] "
            f"| {', '.join(f'{v:.4f}' for v in point.per_seed)} "
            f"| {'' if minutes is None else f'{minutes:.1f}'} |"
        )
    n_queries = result.points[0].n_queries
    lines += [
        "",
        f"Baseline: {spec.baseline.display}, {label} {result.baseline_score:.4f} (one run: it "
        "does not train, so a seed does not move it). Gain: the system's per-query value minus "
        f"the baseline's, on the same {n_queries} test queries. Intervals: a two-level "
        f"bootstrap ({spec.n_resamples:,} resamples, seed 42) that draws the seeds and the "
        "queries with replacement, so they cover both the training run and the test sample; "
        "the same query draws serve every point, so each resample gives one whole curve, and "
        "the crossover's interval is the spread of those curves' crossings (the last rise "
        "above zero on a log axis, interpolated between points). Minutes per run: measured "
        "when the run ran (a reused run keeps its figure).",
        "",
        "![learning curve](curve.png)",
        "",
        "## MLflow runs",
        "",
        f"Parent run `{result.parent_run_id}` (experiment `{spec.mlflow_experiment}`) holds "
        "this page, `curve.csv` and `curve.png`; `curve.csv` names every run of every point.",
        "",
    ]
    return "\n".join(lines)


def plot_curve(result: CurveResult, path: str | Path) -> Path:
    """Two panels on a log data axis: the metric with its band and the baseline, and the gain
    with its band, zero and the crossover (with its interval)."""
    spec = result.spec
    points = result.points
    scale = 100.0 if spec.axis == "fraction" else 1.0
    xs = [p.x * scale for p in points]
    label = metric_label(spec.metric)
    xlabel = "% of the training questions" if spec.axis == "fraction" else spec.unit
    fig, (left, right) = _figure(2, width=5.0)
    left.fill_between(xs, [p.low for p in points], [p.high for p in points], alpha=0.25,
                      color="tab:blue", label=f"{CI_LEVEL:.0%} CI")
    left.plot(xs, [p.mean for p in points], "o-", color="tab:blue", label=spec.system.name)
    left.axhline(result.baseline_score, color="tab:gray", ls="--", label=spec.baseline.name)
    left.set_ylabel(f"test {label}")
    right.fill_between(xs, [p.gain_low for p in points], [p.gain_high for p in points],
                       alpha=0.25, color="tab:green", label=f"{CI_LEVEL:.0%} CI")
    right.plot(xs, [p.gain for p in points], "o-", color="tab:green", label="gain")
    right.axhline(0.0, color="tab:gray", lw=0.8)
    right.set_ylabel(f"gain in {label} over {spec.baseline.name}")
    cross = result.crossover
    if 0.0 < cross.x < math.inf:
        for ax in (left, right):
            ax.axvline(cross.x * scale, color="tab:red", ls=":", label="crossover")
            low = max(cross.low * scale, xs[0]) if cross.low > 0 else xs[0]
            high = min(cross.high * scale, xs[-1]) if math.isfinite(cross.high) else xs[-1]
            ax.axvspan(low, high, color="tab:red", alpha=0.08)
    for ax in (left, right):
        ax.set_xscale("log")
        ax.set_xlabel(xlabel)
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
    fig.suptitle(f"{spec.name}: {spec.system.display}", fontsize=9)
    return _save(fig, path, None, None)


def write_curve(
    result: CurveResult, folder: str | Path, machine: str, commit: str, date: str
) -> list[Path]:
    """Write :data:`CURVE_FILES` into ``folder`` and attach them to the curve's parent run."""
    from rerank_bench.reporting.runs import RunStore

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = [plot_curve(result, folder / "curve.png")]
    for name, text in (
        ("curve.csv", curve_csv(result)),
        ("RESULTS.md", curve_markdown(result, machine, commit, date)),
    ):
        with atomic_write(folder / name) as handle:
            handle.write(text)
        written.append(folder / name)
    store = RunStore(result.tracking_uri)
    for path in written:
        store.log_artifact(result.parent_run_id, path, "curve")
    return written


def _minutes(runs: list[CurveRun]) -> float | None:
    """Mean measured minutes of the runs that have a figure."""
    walls = [r.wall_s for r in runs if r.wall_s is not None]
    return sum(walls) / len(walls) / 60.0 if walls else None
