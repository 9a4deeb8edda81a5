"""Re-rankers whose document side does not depend on the query (a bi-encoder, SPLADE).

Why: a deployed two-tower re-ranker encodes its collection once, ahead of any query, and at query
time encodes the query and takes dot products. Its serving cost (:mod:`rerank_bench.serving`)
must be that, not the cost of re-encoding a hundred passages per query, which is what a
re-ranking with the score cache bypassed would time. :meth:`TwoTower.documents_indexed` holds the
vectors of given passages for the length of a block, as the index would; outside it nothing is
held (a collection's vectors need not fit in memory).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

__all__ = ["TwoTower"]


class TwoTower:
    """Mixin of a re-ranker that encodes passages apart from queries.

    A subclass encodes passages with :meth:`_encode_docs`, stacks single rows back into a
    matrix with :meth:`_stack_docs`, and asks :meth:`_doc_vectors` for the passages of a
    scoring call.
    """

    _indexed: dict[str, Any] | None = None

    @abstractmethod
    def _encode_docs(self, texts: list[str]) -> Any:
        """``[len(texts), dim]`` passage vectors (dense or sparse rows)."""

    @abstractmethod
    def _stack_docs(self, rows: list[Any]) -> Any:
        """Rows of :meth:`_encode_docs`, one per passage, stacked back into one matrix."""

    @contextmanager
    def documents_indexed(self, texts: Sequence[str]) -> Iterator[None]:
        """Within the block, the vectors of ``texts`` are encoded already, as in an index."""
        unique = list(dict.fromkeys(texts))
        self._indexed = {}
        if unique:
            vectors = self._encode_docs(unique)
            self._indexed = {text: vectors[i] for i, text in enumerate(unique)}
        try:
            yield
        finally:
            self._indexed = None

    def _doc_vectors(self, texts: list[str], encode: Callable[[list[str]], Any]) -> Any:
        """The vectors of ``texts``: from the index when one is held (passages missing from it
        are encoded with ``encode`` and kept), else all encoded with ``encode``."""
        if self._indexed is None:
            return encode(texts)
        missing = [t for t in dict.fromkeys(texts) if t not in self._indexed]
        if missing:
            vectors = encode(missing)
            self._indexed.update({text: vectors[i] for i, text in enumerate(missing)})
        return self._stack_docs([self._indexed[t] for t in texts])
