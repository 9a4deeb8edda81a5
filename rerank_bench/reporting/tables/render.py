"""Renderers of a :class:`~rerank_bench.reporting.tables.model.Table`: Markdown, LaTeX, CSV, HTML.

Why only formatting here: the numbers, ranks and significance marks are computed once when the
table is built, so every format shows the same values, marks and footnote.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Callable
from typing import TYPE_CHECKING

from rerank_bench.errors import ConfigError

if TYPE_CHECKING:
    from rerank_bench.reporting.tables.model import Cell, Column, Table

__all__ = ["render", "to_csv", "to_html", "to_latex", "to_markdown"]

_MARKS = {"better": "†", "worse": "‡"}
_LATEX_MARKS = {"better": r"$^{\dagger}$", "worse": r"$^{\ddagger}$"}
_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "±": r"$\pm$",
    "†": r"$^{\dagger}$",
    "‡": r"$^{\ddagger}$",
    "α": r"$\alpha$",
    "≥": r"$\geq$",
    "–": "--",
}


def _groups(table: Table) -> list[tuple[str, int]]:
    groups: list[tuple[str, int]] = []
    for column in table.columns:
        if groups and groups[-1][0] == column.group:
            groups[-1] = (column.group, groups[-1][1] + 1)
        else:
            groups.append((column.group, 1))
    return groups


def _number(table: Table, value: float, column: Column) -> str:
    if column.efficiency:
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2f}"
    return f"{value:.{table.decimals}f}"


def _parts(table: Table, cell: Cell, column: Column) -> tuple[str, str, str]:
    """(value, spread, mark) as plain text."""
    if cell.mean is None:
        return "–", "", ""
    show_spread = cell.std is not None and not column.efficiency
    spread = f" ± {_number(table, cell.std or 0.0, column)}" if show_spread else ""
    mark = _MARKS.get(cell.direction or "", "")
    return _number(table, cell.mean, column), spread, mark


def _emphasise(value: str, rank: int | None, best: str, second: str) -> str:
    """``value`` in the ``best`` or ``second`` template (``"**{}**"``) by its rank in the column."""
    if rank == 1:
        return best.format(value)
    if rank == 2:
        return second.format(value)
    return value


def _footnote(table: Table) -> list[str]:
    return [n for n in (table.caption, *table.notes) if n]


def _single_group(table: Table) -> bool:
    return len(_groups(table)) == 1


def _header(table: Table, column: Column) -> str:
    return column.label if _single_group(table) else f"{column.group} {column.label}"


def to_markdown(table: Table) -> str:
    """GitHub-flavoured Markdown: bold best, ``<u>`` second, footnote below."""

    def fmt(cell: Cell, column: Column) -> str:
        value, spread, mark = _parts(table, cell, column)
        value = _emphasise(value, cell.rank, "**{}**", "<u>{}</u>")
        return (value + spread + mark).replace("|", "\\|")

    header = [table.row_header, *(_header(table, c) for c in table.columns)]
    align = [":--", *("--:" for _ in table.columns)]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    for label, cells in zip(table.row_labels, table.cells, strict=True):
        values = [fmt(cell, col) for cell, col in zip(cells, table.columns, strict=True)]
        lines.append("| " + " | ".join([label.replace("|", "\\|"), *values]) + " |")
    notes = _footnote(table)
    if notes:
        lines += ["", *notes]
    return "\n".join(lines) + "\n"


def to_latex(table: Table, standalone: bool = False, label: str = "tab:results") -> str:
    """A booktabs ``table`` environment; ``standalone`` wraps it in a compilable document."""

    def fmt(cell: Cell, column: Column) -> str:
        value, spread, _ = _parts(table, cell, column)
        value = _emphasise(value, cell.rank, "\\textbf{{{}}}", "\\underline{{{}}}")
        spread = f"\\,$\\pm$\\,{spread[3:]}" if spread else ""
        mark = _LATEX_MARKS.get(cell.direction or "", "")
        return value + spread + mark

    groups = _groups(table)
    spec = "l" + "".join(" " + "r" * n for _, n in groups)
    lines = [
        "\\begin{table}[t]",
        "\\centering",
        f"\\caption{{{_latex_escape(table.caption or 'Results.')}}}",
        f"\\label{{{label}}}",
        f"\\begin{{tabular}}{{{spec}}}",
        "\\toprule",
    ]
    if not _single_group(table):
        heads, rules, start = [""], [], 2
        for group, n in groups:
            heads.append(f"\\multicolumn{{{n}}}{{c}}{{{_latex_escape(group)}}}")
            rules.append(f"\\cmidrule(lr){{{start}-{start + n - 1}}}")
            start += n
        lines += [" & ".join(heads) + " \\\\", " ".join(rules)]
    header = [table.row_header, *(c.label for c in table.columns)]
    lines += [" & ".join(_latex_escape(h) for h in header) + " \\\\", "\\midrule"]
    for i, (row_label, cells) in enumerate(zip(table.row_labels, table.cells, strict=True)):
        values = [fmt(cell, col) for cell, col in zip(cells, table.columns, strict=True)]
        lines.append(" & ".join([_latex_escape(row_label), *values]) + " \\\\")
        if table.baseline is not None and i == 0 and table.row_keys[0] == table.baseline:
            lines.append("\\midrule")
    lines += ["\\bottomrule", "\\end{tabular}"]
    if table.notes:
        notes = " ".join(_latex_escape(n) for n in table.notes)
        lines += ["\\par\\smallskip", f"{{\\footnotesize {notes}\\par}}"]
    lines.append("\\end{table}")
    body = "\n".join(lines) + "\n"
    if not standalone:
        return body
    return (
        "\\documentclass{article}\n\\usepackage[T1]{fontenc}\n\\usepackage{booktabs}\n"
        "\\usepackage[margin=1.5cm,landscape]{geometry}\n"
        f"\\begin{{document}}\n{body}\\end{{document}}\n"
    )


def to_csv(table: Table) -> str:
    """Long format, one line per cell, every number unrounded (for further analysis)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        [
            "row",
            "label",
            "column",
            "metric",
            "mean",
            "std",
            "n_runs",
            "rank",
            "p_value",
            "p_adjusted",
            "significant",
            "run_ids",
        ]
    )
    for key, label, cells in zip(table.row_keys, table.row_labels, table.cells, strict=True):
        for cell, column in zip(cells, table.columns, strict=True):
            writer.writerow(
                [
                    key,
                    label,
                    column.group,
                    column.metric,
                    _opt(cell.mean),
                    _opt(cell.std),
                    cell.n_runs,
                    _opt(cell.rank),
                    _opt(cell.p_value),
                    _opt(cell.p_adjusted),
                    cell.direction or "",
                    " ".join(cell.run_ids),
                ]
            )
    return buffer.getvalue()


def to_html(table: Table) -> str:
    """An HTML ``<table>`` with grouped headers, ``<strong>``/``<u>`` marks and a footer."""
    esc = html.escape

    def fmt(cell: Cell, column: Column) -> str:
        value, spread, mark = _parts(table, cell, column)
        value = _emphasise(esc(value), cell.rank, "<strong>{}</strong>", "<u>{}</u>")
        sup = f"<sup>{esc(mark)}</sup>" if mark else ""
        return f"<td>{value}{esc(spread)}{sup}</td>"

    out = ['<table class="rerank-bench">']
    if table.caption:
        out.append(f"<caption>{esc(table.caption)}</caption>")
    out.append("<thead>")
    if not _single_group(table):
        heads = "".join(f'<th colspan="{n}">{esc(group)}</th>' for group, n in _groups(table))
        out.append(f"<tr><th></th>{heads}</tr>")
    heads = "".join(f"<th>{esc(c.label)}</th>" for c in table.columns)
    out.append(f"<tr><th>{esc(table.row_header)}</th>{heads}</tr>")
    out.append("</thead>")
    out.append("<tbody>")
    for label, cells in zip(table.row_labels, table.cells, strict=True):
        tds = "".join(fmt(cell, col) for cell, col in zip(cells, table.columns, strict=True))
        out.append(f"<tr><th>{esc(label)}</th>{tds}</tr>")
    out.append("</tbody>")
    if table.notes:
        span = len(table.columns) + 1
        notes = " ".join(esc(n) for n in table.notes)
        out.append(f'<tfoot><tr><td colspan="{span}">{notes}</td></tr></tfoot>')
    out.append("</table>")
    return "\n".join(out) + "\n"


def render(table: Table, fmt: str) -> str:
    """Render ``table`` in ``markdown``, ``latex``, ``latex-standalone``, ``csv`` or ``html``.

    Raises:
        ConfigError: an unknown format.
    """
    renderers: dict[str, Callable[[Table], str]] = {
        "markdown": to_markdown,
        "latex": to_latex,
        "latex-standalone": lambda table_: to_latex(table_, standalone=True),
        "csv": to_csv,
        "html": to_html,
    }
    if fmt not in renderers:
        raise ConfigError(f"table format {fmt!r} is unknown; use one of {sorted(renderers)}.")
    return renderers[fmt](table)


def _opt(value: object) -> str:
    return "" if value is None else str(value)


def _latex_escape(text: str) -> str:
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in text)
