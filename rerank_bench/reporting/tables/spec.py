"""What a table shows and how it tests: the settings of one table, as one object.

Why an object: a table has some twenty settings (layout, metrics, significance, display), and
every caller (``rerank-bench table``, ``reproduce``, notebooks) sets a few of them. One frozen
:class:`TableSpec` carries them through the building steps, documents them in one place, and
``dataclasses.replace`` derives a variant (another baseline, another test) from it.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rerank_bench.errors import ConfigError
from rerank_bench.evaluation.significance import (
    TIE_TOLERANCE,
    AlignPolicy,
    CorrectionName,
    FamilyName,
    TestName,
)

__all__ = [
    "CI_LEVEL",
    "DEFAULT_EFFICIENCY",
    "DEFAULT_METRICS",
    "POOLED",
    "TableSpec",
    "baseline_letter",
]

DEFAULT_METRICS: tuple[str, ...] = ("ndcg@10", "mrr@10", "recall@100")
"""Ranx names: tables from MLflow runs find them logged as keys (``ndcg_at_10``), and tables of
runs evaluated in memory (:func:`~rerank_bench.reporting.tables.compare`) compute them."""
DEFAULT_EFFICIENCY: tuple[str, ...] = ("queries_per_s_first_stage", "pairs_per_s_rerank")
CI_LEVEL = 0.95
"""Coverage of the bootstrap intervals a table shows (:attr:`TableSpec.ci`)."""
POOLED = "pooled"
"""Column value of the pooled column group (:attr:`TableSpec.pooled`)."""
_LETTERS = string.ascii_lowercase


def baseline_letter(index: int) -> str:
    """The letter that marks the ``index``-th baseline of a table with several (a, b, ...)."""
    return _LETTERS[index]


@dataclass(frozen=True, kw_only=True)
class TableSpec:
    """The settings of one table; every field has the default ``rerank-bench table`` uses.

    Attributes:
        rows: run field that names a row (``condition``: a reproduction's condition, else the
            run name; ``system``, ``run_name``, a tag such as ``reranker``, a param).
        columns: run field that names a column group (``dataset`` by default).
        metrics: metric keys or ranx names; a metric nobody logged is an error.
        baseline: row key to test every other row against, or several (``("bm25", "minilm")``:
            each row is tested against every baseline listed before it, so each pair of rows is
            tested once); ``None`` for no significance marks.
        test: ``"ttest"`` (paired t-test) or ``"fisher"`` (randomisation test).
        correction: ``"holm"``, ``"bonferroni"`` or ``"none"``, over each family of tests.
        alpha: family-wise significance level.
        family: what one correction covers: ``"column"`` (the comparisons of one metric on one
            column value), ``"group"`` (every system x baseline x metric of one column value) or
            ``"table"`` (every comparison of the table); ``None``: ``"column"`` with one
            baseline, ``"table"`` with several.
        pooled: add a column group :data:`POOLED` whose values and tests are over the queries of
            every column group concatenated (only when there are several).
        ci: compute each comparison's mean difference with a paired bootstrap confidence
            interval (:data:`CI_LEVEL`), shown in the comparisons block.
        n_resamples: bootstrap resamples (seeded with ``seed``).
        wtl: count each comparison's per-query wins, ties and losses, shown in the comparisons
            block.
        tie_tolerance: a query is a tie when ``|row - baseline| <= tie_tolerance``.
        align: ``"refuse"`` runs of a column with different query sets, or ``"intersect"``.
        n_permutations: permutations of the randomisation test.
        seed: seed of the randomisation test and of the bootstrap.
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
    baseline: str | Sequence[str] | None = None
    test: TestName = "ttest"
    correction: CorrectionName = "holm"
    alpha: float = 0.05
    family: FamilyName | None = None
    pooled: bool = False
    ci: bool = False
    n_resamples: int = 10_000
    wtl: bool = False
    tie_tolerance: float = TIE_TOLERANCE
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

    def __post_init__(self) -> None:
        """Refuse baselines that cannot be told apart: repeated, or more than letters."""
        baselines = self.baselines
        repeated = sorted({b for b in baselines if baselines.count(b) > 1})
        if repeated:
            raise ConfigError(f"baselines are repeated: {repeated}. Fix: name each once.")
        if len(baselines) > len(_LETTERS):
            raise ConfigError(
                f"{len(baselines)} baselines; at most {len(_LETTERS)} can be told apart by a "
                "letter. Fix: pass fewer to --baseline."
            )

    @property
    def baselines(self) -> tuple[str, ...]:
        """The baselines, in order (one string is one baseline)."""
        if self.baseline is None:
            return ()
        if isinstance(self.baseline, str):
            return (self.baseline,)
        return tuple(self.baseline)

    @property
    def correction_family(self) -> FamilyName:
        """:attr:`family`, resolved: ``"column"`` with one baseline, ``"table"`` with more."""
        if self.family is not None:
            return self.family
        return "table" if len(self.baselines) > 1 else "column"

    def row_label(self, key: str) -> str:
        """The display label of row ``key`` (the key itself unless ``row_labels`` names one)."""
        return (self.row_labels or {}).get(key, key)
