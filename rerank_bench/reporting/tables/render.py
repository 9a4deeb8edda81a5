"""Renderers of a :class:`~rerank_bench.reporting.tables.model.Table`: Markdown, LaTeX, CSV, HTML.

Why only formatting here: the numbers, ranks and significance marks are computed once when the
table is built, so every format shows the same values, marks and footnote.

A table with one baseline marks a significant difference with † (better) or ‡ (worse); with
several, the mark carries the baseline's letter, as a superscript: ``0.4123<sup>†a‡b</sup>`` is
better than baseline a and worse than baseline b. When the table holds effect sizes or win/tie/
loss counts, a comparisons block (one line per row, baseline and column) follows the table.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Callable
from typing import TYPE_CHECKING

from rerank_bench.errors import ConfigError
from rerank_bench.reporting.tables.spec import CI_LEVEL, baseline_letter

if TYPE_CHECKING:
    from rerank_bench.reporting.tables.model import Cell, Column, Table, Versus

__all__ = ["render", "to_csv", "to_html", "to_latex", "to_markdown"]

_MARKS = {"better": "†", "worse": "‡"}
_LATEX_MARKS = {"better": r"\dagger", "worse": r"\ddagger"}
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
    "Δ": r"$\Delta$",
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


def _several(table: Table) -> bool:
    """Whether marks carry a baseline letter (a table with several baselines)."""
    return len(table.baselines) > 1


def _letter(table: Table, baseline: str) -> str:
    return baseline_letter(table.baselines.index(baseline)) if _several(table) else ""


def _marks(table: Table, cell: Cell) -> list[tuple[str, str]]:
    """``(direction, letter)`` of each significant comparison of a cell; no letter with one
    baseline."""
    return [(v.direction, _letter(table, v.baseline)) for v in cell.versus if v.direction]


def _parts(table: Table, cell: Cell, column: Column) -> tuple[str, str, str]:
    """(value, spread, mark) as plain text."""
    if cell.mean is None:
        return "–", "", ""
    show_spread = cell.std is not None and not column.efficiency
    spread = f" ± {_number(table, cell.std or 0.0, column)}" if show_spread else ""
    mark = "".join(_MARKS[direction] + letter for direction, letter in _marks(table, cell))
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


def _comparisons(table: Table) -> tuple[list[str], list[list[str]]]:
    """Header and lines of the comparisons block as plain text: ``([], [])`` unless the table
    holds effect sizes or win/tie/loss counts.

    One line per row, baseline and column, in row order, then baseline order: Δ (with its
    interval when computed), the uncorrected and corrected p-values, and W/T/L when counted.
    """
    found = [
        (i, table.baselines.index(v.baseline), j, v)
        for i, row in enumerate(table.cells)
        for j, cell in enumerate(row)
        for v in cell.versus
    ]
    with_ci = any(v.ci is not None for *_, v in found)
    with_wtl = any(v.wtl is not None for *_, v in found)
    if not (with_ci or with_wtl):
        return [], []
    header = [table.row_header, "vs", "Column", f"Δ [{CI_LEVEL:.0%} CI]" if with_ci else "Δ"]
    header += ["p", "p adj."]
    if with_wtl:
        header.append("W/T/L")
    lines = []
    for i, _, j, versus in sorted(found, key=lambda item: item[:3]):
        base = table.row_labels[table.row_keys.index(versus.baseline)]
        letter = _letter(table, versus.baseline)
        line = [
            table.row_labels[i],
            f"{base} ({letter})" if letter else base,
            _header(table, table.columns[j]),
            _effect(table, versus),
            f"{versus.p_value:.3g}",
            f"{versus.p_adjusted:.3g}",
        ]
        if with_wtl:
            line.append(str(versus.wtl) if versus.wtl is not None else "")
        lines.append(line)
    return header, lines


def _effect(table: Table, versus: Versus) -> str:
    """``+0.0310 [+0.0120, +0.0500]``: the mean difference and, when computed, its interval."""
    text = f"{versus.mean_diff:+.{table.decimals}f}"
    if versus.ci is not None:
        low, high = versus.ci
        text += f" [{low:+.{table.decimals}f}, {high:+.{table.decimals}f}]"
    return text


def _markdown_rows(header: list[str], rows: list[list[str]], left: int = 1) -> list[str]:
    """A Markdown table: the first ``left`` columns left-aligned, the others right-aligned."""
    align = [":--" if k < left else "--:" for k in range(len(header))]
    return [
        "| " + " | ".join(cell.replace("|", "\\|") for cell in line) + " |"
        for line in (header, align, *rows)
    ]


def to_markdown(table: Table) -> str:
    """GitHub-flavoured Markdown: bold best, ``<u>`` second, the comparisons block and the
    footnote below."""

    def fmt(cell: Cell, column: Column) -> str:
        value, spread, mark = _parts(table, cell, column)
        value = _emphasise(value, cell.rank, "**{}**", "<u>{}</u>")
        if mark and _several(table):
            mark = f"<sup>{mark}</sup>"
        return value + spread + mark

    header = [table.row_header, *(_header(table, c) for c in table.columns)]
    rows = [
        [label, *(fmt(cell, col) for cell, col in zip(cells, table.columns, strict=True))]
        for label, cells in zip(table.row_labels, table.cells, strict=True)
    ]
    lines = _markdown_rows(header, rows)
    comparisons = _comparisons(table)
    if comparisons[1]:
        lines += ["", *_markdown_rows(*comparisons, left=3)]
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
        marks = "".join(
            _LATEX_MARKS[direction] + (f"\\mathrm{{{letter}}}" if letter else "")
            for direction, letter in _marks(table, cell)
        )
        return value + spread + (f"$^{{{marks}}}$" if marks else "")

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
        n_base = len(table.baselines)
        if n_base and i == n_base - 1 and table.row_keys[:n_base] == table.baselines:
            lines.append("\\midrule")
    lines += ["\\bottomrule", "\\end{tabular}"]
    header, rows = _comparisons(table)
    if rows:
        signed = {3, 4, 5}  # Δ and the p-values: typeset their signs as minus / plus
        lines += [
            "\\par\\medskip",
            f"\\begin{{tabular}}{{lll{'r' * (len(header) - 3)}}}",
            "\\toprule",
            " & ".join(_latex_escape(h) for h in header) + " \\\\",
            "\\midrule",
            *(
                " & ".join(
                    _latex_signed(text) if k in signed else _latex_escape(text)
                    for k, text in enumerate(line)
                )
                + " \\\\"
                for line in rows
            ),
            "\\bottomrule",
            "\\end{tabular}",
        ]
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
    """Long format, one line per cell and baseline it was tested against (one line for a cell
    not tested), every number unrounded (for further analysis)."""
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
            "baseline",
            "mean_diff",
            "ci_low",
            "ci_high",
            "wins",
            "ties",
            "losses",
        ]
    )
    for key, label, cells in zip(table.row_keys, table.row_labels, table.cells, strict=True):
        for cell, column in zip(cells, table.columns, strict=True):
            common = [
                key,
                label,
                column.group,
                column.metric,
                _opt(cell.mean),
                _opt(cell.std),
                cell.n_runs,
                _opt(cell.rank),
            ]
            ids = " ".join(cell.run_ids)
            if not cell.versus:
                writer.writerow([*common, "", "", "", ids, "", "", "", "", "", "", ""])
            for v in cell.versus:
                ci = v.ci or (None, None)
                counts = (v.wtl.wins, v.wtl.ties, v.wtl.losses) if v.wtl else (None,) * 3
                writer.writerow(
                    [
                        *common,
                        v.p_value,
                        v.p_adjusted,
                        v.direction or "",
                        ids,
                        v.baseline,
                        v.mean_diff,
                        *(_opt(x) for x in (*ci, *counts)),
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

    def row(tag: str, texts: list[str]) -> str:
        return "<tr>" + "".join(f"<{tag}>{esc(t)}</{tag}>" for t in texts) + "</tr>"

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
    header, rows = _comparisons(table)
    if rows:
        out += [
            '<table class="rerank-bench-comparisons">',
            f"<thead>{row('th', header)}</thead>",
            "<tbody>",
            *(row("td", line) for line in rows),
            "</tbody>",
            "</table>",
        ]
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


def _latex_signed(text: str) -> str:
    """A number (or interval) with its signs as math minus and plus (a hyphen is too short)."""
    return _latex_escape(text).replace("-", "$-$").replace("+", "$+$")
