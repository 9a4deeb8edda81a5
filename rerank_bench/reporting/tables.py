"""Paper-style tables from MLflow runs: systems as rows, datasets x metrics as columns.

Why: the number a researcher copies into a paper must come with what makes it trustworthy: mean
and spread over seeds, whether it beats the baseline beyond query noise (a paired test, corrected
for the number of comparisons), and the cost (latency, throughput). :func:`build_table` computes
all of that once into a :class:`Table`; the renderers only format it, so Markdown, LaTeX
(booktabs), CSV and HTML always show the same numbers, marks and footnote.

Query sets are checked, never assumed: runs of one column evaluated on different queries (tag
``query_set``) are refused, or, when asked (``align="intersect"``), every value of that column is
recomputed from the per-query metrics on the shared queries, and the footnote says so.
"""

from __future__ import annotations

import csv
import html
import io
import logging
import re
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from rerank_bench.errors import ConfigError, EvaluationError
from rerank_bench.evaluation.metrics import metric_key
from rerank_bench.evaluation.significance import (
    AlignPolicy,
    CorrectionName,
    TestName,
    compare_to_baseline,
    describe,
)
from rerank_bench.reporting.runs import PerQuery, RunRecord, resolve_metric

__all__ = [
    "DEFAULT_EFFICIENCY",
    "DEFAULT_METRICS",
    "Cell",
    "Column",
    "Table",
    "build_table",
    "metric_label",
]

log = logging.getLogger(__name__)

DEFAULT_METRICS: tuple[str, ...] = ("ndcg_at_10", "mrr_at_10", "recall_at_100")
DEFAULT_EFFICIENCY: tuple[str, ...] = ("queries_per_s_first_stage", "pairs_per_s_rerank")
_EFFICIENCY_LABELS = {
    "queries_per_s_first_stage": "q/s (1st stage)",
    "pairs_per_s_rerank": "pairs/s (re-rank)",
    "time_first_stage_s": "1st stage (s)",
    "time_rerank_s": "re-rank (s)",
    "time_train_s": "train (s)",
    "time_total_s": "total (s)",
}
_METRIC_NAMES = {
    "ndcg": "nDCG",
    "mrr": "MRR",
    "recall": "R",
    "map": "MAP",
    "precision": "P",
    "hit_rate": "HR",
    "hits": "Hits",
    "r_precision": "R-Prec",
    "bpref": "bpref",
    "f1": "F1",
}
_KEY_RE = re.compile(r"^(?P<name>[a-z_]+?)(_at_(?P<k>\d+))?(_l(?P<level>\d+))?$")
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

PerQueryLoader = Callable[[RunRecord], PerQuery]


def metric_label(key: str) -> str:
    """A paper-style label of a metric key: ``ndcg_at_10`` -> ``nDCG@10``, ``_l2`` -> ``-l2``."""
    if key in _EFFICIENCY_LABELS:
        return _EFFICIENCY_LABELS[key]
    match = _KEY_RE.match(key)
    if match is None or match["name"] not in _METRIC_NAMES:
        return key
    label = _METRIC_NAMES[match["name"]]
    if match["k"]:
        label += f"@{match['k']}"
    if match["level"]:
        label += f"-l{match['level']}"
    return label


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
class Cell:
    """One value of the table with what qualifies it.

    Attributes:
        mean: mean over seeds (``None`` when no run of the row has this column).
        std: sample standard deviation over seeds (``None`` with fewer than two).
        n_runs: seeds (runs) averaged.
        rank: 1 for the best value of the column, 2 for the second, else ``None``.
        direction: ``"better"`` / ``"worse"`` when significantly different from the baseline.
        p_value: uncorrected p-value against the baseline.
        p_adjusted: corrected p-value against the baseline.
        run_ids: the MLflow runs behind the value.
    """

    mean: float | None
    std: float | None = None
    n_runs: int = 0
    rank: int | None = None
    direction: str | None = None
    p_value: float | None = None
    p_adjusted: float | None = None
    run_ids: tuple[str, ...] = ()


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
        baseline: row key of the baseline, if any.
    """

    row_keys: tuple[str, ...]
    row_labels: tuple[str, ...]
    columns: tuple[Column, ...]
    cells: tuple[tuple[Cell, ...], ...]
    row_header: str = "System"
    caption: str = ""
    notes: tuple[str, ...] = ()
    decimals: int = 4
    baseline: str | None = None
    run_ids: tuple[str, ...] = field(default=())

    # ---- shared formatting -------------------------------------------------------------------
    def _groups(self) -> list[tuple[str, int]]:
        groups: list[tuple[str, int]] = []
        for column in self.columns:
            if groups and groups[-1][0] == column.group:
                groups[-1] = (column.group, groups[-1][1] + 1)
            else:
                groups.append((column.group, 1))
        return groups

    def _number(self, value: float, column: Column) -> str:
        if column.efficiency:
            return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2f}"
        return f"{value:.{self.decimals}f}"

    def _parts(self, cell: Cell, column: Column) -> tuple[str, str, str]:
        """(value, spread, mark) as plain text."""
        if cell.mean is None:
            return "–", "", ""
        show_spread = cell.std is not None and not column.efficiency
        spread = f" ± {self._number(cell.std or 0.0, column)}" if show_spread else ""
        mark = _MARKS.get(cell.direction or "", "")
        return self._number(cell.mean, column), spread, mark

    def _footnote(self) -> list[str]:
        return [n for n in (self.caption, *self.notes) if n]

    def _single_group(self) -> bool:
        return len(self._groups()) == 1

    def _header(self, column: Column) -> str:
        return column.label if self._single_group() else f"{column.group} {column.label}"

    # ---- renderers ---------------------------------------------------------------------------
    def to_markdown(self) -> str:
        """GitHub-flavoured Markdown: bold best, ``<u>`` second, footnote below."""

        def fmt(cell: Cell, column: Column) -> str:
            value, spread, mark = self._parts(cell, column)
            if cell.rank == 1:
                value = f"**{value}**"
            elif cell.rank == 2:
                value = f"<u>{value}</u>"
            return (value + spread + mark).replace("|", "\\|")

        header = [self.row_header, *(self._header(c) for c in self.columns)]
        align = [":--", *("--:" for _ in self.columns)]
        lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
        for label, cells in zip(self.row_labels, self.cells, strict=True):
            values = [fmt(cell, col) for cell, col in zip(cells, self.columns, strict=True)]
            lines.append("| " + " | ".join([label.replace("|", "\\|"), *values]) + " |")
        notes = self._footnote()
        if notes:
            lines += ["", *notes]
        return "\n".join(lines) + "\n"

    def to_latex(self, standalone: bool = False, label: str = "tab:results") -> str:
        """A booktabs ``table`` environment; ``standalone`` wraps it in a compilable document."""

        def fmt(cell: Cell, column: Column) -> str:
            value, spread, _ = self._parts(cell, column)
            if cell.rank == 1:
                value = f"\\textbf{{{value}}}"
            elif cell.rank == 2:
                value = f"\\underline{{{value}}}"
            spread = f"\\,$\\pm$\\,{spread[3:]}" if spread else ""
            mark = _LATEX_MARKS.get(cell.direction or "", "")
            return value + spread + mark

        groups = self._groups()
        spec = "l" + "".join(" " + "r" * n for _, n in groups)
        lines = [
            "\\begin{table}[t]",
            "\\centering",
            f"\\caption{{{_latex_escape(self.caption or 'Results.')}}}",
            f"\\label{{{label}}}",
            f"\\begin{{tabular}}{{{spec}}}",
            "\\toprule",
        ]
        if not self._single_group():
            heads, rules, start = [""], [], 2
            for group, n in groups:
                heads.append(f"\\multicolumn{{{n}}}{{c}}{{{_latex_escape(group)}}}")
                rules.append(f"\\cmidrule(lr){{{start}-{start + n - 1}}}")
                start += n
            lines += [" & ".join(heads) + " \\\\", " ".join(rules)]
        header = [self.row_header, *(c.label for c in self.columns)]
        lines += [" & ".join(_latex_escape(h) for h in header) + " \\\\", "\\midrule"]
        for i, (row_label, cells) in enumerate(zip(self.row_labels, self.cells, strict=True)):
            values = [fmt(cell, col) for cell, col in zip(cells, self.columns, strict=True)]
            lines.append(" & ".join([_latex_escape(row_label), *values]) + " \\\\")
            if self.baseline is not None and i == 0 and self.row_keys[0] == self.baseline:
                lines.append("\\midrule")
        lines += ["\\bottomrule", "\\end{tabular}"]
        if self.notes:
            notes = " ".join(_latex_escape(n) for n in self.notes)
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

    def to_csv(self) -> str:
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
        for key, label, cells in zip(self.row_keys, self.row_labels, self.cells, strict=True):
            for cell, column in zip(cells, self.columns, strict=True):
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

    def to_html(self) -> str:
        """An HTML ``<table>`` with grouped headers, ``<strong>``/``<u>`` marks and a footer."""
        esc = html.escape

        def fmt(cell: Cell, column: Column) -> str:
            value, spread, mark = self._parts(cell, column)
            value = esc(value)
            if cell.rank == 1:
                value = f"<strong>{value}</strong>"
            elif cell.rank == 2:
                value = f"<u>{value}</u>"
            sup = f"<sup>{esc(mark)}</sup>" if mark else ""
            return f"<td>{value}{esc(spread)}{sup}</td>"

        out = ['<table class="rerank-bench">']
        if self.caption:
            out.append(f"<caption>{esc(self.caption)}</caption>")
        out.append("<thead>")
        if not self._single_group():
            heads = "".join(f'<th colspan="{n}">{esc(group)}</th>' for group, n in self._groups())
            out.append(f"<tr><th></th>{heads}</tr>")
        heads = "".join(f"<th>{esc(c.label)}</th>" for c in self.columns)
        out.append(f"<tr><th>{esc(self.row_header)}</th>{heads}</tr>")
        out.append("</thead>")
        out.append("<tbody>")
        for label, cells in zip(self.row_labels, self.cells, strict=True):
            tds = "".join(fmt(cell, col) for cell, col in zip(cells, self.columns, strict=True))
            out.append(f"<tr><th>{esc(label)}</th>{tds}</tr>")
        out.append("</tbody>")
        if self.notes:
            span = len(self.columns) + 1
            notes = " ".join(esc(n) for n in self.notes)
            out.append(f'<tfoot><tr><td colspan="{span}">{notes}</td></tr></tfoot>')
        out.append("</table>")
        return "\n".join(out) + "\n"

    def render(self, fmt: str) -> str:
        """Render in ``markdown``, ``latex``, ``latex-standalone``, ``csv`` or ``html``.

        Raises:
            ConfigError: an unknown format.
        """
        renderers: dict[str, Callable[[], str]] = {
            "markdown": self.to_markdown,
            "latex": self.to_latex,
            "latex-standalone": lambda: self.to_latex(standalone=True),
            "csv": self.to_csv,
            "html": self.to_html,
        }
        if fmt not in renderers:
            raise ConfigError(f"table format {fmt!r} is unknown; use one of {sorted(renderers)}.")
        return renderers[fmt]()


def _opt(value: object) -> str:
    return "" if value is None else str(value)


def _latex_escape(text: str) -> str:
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in text)


# ---- building ------------------------------------------------------------------------------


@dataclass
class _Group:
    """The runs of one (row, column) cell, one per seed."""

    runs: list[RunRecord] = field(default_factory=list)
    duplicates: int = 0


def build_table(
    runs: Sequence[RunRecord],
    per_query: PerQueryLoader | None = None,
    rows: str = "system",
    columns: str = "dataset",
    metrics: Sequence[str] = DEFAULT_METRICS,
    baseline: str | None = None,
    test: TestName = "ttest",
    correction: CorrectionName = "holm",
    alpha: float = 0.05,
    align: AlignPolicy = "refuse",
    n_permutations: int = 10_000,
    seed: int = 42,
    efficiency: Sequence[str] = DEFAULT_EFFICIENCY,
    row_order: Sequence[str] | None = None,
    row_labels: Mapping[str, str] | None = None,
    column_order: Sequence[str] | None = None,
    decimals: int = 4,
    caption: str = "",
    row_header: str | None = None,
) -> Table:
    """Aggregate runs into a :class:`Table`.

    Args:
        runs: finished runs (see :meth:`~rerank_bench.reporting.runs.RunStore.search`).
        per_query: loads a run's per-query metrics; needed for significance and alignment.
        rows: run field that names a row (``system``, a tag such as ``reranker``, a param).
        columns: run field that names a column group (``dataset`` by default).
        metrics: metric keys or ranx names; a metric nobody logged is an error.
        baseline: row key to test every other row against; ``None`` for no significance marks.
        test: ``"ttest"`` (paired t-test) or ``"fisher"`` (randomisation test).
        correction: ``"holm"``, ``"bonferroni"`` or ``"none"``, over the comparisons of a column.
        alpha: family-wise significance level.
        align: ``"refuse"`` runs of a column with different query sets, or ``"intersect"``.
        n_permutations: permutations of the randomisation test.
        seed: seed of the randomisation test.
        efficiency: latency/throughput metric keys shown when logged.
        row_order: row keys in display order (others follow, oldest first).
        row_labels: display label per row key.
        column_order: column values in display order (others follow, oldest first).
        decimals: digits of effectiveness values (ranking uses the displayed precision).
        caption: the table's caption; a default one names the metrics.
        row_header: header of the label column; default derived from ``rows``.

    Returns:
        The table.

    Raises:
        ConfigError: no runs, an unknown baseline, a metric that no run logged, or per-query
            metrics needed but no loader given.
        EvaluationError: different query sets under ``align="refuse"``.
    """
    if not runs:
        raise ConfigError(
            "no runs to tabulate. Fix: check --experiment and --filter (only FINISHED runs count)."
        )
    grid, row_keys, col_keys, notes = _group(runs, rows, columns, row_order, column_order)
    if baseline is not None and baseline not in row_keys:
        raise ConfigError(
            f"baseline {baseline!r} is not a row; rows ({rows}) are {row_keys}. "
            "Fix: pass one of them to --baseline."
        )
    if baseline is not None:
        row_keys = [baseline, *(r for r in row_keys if r != baseline)]
    cols = _columns(grid, row_keys, col_keys, metrics, efficiency)
    if baseline is not None or align == "intersect":
        if per_query is None:
            raise ConfigError("significance and alignment need per-query metrics; pass a loader.")
    cells: list[list[Cell]] = [[Cell(None)] * len(cols) for _ in row_keys]
    n_queries: dict[str, int] = {}
    for col_key in col_keys:
        indices = [j for j, c in enumerate(cols) if c.group == col_key]
        present = [r for r in row_keys if (r, col_key) in grid]
        shared = _shared_queries(grid, present, col_key, align, per_query, notes)
        for j in indices:
            column = cols[j]
            values: dict[str, dict[str, float]] = {}
            for i, row in enumerate(row_keys):
                group = grid.get((row, col_key))
                if group is None:
                    continue
                cells[i][j], pq = _cell(group, column, shared, per_query)
                if pq is not None:
                    values[row] = pq
            if column.efficiency:
                continue
            _rank(cells, j, column, decimals)
            if baseline is not None and baseline in values:
                others = {r: v for r, v in values.items() if r != baseline}
                if others:
                    _mark(
                        cells,
                        row_keys,
                        j,
                        values[baseline],
                        others,
                        baseline,
                        test,
                        correction,
                        alpha,
                        align,
                        n_permutations,
                        seed,
                    )
                    n_queries[col_key] = len(shared) if shared else len(values[baseline])
    collapsed = {
        row
        for (row, _), group in grid.items()
        if any(run.tags.get("status_collapse") == "true" for run in group.runs)
    }
    labels = tuple(
        (row_labels or {}).get(r, r) + (" ⚠" if r in collapsed else "") for r in row_keys
    )
    if collapsed:
        notes.append(
            "⚠: training collapsed: the fine-tuned model was no better than its first stage on "
            "dev (MLflow tag collapse_reason); its numbers are not evidence for fine-tuning."
        )
    if any(c.n_runs > 1 for row in cells for c in row):
        notes.insert(0, "Values are means over seeds ± sample standard deviation.")
    if baseline is not None and n_queries:
        base_label = (row_labels or {}).get(baseline, baseline)
        sizes = ", ".join(f"{k}: {v}" for k, v in n_queries.items())
        notes.append(
            f"† / ‡: significantly better / worse than {base_label} "
            f"({describe(test, correction, alpha, n_permutations, seed)}; "
            f"the family is the comparisons with the baseline in each column; queries per "
            f"column: {sizes})."
        )
    notes.append("Bold: best value of a column; underlined: second best.")
    effectiveness = [c.label for c in cols if not c.efficiency]
    default_caption = f"{', '.join(dict.fromkeys(effectiveness))} by {rows} and {columns}."
    return Table(
        row_keys=tuple(row_keys),
        row_labels=labels,
        columns=tuple(cols),
        cells=tuple(tuple(row) for row in cells),
        row_header=row_header or rows.split(".")[-1].replace("_", " ").capitalize(),
        caption=caption or default_caption,
        notes=tuple(notes),
        decimals=decimals,
        baseline=baseline,
        run_ids=tuple(r.run_id for g in grid.values() for r in g.runs),
    )


def _group(
    runs: Sequence[RunRecord],
    rows: str,
    columns: str,
    row_order: Sequence[str] | None,
    column_order: Sequence[str] | None,
) -> tuple[dict[tuple[str, str], _Group], list[str], list[str], list[str]]:
    """Runs by (row, column); the newest run of each seed wins, older duplicates are counted."""
    grid: dict[tuple[str, str], _Group] = {}
    seen_seeds: dict[tuple[str, str], dict[str, int]] = {}
    row_keys: list[str] = []
    col_keys: list[str] = []
    skipped = 0
    for run in sorted(runs, key=lambda r: r.start_time):
        row, col = run.field(rows), run.field(columns)
        if row is None or col is None:
            skipped += 1
            continue
        if row not in row_keys:
            row_keys.append(row)
        if col not in col_keys:
            col_keys.append(col)
        group = grid.setdefault((row, col), _Group())
        seeds = seen_seeds.setdefault((row, col), {})
        seed = run.seed or ""
        if seed in seeds:  # a re-run of the same seed: keep the newest
            group.runs[seeds[seed]] = run
            group.duplicates += 1
        else:
            seeds[seed] = len(group.runs)
            group.runs.append(run)
    if not grid:
        raise ConfigError(
            f"no run has both a {rows!r} and a {columns!r} value. Fix: choose --rows/--columns "
            "among the runs' tags or params (e.g. system, reranker, dataset)."
        )
    notes = []
    if skipped:
        notes.append(f"{skipped} run(s) without a {rows!r} or {columns!r} value are not shown.")
    duplicates = sum(g.duplicates for g in grid.values())
    if duplicates:
        notes.append(f"{duplicates} older run(s) repeating a seed were superseded by newer ones.")
        log.warning("%d older duplicate runs ignored (same row, column and seed)", duplicates)
    return grid, _order(row_keys, row_order), _order(col_keys, column_order), notes


def _order(found: list[str], preferred: Sequence[str] | None) -> list[str]:
    if not preferred:
        return found
    first = [k for k in preferred if k in found]
    return first + [k for k in found if k not in first]


def _columns(
    grid: Mapping[tuple[str, str], _Group],
    row_keys: Sequence[str],
    col_keys: Sequence[str],
    metrics: Sequence[str],
    efficiency: Sequence[str],
) -> list[Column]:
    cols: list[Column] = []
    for col_key in col_keys:
        logged = {
            key for (_, c), g in grid.items() if c == col_key for r in g.runs for key in r.metrics
        }
        for name in metrics:
            key = resolve_metric(logged, name)
            if key is None:
                raise ConfigError(
                    f"metric {name!r} was not logged by any run of {col_key!r}; logged: "
                    f"{sorted(logged)}. Fix: pick --metrics among them."
                )
            cols.append(Column(col_key, key, metric_label(key)))
        for name in efficiency:
            key = metric_key(name)
            if key in logged:
                higher = "_per_s" in key
                cols.append(Column(col_key, key, metric_label(key), higher, efficiency=True))
    return cols


def _shared_queries(
    grid: Mapping[tuple[str, str], _Group],
    present: Sequence[str],
    col_key: str,
    align: AlignPolicy,
    per_query: PerQueryLoader | None,
    notes: list[str],
) -> frozenset[str] | None:
    """The queries every run of a column shares, when they differ and alignment is asked."""
    runs = [run for row in present for run in grid[(row, col_key)].runs]
    tagged = {run.query_set for run in runs if run.query_set}
    if per_query is not None and align == "intersect":
        sets = {run.run_id: per_query(run).query_ids for run in runs}
        if len(set(sets.values())) <= 1 and len(tagged) <= 1:
            return None
        shared = frozenset.intersection(*sets.values())
        if not shared:
            raise EvaluationError(f"the runs of {col_key!r} share no evaluated query.")
        largest = max(len(s) for s in sets.values())
        notes.append(
            f"{col_key}: runs were evaluated on different query sets; every value of this "
            f"column is computed on the {len(shared)} shared queries (largest set: {largest})."
        )
        return shared
    if len(tagged) > 1:
        by_set: dict[str, list[str]] = {}
        for run in runs:
            by_set.setdefault(run.query_set or "?", []).append(f"{run.system} ({run.run_id[:8]})")
        raise EvaluationError(
            f"runs of {col_key!r} were evaluated on {len(tagged)} different query sets "
            f"(tag query_set): {by_set}. Comparing their means would mislead. Fix: filter the "
            "runs to one split/query set, or align them explicitly on the shared queries "
            "(`--align intersect`)."
        )
    return None


def _cell(
    group: _Group,
    column: Column,
    shared: frozenset[str] | None,
    per_query: PerQueryLoader | None,
) -> tuple[Cell, dict[str, float] | None]:
    """The mean/std of a cell and, when available, its seed-averaged per-query values."""
    ids = tuple(r.run_id for r in group.runs)
    per_seed: list[Mapping[str, float]] = []
    if per_query is not None and not column.efficiency:
        for run in group.runs:
            values = per_query(run).metric(column.metric)
            if values is None:
                raise EvaluationError(
                    f"run {run.run_id} ({run.system}) has no per-query values of "
                    f"{column.metric!r} in its per_query.json; re-run it."
                )
            per_seed.append(values)
    if shared is not None and per_seed:
        means = [statistics.fmean(v[q] for q in shared) for v in per_seed]
    else:
        found = [r.metrics.get(column.metric) for r in group.runs]
        means = [float(m) for m in found if m is not None]
    if not means:
        return Cell(None, run_ids=ids), None
    std = statistics.stdev(means) if len(means) > 1 else None
    averaged: dict[str, float] | None = None
    if per_seed:
        queries = shared if shared is not None else frozenset(per_seed[0])
        for values in per_seed[1:]:
            if shared is None and frozenset(values) != queries:
                raise EvaluationError(
                    f"seeds of {group.runs[0].system} on {column.group!r} were evaluated on "
                    "different queries; align them with `--align intersect`."
                )
        averaged = {q: statistics.fmean(v[q] for v in per_seed) for q in queries}
    return Cell(statistics.fmean(means), std, len(means), run_ids=ids), averaged


def _rank(cells: list[list[Cell]], j: int, column: Column, decimals: int) -> None:
    """Mark the best (1) and second-best (2) values of column ``j``, ties sharing a rank."""
    shown: dict[int, float] = {}
    for i, row in enumerate(cells):
        mean = row[j].mean
        if mean is not None:
            shown[i] = round(mean, decimals)
    if len(shown) < 2:
        return
    distinct = sorted(set(shown.values()), reverse=column.higher_is_better)
    for i, value in shown.items():
        rank = distinct.index(value) + 1
        if rank <= 2:
            cells[i][j] = _replace(cells[i][j], rank=rank)


def _mark(
    cells: list[list[Cell]],
    row_keys: Sequence[str],
    j: int,
    base: Mapping[str, float],
    others: Mapping[str, Mapping[str, float]],
    baseline: str,
    test: TestName,
    correction: CorrectionName,
    alpha: float,
    align: AlignPolicy,
    n_permutations: int,
    seed: int,
) -> None:
    comparisons = compare_to_baseline(
        base, others, test, correction, alpha, align, n_permutations, seed, baseline
    )
    for comparison in comparisons:
        i = row_keys.index(comparison.system)
        cells[i][j] = _replace(
            cells[i][j],
            direction=comparison.direction if comparison.significant else None,
            p_value=comparison.result.p_value,
            p_adjusted=comparison.p_adjusted,
        )


def _replace(cell: Cell, **changes: object) -> Cell:
    return replace(cell, **changes)  # type: ignore[arg-type]
