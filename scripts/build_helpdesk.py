"""Build the built-in university IT-helpdesk dataset (rerank_bench/data/helpdesk/).

Why a generator instead of hand-edited JSONL: the articles, questions and judgments are written by
hand in ``scripts/helpdesk_source/`` as commented YAML a reviewer reads as prose, while question
ids, splits and file layout are derived from them deterministically (seeded), so a change is one
diff and the shipped files can always be rebuilt byte for byte. The sources:

- ``articles.yaml``: the knowledge base (id, slug, category, title, text), in corpus order.
- ``traps.yaml``: the trap needs: solving article, family, lexically attractive decoys, questions.
- ``needs.yaml``: the ordinary needs and their questions.
- ``card.md``: the dataset card (README.md); every ``${name}`` in it is computed here.

The dataset is written to carry the trap of our thesis: many questions whose words point at one
article (``ssh keeps dropping in the library`` -> the SSH set-up guide) while the article that
actually solves them is another (library WiFi troubleshooting). See the dataset card (README.md in
the output folder) for the user model, the grading guidelines and the trap families.

Usage:
    python scripts/build_helpdesk.py [--out rerank_bench/data/helpdesk] [--check]

``--check`` rebuilds into memory and exits 1 if the files on disk differ (for CI).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import Any

import yaml

from rerank_bench.data.io import atomic_write

__all__ = ["Article", "Need", "Sources", "build", "load_sources", "main"]

SOURCE_DIR = Path(__file__).resolve().parent / "helpdesk_source"
SEED = 20240917
SPLIT_FRACTIONS = {"test": 0.25, "dev": 0.15}  # the rest is train
SPLITS = ("train", "dev", "test")
SARAH = "ssh keeps dropping in the library"  # the thesis's example: always in the test split
_BM25_NOTE = (  # how the card's lexical figures were computed; must match _bm25_rankings
    "bm25s 0.3.16, Lucene BM25 (k1=1.5, b=0.75), English stopwords, Snowball English stemmer, "
    "over title + text"
)

# ---------------------------------------------------------------------------------------------
# Reading the sources
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Article:
    """One knowledge-base article, whitespace already collapsed (the YAML is hard-wrapped)."""

    id: str  # kb-NNNN, the id in the shipped files
    slug: str  # how the needs refer to it; authoring only
    category: str
    title: str
    text: str


@dataclass(frozen=True)
class Need:
    """One information need and the questions that express it.

    Attributes:
        need: slug of the article that solves it (judged 3).
        questions: the questions, each "text" or "tag|text" (see ``decoys``).
        related: slug -> grade (0-2) for every question of this need.
        family: trap family name; empty for ordinary needs (the category is used).
        decoys: tag -> {slug: grade} of lexically attractive articles for tagged questions.
    """

    need: str
    questions: tuple[str, ...]
    related: dict[str, int] = field(default_factory=dict)
    family: str = ""
    decoys: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def trap(self) -> bool:
        """Whether this need belongs to a trap family."""
        return bool(self.family)


@dataclass(frozen=True)
class Sources:
    """Everything the dataset is built from, as read from the source folder."""

    articles: list[Article]
    traps: list[Need]
    ordinary: list[Need]
    card: str  # the card template, without its leading comment

    @property
    def needs(self) -> list[Need]:
        """All needs in build order: the order decides the seeded question ids."""
        return self.traps + self.ordinary


def _clean(text: str) -> str:
    return " ".join(text.split())


def _split_tag(raw: str) -> tuple[str, str]:
    """Split a question written "tag|text" into (tag, text); ("", text) when it has no tag."""
    tag, _, text = raw.rpartition("|") if "|" in raw else ("", "", raw)
    return tag, text


def _records(path: Path, allowed: set[str], required: set[str]) -> list[dict[str, Any]]:
    """Read a YAML list of mappings, rejecting unknown or missing keys (catches typos early)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError(f"{path.name}: expected a list of entries")
    for number, record in enumerate(data, start=1):
        if not isinstance(record, dict):
            raise ValueError(f"{path.name}: entry {number} is not a mapping")
        if unknown := set(record) - allowed:
            raise ValueError(f"{path.name}: entry {number} has unknown keys {sorted(unknown)}")
        if missing := required - set(record):
            raise ValueError(f"{path.name}: entry {number} lacks {sorted(missing)}")
    return data


def _load_articles(path: Path) -> list[Article]:
    """The articles in file order, checking that ids and slugs are unique and well formed."""
    keys = {"id", "slug", "category", "title", "text"}
    articles = [
        Article(
            id=r["id"],
            slug=r["slug"],
            category=r["category"],
            title=_clean(r["title"]),
            text=_clean(r["text"]),
        )
        for r in _records(path, keys, keys)
    ]
    for attribute in ("id", "slug"):
        values = Counter(getattr(a, attribute) for a in articles)
        if duplicates := [value for value, count in values.items() if count > 1]:
            raise ValueError(f"{path.name}: duplicate article {attribute}s: {duplicates}")
    if malformed := [a.id for a in articles if not re.fullmatch(r"kb-\d{4}", a.id)]:
        raise ValueError(f"{path.name}: ids must look like kb-0001: {malformed}")
    return articles


def _load_needs(path: Path, trap: bool) -> list[Need]:
    """The needs in file order; trap needs must name their family, ordinary ones must not."""
    family = {"family"} if trap else set()
    allowed = {"need", "related", "decoys", "questions"} | family
    required = {"need", "questions"} | family
    return [
        Need(
            need=r["need"],
            questions=tuple(r["questions"]),
            related=dict(r.get("related") or {}),
            family=r.get("family", ""),
            decoys={tag: dict(grades) for tag, grades in (r.get("decoys") or {}).items()},
        )
        for r in _records(path, allowed, required)
    ]


def load_sources(folder: Path = SOURCE_DIR) -> Sources:
    """Read the four source files of the dataset.

    Args:
        folder: the source folder (``scripts/helpdesk_source``).

    Returns:
        The articles, trap and ordinary needs, and the card template.
    """
    card = (folder / "card.md").read_text(encoding="utf-8")
    if card.startswith("<!--"):  # the note to contributors is not part of the card
        card = card.split("-->\n", 1)[1]
    return Sources(
        articles=_load_articles(folder / "articles.yaml"),
        traps=_load_needs(folder / "traps.yaml", trap=True),
        ordinary=_load_needs(folder / "needs.yaml", trap=False),
        card=card,
    )


# ---------------------------------------------------------------------------------------------
# Building the files
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Question:
    text: str
    need: str  # article id (kb-NNNN)
    family: str
    trap: bool
    judgments: dict[str, int]  # article id -> grade


def _questions(src: Sources) -> list[_Question]:
    """Every question with its judgments, in source order, checking tags, slugs and duplicates."""
    by_slug = {a.slug: a for a in src.articles}
    questions: list[_Question] = []
    for need in src.needs:
        for raw in need.questions:
            tag, text = _split_tag(raw)
            grades = dict(need.related)
            if tag:
                if tag not in need.decoys:
                    raise ValueError(f"question {raw!r} uses unknown decoy tag {tag!r}")
                grades.update(need.decoys[tag])
            if need.need in grades:
                raise ValueError(f"{need.need} is both the answer and a judged other for {raw!r}")
            grades[need.need] = 3
            if unknown := [slug for slug in grades if slug not in by_slug]:
                raise ValueError(f"question {raw!r} judges unknown articles {unknown}")
            questions.append(
                _Question(
                    text=_clean(text),
                    need=by_slug[need.need].id,
                    family=need.family or by_slug[need.need].category,
                    trap=need.trap,
                    judgments={by_slug[slug].id: grade for slug, grade in grades.items()},
                )
            )
    texts = [q.text.lower() for q in questions]
    duplicates = [text for text, count in Counter(texts).items() if count > 1]
    if duplicates:
        raise ValueError(f"duplicate questions: {duplicates}")
    if SARAH not in (q.text for q in questions):
        raise ValueError(f"Sarah's question {SARAH!r} is missing")
    return questions


def _split(questions: dict[str, _Question]) -> dict[str, str]:
    """Assign each question id to train/dev/test, stratified by family; Sarah's goes to test."""
    by_family: dict[str, list[str]] = defaultdict(list)
    for qid in sorted(questions):
        by_family[questions[qid].family].append(qid)
    assignment: dict[str, str] = {}
    for family in sorted(by_family):
        qids = by_family[family]
        random.Random(f"{SEED}/{family}").shuffle(qids)
        qids.sort(key=lambda qid: questions[qid].text != SARAH)  # stable: Sarah first if here
        n_test = max(1, round(SPLIT_FRACTIONS["test"] * len(qids)))
        n_dev = max(1, round(SPLIT_FRACTIONS["dev"] * len(qids)))
        for position, qid in enumerate(qids):
            if position < n_test:
                assignment[qid] = "test"
            elif position < n_test + n_dev:
                assignment[qid] = "dev"
            else:
                assignment[qid] = "train"
    return assignment


def _jsonl(records: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)


def build(source_dir: Path = SOURCE_DIR) -> dict[str, str]:
    """Build every file of the dataset in memory.

    Args:
        source_dir: the folder with the source files.

    Returns:
        relative path (inside the dataset folder) -> file content.
    """
    src = load_sources(source_dir)
    files: dict[str, str] = {}
    files["corpus.jsonl"] = _jsonl(
        [
            {"_id": a.id, "title": a.title, "text": a.text, "metadata": {"category": a.category}}
            for a in src.articles
        ]
    )
    ordered = _questions(src)
    random.Random(SEED).shuffle(ordered)  # ids carry no hint of need or family
    questions = {f"q-{number:04d}": q for number, q in enumerate(ordered, start=1)}
    files["queries.jsonl"] = _jsonl(
        [
            {
                "_id": qid,
                "text": q.text,
                "metadata": {"need": q.need, "family": q.family, "trap": q.trap},
            }
            for qid, q in questions.items()
        ]
    )
    assignment = _split(questions)
    for split in SPLITS:
        lines = ["query-id\tcorpus-id\tscore"]
        for qid, q in questions.items():
            if assignment[qid] == split:
                lines += [f"{qid}\t{doc}\t{grade}" for doc, grade in sorted(q.judgments.items())]
        files[f"qrels/{split}.tsv"] = "\n".join(lines) + "\n"
    files["subsets/trap.txt"] = "".join(f"{qid}\n" for qid, q in questions.items() if q.trap)
    files["README.md"] = _card(src, questions, assignment)
    return files


# ---------------------------------------------------------------------------------------------
# The dataset card: the prose is card.md; every number in it is computed here from the data.
# ---------------------------------------------------------------------------------------------


def _bm25_rankings(
    articles: list[Article], questions: dict[str, _Question]
) -> dict[str, list[str]]:
    """BM25's full ranking of the articles for every question (the card's lexical figures)."""
    import bm25s
    import Stemmer

    doc_ids = [a.id for a in articles]
    stemmer = Stemmer.Stemmer("english")
    docs = [f"{a.title} {a.text}" for a in articles]
    retriever = bm25s.BM25(k1=1.5, b=0.75, method="lucene")
    retriever.index(
        bm25s.tokenize(docs, stopwords="en", stemmer=stemmer, show_progress=False),
        show_progress=False,
    )
    qids = list(questions)
    tokens = bm25s.tokenize(
        [questions[qid].text for qid in qids], stopwords="en", stemmer=stemmer, show_progress=False
    )
    results, _ = retriever.retrieve(tokens, k=len(doc_ids), show_progress=False)
    return {
        qid: [doc_ids[int(index)] for index in row] for qid, row in zip(qids, results, strict=True)
    }


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def _trap_rows(
    src: Sources,
    questions: dict[str, _Question],
    assignment: dict[str, str],
    ranks: dict[str, int],
) -> str:
    """The trap-family table: per family its answer, decoys, split sizes and BM25 figures."""
    by_slug = {a.slug: a for a in src.articles}
    rows = []
    for need in src.traps:
        fam = [qid for qid, q in questions.items() if q.family == need.family]
        decoys: dict[str, set[int]] = defaultdict(set)
        for grades in need.decoys.values():
            for slug, grade in grades.items():
                decoys[by_slug[slug].title].add(grade)
        decoy_text = "; ".join(
            f"{t} ({'/'.join(str(g) for g in sorted(gs))})" for t, gs in sorted(decoys.items())
        )
        counts = [sum(1 for qid in fam if assignment[qid] == s) for s in SPLITS]
        top1 = sum(1 for qid in fam if ranks[qid] == 1)
        top10 = sum(1 for qid in fam if ranks[qid] <= 10)
        median = sorted(ranks[qid] for qid in fam)[len(fam) // 2]
        example = _split_tag(need.questions[0])[1]
        rows.append(
            f"| {need.family} | {by_slug[need.need].title} | {decoy_text} | "
            + " | ".join(str(c) for c in counts)
            + f" | {_pct(top1, len(fam))} | {_pct(top10, len(fam))} | {median} | `{example}` |"
        )
    return "\n".join(rows)


def _split_rows(
    questions: dict[str, _Question], assignment: dict[str, str], ranks: dict[str, int]
) -> str:
    """The splits table: sizes, grade counts and BM25 figures per split."""
    rows = []
    for split in SPLITS:
        qids = [qid for qid in questions if assignment[qid] == split]
        trap_q = [qid for qid in qids if questions[qid].trap]
        ord_q = [qid for qid in qids if not questions[qid].trap]
        grades = Counter(g for qid in qids for g in questions[qid].judgments.values())
        rows.append(
            f"| {split} | {len(qids)} | {len(trap_q)} | {sum(grades.values())} | "
            + " / ".join(str(grades[g]) for g in (3, 2, 1, 0))
            + f" | {_pct(sum(ranks[q] == 1 for q in ord_q), len(ord_q))}"
            + f" | {_pct(sum(ranks[q] == 1 for q in trap_q), len(trap_q))}"
            + f" | {_pct(sum(ranks[q] <= 20 for q in qids), len(qids))} |"
        )
    return "\n".join(rows)


def _card_values(
    src: Sources, questions: dict[str, _Question], assignment: dict[str, str]
) -> dict[str, object]:
    """Every ``${name}`` of card.md, computed from the data so the card cannot go stale."""
    title = {a.id: a.title for a in src.articles}
    categories = Counter(a.category for a in src.articles)
    rankings = _bm25_rankings(src.articles, questions)
    ranks = {qid: rankings[qid].index(q.need) + 1 for qid, q in questions.items()}
    traps = [qid for qid, q in questions.items() if q.trap]
    ordinary = [qid for qid, q in questions.items() if not q.trap]
    grade_counts = Counter(g for q in questions.values() for g in q.judgments.values())
    split_sizes = Counter(assignment.values())
    words = sorted(len(a.text.split()) for a in src.articles)
    per_need = Counter(q.need for q in questions.values())
    sarah = next(qid for qid, q in questions.items() if q.text == SARAH)
    sarah_q = questions[sarah]

    def mentions(word: str) -> int:
        return sum(1 for a in src.articles if word in f"{a.title} {a.text}".lower())

    return {
        "seed": SEED,
        "n_articles": len(src.articles),
        "n_categories": len(categories),
        "min_words": words[0],
        "max_words": words[-1],
        "median_words": words[len(words) // 2],
        "n_questions": len(questions),
        "n_traps": len(traps),
        "trap_share": _pct(len(traps), len(questions)),
        "n_judgments": sum(len(q.judgments) for q in questions.values()),
        **{f"n_grade{g}": grade_counts[g] for g in (3, 2, 1, 0)},
        **{f"n_{split}": split_sizes[split] for split in SPLITS},
        "sarah_id": sarah,
        "sarah_text": SARAH,
        "sarah_answer": sarah_q.need,
        "sarah_answer_title": title[sarah_q.need],
        "sarah_answer_rank": ranks[sarah],
        "sarah_bm25_top3": "; ".join(
            f"{rank}. {title[doc]} ({sarah_q.judgments.get(doc, 'unjudged')})"
            for rank, doc in enumerate(rankings[sarah][:3], start=1)
        ),
        **{f"mentions_{w}": mentions(w) for w in ("ssh", "vpn", "library", "password")},
        "min_per_need": min(per_need.values()),
        "max_per_need": max(per_need.values()),
        "bm25_note": _BM25_NOTE,
        "trap_rows": _trap_rows(src, questions, assignment, ranks),
        "split_rows": _split_rows(questions, assignment, ranks),
        "ordinary_top1": _pct(sum(ranks[q] == 1 for q in ordinary), len(ordinary)),
        "trap_top1": _pct(sum(ranks[q] == 1 for q in traps), len(traps)),
        "top50": _pct(sum(ranks[q] <= 50 for q in questions), len(questions)),
        "category_rows": "\n".join(
            f"| {cat} | {categories[cat]} | "
            f"{sum(1 for q in questions.values() if q.family == cat)} |"
            for cat in sorted(categories)
        ),
    }


def _card(src: Sources, questions: dict[str, _Question], assignment: dict[str, str]) -> str:
    """The dataset card: card.md with its placeholders filled (a missing value is an error)."""
    return Template(src.card).substitute(_card_values(src, questions, assignment))


def main(argv: list[str] | None = None) -> int:
    """Write (or, with ``--check``, verify) the dataset files.

    Args:
        argv: command-line arguments; ``sys.argv[1:]`` when None.

    Returns:
        The exit status: 0 on success, 1 if ``--check`` found files out of date.
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_out = Path(__file__).resolve().parents[1] / "rerank_bench" / "data" / "helpdesk"
    parser.add_argument("--out", type=Path, default=default_out, help="dataset folder")
    parser.add_argument("--check", action="store_true", help="verify instead of writing")
    args = parser.parse_args(argv)
    files = build()
    if args.check:
        stale = [
            rel
            for rel, content in files.items()
            if not (args.out / rel).is_file()
            or (args.out / rel).read_text(encoding="utf-8") != content
        ]
        if stale:
            print(f"out of date in {args.out}: {', '.join(stale)}; run {Path(__file__).name}")
            return 1
        print(f"{args.out}: up to date ({len(files)} files)")
        return 0
    for rel, content in files.items():
        with atomic_write(args.out / rel) as handle:
            handle.write(content)
    total = sum(len(content.encode("utf-8")) for content in files.values())
    print(f"wrote {len(files)} files ({total / 1024:.0f} KiB) to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
