"""Ids of one collection that differ between its files only in zero padding, case or white space.

Why: a corpus that writes ``DOC-0046`` and qrels that write ``DOC-46`` agree on what is relevant,
but an exact id match finds nothing, so the judged document counts as never retrievable and every
score comes out lower (nDCG@10 0.4674 instead of 0.4740 on the collection where we met it), with
no error. Such ids are found here, reported loudly, and mapped only when the user asks
(``dataset.normalize_ids=true``): a mapping that guesses wrong would be a silent error of its own.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping

from rerank_bench.data.records import Qrels

__all__ = ["describe_matches", "match_ids", "normalized_id", "rename_ids"]

_DIGITS = re.compile(r"\d+")


def normalized_id(identifier: str) -> str:
    """``identifier`` without white space, case-folded, with leading zeros of numbers dropped.

    ``" DOC-0046 "``, ``"doc-46"`` and ``"DOC-46"`` all give ``"doc-46"``.
    """
    text = "".join(identifier.split()).casefold()
    return _DIGITS.sub(lambda match: match.group().lstrip("0") or "0", text)


def match_ids(missing: Iterable[str], known: Collection[str]) -> dict[str, str]:
    """``{missing id: known id}`` for each missing id that one known id matches once normalised.

    An id that normalises like two known ids (``A-01`` and ``a-1`` both in the corpus) is left out:
    there is no telling which one was meant.
    """
    wanted = {normalized_id(identifier): identifier for identifier in missing}
    if not wanted:
        return {}
    found: dict[str, list[str]] = {}
    for identifier in known:
        key = normalized_id(identifier)
        if key in wanted:
            found.setdefault(key, []).append(identifier)
    return {wanted[key]: ids[0] for key, ids in found.items() if len(ids) == 1}


def describe_matches(mapping: Mapping[str, str], limit: int = 2) -> str:
    """``'DOC-46' -> 'DOC-0046', ...`` for messages: the first ``limit`` pairs."""
    shown = [f"{old!r} -> {new!r}" for old, new in sorted(mapping.items())[:limit]]
    return ", ".join(shown) + (" ..." if len(mapping) > limit else "")


def rename_ids(
    qrels: Qrels, queries: Mapping[str, str] | None = None, docs: Mapping[str, str] | None = None
) -> Qrels:
    """``qrels`` with query ids renamed by ``queries`` and document ids by ``docs``.

    Judgments that the renaming merges (two spellings of one id) keep the higher grade: both lines
    named the same document.
    """
    queries, docs = queries or {}, docs or {}
    renamed: Qrels = {}
    for qid, judged in qrels.items():
        target = renamed.setdefault(queries.get(qid, qid), {})
        for doc_id, grade in judged.items():
            doc_id = docs.get(doc_id, doc_id)
            target[doc_id] = max(grade, target.get(doc_id, grade))
    return renamed
