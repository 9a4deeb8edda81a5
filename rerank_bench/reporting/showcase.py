"""What each system put on top for a few chosen queries: the qualitative half of a table.

Why: a table says which system wins on average; a reader also wants to see the query the paper is
about (the helpdesk's "ssh keeps dropping in the library") and what every system ranked first,
with the judgments beside it. The documents come from the run files the pipeline logged and the
judgments from the evaluated split, so nothing is re-run.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rerank_bench.data.io import read_trec_run
from rerank_bench.data.records import Dataset, Run, top
from rerank_bench.errors import ConfigError

__all__ = ["ShownDocument", "load_logged_run", "showcase_markdown", "top_documents"]


@dataclass(frozen=True)
class ShownDocument:
    """One ranked document of a showcase query.

    Attributes:
        rank: 1-based rank in the system's run.
        doc_id: the document id.
        title: its title (or the start of its text when it has none).
        grade: its judgment for the query, ``None`` when unjudged.
    """

    rank: int
    doc_id: str
    title: str
    grade: int | None


def top_documents(
    run: Run, query_id: str, dataset: Dataset, split: str, k: int = 3
) -> list[ShownDocument]:
    """The top ``k`` of ``query_id`` in ``run`` (trec_eval order), with titles and grades."""
    judged = dataset.split(split).qrels.get(query_id, {})
    shown = []
    for rank, (doc_id, _) in enumerate(top(run.get(query_id, {}), k), start=1):
        shown.append(ShownDocument(rank, doc_id, _title(dataset, doc_id), judged.get(doc_id)))
    return shown


def showcase_markdown(
    dataset: Dataset,
    split: str,
    systems: Sequence[tuple[str, Run]],
    query_ids: Sequence[str],
    k: int = 3,
) -> str:
    """A Markdown section: per query, its text, its best judged documents and each system's top k.

    Raises:
        ConfigError: a query id that the split does not have.
    """
    records = dataset.split(split)
    lines = []
    for query_id in query_ids:
        if query_id not in records.queries:
            raise ConfigError(
                f"showcase query {query_id!r} is not in split {split!r} of {dataset.name!r}. "
                f"Fix: name a query of that split (e.g. {next(iter(records.queries), '?')})."
            )
        judged = sorted(records.qrels.get(query_id, {}).items(), key=lambda kv: (-kv[1], kv[0]))
        best = ", ".join(
            f"{_title(dataset, d)} ({grade})" for d, grade in judged[:3] if grade > 0
        )
        lines += [
            f"### {query_id}: \"{records.queries[query_id]}\"",
            "",
            f"Judged best (grade): {best or 'none'}.",
            "",
            "| System | " + " | ".join(f"{r}." for r in range(1, k + 1)) + " |",
            "| :-- |" + " :-- |" * k,
        ]
        for label, run in systems:
            cells = [
                f"{doc.title} ({'unjudged' if doc.grade is None else doc.grade})"
                for doc in top_documents(run, query_id, dataset, split, k)
            ]
            cells += [""] * (k - len(cells))
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def _title(dataset: Dataset, doc_id: str) -> str:
    if doc_id not in dataset.corpus:
        return f"{doc_id} (not in the corpus)"
    doc = dataset.corpus[doc_id]
    return doc.title or doc.text[:60]


def load_logged_run(text: str) -> Run:
    """A TREC run from the text of a logged ``run.trec`` artifact (validated like any run file)."""
    with tempfile.TemporaryDirectory(prefix="rerank-bench-run-") as tmp:
        path = Path(tmp) / "run.trec"
        path.write_text(text, encoding="utf-8")
        return read_trec_run(path)
