"""Real collections in the layouts they ship in, read by ``rerank-bench run dataset=local``.

Each layout test writes one small collection (24 documents, 4 topics) with one of its files in
the original layout (Glasgow's ``CISI.REL`` qrels, LISA's ``Document N`` blocks over several
files, a tarball of HTML pages, ``<DOC><DOCNO>`` topics), runs the real CLI on it and checks
its nDCG@10 against pytrec_eval (trec_eval's own code) on the run file the CLI wrote: a layout
misread (a topic id ``'1     28'``, a merged document, a dropped file) changes the numbers or
fails the run. The unit tests below pin the messages of what cannot be read.
"""

from __future__ import annotations

import html
import io
import json
import subprocess
import tarfile
import textwrap
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
import pytrec_eval
from test_run_errors import _run as rerank_bench_run

from rerank_bench.data.formats import read_corpus, read_qrels, read_queries, sniff_format
from rerank_bench.data.io import qrels_fields
from rerank_bench.data.sources import LocalSource
from rerank_bench.errors import DataFormatError

DOCS = {
    "1": "To repair a puncture, remove the wheel, find the hole in the inner tube and patch it.",
    "2": "A bicycle tyre that goes flat overnight has a slow leak: patch the tube or replace it.",
    "3": "Tubeless tyres seal small holes with liquid sealant, so a flat is rare on the road.",
    "4": "The bicycle was invented in the nineteenth century and changed how people travel.",
    "5": "Repair cafés help people fix toasters, lamps and clothes instead of throwing them away.",
    "6": "Chain lubrication keeps a bicycle drivetrain quiet and prevents rust on the links.",
    "7": "For filter coffee use a medium grind, like coarse sand, and water just off the boil.",
    "8": "Espresso needs a very fine grind & high pressure to extract in under thirty seconds.",
    "9": "A pour-over brewer with a paper filter gives a clean cup from beans ground medium.",
    "10": "Coffee beans stay fresh longest in an airtight container away from light and heat.",
    "11": "Cold brew steeps coarse grounds in cold water for twelve hours before filtering.",
    "12": "Tea leaves unfurl best in water below boiling, steeped for three minutes at most.",
    "13": "Boil water with citric acid in the kettle, leave it an hour, rinse to remove limescale.",
    "14": "White vinegar dissolves mineral deposits in kettles and coffee machines overnight.",
    "15": "Hard water leaves a chalky scale on taps, shower heads and heating elements.",
    "16": "An electric kettle switches itself off when the water inside it comes to the boil.",
    "17": "To remove a stripped screw, press a rubber band between screwdriver and screw head.",
    "18": "Limestone is a sedimentary rock made mostly of calcium carbonate from old shells.",
    "19": "Tomatoes grown in pots need a large container, full sun and daily watering in summer.",
    "20": "Pinch out the side shoots of cordon tomato plants to get fewer but bigger fruit.",
    "21": "Blossom end rot on tomatoes comes from irregular watering, not from a disease.",
    "22": "Terracotta pots dry out faster than plastic ones, so check the soil of herbs often.",
    "23": "Growing your own herbs on a windowsill saves money and tastes better than dried.",
    "24": "The Hubble telescope photographs galaxies billions of light years away from Earth.",
}
QUERIES = {
    "1": "repair a bicycle puncture",
    "2": "grind size for filter coffee",
    "3": "remove limescale from a kettle",
    "4": "growing tomatoes in pots",
}
QRELS = {
    "1": {"1": 1, "2": 1, "3": 1},
    "2": {"7": 1, "9": 1},
    "3": {"13": 1, "14": 1, "15": 1},
    "4": {"19": 1, "20": 1, "21": 1},
}
"""Every judged pair is relevant, as SMART/Glasgow qrels can only say."""

STARS = "*" * 44


def _write(path: Path, lines: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _tsv_corpus(folder: Path) -> Path:
    return _write(folder / "docs.tsv", [f"{doc_id}\t{text}" for doc_id, text in DOCS.items()])


def _tsv_topics(folder: Path) -> Path:
    return _write(folder / "topics.tsv", [f"{qid}\t{text}" for qid, text in QUERIES.items()])


def _trec_qrels(folder: Path) -> Path:
    pairs = [(qid, doc_id) for qid, docs in QRELS.items() for doc_id in docs]
    return _write(folder / "qrels.txt", [f"{qid} 0 {doc_id} 1" for qid, doc_id in pairs])


def _cisi_qrels(folder: Path) -> Path:
    """``CISI.REL``: ids right-aligned in 6 columns with spaces, then tabs, ``0``, ``0.000000``."""
    pairs = [(qid, doc_id) for qid, docs in QRELS.items() for doc_id in docs]
    return _write(folder / "CISI.REL", [f"{q:>6}{d:>6}\t0\t0.000000" for q, d in pairs])


def _lisa_corpus(folder: Path) -> str:
    """LISA's layout: ``Document  N``, the text wrapped, a line of asterisks; in three files."""
    ids = list(DOCS)
    for part, start in enumerate(range(0, len(ids), 8)):
        lines: list[str] = []
        for doc_id in ids[start : start + 8]:
            lines += [f"Document  {doc_id}", *textwrap.wrap(DOCS[doc_id], 50), "     ", STARS]
        _write(folder / "lisa" / f"LISA{part}.{start + 1:03d}", lines)
    return str(folder / "lisa" / "LISA*")


def _html_page(doc_id: str) -> str:
    text = html.escape(DOCS[doc_id]).replace("é", "&eacute;")
    return (
        f"<html>\n<head><title>Document {doc_id}</title></head>\n<body>\n<h1>Document {doc_id}"
        f"</h1>\n<pre>\n{text}\n</pre>\n</body>\n</html>\n"
    )


def _html_tarball(folder: Path) -> Path:
    """One ``.html`` page per document, the text in ``<pre>``, in a gzip-compressed tarball
    (members written in reverse order: the reader sorts them)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "docs.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for doc_id in reversed(DOCS):
            data = _html_page(doc_id).encode("utf-8")
            member = tarfile.TarInfo(f"collection/docs/{doc_id}.html")
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))
    return path


def _doc_topics(folder: Path) -> Path:
    lines: list[str] = []
    for qid, text in QUERIES.items():
        lines += ["<DOC>", f"<DOCNO> {qid} </DOCNO>", text, "</DOC>"]
    return _write(folder / "topics.sgml", lines)


# ------------------------------------------------------------------------------------------------
# One real CLI run per layout
# ------------------------------------------------------------------------------------------------


def _collection(corpus: Path | str, queries: Path, qrels: Path, *more: str) -> list[str]:
    return [
        f"dataset.corpus={corpus}",
        f"dataset.queries={queries}",
        f"dataset.qrels={qrels}",
        *more,
    ]


LAYOUT_RUNS: dict[str, Callable[[Path], list[str]]] = {
    # sniffed: 4 fields, the 3rd always 0 and the 4th 0.000000; spaces and tabs mixed
    "cisi_qrels": lambda d: _collection(_tsv_corpus(d), _tsv_topics(d), _cisi_qrels(d)),
    # three files by one glob, each sniffed
    "lisa_blocks": lambda d: _collection(_lisa_corpus(d), _tsv_topics(d), _trec_qrels(d)),
    # sniffed: a gzip-compressed tar archive
    "html_tarball": lambda d: _collection(_html_tarball(d), _tsv_topics(d), _trec_qrels(d)),
    # configured: queries_format=trec reads <DOC> topics as well as <top> ones
    "doc_topics": lambda d: _collection(
        _tsv_corpus(d), _doc_topics(d), _trec_qrels(d), "dataset.queries_format=trec"
    ),
}
"""Each layout's collection: the ``dataset.*`` overrides of its files, written into a folder."""

Finished = tuple[Path, subprocess.CompletedProcess[str]]


def _run_bm25(home: Path, overrides: list[str]) -> Finished:
    done = rerank_bench_run(home, "dataset=local", *overrides, "retriever=bm25", "reranker=none")
    return home, done


@pytest.fixture(scope="module")
def layout_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Future[Finished]]]:
    """``rerank-bench run`` on every layout's collection, two at a time: a run is ~8 s of mostly
    single-threaded start-up, so two cores finish the four in half the time."""
    root = tmp_path_factory.mktemp("layouts")
    with ThreadPoolExecutor(max_workers=2) as pool:
        yield {
            name: pool.submit(_run_bm25, root / name / "state", files(root / name))
            for name, files in LAYOUT_RUNS.items()
        }


def _run_file(home: Path) -> dict[str, dict[str, float]]:
    (path,) = home.glob("outputs/*/*/run.trec")
    run: dict[str, dict[str, float]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        qid, _, doc_id, _, score, _ = line.split()
        run.setdefault(qid, {})[doc_id] = float(score)
    return run


@pytest.mark.parametrize("layout", list(LAYOUT_RUNS))
def test_the_cli_scores_the_layout_as_trec_eval_does(
    layout_runs: dict[str, Future[Finished]], layout: str
) -> None:
    home, done = layout_runs[layout].result()
    assert done.returncode == 0, done.stderr[-3000:]
    run = _run_file(home)
    assert sorted(run) == sorted(QUERIES)
    expected = pytrec_eval.RelevanceEvaluator(QRELS, {"ndcg_cut.10"}).evaluate(run)
    (per_query,) = home.glob("outputs/*/*/per_query.json")
    got = json.loads(per_query.read_text())["per_query"]["ndcg@10"]
    assert got == pytest.approx({qid: m["ndcg_cut_10"] for qid, m in expected.items()}, abs=1e-9)
    mean = sum(got.values()) / len(got)
    assert 0.3 < mean < 1.0, mean  # BM25 finds some relevant documents, not all at the top
    assert f"| bm25 | {mean:.4f} |" in done.stdout  # the printed table says the same


def test_every_layout_gives_the_same_run(layout_runs: dict[str, Future[Finished]]) -> None:
    """The four are one collection, so one ranking: a layout that lost or merged documents would
    still agree with trec_eval on its own run, but not with the other layouts."""
    runs = {}
    for name, future in layout_runs.items():
        home, done = future.result()
        assert done.returncode == 0, (name, done.stderr[-3000:])
        runs[name] = _run_file(home)
    reference = runs.pop("cisi_qrels")
    for name, run in runs.items():
        assert run == reference, name


# ------------------------------------------------------------------------------------------------
# Readers and messages
# ------------------------------------------------------------------------------------------------


def test_every_layout_reads_the_same_collection(tmp_path: Path) -> None:
    reference = {doc_id: doc.text for doc_id, doc in read_corpus(_tsv_corpus(tmp_path)).items()}
    _lisa_corpus(tmp_path)
    lisa = sorted((tmp_path / "lisa").iterdir())
    assert {doc_id: doc.text.replace("\n", " ") for doc_id, doc in read_corpus(lisa).items()} == (
        reference
    )
    tarball = _html_tarball(tmp_path)
    assert sniff_format(tarball, "corpus") == "html"
    assert {doc_id: doc.text for doc_id, doc in read_corpus(tarball).items()} == reference
    assert list(read_corpus(tarball)) == sorted(DOCS)  # member order, sorted by name
    topics = _doc_topics(tmp_path)
    assert sniff_format(topics, "queries") == "trec"
    assert read_queries(topics) == read_queries(topics, fmt="trec") == QUERIES
    cisi = _cisi_qrels(tmp_path)
    assert sniff_format(cisi, "qrels") == "smart"
    assert read_qrels(cisi) == read_qrels(cisi, fmt="smart") == QRELS


def test_a_space_aligned_line_with_tabs_is_not_one_topic_id() -> None:
    assert qrels_fields("     1     28\t0\t0.000000") == ["1", "28", "0", "0.000000"]
    assert qrels_fields("q1\tdoc 7\t1") == ["q1", "doc 7", "1"]  # document ids may hold spaces
    assert qrels_fields("1 0 d1 2") == ["1", "0", "d1", "2"]


def test_cacm_style_integer_columns_are_sniffed_as_smart(tmp_path: Path) -> None:
    # CACM's qrels.text: `01 1410  0 0`; as TREC every line would judge document '0'
    path = _write(tmp_path / "qrels.text", ["01 1410  0 0", "01 1572  0 0", "02 2434  0 0"])
    assert sniff_format(path, "qrels") == "smart"
    assert read_qrels(path) == {"01": {"1410": 1, "1572": 1}, "02": {"2434": 1}}
    trec = _write(tmp_path / "trec.txt", ["1 0 7 1", "2 0 7 0"])  # one document, two queries
    assert sniff_format(trec, "qrels") == "trec"


def test_a_failed_guess_says_what_was_guessed_and_why(tmp_path: Path) -> None:
    path = _write(tmp_path / "qrels.txt", ["q1 0 d1 0.5", "q1 0 d2 1"])  # TREC, float grades
    with pytest.raises(DataFormatError) as info:
        read_qrels(path)
    assert info.value.line_no == 1
    assert "not an integer grade" in info.value.reason
    assert "(read as TREC qrels; sniffed: 4 whitespace-separated fields on line 1)" in (
        info.value.reason
    )
    assert "If the file is not TREC qrels, set dataset.qrels_format" in info.value.fix
    assert "smart (SMART/Glasgow qrels): `1 28 0 0.000000`" in info.value.fix


def test_an_explicit_format_is_never_second_guessed(tmp_path: Path) -> None:
    cisi = _cisi_qrels(tmp_path)
    with pytest.raises(DataFormatError) as info:
        read_qrels(cisi, fmt="trec")
    assert "relevance '0.000000' is not an integer grade" in info.value.reason
    assert "(read as TREC qrels, the configured format)" in info.value.reason
    assert "looks like SMART/Glasgow qrels" in info.value.fix
    assert info.value.fix.endswith("set dataset.qrels_format=smart.")
    with pytest.raises(DataFormatError) as info:
        read_queries(_tsv_topics(tmp_path), fmt="trec")
    assert "expected TREC topics, whose first line is `<top>` or `<DOC>`" in info.value.reason
    assert "'1\\trepair a bicycle puncture'" in info.value.reason
    assert "set dataset.queries_format=tsv" in info.value.fix
    assert "tab" not in info.value.reason  # no TSV reader was tried behind the user's back


def test_an_unknown_layout_shows_every_layouts_first_line(tmp_path: Path) -> None:
    path = _write(tmp_path / "notes.txt", ["just some prose"])
    with pytest.raises(DataFormatError) as info:
        read_corpus(path)
    assert "cannot tell the corpus layout from the first line 'just some prose'" in (
        info.value.reason
    )
    for example in ("`.I 1`", "`Document  1`", "`<DOC>`", "`<html>`", "d1<TAB>[title<TAB>]text"):
        assert example in info.value.fix
    with pytest.raises(DataFormatError) as info:
        read_qrels(path)
    assert "`q1 0 d1 1`" in info.value.fix and "`1 28 0 0.000000`" in info.value.fix


def test_a_folder_or_archive_given_a_text_format_says_so(tmp_path: Path) -> None:
    tarball = _html_tarball(tmp_path)
    with pytest.raises(DataFormatError) as info:
        read_corpus(tarball, fmt="trec")
    assert "dataset.corpus is a gzip-compressed tar archive; archives are read as " in (
        info.value.reason
    )
    assert "corpus_format=html" in info.value.fix
    folder = tmp_path / "pages"
    folder.mkdir()
    with pytest.raises(DataFormatError) as info:
        read_corpus(folder, fmt="tsv")
    assert info.value.reason.startswith("dataset.corpus is a folder; folders are read as ")
    for what, reader in ((tarball, read_qrels), (folder, read_queries)):
        with pytest.raises(DataFormatError) as info:
            reader(what)
        assert "UTF-8" not in str(info.value) and "not found" not in str(info.value)
    with pytest.raises(DataFormatError, match="is a gzip-compressed tar archive, not a text"):
        read_qrels(tarball)
    with pytest.raises(DataFormatError, match="is a folder, not a file"):
        read_queries(folder)
    plain = tmp_path / "docs.tar"  # a plain tar is ASCII and NUL bytes: no UTF-8 error at all
    with tarfile.open(tarball) as source, tarfile.open(plain, "w") as target:
        for member in source.getmembers():
            target.addfile(member, source.extractfile(member))
    with pytest.raises(DataFormatError, match="is a tar archive, not a text file"):
        read_queries(plain)
    assert read_corpus(plain).keys() == read_corpus(tarball).keys()


def test_html_folder_pre_body_and_entities(tmp_path: Path) -> None:
    folder = tmp_path / "site"
    _write(folder / "a" / "7.html", [_html_page("7")])
    _write(
        folder / "b" / "5.htm",
        [
            "<html><body><p>Repair <b>caf&eacute;s</b> &amp; fix</p>",
            "<script>var x = 1;</script></body></html>",
        ],
    )
    _write(folder / "README.txt", ["not a document"])
    corpus = read_corpus(folder)
    assert {doc_id: doc.text for doc_id, doc in corpus.items()} == {
        "7": DOCS["7"],
        "5": "Repair cafés & fix",
    }
    _write(folder / "c" / "7.htm", ["<pre>again</pre>"])
    with pytest.raises(DataFormatError) as info:
        read_corpus(folder)
    assert info.value.path == str(folder / "c" / "7.htm")
    assert str(folder / "a" / "7.html") in info.value.reason


def test_a_non_utf8_archive_member_is_named(tmp_path: Path) -> None:
    path = tmp_path / "docs.tgz"
    data = "<pre>café</pre>\n".encode("latin-1")
    with tarfile.open(path, "w:gz") as archive:
        member = tarfile.TarInfo("docs/9.html")
        member.size = len(data)
        archive.addfile(member, io.BytesIO(data))
    with pytest.raises(DataFormatError, match="not valid UTF-8") as info:
        read_corpus(path)
    assert (info.value.path, info.value.line_no) == (f"{path}:docs/9.html", 1)
    assert "iconv" in info.value.fix


def test_an_archive_without_html_lists_what_it_holds(tmp_path: Path) -> None:
    path = tmp_path / "docs.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        member = tarfile.TarInfo("docs/1.txt")
        archive.addfile(member, io.BytesIO(b""))
    with pytest.raises(DataFormatError, match=r"holds no \.html or \.htm file \(it holds docs/1"):
        read_corpus(path)


def test_a_duplicate_id_across_corpus_files_names_both(tmp_path: Path) -> None:
    _write(tmp_path / "docs" / "a.txt", ["Document  1", "first", STARS, "Document  2", "x", STARS])
    _write(tmp_path / "docs" / "b.txt", ["Document  3", "third", STARS, "Document  2", "y", STARS])
    source = LocalSource(
        name="blocks",
        corpus=str(tmp_path / "docs" / "*.txt"),
        queries=str(_tsv_topics(tmp_path)),
        qrels=str(_trec_qrels(tmp_path)),
    )
    with pytest.raises(DataFormatError) as info:
        source.load()
    assert (info.value.path, info.value.line_no) == (str(tmp_path / "docs" / "b.txt"), 4)
    assert f"document id '2' is also in {tmp_path / 'docs' / 'a.txt'} (line 4)" in (
        info.value.reason
    )


def test_corpus_list_and_glob_that_matches_nothing(tmp_path: Path) -> None:
    corpus = _tsv_corpus(tmp_path)
    extra = _write(tmp_path / "extra.tsv", ["99\tan extra document"])
    source = LocalSource(
        name="two",
        corpus=[str(corpus), str(extra)],
        queries=str(_tsv_topics(tmp_path)),
        qrels=str(_trec_qrels(tmp_path)),
    )
    assert list(source.load().corpus) == [*DOCS, "99"]
    with pytest.raises(DataFormatError, match=r"matches no file \(dataset.corpus"):
        LocalSource(
            name="none", corpus=str(tmp_path / "nope" / "*.txt"), queries="q", qrels="r"
        ).load()


@pytest.mark.parametrize(
    ("lines", "line_no", "words"),
    [
        (["Document  1", "text", "Document  2", "more", STARS], 3, "before the block"),
        (["Document  1", "text"], 1, "ends inside"),
        (["stray text", "Document  1", "text", STARS], 1, "outside a `Document <id>` block"),
    ],
)
def test_document_blocks_must_be_closed(
    tmp_path: Path, lines: list[str], line_no: int, words: str
) -> None:
    path = _write(tmp_path / "LISA0.001", lines)
    with pytest.raises(DataFormatError) as info:
        read_corpus(path, fmt="document_blocks")
    assert info.value.line_no == line_no
    assert words in info.value.reason
