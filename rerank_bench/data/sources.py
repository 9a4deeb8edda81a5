"""Dataset sources: the objects ``conf/dataset/*.yaml`` instantiate, one per way data arrives.

Why: the pipeline should not know whether a collection is a BEIR folder, a set of TREC or SMART
files, or an ir_datasets id. Each config names a source class (``_target_``) with its paths and
split names; the pipeline calls :meth:`DatasetSource.load` and gets a
:class:`~rerank_bench.data.records.Dataset`. Constructors only store settings (no file is opened
when a config is composed or the package imported); :meth:`DatasetSource.load` reads everything
once, validates it, and memoizes the result on the instance.

Conventions every source follows:

* A split holds the topics that have judgments in that split's qrels (as trec_eval scores only
  judged topics); topics without judgments are dropped and their number logged.
* Qrels that judge a topic missing from the topics file are an error (that topic would score
  zero and silently lower every mean). Judged documents missing from the corpus are normal for
  pooled collections (the DL19 pool): they are counted and logged, never an error.
* Every configured split (``eval_split``, ``train_split``, ``dev_split``) must exist, checked at
  load time with a :class:`~rerank_bench.errors.ConfigError` listing the available ones.
"""

from __future__ import annotations

import difflib
import importlib.resources
import logging
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rerank_bench.data.formats import (
    read_corpus,
    read_cranfield_qrels,
    read_qrels,
    read_queries,
    read_smart_queries,
)
from rerank_bench.data.io import add_judgment, check_qrels_against_queries
from rerank_bench.data.records import Corpus, Dataset, Doc, Qrel, Qrels, Queries, Query, Split
from rerank_bench.errors import ConfigError, DataFormatError, RerankBenchError

__all__ = [
    "BeirSource",
    "CranfieldSource",
    "DatasetSource",
    "IrDatasetsBeirSource",
    "IrDatasetsSource",
    "LocalSource",
    "dataset_stats",
    "make_split",
    "resolve_path",
]

logger = logging.getLogger(__name__)

IRDS_PREFIX = "irds:"


def make_split(
    name: str, queries: Queries, qrels: Qrels, qrels_path: str | Path, corpus: Corpus | None = None
) -> Split:
    """Build a :class:`Split` from topics and qrels with the checks every source shares.

    Args:
        name: the split name (``test``, ``train``...).
        queries: all topics available (the split keeps the judged ones).
        qrels: the split's judgments.
        qrels_path: where the qrels came from (file or ``irds:`` id), for messages.
        corpus: when given, judged documents missing from it are counted and logged.

    Raises:
        DataFormatError: the qrels judge a topic that ``queries`` lacks, or judge nothing.
    """
    if not qrels:
        raise DataFormatError(
            qrels_path, None, f"split {name!r} has no judgments.", "point to a non-empty qrels."
        )
    check_qrels_against_queries(qrels, queries, qrels_path)
    judged = {qid: text for qid, text in queries.items() if qid in qrels}
    if len(judged) < len(queries):
        logger.info(
            "split %s: %d of %d topics have no judgments in %s and are left out",
            name,
            len(queries) - len(judged),
            len(queries),
            qrels_path,
        )
    if corpus is not None:
        pairs = sum(len(docs) for docs in qrels.values())
        missing = sum(1 for docs in qrels.values() for doc_id in docs if doc_id not in corpus)
        if missing:
            logger.info(
                "split %s: %d of %d judged documents are not in the corpus (pooled judgments: "
                "they can never be retrieved, and still count in recall and nDCG's ideal)",
                name,
                missing,
                pairs,
            )
    return Split(name=name, queries=judged, qrels=qrels)


def dataset_stats(dataset: Dataset) -> dict[str, int]:
    """Counts that describe a loaded dataset (for logs, MLflow params and dataset cards).

    Returns:
        ``docs`` and, per split, ``<split>/queries``, ``<split>/judgments``, ``<split>/relevant``
        (grade >= ``dataset.rel_level``) and ``<split>/judged_not_in_corpus``.
    """
    stats = {"docs": len(dataset.corpus)}
    for name, split in dataset.splits.items():
        grades = [
            (doc_id, grade) for docs in split.qrels.values() for doc_id, grade in docs.items()
        ]
        stats[f"{name}/queries"] = len(split.queries)
        stats[f"{name}/judgments"] = len(grades)
        stats[f"{name}/relevant"] = sum(grade >= dataset.rel_level for _, grade in grades)
        stats[f"{name}/judged_not_in_corpus"] = sum(
            doc_id not in dataset.corpus for doc_id, _ in grades
        )
    return stats


def _as_list(value: str | Sequence[str]) -> list[str]:
    return [value] if isinstance(value, str | Path) else [str(item) for item in value]


PACKAGE_PREFIX = "pkg:"


def resolve_path(value: str | Path) -> Path:
    """Turn a configured path into a file-system path (nothing is opened).

    ``pkg:<package>/<relative path>`` names a file shipped inside an installed package
    (``pkg:rerank_bench.data/helpdesk``), so built-in data is found from any working directory;
    ``~`` is expanded.

    Raises:
        ConfigError: the package of a ``pkg:`` path cannot be imported.
    """
    text = str(value)
    if not text.startswith(PACKAGE_PREFIX):
        return Path(text).expanduser()
    package, _, relative = text[len(PACKAGE_PREFIX) :].partition("/")
    try:
        root = Path(str(importlib.resources.files(package)))
    except (ModuleNotFoundError, TypeError) as exc:
        raise ConfigError(
            f"cannot resolve {text!r}: package {package!r} is not importable ({exc}). "
            "Write pkg:<importable.package>/<path inside it>."
        ) from None
    return root / relative if relative else root


def _path(value: str | Path, key: str) -> Path:
    """``value`` as a path that exists, or an error naming the config key and the data root."""
    path = resolve_path(value)
    if not path.exists():
        raise DataFormatError(
            path,
            None,
            f"not found (dataset.{key}; relative paths start at {Path.cwd()}).",
            f"fix dataset.{key}, or set RERANK_BENCH_DATA (or paths.data) to the folder that "
            "holds the shared collections.",
        )
    return path


@dataclass
class DatasetSource(ABC):
    """A configured dataset: names its splits and loads a :class:`Dataset` on demand.

    Attributes:
        name: short name used in run names, MLflow tags and tables.
        eval_split: the split evaluated by ``rerank-bench run``.
        train_split: the split used to fine-tune (``None``: the dataset has none).
        dev_split: the split used for validation while fine-tuning (``None``: none).
        rel_level: smallest grade that counts as relevant for binary metrics (DL: 2).
        logs: interaction logs (JSONL search logs) that come with the data, for labels derived
            from user feedback (``labels=<method>``); checked to exist when the dataset loads.
    """

    name: str
    eval_split: str = "test"
    train_split: str | None = "train"
    dev_split: str | None = None
    rel_level: int = 1
    logs: Sequence[str] = ()
    _dataset: Dataset | None = field(default=None, init=False, repr=False, compare=False)

    def load(self) -> Dataset:
        """Read, validate and return the dataset (read once per instance, then memoized).

        Raises:
            DataFormatError: a file is missing or malformed (names file, line and fix).
            ConfigError: a configured split does not exist, or the source cannot be reached.
        """
        if self._dataset is None:
            corpus, splits = self._read()
            dataset = Dataset(
                name=self.name,
                corpus=corpus,
                splits=splits,
                rel_level=self.rel_level,
                logs=tuple(str(_path(log, "logs")) for log in _as_list(self.logs)),
            )
            for split_name in self.split_names():
                dataset.split(split_name)  # raises ConfigError listing the available splits
            self._dataset = dataset
        return self._dataset

    def iter_docs(self) -> Iterator[Doc]:
        """The documents as :class:`Doc` records, in file order (loads the dataset once)."""
        yield from self.load().corpus.values()

    def iter_queries(self, split: str | None = None) -> Iterator[Query]:
        """The topics of ``split`` (default: ``eval_split``) as :class:`Query` records."""
        for qid, text in self.load().split(split or self.eval_split).queries.items():
            yield Query(query_id=qid, text=text)

    def iter_qrels(self, split: str | None = None) -> Iterator[Qrel]:
        """The judgments of ``split`` (default: ``eval_split``) as :class:`Qrel` records."""
        for qid, docs in self.load().split(split or self.eval_split).qrels.items():
            for doc_id, grade in docs.items():
                yield Qrel(query_id=qid, doc_id=doc_id, relevance=grade)

    def split_names(self) -> list[str]:
        """The configured split names (evaluation first), without ``None`` ones."""
        names = [self.eval_split, self.train_split, self.dev_split]
        return list(dict.fromkeys(name for name in names if name))

    @abstractmethod
    def _read(self) -> tuple[Corpus, dict[str, Split]]:
        """Read the corpus and every split this source has."""


@dataclass(kw_only=True)
class BeirSource(DatasetSource):
    """A BEIR folder: ``corpus.jsonl``, ``queries.jsonl`` and ``qrels/<split>.tsv`` (header row).

    Attributes:
        path: the folder (``pkg:<package>/<folder>`` for data shipped in a package).
        splits: split names to read (``None``: every ``qrels/*.tsv``).
    """

    path: str
    splits: Sequence[str] | None = None

    def __post_init__(self) -> None:
        if self.splits is not None:
            self.splits = _as_list(self.splits)

    def _read(self) -> tuple[Corpus, dict[str, Split]]:
        folder = _path(self.path, "path")
        if not folder.is_dir():
            raise DataFormatError(
                folder,
                None,
                "is not a folder.",
                "point dataset.path at a folder with corpus.jsonl, queries.jsonl and qrels/.",
            )
        qrels_dir = folder / "qrels"
        names = (
            list(self.splits)
            if self.splits is not None
            else sorted(p.stem for p in qrels_dir.glob("*.tsv"))
        )
        if not names:
            raise DataFormatError(
                qrels_dir, None, "no qrels/<split>.tsv files.", "add qrels/test.tsv (BEIR layout)."
            )
        corpus = read_corpus(folder / "corpus.jsonl", fmt="jsonl", name=self.name)
        queries = read_queries(folder / "queries.jsonl", fmt="jsonl")
        splits = {}
        for split_name in names:
            qrels_path = qrels_dir / f"{split_name}.tsv"
            splits[split_name] = make_split(
                split_name, queries, read_qrels(qrels_path, fmt="tsv"), qrels_path, corpus
            )
        return corpus, splits


@dataclass(kw_only=True)
class LocalSource(DatasetSource):
    """Corpus, topics and qrels files in any supported layout (sniffed unless given).

    This is ``dataset=local`` (files given on the command line) and also the source of the TREC
    and SMART collections in ``conf/dataset/`` (DL19 pool, Vaswani, MED).

    Attributes:
        corpus: corpus file: JSONL, TSV, TREC ``<DOC>`` or SMART. Every path may also be
            ``pkg:<package>/<file>`` (a file shipped inside an installed package).
        queries: topics file, or a list of them merged (MED needs a supplement); duplicate
            ids across files are an error.
        qrels: qrels file (TREC or BEIR TSV) for the single split ``split``, or a mapping
            ``{split: qrels file}`` for several splits.
        split: the split name when ``qrels`` is a single file.
        train_split: ``None`` by default here (one qrels file is one split); name a split of
            the ``qrels`` mapping to fine-tune on it.
        corpus_format: one of ``jsonl``, ``tsv``, ``trec``, ``smart`` (``None``: sniff).
        queries_format: one of ``jsonl``, ``tsv``, ``trec``, ``smart`` (``None``: sniff).
        qrels_format: ``trec`` or ``tsv`` (``None``: sniff).
        topic_field: TREC SGML topics: ``title``, ``desc``, ``narr`` or ``title+desc``.
    """

    corpus: str
    queries: str | Sequence[str]
    qrels: str | Mapping[str, str]
    split: str = "test"
    train_split: str | None = None
    corpus_format: str | None = None
    queries_format: str | None = None
    qrels_format: str | None = None
    topic_field: str = "title"

    def __post_init__(self) -> None:
        self.queries = _as_list(self.queries)
        if not isinstance(self.qrels, str | Path):
            self.qrels = {str(key): str(value) for key, value in self.qrels.items()}

    def _qrels_files(self) -> dict[str, Path]:
        if isinstance(self.qrels, str | Path):
            return {self.split: _path(self.qrels, "qrels")}
        return {name: _path(path, f"qrels.{name}") for name, path in self.qrels.items()}

    def _read_topics(self) -> Queries:
        merged: Queries = {}
        for path in _as_list(self.queries):
            for qid, text in read_queries(
                _path(path, "queries"), self.queries_format, self.topic_field
            ).items():
                if qid in merged:
                    raise DataFormatError(
                        path,
                        None,
                        f"query id {qid!r} is also in an earlier topics file.",
                        "merge topic files whose ids do not overlap.",
                    )
                merged[qid] = text
        return merged

    def _read_qrels(self, path: Path) -> Qrels:
        return read_qrels(path, self.qrels_format)

    def _read(self) -> tuple[Corpus, dict[str, Split]]:
        corpus = read_corpus(_path(self.corpus, "corpus"), self.corpus_format, name=self.name)
        queries = self._read_topics()
        splits = {
            name: make_split(name, queries, self._read_qrels(path), path, corpus)
            for name, path in self._qrels_files().items()
        }
        return corpus, splits


@dataclass(kw_only=True)
class CranfieldSource(DatasetSource):
    """Cranfield 1400 in its SMART files, with the two quirks of its qrels handled.

    ``cranqrel`` numbers queries 1..225 by position in ``cran.qry`` (whose ``.I`` ids run
    001..365 with gaps), so query ids are positions, as in ir_datasets; and its codes run
    1 = most relevant ... 4 = least, so they become grades 4..1 (higher = more relevant; see
    :func:`~rerank_bench.data.formats.read_cranfield_qrels`). Every judged pair is relevant at
    ``rel_level`` 1.

    Attributes:
        path: the folder with ``cran.all.1400``, ``cran.qry`` and ``cranqrel``.
        split: the name of the single split.
    """

    path: str
    split: str = "test"
    train_split: str | None = None

    def _read(self) -> tuple[Corpus, dict[str, Split]]:
        folder = _path(self.path, "path")
        corpus = read_corpus(folder / "cran.all.1400", fmt="smart", name=self.name)
        queries = read_smart_queries(folder / "cran.qry", renumber=True)
        qrels_path = folder / "cranqrel"
        qrels = read_cranfield_qrels(qrels_path)
        return corpus, {self.split: make_split(self.split, queries, qrels, qrels_path, corpus)}


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
            splits[name] = make_split(name, queries, qrels, IRDS_PREFIX + irds_id, corpus)
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


def _irds_read(irds_id: str, read: Any) -> Any:
    """Run ``read()`` and turn ir_datasets' download failures into an actionable ConfigError."""
    try:
        return read()
    except RerankBenchError:
        raise
    except Exception as exc:
        raise ConfigError(
            f"could not read ir_datasets id {irds_id!r} ({type(exc).__name__}: {str(exc)[:200]}). "
            "ir_datasets downloads data on first use: run once on a machine with network access, "
            "or place the files ir_datasets expects under IR_DATASETS_HOME (default "
            "~/.ir_datasets), or use a local dataset (dataset=local or a BEIR folder)."
        ) from exc


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
