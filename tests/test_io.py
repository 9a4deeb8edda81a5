"""File readers: every layout gives the same records, and bad input fails with file, line and fix.

The tiny collection in tests/data is stored in every layout, so the layouts are checked against
each other; the real shared files pin counts and first/middle/last records (ir_datasets style);
malformed files are written under tmp_path, one defect each.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rerank_bench.data.formats import (
    SmartRecord,
    iter_smart_records,
    read_corpus,
    read_cranfield_qrels,
    read_qrels,
    read_queries,
    read_smart_queries,
    read_trec_topics,
    sniff_format,
)
from rerank_bench.data.io import (
    check_qrels_against_queries,
    check_run_against_corpus,
    read_jsonl,
    read_trec_qrels,
    read_trec_run,
    read_tsv_qrels,
    write_trec_qrels,
    write_trec_run,
)
from rerank_bench.data.records import Doc
from rerank_bench.errors import DataFormatError, ScoreError

# ------------------------------------------------------------------------------------------------
# The tiny collection in every layout
# ------------------------------------------------------------------------------------------------

TINY_FIRST = Doc(
    "101",
    "Remove the wheel, lever the tyre off the rim, find the puncture and patch the inner tube.",
    "Fixing a flat tyre",
)
TINY_MIDDLE = Doc(
    "107",
    "Boil a mixture of water and citric acid, leave it for an hour, then rinse the kettle twice.",
    "Descaling a kettle",
)
TINY_LAST = Doc(
    "112",
    "Tighten spokes on the opposite side of a wobble by small amounts until the rim runs true.",
    "Wheel truing",
)
TINY_QUERIES = {
    "1": "how do I repair a puncture",
    "2": "my gears skip when shifting",
    "3": "best grind size for filter coffee",
    "4": "how to remove limescale",
    "5": "milk coffee drinks",
    "6": "keep coffee fresh",
}


@pytest.mark.parametrize(
    ("file", "fmt"),
    [
        ("docs.tsv", "tsv"),
        ("beir/corpus.jsonl", "jsonl"),
        ("docs.trec", "trec"),
        ("docs.smart", "smart"),
    ],
)
def test_every_corpus_layout_gives_the_same_documents(tiny_data: Path, file: str, fmt: str) -> None:
    assert sniff_format(tiny_data / file, "corpus") == fmt
    corpus = read_corpus(tiny_data / file)
    docs = list(corpus.values())
    assert len(docs) == 12
    assert (docs[0], docs[6], docs[-1]) == (TINY_FIRST, TINY_MIDDLE, TINY_LAST)
    assert corpus["108"].title == "Café au lait"  # UTF-8 survives every reader
    assert "naïve" in corpus["108"].text
    reference = read_corpus(tiny_data / "docs.tsv")
    assert dict(corpus) == dict(reference)


@pytest.mark.parametrize(
    ("file", "fmt"),
    [
        ("queries.tsv", "tsv"),
        ("beir/queries.jsonl", "jsonl"),
        ("topics.trec", "trec"),
        ("queries.smart", "smart"),
    ],
)
def test_every_topics_layout_gives_the_same_queries(tiny_data: Path, file: str, fmt: str) -> None:
    assert sniff_format(tiny_data / file, "queries") == fmt
    queries = read_queries(tiny_data / file)
    assert queries == TINY_QUERIES
    assert list(queries) == ["1", "2", "3", "4", "5", "6"]


def test_trec_topics_fields_and_prefixes(tiny_data: Path) -> None:
    desc = read_trec_topics(tiny_data / "topics.trec", field="desc")
    assert desc["1"] == "Instructions for mending a punctured bicycle tyre or inner tube."
    both = read_trec_topics(tiny_data / "topics.trec", field="title+desc")
    assert both["4"] == "how to remove limescale Removing mineral deposits from kitchen appliances."
    narr = read_trec_topics(tiny_data / "topics.trec", field="narr")
    assert narr["6"] == "A relevant document answers the question."
    # A configured format is never second-guessed: TSV topics are not read as TREC, and the
    # error says what the file looks like.
    with pytest.raises(DataFormatError, match="expected TREC topics") as info:
        read_queries(tiny_data / "queries.tsv", fmt="trec")
    assert info.value.line_no == 1
    assert "looks like TSV topics (the extension .tsv): set dataset.queries_format=tsv." in (
        info.value.fix
    )
    with pytest.raises(DataFormatError, match="unknown topic field"):
        read_trec_topics(tiny_data / "topics.trec", field="summary")


def test_trec_and_beir_qrels_agree(tiny_data: Path) -> None:
    trec = read_qrels(tiny_data / "qrels.trec")
    tsv = read_qrels(tiny_data / "qrels.tsv")
    assert sniff_format(tiny_data / "qrels.trec", "qrels") == "trec"
    assert sniff_format(tiny_data / "qrels.tsv", "qrels") == "tsv"
    assert trec == tsv
    assert sum(len(docs) for docs in trec.values()) == 12
    assert trec["1"] == {"101": 2, "110": 1, "112": 0}
    assert read_tsv_qrels(tiny_data / "beir/qrels/train.tsv") == {
        "5": {"108": 2, "106": 1},
        "6": {"109": 2},
    }


def test_tiny_run_reads_and_matches_its_corpus(tiny_data: Path) -> None:
    run = read_trec_run(tiny_data / "run.trec")
    assert list(run) == ["1", "2", "3", "4"]
    assert sum(len(docs) for docs in run.values()) == 20
    assert run["3"]["106"] == 10.0
    corpus = read_corpus(tiny_data / "docs.tsv")
    check_run_against_corpus(run, corpus, tiny_data / "run.trec")
    smaller = {doc_id: doc for doc_id, doc in corpus.items() if doc_id != "110"}
    with pytest.raises(DataFormatError) as info:
        check_run_against_corpus(run, smaller, tiny_data / "run.trec")
    assert info.value.path == str(tiny_data / "run.trec")
    assert info.value.line_no == 2  # `1 Q0 110 2 ...`
    assert "'110'" in info.value.reason and "1 in total" in info.value.reason


def test_smart_records_keep_fields(tiny_data: Path) -> None:
    records = list(iter_smart_records(tiny_data / "docs.smart"))
    assert len(records) == 12
    assert records[0] == SmartRecord(
        record_id="101",
        line_no=1,
        fields={
            "T": "Fixing a flat tyre",
            "A": "rerank-bench tests",
            "B": "tests/data, 2026",
            "W": TINY_FIRST.text,
        },
    )


def test_writers_round_trip_atomically(tmp_path: Path, tiny_data: Path) -> None:
    qrels = read_qrels(tiny_data / "qrels.tsv")
    write_trec_qrels(qrels, tmp_path / "out" / "qrels.txt")
    assert read_trec_qrels(tmp_path / "out" / "qrels.txt") == qrels
    run = read_trec_run(tiny_data / "run.trec")
    write_trec_run(run, tmp_path / "out" / "run.trec", tag="round trip")
    assert read_trec_run(tmp_path / "out" / "run.trec") == run
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["qrels.txt", "run.trec"]


# ------------------------------------------------------------------------------------------------
# Bad input: one defect per file, reported with the right file and line
# ------------------------------------------------------------------------------------------------

Reader = Callable[[Path], Any]

BAD_INPUTS: list[tuple[str, Reader, str, int | None, str]] = [
    # (content, reader, file name, line of the defect, words the message must contain)
    ("1 0 d1 1\n1 0 d2\n", read_trec_qrels, "qrels.txt", 2, "expected 4"),
    ("1 0 d1 1\n\n1 0 d2 high\n", read_trec_qrels, "qrels.txt", 3, "not an integer"),
    ("1 0 d1 1\n1 0 d1 0\n", read_trec_qrels, "qrels.txt", 2, "judged twice"),
    ("query-id\tcorpus-id\tscore\n1\td1\n", read_tsv_qrels, "test.tsv", 2, "expected 3"),
    ("q 0 a 1 2.0 t\nq Q0 b 2 1.0\n", read_trec_run, "run.trec", 2, "expected 6"),
    ("q Q0 a 1 2.0 t\nq Q0 b 2 high t\n", read_trec_run, "run.trec", 2, "not a number"),
    ("q Q0 a 1 2.0 t\nq Q0 a 2 1.0 t\n", read_trec_run, "run.trec", 2, "appears twice"),
    ("q Q0 a 1 2.0 t\nq Q0 b 2 nan t\n", read_trec_run, "run.trec", 2, "not a finite number"),
    ("q Q0 a 1 inf t\nq Q0 b 2 1.0 t\n", read_trec_run, "run.trec", 1, "not a finite number"),
    ("q Q0 a 1 2.0 t\nq Q0 b 2 -Infinity t\n", read_trec_run, "run.trec", 2, "not a finite"),
    ("q1 0 d1 high\nq1 0 d2 1\n", read_trec_qrels, "qrels.txt", 1, "not an integer"),
    ("q1\td1\n", read_tsv_qrels, "test.tsv", 1, "expected 3"),
    ("query-id\tcorpus-id\nq1\td1\t1\n", read_tsv_qrels, "test.tsv", 1, "expected 3"),
    ("query-id\tcorpus-id\tscore\tx\nq1\td1\t1\n", read_tsv_qrels, "test.tsv", 1, "expected 3"),
    ("1\tfirst\n2 second\n", read_queries, "topics.tsv", 2, "no tab"),
    ("1\tfirst\n2\tsecond\n1\tagain\n", read_queries, "topics.tsv", 3, "appears twice"),
    ("1\tfirst\n2\t   \n", read_queries, "topics.tsv", 2, "has no text"),
    ("<top>\n<title> no number\n</top>\n", read_queries, "topics.trec", 1, "without <num>"),
    ("<top>\n<num> 1\n<title> a\n</top>\nstray\n", read_queries, "topics.trec", 5, "outside"),
    ("<top>\n<num> 1\n<title> a\n", read_queries, "topics.trec", 1, "ends inside"),
    (
        "<top>\n<num> 1\n<desc> only a description\n</top>\n",
        read_queries,
        "t.trec",
        1,
        "no <title>",
    ),
    (
        "<top>\n<num> 1\n<title> a\n</top>\n<top>\n<num> 1\n<title> b\n</top>\n",
        read_queries,
        "topics.trec",
        5,
        "appears twice",
    ),
    (
        '{"_id": "1", "text": "a"}\n{"_id": "2", "text": }\n',
        read_corpus,
        "c.jsonl",
        2,
        "not valid JSON",
    ),
    (
        '{"_id": "1", "text": "a"}\n{"id_": "2", "text": "b"}\n',
        read_corpus,
        "c.jsonl",
        2,
        "none of",
    ),
    ('{"_id": "1", "text": "a"}\n["2", "b"]\n', read_corpus, "c.jsonl", 2, "JSON object"),
    ('{"_id": "1", "text": "a"}\n{"_id": "1", "text": "b"}\n', read_corpus, "c.jsonl", 2, "twice"),
    ("d1\ttitle\ttext\nd2\ttext only\n", read_corpus, "docs.tsv", 2, "expected 3"),
    ("d1\ta\tb\tc\td\n", read_corpus, "docs.tsv", 1, "expected 2 or 3"),
    (
        "<DOC>\n<DOCNO>1</DOCNO>\ntext\n</DOC>\n<DOC>\nno id\n</DOC>\n",
        read_corpus,
        "d.trec",
        5,
        "<DOCNO>",
    ),
    ("<DOC>\n<DOCNO>1</DOCNO>\ntext\n", read_corpus, "d.trec", 1, "ends inside"),
    ("<DOC>\n<DOCNO>1</DOCNO>\n</DOC>\nloose text\n", read_corpus, "d.trec", 4, "outside"),
    (".I 1\n.W\ntext\n.I 1\n.W\nagain\n", read_corpus, "d.smart", 4, "appears twice"),
    (".I 1\n.W\ntext\n.I\n.W\nno id\n", read_corpus, "d.smart", 4, "without an id"),
    (".I 1\nno field marker\n", read_corpus, "d.smart", 2, "before any field"),
    ("1 184 2\n1 29 7\n", read_cranfield_qrels, "cranqrel", 2, "Cleverdon"),
    ("", read_trec_qrels, "empty.txt", None, "empty"),
    ("\n  \n\n", read_corpus, "blank.jsonl", None, "only blank"),
]


@pytest.mark.parametrize(
    ("content", "reader", "name", "line_no", "words"),
    BAD_INPUTS,
    ids=[f"{case[1].__name__}-{case[4].replace(' ', '_')}" for case in BAD_INPUTS],
)
def test_bad_input_names_file_and_line(
    tmp_path: Path, content: str, reader: Reader, name: str, line_no: int | None, words: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataFormatError) as info:
        reader(path)
    error = info.value
    assert error.path == str(path)
    assert error.line_no == line_no
    assert words in error.reason
    assert error.fix  # every error says what to do
    assert str(path) in str(error)


@pytest.mark.parametrize("reader", [read_trec_run, read_qrels, read_queries, read_corpus])
def test_missing_file(tmp_path: Path, reader: Reader) -> None:
    with pytest.raises(DataFormatError, match="file not found") as info:
        reader(tmp_path / "nope.txt")
    assert info.value.path == str(tmp_path / "nope.txt")


@pytest.mark.parametrize("reader", [read_trec_run, read_trec_qrels, read_queries, read_corpus])
def test_latin1_file_is_refused_at_its_line(tmp_path: Path, reader: Reader) -> None:
    lines = {
        read_trec_run: ["q Q0 a 1 2.0 t", "q Q0 café 2 1.0 t"],
        read_trec_qrels: ["q 0 a 1", "q 0 café 1"],
        read_queries: ["1\tfirst", "2\tcafé au lait"],
        read_corpus: ['{"_id": "1", "text": "a"}', '{"_id": "2", "text": "café"}'],
    }[reader]
    path = tmp_path / ("latin1.jsonl" if reader is read_corpus else "latin1.txt")
    path.write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
    with pytest.raises(DataFormatError, match="not valid UTF-8") as info:
        reader(path)
    assert (info.value.path, info.value.line_no) == (str(path), 2)
    assert "iconv" in info.value.fix


@pytest.mark.parametrize(
    ("file", "reader"),
    [
        ("docs.tsv", read_corpus),
        ("beir/corpus.jsonl", read_corpus),
        ("docs.trec", read_corpus),
        ("docs.smart", read_corpus),
        ("queries.tsv", read_queries),
        ("beir/queries.jsonl", read_queries),
        ("topics.trec", read_queries),
        ("queries.smart", read_queries),
        ("qrels.trec", read_qrels),
        ("qrels.tsv", read_qrels),
        ("beir/qrels/train.tsv", read_qrels),
        ("run.trec", read_trec_run),
    ],
)
def test_a_byte_order_mark_is_dropped_by_every_reader(
    tmp_path: Path, tiny_data: Path, file: str, reader: Reader
) -> None:
    # Notepad and Excel write UTF-8 with a BOM; kept, it became part of the first id
    original = tiny_data / file
    copy = tmp_path / Path(file).name
    copy.write_bytes(b"\xef\xbb\xbf" + original.read_bytes())
    expected, got = reader(original), reader(copy)
    if reader is read_corpus:
        expected, got = dict(expected), dict(got)
    assert got == expected


def test_an_unknown_topic_of_a_space_separated_tsv_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "qrels.tsv"  # named .tsv, written TREC style
    path.write_text("1 0 d1 1\n9 0 d2 1\n", encoding="utf-8")
    with pytest.raises(DataFormatError) as info:
        check_qrels_against_queries(read_qrels(path), {"1": "a"}, path)
    assert info.value.line_no == 2


def test_a_judgment_of_query_topic_is_data_not_a_header(tmp_path: Path) -> None:
    path = tmp_path / "qrels.tsv"
    path.write_text("topic\td1\t1\nq2\td2\t0\n", encoding="utf-8")
    assert read_tsv_qrels(path) == {"topic": {"d1": 1}, "q2": {"d2": 0}}


def test_a_non_finite_score_is_never_written(tmp_path: Path) -> None:
    path = tmp_path / "run.trec"
    run = {"q1": {"a": 1.0}, "q2": {"b": 2.0, "c": float("nan"), "d": float("inf")}}
    with pytest.raises(ScoreError) as info:
        write_trec_run(run, path)
    message = str(info.value)
    assert "'q2'" in message and "'c'" in message and "2 of the run's scores" in message
    assert "Fix:" in message
    assert list(tmp_path.iterdir()) == []  # no half-written file, no temporary left behind


def test_unknown_layout_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "docs.txt"
    path.write_text("just some prose without any structure\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match="cannot tell the corpus layout"):
        read_corpus(path)
    with pytest.raises(DataFormatError, match="cannot tell the qrels layout"):
        read_qrels(path)


def test_qrels_naming_unknown_topics_point_at_the_line(tiny_data: Path) -> None:
    qrels = read_trec_qrels(tiny_data / "qrels.trec")
    queries = {qid: text for qid, text in TINY_QUERIES.items() if qid != "3"}
    with pytest.raises(DataFormatError) as info:
        check_qrels_against_queries(qrels, queries, tiny_data / "qrels.trec")
    assert info.value.line_no == 6  # first judgment of query 3
    assert "'3'" in info.value.reason


def test_jsonl_keeps_integer_looking_ids_as_strings(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text('{"_id": 7, "text": "seven"}\n{"id": "007", "contents": "pyserini"}\n')
    corpus = read_corpus(path)
    assert list(corpus) == ["7", "007"]
    assert corpus["007"].text == "pyserini"
    assert [obj for _, obj in read_jsonl(path)][0] == {"_id": 7, "text": "seven"}


# ------------------------------------------------------------------------------------------------
# Real files: counts and first/middle/last records, and parsing speed
# ------------------------------------------------------------------------------------------------


def _pool(data_root: Path) -> Path:
    pool = data_root / "msmarco-trec-dl" / "pools"
    if not pool.is_dir():
        pytest.skip(f"{pool} not found")
    return pool


def test_dl19_pool_runs_all_match_the_pool_corpus(data_root: Path) -> None:
    pool = _pool(data_root)
    corpus = read_corpus(pool / "corpus.dl19.jsonl")
    runs = sorted(pool.glob("run.dl19.*.trec"))
    assert len(runs) == 6
    for path in runs:
        run = read_trec_run(path)
        assert len(run) == 43
        check_run_against_corpus(run, corpus, path)
    bm25 = read_trec_run(pool / "run.dl19.bm25.top100.trec")
    assert sum(len(docs) for docs in bm25.values()) == 4300
    # first, middle (line 2150) and last lines of the file
    assert list(bm25)[0] == "264014"
    assert bm25["264014"]["5611210"] == pytest.approx(15.780599594116211)
    assert bm25["156493"]["3288599"] == pytest.approx(9.23849868774414)
    assert bm25["1106007"]["6255354"] == pytest.approx(6.47769021987915)


def test_msmarco_dev_topics_and_qrels(data_root: Path) -> None:
    folder = data_root / "msmarco-trec-dl"
    if not folder.is_dir():
        pytest.skip(f"{folder} not found")
    topics = read_queries(folder / "topics.msmarco-passage.dev-subset.txt")
    items = list(topics.items())
    assert len(items) == 6980
    assert items[0] == ("1048585", "what is paula deen's brother")
    assert items[1] == ("2", "Androgen receptor define")  # leading space in the file trimmed
    qrels = read_qrels(folder / "qrels.msmarco-passage.dev-subset.txt")
    assert sum(len(docs) for docs in qrels.values()) == 7437
    assert qrels["300674"] == {"7067032": 1}
    assert read_queries(folder / "topics.dl19-passage.txt")["156493"] == "do goldfish grow"


def test_cranfield_files(data_root: Path) -> None:
    folder = data_root / "cranfield"
    if not folder.is_dir():
        pytest.skip(f"{folder} not found")
    corpus = read_corpus(folder / "cran.all.1400")
    assert len(corpus) == 1400  # the bare `.I` closing the file is not a document
    assert corpus["471"] == Doc("471", "", "")  # an empty record in the original
    assert corpus["576"].text.count("\n\n") == 1  # its two `.W` parts kept apart
    queries = read_smart_queries(folder / "cran.qry", renumber=True)
    assert list(queries)[:3] == ["1", "2", "3"]
    assert set(read_smart_queries(folder / "cran.qry")) >= {"001", "002", "004", "365"}
    qrels = read_cranfield_qrels(folder / "cranqrel")
    # `1 184 2` / `1 12 3` in the file: codes 2 and 3 become grades 3 and 2.
    assert (qrels["1"]["184"], qrels["1"]["12"]) == (3, 2)
    grades = [grade for docs in qrels.values() for grade in docs.values()]
    assert {grade: grades.count(grade) for grade in set(grades)} == {4: 353, 3: 387, 2: 734, 1: 363}


@pytest.mark.parametrize(
    ("relative", "count"),
    [("scifact/corpus.jsonl", 5183), ("msmarco-trec-dl/pools/corpus.dl19.jsonl", 14581)],
)
def test_real_corpora_keep_every_line_in_file_order(
    data_root: Path, relative: str, count: int
) -> None:
    path = data_root / relative
    if not path.is_file():
        pytest.skip(f"{path} not found")
    corpus = read_corpus(path)
    # split("\n"), not splitlines(): texts hold U+2028 and friends, which are not line ends here
    text = path.read_text(encoding="utf-8")
    lines = [json.loads(line) for line in text.split("\n") if line.strip()]
    assert len(corpus) == len(lines) == count
    assert list(corpus.values()) == [Doc(o["_id"], o["text"], o["title"]) for o in lines]
