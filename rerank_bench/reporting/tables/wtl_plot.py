"""A table's per-query wins, ties and losses against its baselines, as a bar chart.

Why: a mean gain carried by a few queries and one spread over most of them read the same in a
table; the counts a table holds (``TableSpec.wtl``) drawn side by side show which it is, for
every system at once. The figure is drawn and written like the other report plots
(:mod:`rerank_bench.reporting.plots`: Agg backend, atomic write, format from the suffix).
"""

from __future__ import annotations

from pathlib import Path

from rerank_bench.errors import ConfigError
from rerank_bench.reporting.plots import _figure, _save
from rerank_bench.reporting.tables.model import Table
from rerank_bench.reporting.tables.spec import baseline_letter

__all__ = ["plot_win_tie_loss"]

_COLOURS = {"wins": "tab:green", "ties": "tab:gray", "losses": "tab:red"}


def plot_win_tie_loss(table: Table, path: str | Path, metric: str | None = None) -> Path:
    """One panel per column group, one stacked bar (wins, ties, losses) per row and baseline.

    Args:
        table: a table built with ``wtl=True`` (``rerank-bench table --wtl``).
        path: output file; the suffix picks the format (``.png``, ``.pdf``, ``.svg``).
        metric: metric key of the panels; by default the table's first effectiveness metric.

    Returns:
        The written path.

    Raises:
        ConfigError: the table holds no win/tie/loss counts of ``metric``.
    """
    first = next((c.metric for c in table.columns if not c.efficiency), None)
    metric = metric or first
    panels = []
    for j, column in enumerate(table.columns):
        if column.metric != metric or column.efficiency:
            continue
        bars = [
            (i, v.baseline, v.wtl)
            for i, row in enumerate(table.cells)
            for v in row[j].versus
            if v.wtl is not None
        ]
        if bars:
            panels.append((column, bars))
    if not panels:
        raise ConfigError(
            f"the table has no win/tie/loss counts of {metric!r}. Fix: build it with --wtl "
            "(TableSpec(wtl=True)) and a --baseline, on a metric of its columns."
        )
    several = len(table.baselines) > 1
    fig, axes = _figure(len(panels), width=5.0)
    fig.set_figheight(max(3.6, 1.4 + 0.4 * max(len(bars) for _, bars in panels)))
    for ax, (column, bars) in zip(axes, panels, strict=True):
        labels = []
        for y, (i, baseline, counts) in enumerate(bars):
            base = table.row_labels[table.row_keys.index(baseline)]
            if several:
                base += f" ({baseline_letter(table.baselines.index(baseline))})"
            labels.append(f"{table.row_labels[i]} vs {base}")
            left = 0
            for name, count in (("wins", counts.wins), ("ties", counts.ties),
                                ("losses", counts.losses)):
                ax.barh(y, count, left=left, color=_COLOURS[name], label=name if y == 0 else None)
                if count:
                    ax.text(left + count / 2, y, str(count), ha="center", va="center",
                            fontsize=7, color="white")
                left += count
        ax.set_yticks(range(len(bars)), labels, fontsize=7)
        ax.set_ylim(len(bars) - 0.5, -1.5)  # top to bottom, a free row on top for the legend
        ax.set_xlabel(f"queries (tie: |Δ| ≤ {bars[0][2].tolerance:g})")
        ax.set_title(f"{column.group} {column.label}", fontsize=9)
    axes[0].legend(fontsize=7, loc="upper center", ncol=3, frameon=False)
    return _save(fig, path, None, None)
