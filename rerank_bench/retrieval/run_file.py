"""A first stage that reads a TREC run file, so published runs can be scored and re-ranked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rerank_bench.cache import stable_hash
from rerank_bench.data.io import check_run_against_corpus, read_trec_run
from rerank_bench.data.records import Corpus, Queries, Run, ranking
from rerank_bench.retrieval.base import Retriever

__all__ = ["RunFileRetriever"]


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

    def cache_key(self) -> dict[str, Any]:
        stat = self.path.stat() if self.path.exists() else None
        return {
            "type": "run_file",
            "path": str(self.path.resolve()),
            "size": stat.st_size if stat else None,
            "mtime": stat.st_mtime if stat else None,
            "check_corpus": self.check_corpus,
            "id": stable_hash(str(self.path)),
        }

    def retrieve(self, corpus: Corpus, queries: Queries, k: int) -> Run:
        full = read_trec_run(self.path)
        run: Run = {qid: dict(ranking(full.get(qid, {}))[:k]) for qid in queries}
        if self.check_corpus:
            check_run_against_corpus(run, corpus, self.path)
        return run
