"""Calibration pairs: what ``precision=int8-static`` measures activation ranges on.

Why a file of pairs: a static int8 model fixes each activation's scale once, from a sample of
inputs, so its scores depend on that sample. The sample must be held out from what is evaluated
(no test question is seen before it is scored), stable across runs (a cached score and a fresh one
come from the same quantised model), and named in cache keys. A JSONL file of ``{"query",
"passage"}`` records is all three; its content hash is its name. The same pairs calibrate the
two-tower models, which encode their queries and passages alone.

In domain is best: on SciFact, calibrating MiniLM on SciFact *train* claims left a third of the
score error that calibrating on helpdesk questions did (mean |delta logit| 8.8e-4 against
2.9e-3). So the pipeline writes the pairs of a dataset's train (else dev) split
(:func:`split_pairs`); without one, :data:`BUILTIN` (helpdesk train questions) is the fallback.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rerank_bench.data.io import atomic_write
from rerank_bench.data.records import Dataset
from rerank_bench.errors import ConfigError, DataFormatError

__all__ = [
    "BUILTIN", "CalibrationPairs", "held_out_calibration", "load_calibration", "split_pairs",
    "write_calibration",
]

log = logging.getLogger(__name__)

BUILTIN = "builtin:helpdesk-train"
"""The calibration of last resort: helpdesk train questions, each with its judged articles and as
many unjudged ones (:func:`split_pairs` of the built-in dataset)."""

DEFAULT_COUNT = 300
"""Pairs per calibration: as many as the benchmark's static int8 peer calibrates on."""


@dataclass(frozen=True)
class CalibrationPairs:
    """Aligned queries and passages, and the content hash that names them in cache keys."""

    queries: tuple[str, ...]
    passages: tuple[str, ...]

    @functools.cached_property
    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        for query, passage in zip(self.queries, self.passages, strict=True):
            digest.update(json.dumps([query, passage]).encode())
        return digest.hexdigest()[:16]

    def texts(self, side: str) -> list[str]:
        """The distinct texts of one side (``query`` or ``doc``), in first-seen order."""
        return list(dict.fromkeys(self.queries if side == "query" else self.passages))


def split_pairs(dataset: Dataset, split: str, count: int = DEFAULT_COUNT) -> CalibrationPairs:
    """Up to ``count`` pairs from one split: each question (by id) with its judged passages, then
    as many passages it was not judged on (a fixed stride through the corpus), alternately.

    Judged and unjudged passages both: the model's activations differ on relevant and irrelevant
    pairs, and the int8 ranges must cover both.
    """
    part = dataset.split(split)
    doc_ids = sorted(dataset.corpus)
    queries: list[str] = []
    passages: list[str] = []
    for n, qid in enumerate(sorted(part.qrels)):
        judged = sorted(part.qrels[qid])
        others = [doc_ids[(n * 7919 + i * 104729) % len(doc_ids)] for i in range(len(judged))]
        for doc in [d for pair in zip(judged, others, strict=True) for d in pair]:
            if doc in dataset.corpus and len(queries) < count:
                queries.append(part.queries[qid])
                passages.append(dataset.corpus[doc].default_text())
    if not queries:
        raise ConfigError(f"split {split!r} of {dataset.name} has no judged question to calibrate "
                          f"on. Fix: set inference.calibration to a pairs file.")
    return CalibrationPairs(tuple(queries), tuple(passages))


def write_calibration(pairs: CalibrationPairs, path: Path) -> Path:
    """Write ``pairs`` as JSONL (atomically); returns ``path``."""
    with atomic_write(path) as handle:
        for query, passage in zip(pairs.queries, pairs.passages, strict=True):
            handle.write(json.dumps({"query": query, "passage": passage}) + "\n")
    return path


@functools.cache
def load_calibration(source: str | None) -> CalibrationPairs:
    """The pairs of a JSONL file of ``{"query", "passage"}`` records, or :data:`BUILTIN`
    (also for ``None``)."""
    if source in (None, BUILTIN):
        from rerank_bench.data.helpdesk import HelpdeskSource

        return split_pairs(HelpdeskSource().load(), "train")
    path = Path(str(source))
    if not path.is_file():
        raise ConfigError(f"calibration file {path} does not exist. Fix: point "
                          f"inference.calibration at a JSONL of query/passage pairs, or null.")
    queries: list[str] = []
    passages: list[str] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            query, passage = record["query"], record["passage"]
        except (json.JSONDecodeError, KeyError, TypeError):
            raise DataFormatError(path, number, "expected a JSON object with the fields 'query' "
                                  "and 'passage'.", "rewrite that line.") from None
        queries.append(str(query))
        passages.append(str(passage))
    if not queries:
        raise DataFormatError(path, None, "the calibration file holds no pair.",
                              "add query/passage lines.")
    return CalibrationPairs(tuple(queries), tuple(passages))


def held_out_calibration(dataset: Dataset, splits: Sequence[str | None], folder: Path
                         ) -> str | None:
    """The calibration file of ``dataset``: :func:`split_pairs` of the first of ``splits`` (its
    train, then dev split) that it has, written once under ``folder`` and named by content;
    ``None`` (the built-in pairs) when it has none."""
    for split in splits:
        if split is not None and split in dataset.splits and dataset.splits[split].qrels:
            pairs = split_pairs(dataset, split)
            path = folder / f"{dataset.name}-{split}-{pairs.fingerprint}.jsonl"
            return str(path if path.is_file() else write_calibration(pairs, path))
    log.warning("int8-static: %s has no train or dev split to calibrate on; using the built-in "
                "helpdesk pairs (less exact out of domain). Fix: set inference.calibration to a "
                "JSONL of held-out query/passage pairs.", dataset.name)
    return None
