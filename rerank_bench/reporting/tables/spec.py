"""What a table shows and how it tests: the settings of one table, as one object.

Why an object: a table has some twenty settings (layout, metrics, significance, display), and
every caller (``rerank-bench table``, ``reproduce``, notebooks) sets a few of them. One frozen
:class:`TableSpec` carries them through the building steps, documents them in one place, and
``dataclasses.replace`` derives a variant (another baseline, another test) from it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rerank_bench.evaluation.significance import AlignPolicy, CorrectionName, TestName

__all__ = ["DEFAULT_EFFICIENCY", "DEFAULT_METRICS", "TableSpec"]

DEFAULT_METRICS: tuple[str, ...] = ("ndcg@10", "mrr@10", "recall@100")
"""Ranx names: tables from MLflow runs find them logged as keys (``ndcg_at_10``), and tables of
runs evaluated in memory (:func:`~rerank_bench.reporting.tables.compare`) compute them."""
DEFAULT_EFFICIENCY: tuple[str, ...] = ("queries_per_s_first_stage", "pairs_per_s_rerank")


@dataclass(frozen=True, kw_only=True)
class TableSpec:
    """The settings of one table; every field has the default ``rerank-bench table`` uses.

    Attributes:
        rows: run field that names a row (``condition``: a reproduction's condition, else the
            run name; ``system``, ``run_name``, a tag such as ``reranker``, a param).
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
    """

    rows: str = "condition"
    columns: str = "dataset"
    metrics: Sequence[str] = DEFAULT_METRICS
    baseline: str | None = None
    test: TestName = "ttest"
    correction: CorrectionName = "holm"
    alpha: float = 0.05
    align: AlignPolicy = "refuse"
    n_permutations: int = 10_000
    seed: int = 42
    efficiency: Sequence[str] = DEFAULT_EFFICIENCY
    row_order: Sequence[str] | None = None
    row_labels: Mapping[str, str] | None = None
    column_order: Sequence[str] | None = None
    decimals: int = 4
    caption: str = ""
    row_header: str | None = None

    def row_label(self, key: str) -> str:
        """The display label of row ``key`` (the key itself unless ``row_labels`` names one)."""
        return (self.row_labels or {}).get(key, key)
