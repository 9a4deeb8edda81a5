"""A first stage that reads a TREC run file, so published runs can be scored and re-ranked."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from rerank_bench.data.io import check_run_against_corpus, read_trec_run
from rerank_bench.data.records import Corpus, Queries, Run, top
from rerank_bench.errors import DataFormatError
from rerank_bench.hashing import file_sha256
from rerank_bench.retrieval.base import Retriever

__all__ = ["RunFileRetriever"]

logger = logging.getLogger(__name__)

_EXAMPLES = 3
"""How many of the left-out query ids the warning names."""


class RunFileRetriever(Retriever):
    """Replay a run file: each query's top-``k`` lines, restricted to the queries asked for.

    Args:
        path: the TREC run file.
        name: label used in tables (defaults to the file's stem).
        check_corpus: refuse runs naming documents that the corpus lacks (needed to re-rank).
    """

    def __init__(self, path: str, name: str | None = None, check_corpus: bool = True) -> None:
        self.path = Path(path)
        self.name = name or self.path.stem
        self.check_corpus = check_corpus
        self._sha256: str | None = None

    def cache_key(self) -> dict[str, Any]:
        """The file's content hash: the run in it, not its path or mtime, decides the ranking.

        A touched but unchanged file reuses cached results; an edit that keeps size and mtime
        does not. The hash is computed on first use and kept for this instance's lifetime.

        Raises:
            DataFormatError: the file does not exist.
        """
        if self._sha256 is None:
            if not self.path.is_file():
                raise DataFormatError(
                    self.path, None, "file not found.", "check retriever.path in your config."
                )
            self._sha256 = file_sha256(self.path)
        return {"type": "run_file", "sha256": self._sha256, "check_corpus": self.check_corpus}

    def retrieve(self, corpus: Corpus, queries: Queries, k: int) -> Run:
        """The run file's rankings of ``queries``, cut at ``k``.

        Queries of the file that are not asked for are left out with a warning: normal for a run
        over every split of a collection, but also what a run with other query ids (or of
        another collection) looks like, and then the evaluated queries are scored 0.
        """
        full = read_trec_run(self.path)
        run: Run = {qid: dict(top(full.get(qid, {}), k)) for qid in queries}
        left_out = [qid for qid in full if qid not in queries]
        if left_out:
            logger.warning(
                "run file %s: %d of its %d queries are not among the %d queries asked for (this "
                "split) and are left out (e.g. %s); check the run file belongs to this dataset",
                self.path,
                len(left_out),
                len(full),
                len(queries),
                ", ".join(repr(qid) for qid in left_out[:_EXAMPLES]),
            )
        if self.check_corpus:
            check_run_against_corpus(run, corpus, self.path)
        return run
