"""The computed table: columns, cells and what qualifies each value, ready to render.

Why separate from building and rendering: a :class:`Table` holds numbers and marks only, so every
renderer shows the same ones, and a table can be built once and rendered in several formats.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rerank_bench.evaluation.significance import WinTieLoss
from rerank_bench.reporting.tables import render as _render

__all__ = ["Cell", "Column", "Table", "Versus"]


@dataclass(frozen=True)
class Column:
    """One column: a metric on one dataset (or other column value).

    Attributes:
        group: the column value (a dataset name, by default).
        metric: the metric key as logged (``ndcg_at_10``).
        label: its display label (``nDCG@10``).
        higher_is_better: direction used for bold/underline.
        efficiency: a latency/throughput column (no significance, no ranking).
    """

    group: str
    metric: str
    label: str
    higher_is_better: bool = True
    efficiency: bool = False


@dataclass(frozen=True)
class Versus:
    """A cell compared with one baseline: the test after its family's correction, and, when
    asked, the effect size and the per-query counts.

    Attributes:
        baseline: row key of the baseline.
        p_value: uncorrected p-value.
        p_adjusted: p-value corrected over the family (see the table's footnote).
        direction: ``"better"`` / ``"worse"`` when significant after the correction, else
            ``None``.
        mean_diff: mean per-query difference, row minus baseline.
        n_queries: queries compared.
        ci: the paired bootstrap interval of ``mean_diff`` (``TableSpec.ci``), else ``None``.
        wtl: per-query wins, ties and losses (``TableSpec.wtl``), else ``None``.
    """

    baseline: str
    p_value: float
    p_adjusted: float
    direction: str | None
    mean_diff: float
    n_queries: int
    ci: tuple[float, float] | None = None
    wtl: WinTieLoss | None = None


@dataclass(frozen=True)
class Cell:
    """One value of the table with what qualifies it.

    Attributes:
        mean: mean over seeds (``None`` when no run of the row has this column).
        std: sample standard deviation over seeds (``None`` with fewer than two).
        n_runs: seeds (runs) averaged.
        rank: 1 for the best value of the column, 2 for the second, else ``None``.
        versus: the comparisons with each baseline this row was tested against, in the order
            of the table's baselines.
        run_ids: the MLflow runs behind the value.
    """

    mean: float | None
    std: float | None = None
    n_runs: int = 0
    rank: int | None = None
    versus: tuple[Versus, ...] = ()
    run_ids: tuple[str, ...] = ()

    @property
    def direction(self) -> str | None:
        """``"better"`` / ``"worse"`` when significantly different from the first baseline."""
        return self.versus[0].direction if self.versus else None

    @property
    def p_value(self) -> float | None:
        """Uncorrected p-value against the first baseline the row was tested against."""
        return self.versus[0].p_value if self.versus else None

    @property
    def p_adjusted(self) -> float | None:
        """Corrected p-value against the first baseline the row was tested against."""
        return self.versus[0].p_adjusted if self.versus else None


@dataclass(frozen=True)
class Table:
    """A computed table, ready to render.

    Attributes:
        row_keys: the grouping value of each row (system names, by default).
        row_labels: display label of each row.
        columns: the columns, grouped by ``Column.group`` in order.
        cells: ``cells[i][j]`` is row ``i``, column ``j``.
        row_header: header of the label column.
        caption: one sentence describing the table.
        notes: footnote sentences (significance test, correction, seeds, alignment).
        decimals: digits after the decimal point of effectiveness values.
        baselines: row keys of the baselines, in order (their letters a, b, ... mark a table
            with several); ``()`` for a table without significance marks.
        run_ids: every MLflow run behind the table.
    """

    row_keys: tuple[str, ...]
    row_labels: tuple[str, ...]
    columns: tuple[Column, ...]
    cells: tuple[tuple[Cell, ...], ...]
    row_header: str = "System"
    caption: str = ""
    notes: tuple[str, ...] = ()
    decimals: int = 4
    baselines: tuple[str, ...] = ()
    run_ids: tuple[str, ...] = field(default=())

    @property
    def baseline(self) -> str | None:
        """Row key of the first baseline, if any (the only one of most tables)."""
        return self.baselines[0] if self.baselines else None

    def to_markdown(self) -> str:
        """GitHub-flavoured Markdown (:func:`~rerank_bench.reporting.tables.render.to_markdown`)."""
        return _render.to_markdown(self)

    def to_latex(self, standalone: bool = False, label: str = "tab:results") -> str:
        """A booktabs table (:func:`~rerank_bench.reporting.tables.render.to_latex`)."""
        return _render.to_latex(self, standalone, label)

    def to_csv(self) -> str:
        """One line per cell, unrounded (:func:`~rerank_bench.reporting.tables.render.to_csv`)."""
        return _render.to_csv(self)

    def to_html(self) -> str:
        """An HTML ``<table>`` (:func:`~rerank_bench.reporting.tables.render.to_html`)."""
        return _render.to_html(self)

    def render(self, fmt: str) -> str:
        """Render in ``markdown``, ``latex``, ``latex-standalone``, ``csv`` or ``html``.

        Raises:
            ConfigError: an unknown format.
        """
        return _render.render(self, fmt)
