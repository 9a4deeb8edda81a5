"""The built-in helpdesk dataset: shape, judgments, splits, and that its trap is real.

The files are read twice: through ``HelpdeskSource`` (what the pipeline uses) and as raw JSON/TSV
(the metadata the loader does not keep: need, family, trap). The lexical test indexes the corpus
with bm25s and shows that for trap questions the best lexical match is usually not the article
that solves them, while for ordinary questions it usually is.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import bm25s
import pytest
import Stemmer

from rerank_bench.data.helpdesk import HELPDESK_DIR, HelpdeskSource
from rerank_bench.data.records import Dataset

SPLITS = ("train", "dev", "test")
SARAH = "ssh keeps dropping in the library"


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return HelpdeskSource().load()


@pytest.fixture(scope="module")
def articles() -> dict[str, dict]:
    lines = (HELPDESK_DIR / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    return {record["_id"]: record for record in map(json.loads, lines)}


@pytest.fixture(scope="module")
def questions() -> dict[str, dict]:
    lines = (HELPDESK_DIR / "queries.jsonl").read_text(encoding="utf-8").splitlines()
    return {record["_id"]: record for record in map(json.loads, lines)}


@pytest.fixture(scope="module")
def qrels() -> dict[str, dict[str, dict[str, int]]]:
    """split -> query id -> doc id -> grade, read as plain TSV with its BEIR header."""
    out: dict[str, dict[str, dict[str, int]]] = {}
    for split in SPLITS:
        with (HELPDESK_DIR / "qrels" / f"{split}.tsv").open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh, delimiter="\t"))
        assert rows[0] == ["query-id", "corpus-id", "score"]
        judged: dict[str, dict[str, int]] = defaultdict(dict)
        for qid, doc_id, grade in rows[1:]:
            assert doc_id not in judged[qid], f"{split}: {qid} judges {doc_id} twice"
            judged[qid][doc_id] = int(grade)
        out[split] = dict(judged)
    return out


@pytest.fixture(scope="module")
def judgments(qrels) -> dict[str, dict[str, int]]:
    return {qid: docs for split in SPLITS for qid, docs in qrels[split].items()}


@pytest.fixture(scope="module")
def bm25_top(articles, questions) -> dict[str, list[str]]:
    """BM25 (bm25s, stemmed, English stopwords) ranking of article ids for every question."""
    doc_ids = list(articles)
    stemmer = Stemmer.Stemmer("english")
    texts = [f"{articles[d]['title']} {articles[d]['text']}" for d in doc_ids]
    retriever = bm25s.BM25()
    retriever.index(
        bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False),
        show_progress=False,
    )
    qids = list(questions)
    tokens = bm25s.tokenize(
        [questions[q]["text"] for q in qids], stopwords="en", stemmer=stemmer, show_progress=False
    )
    results, _ = retriever.retrieve(tokens, k=len(doc_ids), show_progress=False)
    return {qid: [doc_ids[int(i)] for i in row] for qid, row in zip(qids, results, strict=True)}


def test_loads_through_the_source_with_pinned_records(dataset: Dataset) -> None:
    assert dataset.name == "helpdesk"
    assert dataset.rel_level == 2
    assert len(dataset.corpus) == 112
    assert {name: len(split.queries) for name, split in dataset.splits.items()} == {
        "train": 338,
        "dev": 85,
        "test": 146,
    }
    first, last = dataset.corpus["kb-0001"], dataset.corpus["kb-0112"]
    assert first.title == "Connecting to eduroam on Windows and macOS"
    assert first.text.startswith("eduroam is the University's main wireless network")
    assert dataset.corpus["kb-0004"].title == "Library WiFi: troubleshooting in the Main Library"
    assert last.title == "Using GPUs on the cluster"
    test = dataset.split("test")
    assert SARAH in test.queries.values()


def test_source_finds_the_shipped_folder_from_any_directory(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    dataset = HelpdeskSource().load()
    assert len(dataset.corpus) == 112
    assert HELPDESK_DIR.joinpath("corpus.jsonl").is_file()


def test_config_instantiates_the_source(repo_root: Path) -> None:
    from hydra import compose, initialize_config_dir
    from hydra.utils import instantiate

    with initialize_config_dir(config_dir=str(repo_root / "conf"), version_base="1.3"):
        cfg = compose(config_name="config", overrides=["dataset=helpdesk"])
    source = instantiate(cfg.dataset)
    assert isinstance(source, HelpdeskSource)
    assert (source.eval_split, source.train_split, source.dev_split) == ("test", "train", "dev")
    assert source.rel_level == 2
    assert source.split_names() == ["test", "train", "dev"]


def test_counts_sizes_and_article_lengths(articles, questions) -> None:
    assert len(articles) >= 110
    assert len(questions) >= 550
    categories = Counter(a["metadata"]["category"] for a in articles.values())
    assert len(categories) == 15
    assert min(categories.values()) >= 5
    for doc_id, article in articles.items():
        words = len(article["text"].split())
        assert 80 <= words <= 250, f"{doc_id} has {words} words"
    size = sum(p.stat().st_size for p in HELPDESK_DIR.rglob("*") if p.suffix in {".jsonl", ".tsv"})
    assert size < 1_000_000


def test_every_judgment_names_known_ids_and_every_question_has_one_answer(
    articles, questions, judgments
) -> None:
    assert set(judgments) == set(questions)
    for qid, docs in judgments.items():
        assert set(docs) <= set(articles), f"{qid} judges unknown articles"
        assert set(docs.values()) <= {0, 1, 2, 3}
        answers = [doc for doc, grade in docs.items() if grade == 3]
        assert answers == [questions[qid]["metadata"]["need"]], qid
    grades = Counter(g for docs in judgments.values() for g in docs.values())
    assert grades[0] >= 100  # the lexically attractive wrong articles are judged, not omitted
    assert grades[2] > 0 and grades[1] > 0


def test_questions_are_not_article_titles_and_not_duplicated(articles, questions) -> None:
    titles = {a["title"].lower() for a in articles.values()}
    texts = [q["text"].lower().strip(" ?!.") for q in questions.values()]
    assert not titles & set(texts)
    assert not [t for t, n in Counter(texts).items() if n > 1]
    assert all(q["text"] == " ".join(q["text"].split()) for q in questions.values())


def test_splits_are_disjoint_cover_everything_and_are_stratified(questions, qrels) -> None:
    ids = {split: set(qrels[split]) for split in SPLITS}
    assert not ids["train"] & ids["dev"] and not ids["train"] & ids["test"]
    assert not ids["dev"] & ids["test"]
    assert ids["train"] | ids["dev"] | ids["test"] == set(questions)
    shares = {split: len(ids[split]) / len(questions) for split in SPLITS}
    assert 0.55 <= shares["train"] <= 0.65
    assert 0.12 <= shares["dev"] <= 0.18
    assert 0.22 <= shares["test"] <= 0.28
    families = {q["metadata"]["family"] for q in questions.values()}
    for split in SPLITS:
        present = {questions[qid]["metadata"]["family"] for qid in ids[split]}
        assert present == families, f"{split} lacks {families - present}"


def test_trap_families_are_many_recurring_and_in_every_split(questions, qrels) -> None:
    traps = {qid: q for qid, q in questions.items() if q["metadata"]["trap"]}
    assert len(traps) >= 0.2 * len(questions)
    families = Counter(q["metadata"]["family"] for q in traps.values())
    assert len(families) >= 8
    family_of = {qid: q["metadata"]["family"] for qid, q in traps.items()}
    for family in families:
        needs = {q["metadata"]["need"] for q in traps.values() if q["metadata"]["family"] == family}
        assert len(needs) == 1, f"{family}: one family, one need"
        for split in SPLITS:
            n = sum(1 for qid in qrels[split] if family_of.get(qid) == family)
            assert n >= (5 if split == "train" else 1), f"{family} has {n} questions in {split}"
    # the same need is also asked by ordinary (non-trap) questions: the contrast to learn
    trap_needs = {q["metadata"]["need"] for q in traps.values()}
    ordinary_needs = {
        q["metadata"]["need"] for q in questions.values() if not q["metadata"]["trap"]
    }
    assert trap_needs <= ordinary_needs


def test_sarahs_question_is_in_test_with_the_wifi_article_as_the_answer(
    articles, questions, qrels
) -> None:
    [qid] = [qid for qid, q in questions.items() if q["text"] == SARAH]
    assert qid in qrels["test"]
    docs = qrels["test"][qid]
    by_title = {a["title"]: doc_id for doc_id, a in articles.items()}
    wifi = by_title["Library WiFi: troubleshooting in the Main Library"]
    ssh_setup = by_title["Connecting to the HPC cluster with SSH"]
    assert docs[wifi] == 3
    assert docs[ssh_setup] == 0
    assert questions[qid]["metadata"] == {
        "need": wifi,
        "family": "drops-in-library",
        "trap": True,
    }


def test_the_trap_is_real_lexically(articles, questions, bm25_top) -> None:
    """BM25's first article solves ordinary questions most of the time and trap questions rarely."""
    traps = [qid for qid, q in questions.items() if q["metadata"]["trap"]]
    ordinary = [qid for qid, q in questions.items() if not q["metadata"]["trap"]]

    def top1(qids: list[str]) -> float:
        return sum(bm25_top[q][0] == questions[q]["metadata"]["need"] for q in qids) / len(qids)

    assert top1(traps) <= 0.2, "most trap questions must match another article best"
    assert top1(ordinary) >= 0.6, "ordinary questions must be answerable lexically"
    by_family: dict[str, list[str]] = defaultdict(list)
    for qid in traps:
        by_family[questions[qid]["metadata"]["family"]].append(qid)
    for family, qids in by_family.items():
        assert top1(qids) <= 0.35, f"{family}: BM25 solves it too often to be a trap"
    # ... yet the answer is within reach of a re-ranker over BM25's top 100
    assert all(bm25_top[q].index(questions[q]["metadata"]["need"]) < 100 for q in questions)
    # Sarah: the SSH articles outrank the WiFi article, which is still on the first page
    [sarah] = [qid for qid in traps if questions[qid]["text"] == SARAH]
    ranking = bm25_top[sarah]
    wifi_rank = ranking.index(questions[sarah]["metadata"]["need"])
    assert 0 < wifi_rank < 10
    assert all("SSH" in articles[doc]["title"] for doc in ranking[:wifi_rank])


def test_files_are_exactly_what_the_generator_writes(tmp_path: Path, repo_root: Path) -> None:
    script = repo_root / "scripts" / "build_helpdesk.py"
    check = subprocess.run(
        [sys.executable, str(script), "--check"], capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stdout + check.stderr
    # and a fresh build elsewhere is byte-identical (deterministic, seeded)
    subprocess.run(
        [sys.executable, str(script), "--out", str(tmp_path)], check=True, capture_output=True
    )
    for rel in ("corpus.jsonl", "queries.jsonl", "qrels/test.tsv", "README.md"):
        assert (tmp_path / rel).read_bytes() == (HELPDESK_DIR / rel).read_bytes(), rel


@pytest.fixture(scope="module")
def builder(repo_root: Path):
    """The generator script as a module (it lives in scripts/, outside the package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "build_helpdesk", repo_root / "scripts" / "build_helpdesk.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being created
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


def test_generator_sources_are_the_shipped_articles(builder, articles) -> None:
    src = builder.load_sources()
    assert [a.id for a in src.articles] == list(articles)
    assert all(a.title == articles[a.id]["title"] for a in src.articles)
    assert all(need.trap for need in src.traps) and not any(n.trap for n in src.ordinary)
    assert not src.card.startswith("<!--"), "the note to contributors stays out of the card"


@pytest.mark.parametrize(
    ("file", "old", "new", "error"),
    [
        ("needs.yaml", "  related:", "  relatd:", "unknown keys"),
        ("traps.yaml", "    - ssh|ssh keeps", "    - sshh|ssh keeps", "unknown decoy tag"),
        ("traps.yaml", "{wifi-eduroam-laptop: 1}", "{wifi-eduroam-laptp: 1}", "unknown articles"),
        ("articles.yaml", "- id: kb-0002", "- id: kb-0001", "duplicate article ids"),
        ("needs.yaml", "- need: wifi-eduroam-laptop", "- need: x\n  family: y", "unknown keys"),
    ],
)
def test_generator_rejects_mistakes_in_the_sources(
    builder, tmp_path: Path, file: str, old: str, new: str, error: str
) -> None:
    """A typo in the hand-written YAML fails the build loudly instead of changing the data."""
    import shutil

    source = tmp_path / "source"
    shutil.copytree(builder.SOURCE_DIR, source)
    text = (source / file).read_text(encoding="utf-8")
    assert old in text
    (source / file).write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ValueError, match=error):
        builder.build(source)
