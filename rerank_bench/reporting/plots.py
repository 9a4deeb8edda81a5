"""The three plots IR papers keep redrawing, as files (and MLflow artifacts when asked).

Why: the depth curve shows how much a re-ranker gains from seeing more candidates, the sorted
per-query difference shows whether a mean gain is broad or carried by a few queries, and
training curves side by side show whether runs converged alike. Each function takes plain data
(so the notebook and tests can call it on anything) and writes through
:func:`~rerank_bench.data.io.atomic_write`, so a crashed plot never leaves a truncated image.
Matplotlib runs on its non-interactive Agg backend: no display is needed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rerank_bench.data.io import atomic_write
from rerank_bench.errors import ConfigError
from rerank_bench.evaluation.significance import align
from rerank_bench.reporting.runs import RunRecord, RunStore
from rerank_bench.reporting.tables import Table, metric_label
from rerank_bench.reporting.tables.grid import row_keys

__all__ = [
    "depth_series",
    "plot_depth_curve",
    "plot_per_query_difference",
    "plot_training_curves",
    "training_histories",
    "write_table_plots",
]

Series = Mapping[str, Sequence[tuple[float, float]]]


def _figure(n_panels: int = 1, width: float = 5.0) -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, n_panels, figsize=(width * n_panels, 3.6), squeeze=False)
    return fig, axes[0]


def _save(fig: Any, path: str | Path, store: RunStore | None, run_id: str | None) -> Path:
    import matplotlib.pyplot as plt

    path = Path(path)
    fmt = path.suffix.lstrip(".").lower() or "png"
    fig.tight_layout()
    with atomic_write(path, "wb") as handle:
        fig.savefig(handle, format=fmt, dpi=150)
    plt.close(fig)
    if store is not None and run_id is not None:
        store.log_artifact(run_id, path, "plots")
    return path


def depth_series(
    runs: Sequence[RunRecord],
    metric: str = "ndcg_at_10",
    depth_param: str = "reranker.depth",
    by: str = "system",
) -> dict[str, list[tuple[float, float]]]:
    """``{system: [(depth, mean metric over seeds), ...]}`` from runs of a depth sweep.

    Raises:
        ConfigError: no run has both the depth parameter and the metric.
    """
    values: dict[str, dict[float, list[float]]] = {}
    for run in runs:
        depth, label, value = run.params.get(depth_param), run.field(by), run.metric(metric)
        if depth in (None, "None", "null") or label is None or value is None:
            continue
        values.setdefault(label, {}).setdefault(float(depth), []).append(value)
    if not values:
        raise ConfigError(
            f"no run has both param {depth_param!r} and metric {metric!r}. Fix: sweep the depth, "
            f"e.g. `rerank-bench run --multirun {depth_param}=10,20,50,100`."
        )
    return {
        label: sorted((d, sum(v) / len(v)) for d, v in by_depth.items())
        for label, by_depth in values.items()
    }


def plot_depth_curve(
    series: Series,
    path: str | Path,
    metric: str = "ndcg_at_10",
    title: str = "",
    store: RunStore | None = None,
    run_id: str | None = None,
) -> Path:
    """Metric vs re-ranking depth, one line per system.

    Args:
        series: system -> ``(depth, value)`` points (see :func:`depth_series`).
        path: output file; the suffix picks the format (``.png``, ``.pdf``, ``.svg``).
        metric: metric key, for the axis label.
        title: figure title.
        store: with ``run_id``, also log the file as an artifact under ``plots/``.
        run_id: the MLflow run to attach the plot to.

    Returns:
        The written path.
    """
    fig, (ax,) = _figure()
    for label, points in series.items():
        xs, ys = zip(*sorted(points), strict=True) if points else ((), ())
        ax.plot(xs, ys, marker="o", label=label)
    ax.set_xlabel("re-ranking depth k")
    ax.set_ylabel(metric_label(metric))
    ax.set_xscale("log")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(title or f"{metric_label(metric)} vs re-ranking depth")
    return _save(fig, path, store, run_id)


def plot_per_query_difference(
    system: Mapping[str, float],
    baseline: Mapping[str, float],
    path: str | Path,
    metric: str = "ndcg_at_10",
    labels: tuple[str, str] = ("system", "baseline"),
    store: RunStore | None = None,
    run_id: str | None = None,
) -> Path:
    """Per-query ``system - baseline`` as bars sorted from largest loss to largest gain.

    The query sets must be equal (see :func:`~rerank_bench.evaluation.significance.align`).

    Returns:
        The written path.
    """
    pair = align(system, baseline, names=labels)
    diff = sorted(float(a - b) for a, b in zip(pair.a, pair.b, strict=True))
    wins = sum(d > 0 for d in diff)
    losses = sum(d < 0 for d in diff)
    fig, (ax,) = _figure(width=6.0)
    colours = ["tab:green" if d > 0 else "tab:red" if d < 0 else "tab:gray" for d in diff]
    ax.bar(range(len(diff)), diff, color=colours, width=1.0)
    ax.axhline(0.0, color="black", linewidth=0.6)
    ax.set_xlabel(f"queries, sorted ({len(diff)})")
    ax.set_ylabel(f"Δ {metric_label(metric)}")
    ax.set_title(
        f"{labels[0]} vs {labels[1]}: {wins} wins, {losses} losses, "
        f"{len(diff) - wins - losses} ties",
        fontsize=9,
    )
    ax.set_xticks([])
    return _save(fig, path, store, run_id)


def training_histories(
    store: RunStore,
    runs: Sequence[RunRecord],
    keys: Sequence[str] = ("rank/train/loss", "rank/val/ndcg_at_10"),
    by: str = "condition",
) -> dict[str, dict[str, list[tuple[int, float]]]]:
    """``{key: {run label: [(step, value), ...]}}`` for runs that logged a curve, labelled by
    their row key (``by``, told apart per condition: see :func:`row_keys`).

    A key is also looked up with ``/`` replaced by ``_`` (``train_loss``), since MLflow accepts
    both spellings.
    """
    curves: dict[str, dict[str, list[tuple[int, float]]]] = {key: {} for key in keys}
    names = row_keys(runs, by)
    for run in runs:
        name = names.get(run.run_id, run.run_name)
        label = f"{name} (seed {run.seed})" if run.seed else name
        for key in keys:
            for candidate in (key, key.replace("/", "_")):
                if candidate in run.metrics:
                    curves[key][label] = store.history(run.run_id, candidate)
                    break
    return curves


def plot_training_curves(
    curves: Mapping[str, Mapping[str, Sequence[tuple[float, float]]]],
    path: str | Path,
    store: RunStore | None = None,
    run_id: str | None = None,
    reference: Mapping[str, float] | None = None,
) -> Path:
    """One panel per metric (loss, validation nDCG...), side by side, one line per run;
    ``reference`` draws a dashed line per panel key (the first stage's dev score: the bar a
    re-ranker must clear).

    Raises:
        ConfigError: no curve at all.

    Returns:
        The written path.
    """
    keys = [k for k, by_run in curves.items() if by_run]
    if not keys:
        raise ConfigError(
            "no training curves to plot: none of the runs logged "
            f"{sorted(curves)}. Fix: plot runs of a fine-tuned re-ranker."
        )
    fig, axes = _figure(len(keys), width=4.5)
    for ax, key in zip(axes, keys, strict=True):
        for label, points in curves[key].items():
            xs, ys = zip(*points, strict=True) if points else ((), ())
            ax.plot(xs, ys, label=label)
        if reference and key in reference:
            ax.axhline(reference[key], color="gray", linestyle="--", linewidth=1,
                       label="first stage")
        ax.set_xlabel("step")
        ax.set_title(key)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    return _save(fig, path, store, run_id)


def write_table_plots(
    store: RunStore,
    runs: Sequence[RunRecord],
    table: Table,
    folder: str | Path,
    log_artifacts: bool = False,
    fmt: str = "png",
) -> list[Path]:
    """Every plot a table's runs support, in ``folder``.

    * per-query difference vs the table's baseline, for each other row and column, on the
      first metric (seed 1 of each row: the newest run of its first seed);
    * metric vs re-ranking depth, when the runs sweep ``reranker.depth``;
    * training curves, when runs logged them.

    Args:
        store: where the runs live.
        runs: the runs behind ``table``.
        table: a table built from ``runs``.
        folder: output folder.
        log_artifacts: also attach each plot to the run it describes (the compared system's).
        fmt: image format (``png``, ``pdf``, ``svg``).

    Returns:
        The written files.
    """
    folder = Path(folder)
    written: list[Path] = []
    by_id = {run.run_id: run for run in runs}
    first_metric = next((c for c in table.columns if not c.efficiency), None)
    if table.baseline is not None and first_metric is not None:
        base_i = table.row_keys.index(table.baseline)
        for j, column in enumerate(table.columns):
            if column.metric != first_metric.metric:
                continue
            base_ids = table.cells[base_i][j].run_ids
            if not base_ids:
                continue
            base = store.per_query(by_id[base_ids[0]]).metric(column.metric) or {}
            for i, key in enumerate(table.row_keys):
                ids = table.cells[i][j].run_ids
                if i == base_i or not ids:
                    continue
                values = store.per_query(by_id[ids[0]]).metric(column.metric) or {}
                name = _slug(f"per_query_{column.group}_{key}_vs_{table.baseline}.{fmt}")
                labels = (table.row_labels[i], table.row_labels[base_i])
                target = ids[0] if log_artifacts else None
                written.append(
                    plot_per_query_difference(
                        values, base, folder / name, column.metric, labels, store, target
                    )
                )
    if first_metric is not None:
        depths = {r.params.get("reranker.depth") for r in runs} - {None, "None", "null"}
        if len(depths) > 1:
            series = depth_series(runs, first_metric.metric)
            written.append(
                plot_depth_curve(
                    series, folder / f"depth_{first_metric.metric}.{fmt}", first_metric.metric
                )
            )
    curves = training_histories(store, runs)
    if any(curves.values()):
        written.append(plot_training_curves(curves, folder / f"training_curves.{fmt}"))
    return written


def _slug(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "._+-" else "_" for ch in name.replace(">>", "+"))
