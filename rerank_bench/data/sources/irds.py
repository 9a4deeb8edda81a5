"""Datasets from ir_datasets ids, and the plumbing that turns its records and failures into ours.

Why apart: ir_datasets is imported only when such a source loads (importing it creates folders
under ``IR_DATASETS_HOME``), and its download failures need their own, actionable messages.
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rerank_bench.data.io import add_judgment
from rerank_bench.data.records import Corpus, Doc, Qrels, Queries, Split
from rerank_bench.data.sources.base import DatasetSource
from rerank_bench.data.sources.splits import make_split
from rerank_bench.errors import ConfigError, RerankBenchError

__all__ = ["IRDS_PREFIX", "IrDatasetsBeirSource", "IrDatasetsSource"]

IRDS_PREFIX = "irds:"


@dataclass(kw_only=True)
class IrDatasetsSource(DatasetSource):
    """Datasets from ir_datasets ids (``irds:msmarco-passage/trec-dl-2019/judged``).

    ir_datasets downloads on first use, so this needs a connected machine or the files already
    under ``IR_DATASETS_HOME``; offline it fails at the first read, reported as a
    :class:`ConfigError` saying so. ``ir_datasets`` is imported only in :meth:`load`. The whole
    corpus is held in memory (fine for BEIR; MS MARCO's 8.8M passages need ~10 GB of RAM).

    Attributes:
        splits: split name -> ir_datasets id (``irds:`` prefix optional). Every id must share
            one document collection; the documents come from the first id that has them.
    """

    splits: Mapping[str, str] = field(default_factory=dict)
    train_split: str | None = None

    def __post_init__(self) -> None:
        self.splits = {str(key): str(value) for key, value in self.splits.items()}

    def _split_ids(self) -> dict[str, str]:
        if not self.splits:
            raise ConfigError(
                f"dataset {self.name!r} names no ir_datasets ids. "
                "Set dataset.splits={test: 'irds:<id>'}."
            )
        return {name: irds_id.removeprefix(IRDS_PREFIX) for name, irds_id in self.splits.items()}

    def _read(self) -> tuple[Corpus, dict[str, Split]]:
        irds = _import_ir_datasets()
        handles = {name: _irds_load(irds, irds_id) for name, irds_id in self._split_ids().items()}
        with_docs = [(name, ds) for name, ds in handles.items() if ds.has_docs()]
        if not with_docs:
            raise ConfigError(
                f"none of the ir_datasets ids of {self.name!r} has documents: {self.splits}."
            )
        namespaces = {ns for _, ds in with_docs if (ns := _docs_namespace(ds)) is not None}
        if len(namespaces) > 1:
            raise ConfigError(
                f"the ir_datasets ids of {self.name!r} come from different collections "
                f"({sorted(namespaces)}); give one dataset per collection."
            )
        docs_name, docs_ds = with_docs[0]
        corpus = _irds_read(
            self._split_ids()[docs_name],
            lambda: Corpus((_to_doc(doc) for doc in docs_ds.docs_iter()), name=self.name),
        )
        splits = {}
        for name, ds in handles.items():
            irds_id = self._split_ids()[name]
            queries = _irds_read(irds_id, lambda ds=ds: _irds_queries(ds))
            qrels = _irds_read(irds_id, lambda ds=ds, irds_id=irds_id: _irds_qrels(ds, irds_id))
            splits[name] = make_split(name, queries, qrels, IRDS_PREFIX + irds_id, corpus,
                                      self.normalize_ids)
        return corpus, splits


@dataclass(kw_only=True)
class IrDatasetsBeirSource(IrDatasetsSource):
    """A BEIR dataset from ir_datasets by its short name: ``dataset=beir dataset.beir=nfcorpus``.

    Each configured split maps to ``beir/<beir>/<split>``, or to ``beir/<beir>`` for the test
    split of collections that ir_datasets registers without a split suffix (arguana,
    trec-covid, ...). ``splits``, when given, wins.

    Attributes:
        beir: the BEIR dataset name (``scifact``, ``nfcorpus``, ``fiqa``...).
    """

    beir: str = "scifact"

    def _split_ids(self) -> dict[str, str]:
        if self.splits:
            return super()._split_ids()
        registry = _import_ir_datasets().registry
        ids = {}
        for split_name in self.split_names():
            candidates = [f"beir/{self.beir}/{split_name}"]
            if split_name == "test":
                candidates.append(f"beir/{self.beir}")
            found = [irds_id for irds_id in candidates if irds_id in registry]
            if not found:
                known = [str(name) for name in registry if str(name).startswith("beir/")]
                close = difflib.get_close_matches(candidates[0], known, n=3)
                raise ConfigError(
                    f"ir_datasets has no {candidates[0]!r}"
                    + (f"; close: {', '.join(close)}" if close else "")
                    + ". Check dataset.beir and the split names (set train_split=null if the "
                    "collection has no train split)."
                )
            ids[split_name] = found[0]
        return ids


# --------------------------------------------------------------------------------------------
# ir_datasets plumbing (imported lazily: importing it creates folders under IR_DATASETS_HOME)
# --------------------------------------------------------------------------------------------


def _import_ir_datasets() -> Any:
    try:
        import ir_datasets
    except ImportError:  # pragma: no cover - a declared dependency
        raise ConfigError(
            "ir_datasets is not installed; `pip install ir-datasets` to use irds: ids."
        ) from None
    return ir_datasets


def _irds_load(irds: Any, irds_id: str) -> Any:
    try:
        return irds.load(irds_id)
    except KeyError:
        close = difflib.get_close_matches(irds_id, [str(name) for name in irds.registry], n=3)
        hint = f" Close ids: {', '.join(close)}." if close else ""
        raise ConfigError(
            f"unknown ir_datasets id {irds_id!r}.{hint} "
            "See https://ir-datasets.com for the catalogue."
        ) from None


_LOCAL_COPY = re.compile(r"If you have a local copy of (\S+), you can symlink it here to avoid "
                         r"downloading it again: (\S+)")
"""ir_datasets' log line naming a file it downloads and where a copy of it would be found."""


class _ExpectedFiles(logging.Handler):
    """Collects, from ir_datasets' log, the files a read tried to download (url, local path)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.files: dict[str, str] = {}

    def emit(self, record: logging.LogRecord) -> None:
        if match := _LOCAL_COPY.search(record.getMessage()):
            self.files[match.group(2)] = match.group(1)


def _irds_read(irds_id: str, read: Any) -> Any:
    """Run ``read()`` and turn ir_datasets' download failures into an actionable ConfigError
    that names the files it could not download and where it looks for copies of them."""
    irds_log = logging.getLogger("ir_datasets")  # where ir_datasets logs (it does not propagate)
    expected = _ExpectedFiles()
    irds_log.addHandler(expected)
    try:
        return read()
    except RerankBenchError:
        raise
    except Exception as exc:
        files = "".join(f" {path} (a copy of {url});" for path, url in expected.files.items())
        where = (f"place these files there:{files[:-1]}." if files else
                 "place the files ir_datasets expects there.")
        raise ConfigError(
            f"could not read ir_datasets id {irds_id!r} ({type(exc).__name__}: {str(exc)[:200]}). "
            "ir_datasets downloads data on first use: run once on a machine with network access "
            f"(it keeps the files under IR_DATASETS_HOME, now {_irds_home()}), or {where} "
            "Or use a local dataset (dataset=local or a BEIR folder)."
        ) from exc
    finally:
        irds_log.removeHandler(expected)


def _irds_home() -> str:
    import os

    return os.environ.get("IR_DATASETS_HOME", "~/.ir_datasets")


def _docs_namespace(ds: Any) -> str | None:
    try:
        namespace = ds.docs_namespace()
    except Exception:  # some handlers lack it or get it wrong (vaswani)
        return None
    return str(namespace) if namespace else None


def _to_doc(doc: Any) -> Doc:
    text = getattr(doc, "text", None)
    if text is None:
        text = doc.default_text()
    return Doc(doc_id=str(doc.doc_id), text=str(text), title=str(getattr(doc, "title", "") or ""))


def _irds_queries(ds: Any) -> Queries:
    queries: Queries = {}
    for query in ds.queries_iter():
        text = query.default_text() if hasattr(query, "default_text") else query.text
        queries[str(query.query_id)] = " ".join(str(text).split())
    return queries


def _irds_qrels(ds: Any, irds_id: str) -> Qrels:
    qrels: Qrels = {}
    for index, qrel in enumerate(ds.qrels_iter(), start=1):
        add_judgment(
            qrels,
            IRDS_PREFIX + irds_id,
            index,
            str(qrel.query_id),
            str(qrel.doc_id),
            str(qrel.relevance),
        )
    return qrels
