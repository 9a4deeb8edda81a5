"""Dataset sources and conf/dataset: compose with Hydra, instantiate, load, and pin the records.

Every offline config is composed from ``config.yaml`` exactly as ``rerank-bench run dataset=NAME``
does and loaded from the real shared data; each pins its counts plus first, middle and last
document, topic and judgment. Constructors must do no I/O and importing the package must open no
file (checked in a fresh interpreter with ``open`` patched to fail).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate
from omegaconf.errors import MissingMandatoryValue

from rerank_bench.data.records import Dataset, Doc, Qrel, Query
from rerank_bench.data.sources import (
    BeirSource,
    DatasetSource,
    IrDatasetsSource,
    LocalSource,
    dataset_stats,
    resolve_path,
)
from rerank_bench.errors import ConfigError, DataFormatError

OFFLINE = ["scifact", "dl19", "dl19_tiny", "cranfield", "med", "vaswani"]
IRDS = ["msmarco_dev", "msmarco_passage", "dl19_irds", "dl20_irds", "beir"]


def _compose(repo_root: Path, name: str, *overrides: str) -> Any:
    with initialize_config_dir(str(repo_root / "conf"), version_base="1.3"):
        return compose(config_name="config", overrides=[f"dataset={name}", *overrides])


def _source(repo_root: Path, data_root: Path, name: str, *overrides: str) -> DatasetSource:
    cfg = _compose(repo_root, name, f"paths.data={data_root}", *overrides)
    source = instantiate(cfg.dataset)
    assert isinstance(source, DatasetSource)
    return source


def test_every_dataset_config_is_listed_here(repo_root: Path) -> None:
    names = {path.stem for path in (repo_root / "conf" / "dataset").glob("*.yaml")}
    assert names - {"helpdesk", "scifact_titles"} == set(OFFLINE) | set(IRDS) | {"local"}


@pytest.mark.parametrize("name", OFFLINE + IRDS)
def test_configs_instantiate_without_touching_files(repo_root: Path, name: str) -> None:
    """Composing and instantiating reads nothing: a data root that does not exist is fine."""
    cfg = _compose(repo_root, name, "paths.data=/nonexistent/rerank-bench-data")
    assert cfg.dataset._target_.startswith("rerank_bench.data.sources.")
    source = instantiate(cfg.dataset)
    assert source.name == cfg.dataset.name
    assert source.eval_split in source.split_names()
    assert source.rel_level == (2 if name.startswith("dl") else 1)


def test_local_config_requires_its_files(repo_root: Path) -> None:
    cfg = _compose(repo_root, "local")
    with pytest.raises(MissingMandatoryValue):
        instantiate(cfg.dataset)


# Pins: (docs, {split: (topics, judgments)}, [first, middle, last] (doc_id, title[:30],
# text[:40], len(text)), {split: [first, middle, last] topics}, {split: [first, middle, last]
# judgments in file order}).
PINS: dict[str, dict[str, Any]] = {
    "scifact": {
        "docs": 5183,
        "splits": {"test": (300, 339), "train": (809, 919)},
        "doc_pins": [
            (
                "4983",
                "Microstructural development of",
                "Alterations of the architecture of cereb",
                1809,
            ),
            ("16119973", "Article", "IBD is characterized by uncontrolled imm", 1571),
            (
                "198309074",
                "Adhesion molecules and chemoki",
                "Introduction: Among the inflammatory med",
                1681,
            ),
        ],
        "topics": {
            "test": [
                ("1", "0-dimensional biomaterials show inductive properties."),
                ("702", "Localization of PIN1 in the roots of Arabidopsis does not require VPS9a"),
                (
                    "1395",
                    "p16INK4A accumulation is linked to an abnormal wound response caused by the "
                    "microinvasive step of advanced Oral Potentially Malignant Lesions (OPMLs).",
                ),
            ],
            "train": [
                ("0", "0-dimensional biomaterials lack inductive properties."),
                (
                    "687",
                    "Lamins are found within the inner layer of the nuclear membrane of all cells.",
                ),
                ("1407", "β1/Ketel is able to bind microtubules."),
            ],
        },
        "qrels": {
            "test": [("1", "31715818", 1), ("693", "24088502", 1), ("1395", "17717391", 1)],
            "train": [("0", "31715818", 1), ("713", "18421962", 1), ("1407", "29863668", 1)],
        },
    },
    "dl19": {
        "docs": 14581,
        "splits": {"test": (43, 9260)},
        "doc_pins": [
            ("421", "", "Wi-Fi or WiFi (/Ë\x88waÉª faÉª/) is a techn", 208),  # mojibake kept
            ("4438807", "", "Is a very nice feature that comes in And", 360),
            ("8839920", "", "Weather In Ocho Rios Jamaica - Spring (M", 252),
        ],
        "topics": {
            "test": [
                ("19335", "anthropological definition of environment"),
                ("527433", "types of dysarthria from cerebral palsy"),
                ("1133167", "how is the weather in jamaica"),
            ]
        },
        "qrels": {
            "test": [("19335", "1017759", 0), ("527433", "7252840", 0), ("1133167", "977421", 0)]
        },
    },
    "dl19_tiny": {
        "docs": 215,
        "splits": {"test": (10, 202)},
        "doc_pins": [
            ("1726", "", "Biological Anthropology. The graduate pr", 337),
            ("5147527", "", "2) Synaptic Cleft: This is the narrow ga", 556),
            ("8819116", "", "Suicide surpassed war as the military's ", 333),
        ],
        "topics": {
            "test": [
                ("19335", "anthropological definition of environment"),
                ("130510", "definition declaratory judgment"),
                ("156493", "do goldfish grow"),
            ]
        },
        "qrels": {
            "test": [("19335", "1726", 0), ("130510", "1494930", 1), ("156493", "994486", 2)]
        },
    },
    "cranfield": {
        "docs": 1400,
        "splits": {"test": (225, 1837)},
        "doc_pins": [
            (
                "1",
                "experimental investigation of ",
                "experimental investigation of the aerody",
                910,
            ),
            (
                "701",
                "numerical determination of ind",
                "numerical determination of indical lift ",
                1733,
            ),
            (
                "1400",
                "the buckling shear stress of s",
                "the buckling shear stress of simply-supp",
                666,
            ),
        ],
        "topics": {
            "test": [
                (
                    "1",
                    "what similarity laws must be obeyed when constructing aeroelastic models of "
                    "heated high speed aircraft .",
                ),
                (
                    "113",
                    "what data exists on oscillatory aerodynamic forces on control surfaces at "
                    "transonic mach numbers .",
                ),
                (
                    "225",
                    "what design factors can be used to control lift-drag ratios at mach numbers "
                    "above 5 .",
                ),
            ]
        },
        # cranqrel codes 2, 3, 1 become grades 3, 2, 4 (higher = more relevant)
        "qrels": {"test": [("1", "184", 3), ("115", "878", 2), ("225", "1188", 4)]},
    },
    "med": {
        "docs": 1033,
        "splits": {"test": (30, 696)},
        "doc_pins": [
            ("1", "", "correlation between maternal and fetal p", 634),
            ("517", "", "1577. mode of action of selenium in rela", 1272),
            ("1033", "", "hemorrhagic episodes in hemophilia: a 5-", 2138),
        ],
        "topics": {
            "test": [
                ("1", "the crystalline lens in vertebrates, including humans."),
                (
                    "16",
                    "separation anxiety in infancy (i.e. up to two years of age) and in preschool "
                    "children, particularly separation of a child from its mother.",
                ),
                (
                    "30",  # from MED.QRY.q30-supplement
                    "hemophilia and christmas disease, especially in regard to the specific "
                    "complication of pseudotumor formation (occurrence, pathogenesis, treatment, "
                    "prognosis).",
                ),
            ]
        },
        "qrels": {"test": [("1", "13", 1), ("18", "519", 1), ("30", "1033", 1)]},
    },
    "vaswani": {
        "docs": 11429,
        "splits": {"test": (93, 2083)},
        "doc_pins": [
            ("1", "", "compact memories have flexible capacitie", 146),
            ("5715", "", "world wide diurnal variations in the f r", 483),
            ("11429", "", "pattern detection and recognition  both ", 255),
        ],
        "topics": {
            "test": [
                (
                    "1",
                    "MEASUREMENT OF DIELECTRIC CONSTANT OF LIQUIDS BY THE USE OF MICROWAVE "
                    "TECHNIQUES",
                ),
                ("47", "INFORMATION ON THE DESIGN OF LOW DRIFT TRANSISTOR AMPLIFIERS"),
                (
                    "93",
                    "HIGH FREQUENCY OSCILLATORS USING TRANSISTORS THEORETICAL TREATMENT AND "
                    "PRACTICAL CIRCUIT DETAILS",
                ),
            ]
        },
        "qrels": {"test": [("1", "1239", 1), ("41", "8818", 1), ("93", "11318", 1)]},
    },
}


def _ends(items: list[Any]) -> list[Any]:
    return [items[0], items[len(items) // 2], items[-1]]


@pytest.mark.parametrize("name", OFFLINE)
def test_offline_dataset_loads_with_pinned_records(
    repo_root: Path, data_root: Path, name: str
) -> None:
    source = _source(repo_root, data_root, name)
    dataset = source.load()
    pins = PINS[name]
    assert isinstance(dataset, Dataset)
    assert dataset.name == name
    assert dataset.rel_level == source.rel_level
    assert len(dataset.corpus) == pins["docs"]
    docs = _ends(list(dataset.corpus.values()))
    assert [(d.doc_id, d.title[:30], d.text[:40], len(d.text)) for d in docs] == pins["doc_pins"]
    assert {
        split_name: (len(split.queries), sum(len(docs) for docs in split.qrels.values()))
        for split_name, split in dataset.splits.items()
    } == pins["splits"]
    for split_name, split in dataset.splits.items():
        assert _ends(list(split.queries.items())) == pins["topics"][split_name]
        judgments = [(q, d, g) for q, docs in split.qrels.items() for d, g in docs.items()]
        assert _ends(judgments) == pins["qrels"][split_name]
        assert set(split.queries) == set(split.qrels)  # every topic judged, every judged topic kept
        assert split.rel_level == source.rel_level  # the split carries its relevance level
    assert source.load() is dataset  # memoized


def test_beir_folder_source(tiny_data: Path) -> None:
    source = BeirSource(name="tiny", path=str(tiny_data / "beir"))
    dataset = source.load()
    assert len(dataset.corpus) == 12
    assert sorted(dataset.splits) == ["test", "train"]
    assert list(dataset.split("test").queries) == ["1", "2", "3", "4"]
    assert dataset.split("train").qrels == {"5": {"108": 2, "106": 1}, "6": {"109": 2}}
    only_test = BeirSource(
        name="tiny", path=str(tiny_data / "beir"), splits="test", train_split=None
    )
    assert list(only_test.load().splits) == ["test"]


def test_record_iterators_and_stats(tiny_data: Path) -> None:
    source = LocalSource(
        name="tiny",
        corpus=str(tiny_data / "docs.trec"),
        queries=str(tiny_data / "topics.trec"),
        qrels=str(tiny_data / "qrels.trec"),
        topic_field="desc",
        rel_level=2,
    )
    docs = list(source.iter_docs())
    assert len(docs) == 12 and docs[0] == Doc(
        "101",
        "Remove the wheel, lever the tyre off the rim, find the puncture and patch the inner tube.",
        "Fixing a flat tyre",
    )
    queries = list(source.iter_queries())
    assert queries[3] == Query("4", "Removing mineral deposits from kitchen appliances.")
    assert list(source.iter_qrels())[:2] == [Qrel("1", "101", 2), Qrel("1", "110", 1)]
    assert dataset_stats(source.load()) == {
        "docs": 12,
        "test/queries": 6,
        "test/judgments": 12,
        "test/relevant": 6,
        "test/judged_not_in_corpus": 0,
    }


def test_dl19_pool_stats(repo_root: Path, data_root: Path) -> None:
    stats = dataset_stats(_source(repo_root, data_root, "dl19").load())
    assert stats == {
        "docs": 14581,
        "test/queries": 43,
        "test/judgments": 9260,
        "test/relevant": 2501,  # grade >= 2 (rel_level 2)
        "test/judged_not_in_corpus": 4923,  # the pool holds text for 4,337 judged pairs
    }


def test_missing_file_names_the_config_key(repo_root: Path, tmp_path: Path) -> None:
    source = _source(repo_root, tmp_path / "no-data-here", "vaswani")
    with pytest.raises(DataFormatError) as info:
        source.load()
    assert info.value.path == str(
        tmp_path / "no-data-here" / "vaswani" / "corpus" / "doc-text.trec"
    )
    assert "dataset.corpus" in info.value.reason
    assert "RERANK_BENCH_DATA" in info.value.fix


def test_package_paths_resolve_inside_the_installed_package(repo_root: Path) -> None:
    assert resolve_path("pkg:rerank_bench.data/records.py") == (
        repo_root / "rerank_bench" / "data" / "records.py"
    )
    assert resolve_path("~/x") == Path.home() / "x"
    with pytest.raises(ConfigError, match="not importable"):
        resolve_path("pkg:no_such_package_xyz/data")
    source = BeirSource(name="nowhere", path="pkg:rerank_bench.data/no-such-folder")
    with pytest.raises(DataFormatError) as info:
        source.load()
    assert info.value.path == str(repo_root / "rerank_bench" / "data" / "no-such-folder")


def test_missing_split_is_a_config_error_listing_the_available(tiny_data: Path) -> None:
    source = BeirSource(name="tiny", path=str(tiny_data / "beir"), dev_split="dev")
    with pytest.raises(ConfigError, match="no split 'dev'; available: test, train"):
        source.load()


@pytest.mark.parametrize(
    ("corpus", "queries"),
    [
        ("docs.tsv", "queries.tsv"),
        ("beir/corpus.jsonl", "beir/queries.jsonl"),
        ("docs.trec", "topics.trec"),
        ("docs.smart", "queries.smart"),
    ],
)
def test_local_config_from_the_command_line(
    repo_root: Path, tiny_data: Path, corpus: str, queries: str
) -> None:
    cfg = _compose(
        repo_root,
        "local",
        f"dataset.corpus={tiny_data / corpus}",
        f"dataset.queries={tiny_data / queries}",
        f"dataset.qrels={tiny_data / 'qrels.trec'}",
        "dataset.name=tiny",
    )
    dataset = instantiate(cfg.dataset).load()
    assert dataset.name == "tiny"
    assert len(dataset.corpus) == 12
    assert list(dataset.splits) == ["test"]
    assert len(dataset.split("test").queries) == 6
    assert dataset.split("test").qrels["3"] == {"105": 2, "111": 1, "106": 0}


def test_local_source_with_one_qrels_file_per_split(repo_root: Path, tiny_data: Path) -> None:
    beir = tiny_data / "beir" / "qrels"
    cfg = _compose(
        repo_root,
        "local",
        f"dataset.corpus={tiny_data / 'docs.tsv'}",
        f"dataset.queries={tiny_data / 'queries.tsv'}",
        f"dataset.qrels={{train: '{beir / 'train.tsv'}', test: '{beir / 'test.tsv'}'}}",
        "dataset.train_split=train",
    )
    dataset = instantiate(cfg.dataset).load()
    assert list(dataset.split("train").queries) == ["5", "6"]
    assert list(dataset.split("test").queries) == ["1", "2", "3", "4"]


def test_qrels_judging_a_missing_topic_is_an_error(data_root: Path) -> None:
    """MED without its query-30 supplement: query 30 would silently score zero."""
    med = data_root / "med"
    if not med.is_dir():
        pytest.skip(f"{med} not found")
    source = LocalSource(
        name="med",
        corpus=str(med / "MED.ALL"),
        queries=str(med / "MED.QRY"),
        qrels=str(med / "MED.REL"),
        train_split=None,
    )
    with pytest.raises(DataFormatError) as info:
        source.load()
    assert info.value.path == str(med / "MED.REL")
    assert info.value.line_no == 683  # first judgment of query 30
    assert "'30'" in info.value.reason


def test_duplicate_topics_across_files_are_an_error(tiny_data: Path) -> None:
    source = LocalSource(
        name="tiny",
        corpus=str(tiny_data / "docs.tsv"),
        queries=[str(tiny_data / "queries.tsv"), str(tiny_data / "queries.smart")],
        qrels=str(tiny_data / "qrels.trec"),
    )
    with pytest.raises(DataFormatError, match="also in an earlier topics file"):
        source.load()


# ------------------------------------------------------------------------------------------------
# ir_datasets (offline: a locally registered dataset works; download ids fail with a clear error)
# ------------------------------------------------------------------------------------------------


def test_ir_datasets_source_reads_a_registered_local_dataset(
    tmp_path: Path, tiny_data: Path
) -> None:
    ir_datasets = pytest.importorskip("ir_datasets")
    docs = tmp_path / "docs.tsv"  # ir_datasets' TSV docs are `id<TAB>text`
    docs.write_text(
        "".join(
            f"{doc_id}\t{text}\n"
            for doc_id, _, text in (
                line.split("\t") for line in (tiny_data / "docs.tsv").read_text().splitlines()
            )
        ),
        encoding="utf-8",
    )
    shutil.copy(tiny_data / "queries.tsv", tmp_path / "queries.tsv")
    shutil.copy(tiny_data / "qrels.trec", tmp_path / "qrels.trec")
    irds_id = f"rerank-bench-test/tiny-{uuid.uuid4().hex[:8]}"
    ir_datasets.registry.register(
        irds_id,
        ir_datasets.create_dataset(
            docs_tsv=str(docs),
            queries_tsv=str(tmp_path / "queries.tsv"),
            qrels_trec=str(tmp_path / "qrels.trec"),
        ),
    )
    source = IrDatasetsSource(name="tiny", splits={"test": f"irds:{irds_id}"}, train_split=None)
    dataset = source.load()
    assert len(dataset.corpus) == 12
    assert dataset.corpus["101"].text.startswith("Remove the wheel")
    assert dataset.split("test").queries["2"] == "my gears skip when shifting"
    assert dataset.split("test").qrels["1"] == {"101": 2, "110": 1, "112": 0}


def test_ir_datasets_unknown_id_suggests_close_ids() -> None:
    pytest.importorskip("ir_datasets")
    source = IrDatasetsSource(name="x", splits={"test": "irds:beir/scifact/tset"}, train_split=None)
    with pytest.raises(
        ConfigError, match="unknown ir_datasets id 'beir/scifact/tset'.*beir/scifact/test"
    ):
        source.load()


def _offline_env(tmp_path: Path) -> dict[str, str]:
    """An empty ir_datasets cache, and downloads sent to a proxy that refuses connections: offline
    on every machine (a connected one would otherwise start downloading MS MARCO)."""
    refused = "http://127.0.0.1:9"
    inherited = {k: v for k, v in os.environ.items() if k.lower() != "no_proxy"}
    return {**inherited, "IR_DATASETS_HOME": str(tmp_path / "irds"), "HTTPS_PROXY": refused,
            "HTTP_PROXY": refused, "IR_DATASETS_DL_TRIES": "1"}


def _run_offline(tmp_path: Path, code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=_offline_env(tmp_path), timeout=120)


OFFLINE_LOAD = """
import json
from rerank_bench.data.sources import IrDatasetsBeirSource, IrDatasetsSource
from rerank_bench.errors import ConfigError
out = []
for source in (
    IrDatasetsSource(name="dl19", splits={"test": "irds:msmarco-passage/trec-dl-2019/judged"}),
    IrDatasetsBeirSource(name="a", beir="arguana", train_split=None),
    IrDatasetsBeirSource(name="s", beir="scifact", train_split="train"),
    IrDatasetsBeirSource(name="n", beir="scifactt", train_split=None),
):
    try:
        source.load()
        out.append("loaded")
    except ConfigError as exc:
        out.append(str(exc))
print(json.dumps(out))
"""


def test_ir_datasets_offline_fails_with_an_actionable_config_error(tmp_path: Path) -> None:
    pytest.importorskip("ir_datasets")
    result = _run_offline(tmp_path, OFFLINE_LOAD)
    assert result.returncode == 0, result.stderr[-2000:]
    dl19, arguana, scifact, typo = json.loads(result.stdout.strip().splitlines()[-1])
    for message in (dl19, arguana, scifact):
        assert "could not read ir_datasets id" in message
        assert "network" in message and "IR_DATASETS_HOME" in message
    assert "'msmarco-passage/trec-dl-2019/judged'" in dl19
    # the file it could not fetch, and where a copy of it goes
    assert f"place these files there: {tmp_path / 'irds' / 'downloads'}/" in dl19
    assert "(a copy of https://" in dl19
    assert "'beir/arguana'" in arguana  # registered without a split suffix
    assert "'beir/scifact/" in scifact
    assert "no 'beir/scifactt/test'" in typo and "beir/scifact/test" in typo



def test_msmarco_passage_offline_fails_at_once_naming_the_files_it_expects(tmp_path: Path) -> None:
    env = {**_offline_env(tmp_path), "RERANK_BENCH_HOME": str(tmp_path / "state")}
    started = time.perf_counter()
    command = [sys.executable, "-m", "rerank_bench", "run", "dataset=msmarco_passage"]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 2, result.stderr[-2000:]
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith("rerank-bench: error: could not read ir_datasets id "
                            "'msmarco-passage/dev/small'")
    assert f"IR_DATASETS_HOME, now {tmp_path / 'irds'}" in error
    assert "collectionandqueries.tar.gz" in error and str(tmp_path / "irds" / "downloads") in error
    assert time.perf_counter() - started < 120  # no corpus to wait for: the first read fails


# ------------------------------------------------------------------------------------------------
# Importing the package opens nothing
# ------------------------------------------------------------------------------------------------

NO_OPEN_IMPORT = """
import builtins, io, sys

def refuse(*args, **kwargs):
    raise AssertionError(f"file opened at import: {args[:1]}")

builtins.open = refuse
io.open = refuse
import rerank_bench
import rerank_bench.data
import rerank_bench.data.sources
builtins.open = io.open = None
print("ir_datasets" in sys.modules, "hydra" in sys.modules)
"""


def test_importing_the_package_opens_no_file_and_no_ir_datasets(tmp_path: Path) -> None:
    result = _run_offline(tmp_path, NO_OPEN_IMPORT)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["False", "False"]
    assert not (tmp_path / "irds").exists()
