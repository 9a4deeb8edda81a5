"""Paper-style tables from MLflow runs (systems as rows, datasets x metrics as columns), or from
runs held in memory and evaluated on one split (:func:`compare`).

Why: the number a researcher copies into a paper must come with what makes it trustworthy: mean
and spread over seeds, whether it beats the baselines beyond query noise (a paired test,
corrected over a stated family of comparisons), how large the difference is (a bootstrap
interval) and how many queries gain or lose, and the cost (latency, throughput).
:func:`tabulate` (or :func:`build_table`, its keyword form) computes all of that once into a
:class:`Table`; the renderers only format it, so Markdown, LaTeX (booktabs), CSV and HTML always
show the same numbers, marks and footnote.

Query sets are checked, never assumed: runs of one column evaluated on different queries (tag
``query_set``) are refused, or, when asked (``align="intersect"``), every value of that column is
recomputed from the per-query metrics on the shared queries, and the footnote says so.

One module per job:

* :mod:`~rerank_bench.reporting.tables.spec`: :class:`TableSpec`, the settings of a table;
* :mod:`~rerank_bench.reporting.tables.model`: :class:`Table`, :class:`Column`, :class:`Cell`;
* :mod:`~rerank_bench.reporting.tables.build`: :func:`tabulate` and :func:`build_table`, and
  :func:`table_from_cells`, the ranks, marks and footnote every table gets;
* :mod:`~rerank_bench.reporting.tables.in_memory`: :func:`compare`, a table of in-memory runs;
* :mod:`~rerank_bench.reporting.tables.grid`: which runs make which cell;
* :mod:`~rerank_bench.reporting.tables.cells`: seed means, ranks, significance marks, pooling;
* :mod:`~rerank_bench.reporting.tables.render`: Markdown, LaTeX, CSV and HTML;
* :mod:`~rerank_bench.reporting.tables.labels`: :func:`metric_label` (shared with the plots);
* :mod:`~rerank_bench.reporting.tables.wtl_plot`: the win/tie/loss bar chart of a table (not
  imported here: it draws with :mod:`rerank_bench.reporting.plots`, which imports this package).
"""

from __future__ import annotations

from rerank_bench.reporting.tables.build import build_table, table_from_cells, tabulate
from rerank_bench.reporting.tables.cells import PerQueryLoader
from rerank_bench.reporting.tables.in_memory import compare
from rerank_bench.reporting.tables.labels import metric_label
from rerank_bench.reporting.tables.model import Cell, Column, Table
from rerank_bench.reporting.tables.spec import DEFAULT_EFFICIENCY, DEFAULT_METRICS, TableSpec

__all__ = [
    "DEFAULT_EFFICIENCY",
    "DEFAULT_METRICS",
    "Cell",
    "Column",
    "PerQueryLoader",
    "Table",
    "TableSpec",
    "build_table",
    "compare",
    "metric_label",
    "table_from_cells",
    "tabulate",
]
