"""The command line: subcommands parse, dispatch to library code, and stay quick to start."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
    for command in ("run", "table", "reproduce", "ui", "datasets", "api-cache"):
        assert command in done.stdout
    imported = {
        line.rsplit("|", 1)[-1].strip().split(".")[0]
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert "rerank_bench" in imported, "the import list was read"
    assert sorted(imported & set(HEAVY)) == []


def test_datasets_lists_the_configs(capsys) -> None:
    assert main(["datasets"]) == 0
    out = capsys.readouterr().out
    for name in ("helpdesk", "scifact", "dl19", "cranfield", "med", "vaswani", "local"):
        assert any(line.split()[0] == name for line in out.splitlines())


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
