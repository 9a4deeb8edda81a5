"""Tokenisation with an explicit truncation policy, done once, before batching.

Why not call the tokenizer per batch: to sort inputs by length and pack batches by a token budget
we need every length up front, and a re-ranking run repeats each query ~100 times, so queries are
tokenised once. The policy (query budget, passage budget) is applied here on token ids, reported in
:class:`TruncationStats`, and logged, so a reader of the results knows what the model saw. A
re-ranker adds the stats of all its tokenisation calls up in a :class:`TruncationTally`
(:class:`CountsTruncation`): one log line per stage, and totals for MLflow.

Pairs are assembled from the tokenizer's own post-processor template (learnt from a probe pair),
so BERT (``[CLS] q [SEP] d [SEP]``), RoBERTa (``<s> q </s></s> d </s>``) and others come out as the
model expects, token type ids included.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rerank_bench.errors import ConfigError
from rerank_bench.inference.settings import Side

__all__ = [
    "CountsTruncation",
    "Encoded",
    "TextEncoder",
    "TruncationStats",
    "TruncationTally",
    "longest_first",
]

log = logging.getLogger(__name__)


@dataclass
class Encoded:
    """Token ids of many inputs (special tokens included), unpadded.

    Attributes:
        ids: one int64 array per input.
        type_ids: one array of token type ids per input.
        stats: what truncation did.
    """

    ids: list[np.ndarray]
    type_ids: list[np.ndarray]
    stats: TruncationStats

    def lengths(self) -> np.ndarray:
        """Tokens per input."""
        return np.fromiter((len(ids) for ids in self.ids), dtype=np.int64, count=len(self.ids))


@dataclass
class TruncationStats:
    """How many inputs lost tokens to the budgets (logged with every scoring call)."""

    inputs: int = 0
    truncated_queries: int = 0
    truncated_docs: int = 0
    max_length: int = 0
    query_max_length: int | None = None
    pairs: bool = True

    def budget(self) -> str:
        """The budget the inputs were cut to, in words (``max_length`` as capped by the model)."""
        if not self.pairs:
            return f"max_length={self.max_length}"
        policy = (
            f"query <= {self.query_max_length} tokens, passage gets the rest"
            if self.query_max_length is not None
            else "longest-first"
        )
        return f"{policy}, max_length={self.max_length}"

    def describe(self) -> str:
        """One log line."""
        if not self.pairs:
            return f"truncation ({self.budget()}): {self.truncated_docs} of {self.inputs} texts cut"
        return (
            f"truncation ({self.budget()}): {self.truncated_queries} of "
            f"{self.inputs} queries and {self.truncated_docs} of {self.inputs} passages cut"
        )


@dataclass
class TruncationTally:
    """Truncation added up over many tokenisation calls, split into queries and passages.

    Why: a stage tokenises in pieces (the score cache persists a chunk of pairs at a time, SPLADE
    encodes queries and passages apart), and a line per piece, or none, hides the one number a
    reader of the results needs: how many passages the model never saw whole. Only inputs that
    were tokenised count; pairs served by the score cache were counted when they were scored.

    Attributes:
        queries_seen: queries tokenised (one per pair for a cross-encoder).
        queries_truncated: of those, queries cut.
        docs_seen: passages tokenised.
        docs_truncated: of those, passages cut.
        budgets: what each kind of input was cut to (``pairs``, ``queries``, ``passages``).
    """

    queries_seen: int = 0
    queries_truncated: int = 0
    docs_seen: int = 0
    docs_truncated: int = 0
    budgets: dict[str, str] = field(default_factory=dict)

    def add_pairs(self, stats: TruncationStats) -> None:
        """Count one call of :meth:`TextEncoder.encode_pairs`."""
        self.queries_seen += stats.inputs
        self.queries_truncated += stats.truncated_queries
        self.docs_seen += stats.inputs
        self.docs_truncated += stats.truncated_docs
        self.budgets["pairs"] = stats.budget()

    def add_texts(self, stats: TruncationStats, side: Side) -> None:
        """Count one call of :meth:`TextEncoder.encode_texts` on queries or on passages."""
        if side == "query":
            self.queries_seen += stats.inputs
            self.queries_truncated += stats.truncated_docs
            self.budgets["queries"] = stats.budget()
        else:
            self.docs_seen += stats.inputs
            self.docs_truncated += stats.truncated_docs
            self.budgets["passages"] = stats.budget()

    def add(self, other: TruncationTally) -> None:
        """Add another tally (one stage's) to this one (the running total)."""
        self.queries_seen += other.queries_seen
        self.queries_truncated += other.queries_truncated
        self.docs_seen += other.docs_seen
        self.docs_truncated += other.docs_truncated
        self.budgets.update(other.budgets)

    def shares(self) -> str:
        """``"30% of queries and 1.2% of passages cut (<budgets>)"``: a table footer's words."""
        return (
            f"{_share(self.queries_truncated, self.queries_seen)} of queries and "
            f"{_share(self.docs_truncated, self.docs_seen)} of passages cut ({self._budget()})"
        )

    def _budget(self) -> str:
        return self.budgets.get("pairs") or "; ".join(
            f"{kind}: {text}" for kind, text in self.budgets.items()
        )

    def describe(self) -> str:
        """One log line: counts of cut inputs out of those seen, and the budgets."""
        return (
            f"truncation ({self._budget()}): {self.queries_truncated} of {self.queries_seen} "
            f"queries and {self.docs_truncated} of {self.docs_seen} passages cut"
        )

    def summary(self) -> dict[str, float]:
        """MLflow-loggable counts (``rerank_{queries,docs}_{truncated,seen}``)."""
        return {
            "rerank_queries_truncated": float(self.queries_truncated),
            "rerank_queries_seen": float(self.queries_seen),
            "rerank_docs_truncated": float(self.docs_truncated),
            "rerank_docs_seen": float(self.docs_seen),
        }


def _share(part: int, whole: int) -> str:
    """``part`` of ``whole`` as a percentage: ``75%``, ``0.75%`` (``0%`` of nothing)."""
    percent = 100 * part / whole if whole else 0.0
    return f"{percent:.0f}%" if percent >= 10 or percent == 0 else f"{percent:.2g}%"


class CountsTruncation:
    """Mixin of re-rankers that tokenise: one truncation line per scoring call, totals on demand.

    The cross-encoder and SPLADE share it, so that both report truncation the same way and the
    pipeline can log :meth:`truncation_summary` of either without knowing which it holds.
    """

    _truncation: TruncationTally | None = None

    @contextlib.contextmanager
    def _counting_truncation(self, label: str) -> Iterator[TruncationTally]:
        """A tally for one scoring call; logged once when it ends, then added to the totals."""
        tally = TruncationTally()
        yield tally
        if tally.queries_seen or tally.docs_seen:
            log.info("%s: %s", label, tally.describe())
        if self._truncation is None:
            self._truncation = TruncationTally()
        self._truncation.add(tally)

    def truncation_summary(self) -> dict[str, float]:
        """Inputs tokenised and cut since this re-ranker was built (see :class:`TruncationTally`).

        Returns:
            ``rerank_queries_truncated``, ``rerank_queries_seen``, ``rerank_docs_truncated``,
            ``rerank_docs_seen``; all 0 when every pair came from the score cache.
        """
        return self.truncation_tally().summary()

    def truncation_tally(self) -> TruncationTally:
        """The totals themselves (:meth:`TruncationTally.shares` words them for a table)."""
        return self._truncation or TruncationTally()


def longest_first(n_first: int, n_second: int, budget: int) -> tuple[int, int]:
    """Lengths kept by longest-first truncation, identical to Hugging Face ``tokenizers``.

    The shorter sequence keeps up to half the budget; the longer one gets the rest (on a tie the
    second sequence gets the odd token).
    """
    if n_first + n_second <= budget:
        return n_first, n_second
    if n_first > n_second:
        keep = min(n_second, budget // 2)
        return budget - keep, keep
    keep = min(n_first, budget // 2)
    return keep, budget - keep


@dataclass(frozen=True)
class _Template:
    """Special tokens around one or two sequences: (ids, type ids) before, between, after."""

    parts: tuple[tuple[np.ndarray, np.ndarray], ...]
    seq_types: tuple[int, ...]

    @property
    def n_special(self) -> int:
        return sum(len(ids) for ids, _ in self.parts)


class TextEncoder:
    """Tokenise single texts or (query, passage) pairs under a token budget.

    Args:
        tokenizer: a transformers tokenizer with a fast (``tokenizers``) backend.
        max_length: budget of one input, special tokens included; capped by the tokenizer's
            ``model_max_length``.
        query_max_length: budget of the query in a pair, or ``None`` for longest-first.

    Raises:
        ConfigError: the budgets leave no room for text.
    """

    def __init__(self, tokenizer: Any, max_length: int, query_max_length: int | None) -> None:
        from tokenizers import Tokenizer

        backend = Tokenizer.from_str(tokenizer.backend_tokenizer.to_str())
        backend.no_truncation()
        backend.no_padding()
        self._backend = backend
        model_max = getattr(tokenizer, "model_max_length", None)
        if isinstance(model_max, int) and 0 < model_max < max_length:
            log.info("max_length %d capped at the tokenizer's model_max_length %d", max_length,
                     model_max)
            max_length = model_max
        self.max_length = max_length
        self.query_max_length = query_max_length
        self.pad_id = int(tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0)
        self._pair = self._template(pair=True)
        self._single = self._template(pair=False)
        if self.max_length - self._pair.n_special < 2:
            raise ConfigError(
                f"max_length={self.max_length} leaves no room for text after "
                f"{self._pair.n_special} special tokens. Fix: raise max_length."
            )

    def _template(self, pair: bool) -> _Template:
        full = self._backend.encode("probe", "probe") if pair else self._backend.encode("probe")
        ids = np.asarray(full.ids, dtype=np.int64)
        types = np.asarray(full.type_ids, dtype=np.int64)
        seq = full.sequence_ids
        parts: list[tuple[np.ndarray, np.ndarray]] = []
        seq_types: list[int] = []
        start = 0
        position = 0
        while position <= len(seq):
            if position == len(seq) or seq[position] is not None:
                parts.append((ids[start:position], types[start:position]))
                if position == len(seq):
                    break
                seq_types.append(int(types[position]))
                sid = seq[position]
                while position < len(seq) and seq[position] == sid:
                    position += 1
                start = position
            else:
                position += 1
        return _Template(parts=tuple(parts), seq_types=tuple(seq_types))

    def _token_ids(self, texts: Sequence[str]) -> tuple[list[np.ndarray], np.ndarray]:
        """Ids without special tokens of each unique text, and the index of each text into them."""
        unique: dict[str, int] = {}
        index = np.fromiter(
            (unique.setdefault(t, len(unique)) for t in texts), dtype=np.int64, count=len(texts)
        )
        encodings = self._backend.encode_batch(list(unique), add_special_tokens=False)
        return [np.asarray(e.ids, dtype=np.int64) for e in encodings], index

    def _assemble(self, template: _Template, pieces: Sequence[np.ndarray]) -> tuple[
        np.ndarray, np.ndarray
    ]:
        ids: list[np.ndarray] = []
        types: list[np.ndarray] = []
        for position, (special_ids, special_types) in enumerate(template.parts):
            ids.append(special_ids)
            types.append(special_types)
            if position < len(pieces):
                ids.append(pieces[position])
                types.append(np.full(len(pieces[position]), template.seq_types[position]))
        return np.concatenate(ids), np.concatenate(types)

    def encode_texts(self, texts: Sequence[str], prefix: str = "") -> Encoded:
        """Tokenise single texts (bi-encoder, SPLADE), cut to ``max_length`` tokens.

        Args:
            texts: the texts; empty strings give an input of special tokens only.
            prefix: prepended to every text (e5/bge-style ``"query: "``).
        """
        token_ids, index = self._token_ids([prefix + t for t in texts])
        budget = self.max_length - self._single.n_special
        stats = TruncationStats(inputs=len(texts), max_length=self.max_length, pairs=False)
        ids_out: list[np.ndarray] = []
        types_out: list[np.ndarray] = []
        for i in index:
            piece = token_ids[i]
            if len(piece) > budget:
                stats.truncated_docs += 1
                piece = piece[:budget]
            ids, types = self._assemble(self._single, [piece])
            ids_out.append(ids)
            types_out.append(types)
        return Encoded(ids_out, types_out, stats)

    def encode_pairs(self, queries: Sequence[str], docs: Sequence[str]) -> Encoded:
        """Tokenise aligned (query, passage) pairs under the truncation policy.

        Raises:
            ConfigError: ``queries`` and ``docs`` differ in length.
        """
        if len(queries) != len(docs):
            raise ConfigError(
                f"got {len(queries)} queries and {len(docs)} passages; pairs must be aligned."
            )
        q_ids, q_index = self._token_ids(queries)
        d_ids, d_index = self._token_ids(docs)
        budget = self.max_length - self._pair.n_special
        qmax = self.query_max_length
        stats = TruncationStats(
            inputs=len(queries), max_length=self.max_length, query_max_length=qmax
        )
        ids_out: list[np.ndarray] = []
        types_out: list[np.ndarray] = []
        for qi, di in zip(q_index, d_index, strict=True):
            query, doc = q_ids[qi], d_ids[di]
            if qmax is not None:
                n_query = min(len(query), qmax, budget - 1)
                n_doc = min(len(doc), budget - n_query)
            else:
                n_query, n_doc = longest_first(len(query), len(doc), budget)
            stats.truncated_queries += n_query < len(query)
            stats.truncated_docs += n_doc < len(doc)
            ids, types = self._assemble(self._pair, [query[:n_query], doc[:n_doc]])
            ids_out.append(ids)
            types_out.append(types)
        return Encoded(ids_out, types_out, stats)
