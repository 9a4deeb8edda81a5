"""A table's quality against its serving cost: the Pareto frontier, drawn.

Why: "is the fine-tuned re-ranker worth its latency, and the API worth its price?" is a question
about the systems that nothing beats on both axes; the figure marks them. Drawn and written like
the other report plots (:mod:`rerank_bench.reporting.plots`: Agg backend, atomic write, format
from the suffix).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rerank_bench.errors import ConfigError
from rerank_bench.reporting.plots import _save
from rerank_bench.reporting.tables.cost import LATENCY, USD, frontier_points
from rerank_bench.reporting.tables.model import Table

__all__ = ["plot_frontier"]


def plot_frontier(table: Table, path: str | Path, metric: str | None = None) -> Path:
    """Quality against ms/query (log axis) and against $/1k queries, one panel each, the
    frontier drawn as a step line; each system is numbered (bold on the frontier) and named in
    a key beneath.

    Raises:
        ConfigError: no row has both a quality and a latency (build with ``--cost``).
    """
    panels = [(LATENCY, "p50 ms/query (log)"), (USD, "$ per 1,000 queries (estimate)")]
    points = {cost: frontier_points(table, cost, metric) for cost, _ in panels}
    if not points[LATENCY]:
        raise ConfigError(
            "no row of the table has both a quality and a serving latency. Fix: build it with "
            "--cost from runs that measured their serving cost (serving.queries > 0)."
        )
    quality = next(c for c in table.columns if not c.efficiency and
                   (metric is None or c.metric == metric))
    number = {label: i for i, label in enumerate(table.row_labels, start=1)}  # one key, 2 panels
    key = [f"{n}: {label}" for label, n in number.items()
           if any(p.label == label for p in points[LATENCY])]
    fig, axes, key_ax = _figure_with_key(len(key))
    for ax, (cost, xlabel) in zip(axes, panels, strict=True):
        shown = points[cost]
        for p in shown:
            ax.scatter(p.cost, p.quality, color="tab:red" if p.on_front else "tab:gray",
                       zorder=3)
            ax.annotate(str(number[p.label]), (p.cost, p.quality), fontsize=7, xytext=(4, 2),
                        textcoords="offset points", fontweight="bold" if p.on_front else None)
        front = sorted((p.cost, p.quality) for p in shown if p.on_front)
        if front:
            ax.step([c for c, _ in front], [q for _, q in front], where="post", color="tab:red",
                    alpha=0.5, label="Pareto frontier")
            ax.legend(fontsize=7, loc="best")
        if cost == LATENCY:
            ax.set_xscale("log")
        elif not any(p.cost for p in shown):
            ax.set_title("no paid system: every row costs $0", fontsize=8)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(f"{quality.group} {quality.label}")
        ax.grid(alpha=0.3)
    key_ax.axis("off")
    key_ax.text(0.0, 1.0, "\n".join(key), fontsize=7, va="top", ha="left",
                transform=key_ax.transAxes)
    return _save(fig, path, None, None)


def _figure_with_key(lines: int) -> tuple[Any, list[Any], Any]:
    """Two panels side by side and, beneath them, room for a key of ``lines`` lines."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    key_height = 0.14 * lines + 0.2
    fig, axes = plt.subplot_mosaic([["latency", "usd"], ["key", "key"]],
                                   figsize=(11.0, 3.6 + key_height),
                                   height_ratios=[3.6, key_height])
    return fig, [axes["latency"], axes["usd"]], axes["key"]
