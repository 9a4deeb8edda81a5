"""The command line: subcommands parse, dispatch to library code, and stay quick to start."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from _tracking_helpers import log_run, store_uri

from rerank_bench.cli import main

HEAVY = ("torch", "transformers", "mlflow", "ranx", "hydra", "bm25s", "ir_datasets", "httpx")
"""Libraries that take seconds to import; printing help must not wait for any of them."""


def test_help_lists_every_command_and_imports_no_heavy_library() -> None:
    # -X importtime writes one stderr line per module the command imports: "... | name".
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "rerank_bench", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    for command in ("run", "table", "reproduce", "ui", "server", "datasets", "api-cache"):
        assert command in done.stdout
    imported = {
        line.rsplit("|", 1)[-1].strip().split(".")[0]
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert "rerank_bench" in imported, "the import list was read"
    assert sorted(imported & set(HEAVY)) == []


def _datasets(data: Path, irds_home: Path) -> tuple[str, dict[str, str]]:
    """``rerank-bench datasets`` with these data roots: its output and each dataset's status."""
    out = _rerank_bench(
        "datasets", RERANK_BENCH_DATA=str(data), IR_DATASETS_HOME=str(irds_home)
    ).stdout
    blocks = out.split("\n\n", 1)[1].splitlines()
    return out, {line.split()[0]: line.split()[1] for line in blocks if not line.startswith(" ")}


def _block(out: str, name: str) -> str:
    """The lines of one dataset: its status line and the files under it."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:1] == [name])
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].startswith(" ")), None)
    return "\n".join(lines[start:end])


def test_datasets_marks_each_present_or_missing_where_it_looks(
    tmp_path: Path, data_root: Path
) -> None:
    from rerank_bench.data.registry import list_datasets

    only_cranfield = tmp_path / "data"
    shutil.copytree(data_root / "cranfield", only_cranfield / "cranfield")
    empty_cache = tmp_path / "irds_empty"
    empty_cache.mkdir()
    out, status = _datasets(only_cranfield, empty_cache)
    assert f"paths.data: {only_cranfield} (RERANK_BENCH_DATA)" in out
    assert sorted(status) == list_datasets()
    assert status["cranfield"] == "present" and status["helpdesk"] == "present"
    for name in ("scifact", "dl19", "dl19_tiny", "med", "vaswani", "scifact_titles"):
        assert status[name] == "missing", name
    assert "scifact  (missing)" in _block(out, "scifact")  # relative to paths.data
    assert "med/MED.QRY.q30-supplement  (missing)" in _block(out, "med")
    assert "(missing)" not in _block(out, "cranfield")
    assert status["local"] == "args" and "dataset.corpus=..." in _block(out, "local")
    for name in ("dl19_irds", "dl20_irds", "msmarco_dev", "beir"):
        assert status[name] == "missing", name
        assert "fetched by ir_datasets on first use (needs network)" in _block(out, name)

    # the real shared data, and an ir_datasets cache holding TREC DL 2019's files
    cache = tmp_path / "irds"
    (cache / "msmarco-passage" / "trec-dl-2019").mkdir(parents=True)
    (cache / "msmarco-passage" / "trec-dl-2019" / "queries.tsv").write_text("19335\tq\n")
    out, status = _datasets(data_root, cache)
    for name in ("cranfield", "dl19", "dl19_tiny", "med", "scifact", "scifact_titles", "vaswani"):
        assert status[name] == "present", name
        assert "(missing)" not in _block(out, name)
    assert status["dl19_irds"] == "present" and "in ir_datasets' cache" in _block(out, "dl19_irds")
    assert status["dl20_irds"] == "missing"


def test_table_accepts_md_for_markdown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    uri, artifacts = store_uri(tmp_path)
    log_run(uri, artifacts, "fmt", "bm25", "helpdesk", {"ndcg@10": {"q1": 0.5, "q2": 1.0}})
    base = ["table", "--experiment", "fmt", "--tracking-uri", uri, "--metrics", "ndcg@10"]
    assert main([*base, "--format", "markdown"]) == 0
    markdown = capsys.readouterr().out
    assert main([*base, "--format", "md"]) == 0
    assert capsys.readouterr().out == markdown and "| bm25 |" in markdown
    with pytest.raises(SystemExit):
        main([*base, "--format", "mdx"])
    assert "invalid choice: 'mdx'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["table", "--help"])
    assert "md: markdown" in capsys.readouterr().out


def test_api_cache_export_import_roundtrip(tmp_path: Path, capsys) -> None:
    import numpy as np

    from rerank_bench.retrieval.api.cache import ApiCache, EmbeddingSpace

    space = EmbeddingSpace("openai", "text-embedding-3-small", "none", 0, "float", "none")
    source = ApiCache(tmp_path / "a.sqlite")
    source.put_embeddings(space, [("sha-1", np.array([0.1, 0.2])), ("sha-2", np.array([0.3, 0.4]))])
    source.close()
    exported = tmp_path / "shared.sqlite"
    assert main(["api-cache", "export", str(exported), "--cache", str(source.path)]) == 0
    target = tmp_path / "b.sqlite"
    assert main(["api-cache", "import", str(exported), "--cache", str(target)]) == 0
    out = capsys.readouterr().out
    assert "exported 2 entries" in out and "imported 2 new entries" in out
    got = ApiCache(target).get_embeddings(space, ["sha-1", "sha-2"])
    np.testing.assert_allclose(got["sha-2"], [0.3, 0.4])



CONF = Path(__file__).resolve().parent.parent / "conf"


def _comment_of(path: Path, line_start: str) -> str:
    """The comment of the first line of ``path`` starting with ``line_start``: the comment lines
    right above it, else the one beside it; what the configs say, read without the help builder."""
    lines = path.read_text(encoding="utf-8").splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith(line_start))
    block: list[str] = []
    for line in reversed(lines[:index]):
        if not line.strip().startswith("#"):
            break
        block.insert(0, line.strip().lstrip("#").strip())
    beside = lines[index].partition(" #")[2].strip()
    return " ".join(block) or beside


def _rerank_bench(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rerank_bench", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )


def test_run_help_teaches_every_group_and_key_from_the_yaml_comments(tmp_path: Path) -> None:
    out = _rerank_bench("run", "reranker=splade", "--help", RERANK_BENCH_HOME=str(tmp_path)).stdout
    flat = " ".join(out.split())  # the help wraps lines; the comments' words stay in order
    config = CONF / "config.yaml"
    for group in sorted(p.name for p in CONF.iterdir() if p.is_dir() and p.name != "hydra"):
        assert f"\n{group}: " in out or f"\n{group}:\n" in out, group
        for option in sorted(f.stem for f in (CONF / group).glob("*.yaml")):
            assert f" {option} " in flat, (group, option)
    for group in ("paths", "dataset", "retriever", "reranker", "train", "labels", "eval",
                  "tracking"):
        sentence = _comment_of(config, f"  - {group}:")
        assert sentence and f"{group}: {sentence}" in flat, group
    # each key with its default and its comment, as the YAML files say them now
    keys = {
        "tracking.reuse=sweeps": (CONF / "tracking" / "default.yaml", "reuse:"),
        "retriever.k1=0.9": (CONF / "retriever" / "bm25.yaml", "k1:"),
        "reranker.depth=100": (CONF / "reranker" / "bi_encoder.yaml", "depth:"),
        "seed=42": (config, "seed:"),
        "k=100": (config, "k:"),
        "system=null": (config, "system:"),
        "fuse=[]": (config, "fuse:"),
    }
    for key, (path, line_start) in keys.items():
        comment = _comment_of(path, line_start)
        assert comment and f"{key} {' '.join(comment.split())}" in flat, key
    assert "* splade " in flat and "* bm25 " in flat and "* none " not in flat  # this run's
    assert "rerank-bench run --multirun seed=1,2,3" in out  # the examples
    assert "Current config" in out and "name: splade_tiny" in out  # Hydra's composed config


def test_run_keeps_hydras_own_help_and_cfg(tmp_path: Path) -> None:
    home = str(tmp_path)
    assert "== Flags ==" in _rerank_bench("run", "--hydra-help", RERANK_BENCH_HOME=home).stdout
    job = _rerank_bench("run", "k=7", "--cfg", "job", RERANK_BENCH_HOME=home).stdout
    assert "\nk: 7\n" in job and "Config groups" not in job
