"""RESULTS.md: the record a reproduction leaves beside its spec.

Why: a reader of a results page must be able to tell which code and data made each number
without opening MLflow. The table is built by the same code as ``rerank-bench table``; the page
says which commit and machine wrote it, and the "MLflow runs" section gives every row its own
run, commit and start date, because a reused row was computed earlier, possibly by other code.
Readers (and ``check_story.py``) rely on the "## Table" section, the display names, the † / ‡
significance marks, ⚠ for a collapsed ranker and the per-query top-k tables.
"""

from __future__ import annotations

import datetime as _dt
import importlib.metadata
import os
import platform
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rerank_bench.data.io import atomic_write
from rerank_bench.experiments.runner import CONDITION_TAG, ReproReport
from rerank_bench.machine import cpu_model
from rerank_bench.tracking.writer import mask_password

if TYPE_CHECKING:
    from rerank_bench.reporting.runs import RunRecord
    from rerank_bench.reporting.tables import Table

__all__ = [
    "FRONTIER_FILE",
    "machine_info",
    "machine_line",
    "results_markdown",
    "results_table",
    "write_results",
]

FRONTIER_FILE = "frontier.png"
"""The quality/cost frontier written beside RESULTS.md by a spec with ``cost: true``."""


def machine_info() -> dict[str, str]:
    """CPU model, cores, torch and Python versions, platform and date (UTC) of this machine."""
    try:
        torch_version = importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        torch_version = "not installed"
    return {
        "cpu": cpu_model(),
        "cores": str(os.cpu_count()),
        "torch": torch_version,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def machine_line(machine: dict[str, str] | None = None) -> str:
    """One line naming the machine, printed beside every figure (RESULTS.md, benchmarks): these
    machines are noisy and their CPU model changes, so a figure without it cannot be compared."""
    m = machine or machine_info()
    return (
        f"{m['cpu']}, {m['cores']} cores; torch {m['torch']}, Python {m['python']}, "
        f"{m['platform']}"
    )


def results_table(report: ReproReport, runs: Mapping[str, RunRecord] | None = None) -> Table:
    """The paper table of a reproduction: a row per condition, tested against the spec's
    baselines, with the serving cost columns in place of the batch throughput when the spec asks
    (``cost: true``); ``runs``: the report's runs by id, when the caller has read them."""
    from rerank_bench.reporting.runs import RunStore
    from rerank_bench.reporting.tables import DEFAULT_EFFICIENCY, build_table
    from rerank_bench.serving import COST_METRICS

    spec = report.spec
    store = RunStore(report.tracking_uri)
    by_id = runs if runs is not None else _runs(report, store)
    # Rows are conditions: key each run by the condition it was run for.
    keyed = [
        _with_condition(by_id[run_id], condition)
        for (condition, _), run_id in report.run_ids.items()
    ]
    return build_table(
        keyed,
        store.per_query,
        rows=f"tags.{CONDITION_TAG}",
        metrics=spec.metrics,
        baseline=_baselines_run(spec.baseline, {condition for condition, _ in report.run_ids}),
        test=spec.test,  # type: ignore[arg-type]
        correction=spec.correction,  # type: ignore[arg-type]
        alpha=spec.alpha,
        row_order=[c.name for c in spec.conditions],
        row_labels={c.name: c.display for c in spec.conditions},
        caption=" ".join(spec.description.split()),
        row_header="System",
        efficiency=COST_METRICS if spec.cost else DEFAULT_EFFICIENCY,
    )


def results_markdown(report: ReproReport, table: Table | None = None,
                     frontier: bool = False, runs: Mapping[str, RunRecord] | None = None) -> str:
    """The RESULTS.md text: paper table (:func:`results_table` unless given), the frontier
    plot's link (``frontier``: :data:`FRONTIER_FILE` was written beside it), checks, MLflow run
    ids, commit and machine; ``runs``: the report's runs by id, when the caller has read them."""
    from rerank_bench.reporting.runs import RunStore

    spec = report.spec
    store = RunStore(report.tracking_uri)
    by_id = runs if runs is not None else _runs(report, store)
    table = table or results_table(report, by_id)
    machine = machine_info()
    lines = [
        f"# {spec.name}: results",
        "",
        "Written by `rerank-bench reproduce " + spec.name + "`; do not edit by hand.",
        "",
        f"- written at commit: `{report.code.commit}` (rerank-bench {report.code.version})",
        f"- written on machine: {machine_line(machine)}",
        f"- written on date: {machine['date']}",
        "- each row's own run, commit and start date: see [MLflow runs](#mlflow-runs) (a reused "
        "row was computed then, by that commit, not now)",
        f"- MLflow: `{mask_password(report.tracking_uri)}`, experiment `{spec.mlflow_experiment}`",
        "",
        "## Table",
        "",
        table.to_markdown().rstrip(),
        "",
    ]
    if frontier:
        lines += [
            "## Quality against serving cost",
            "",
            f"![{spec.metrics[0] if spec.metrics else 'quality'} against ms/query and $ per "
            f"1,000 queries, Pareto frontier in red]({FRONTIER_FILE})",
            "",
        ]
    lines += [
        "## Checks against the expected values",
        "",
        "| Condition | Dataset | Metric | Expected | Got | Δ | Tolerance (ok / okish) | Verdict |",
        "| :-- | :-- | :-- | --: | --: | --: | --: | :-- |",
    ]
    for check in report.checks:
        exp, got, diff = check.values()
        tol = f"{check.tolerance.ok:g} / {check.tolerance.okish:g}"
        lines.append(
            f"| {check.condition} | {check.dataset} | {check.metric} | {exp} | {got} | {diff} "
            f"| {tol} | {check.verdict} |"
        )
    for dataset, files in spec.subsets.items():
        lines += ["", f"## By query subset: {dataset}", ""]
        lines.append(_subset_table(report, store, dataset, files).rstrip())
    for dataset, query_ids in spec.showcase.items():
        lines += ["", f"## Top {spec.showcase_depth} per system: {dataset}", ""]
        lines.append(_showcase(report, store, dataset, query_ids).rstrip())
    lines += [
        "",
        "## MLflow runs",
        "",
        "| Condition | Dataset | Run id | Commit | Started | |",
        "| :-- | :-- | :-- | :-- | :-- | :-- |",
    ]
    for (condition, dataset), run_id in report.run_ids.items():
        run = by_id[run_id]
        commit = _short_commit(run.tags.get("git_commit"))
        note = "reused" if (condition, dataset) in report.reused else "ran"
        lines.append(
            f"| {condition} | {dataset} | `{run_id}` | `{commit}` | {_started(run.start_time)} "
            f"| {note} |"
        )
    return "\n".join(lines) + "\n"


def _runs(report: ReproReport, store: Any) -> dict[str, RunRecord]:
    """The report's runs by id, read from the store once."""
    return {run_id: store.get(run_id) for run_id in report.run_ids.values()}


def _short_commit(commit: str | None) -> str:
    """A commit as ``git log --oneline`` would abbreviate it, keeping ``-dirty``."""
    if not commit:
        return "unknown"
    sha, dirty, _ = commit.partition("-dirty")
    return sha[:12] + dirty


def _started(start_time: int) -> str:
    """A run's start (milliseconds since the epoch) as a UTC minute, ``—`` when not recorded."""
    if start_time <= 0:
        return "—"
    return _dt.datetime.fromtimestamp(start_time / 1000, _dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _subset_table(report: ReproReport, store: Any, dataset: str, files: Mapping[str, str]) -> str:
    """Mean metrics of every condition on each query subset (and on all queries), from the
    per-query values the runs logged; a subset's size is the number of its queries evaluated."""
    from rerank_bench.data.io import read_lines
    from rerank_bench.data.sources import resolve_path

    subsets = {
        label: {line.strip() for _, line in read_lines(resolve_path(path)) if line.strip()}
        for label, path in files.items()
    }
    cells = [(c, run_id) for (c, d), run_id in report.run_ids.items() if d == dataset]
    display = {c.name: c.display for c in report.spec.conditions}
    metric = report.spec.metrics[0]
    header, rows = None, []
    for condition, run_id in cells:
        values = store.per_query(run_id).metric(metric) or {}
        groups = {"all": set(values), **{k: v & set(values) for k, v in subsets.items()}}
        if header is None:
            header = [f"{label} ({len(ids)})" for label, ids in groups.items()]
            header += [f"not {label} ({len(values) - len(groups[label])})" for label in subsets]
        means = [_mean(values, ids) for ids in groups.values()]
        means += [_mean(values, set(values) - groups[label]) for label in subsets]
        rows.append(f"| {display[condition]} | " + " | ".join(means) + " |")
    if header is None:
        return f"No run on {dataset!r}."
    return "\n".join(
        [
            f"{metric} by query subset (query counts in parentheses).",
            "",
            "| System | " + " | ".join(header) + " |",
            "| :-- |" + " --: |" * len(header),
            *rows,
        ]
    )


def _mean(values: Mapping[str, float], ids: set[str]) -> str:
    return f"{sum(values[q] for q in ids) / len(ids):.4f}" if ids else "—"


def _showcase(report: ReproReport, store: Any, dataset_name: str, query_ids: Sequence[str]) -> str:
    """Each condition's top documents for the showcase queries, from the run files it logged.

    The dataset is rebuilt from the first run's logged ``config.yaml``, so the titles and
    judgments are those of the data the runs evaluated.
    """
    from hydra.utils import instantiate
    from omegaconf import OmegaConf

    from rerank_bench.reporting.showcase import load_logged_run, showcase_markdown

    display = {c.name: c.display for c in report.spec.conditions}
    cells = [(c, run_id) for (c, d), run_id in report.run_ids.items() if d == dataset_name]
    if not cells:
        return f"No run on {dataset_name!r}; the showcase needs one."
    config = OmegaConf.create(store.artifact_text(cells[0][1], "config.yaml"))
    source = instantiate(config.dataset)
    systems = [
        (display[c], load_logged_run(store.artifact_text(run_id, "run.trec")))
        for c, run_id in cells
    ]
    return showcase_markdown(
        source.load(), source.eval_split, systems, query_ids, report.spec.showcase_depth
    )


def _baselines_run(
    baseline: str | tuple[str, ...] | None, conditions: set[str]
) -> tuple[str, ...] | None:
    """The spec's baselines that were run (a partial reproduction may skip one)."""
    named = (baseline,) if isinstance(baseline, str) else baseline or ()
    return tuple(b for b in named if b in conditions) or None


def _with_condition(run: Any, condition: str) -> Any:
    from dataclasses import replace

    return replace(run, tags={**run.tags, CONDITION_TAG: condition})


def write_results(report: ReproReport, path: str | Path | None = None) -> Path:
    """Write RESULTS.md (atomically) beside the spec, or at ``path``; with the spec's ``cost``,
    the frontier plot beside it (when some run measured its serving cost)."""
    from rerank_bench.reporting.runs import RunStore
    from rerank_bench.reporting.tables.cost import LATENCY, frontier_points
    from rerank_bench.reporting.tables.frontier_plot import plot_frontier

    target = Path(path) if path is not None else report.spec.path.parent / "RESULTS.md"
    runs = _runs(report, RunStore(report.tracking_uri))
    table = results_table(report, runs)
    frontier = report.spec.cost and bool(frontier_points(table, LATENCY))
    if frontier:
        plot_frontier(table, target.parent / FRONTIER_FILE)
    text = results_markdown(report, table, frontier, runs)
    with atomic_write(target) as handle:
        handle.write(text)
    return target
