"""Shared fixtures: where the repository and the real test collections are, and offline settings.

Why here: every test module needs the same answers (repo root, shared data root, tiny test
collection) and the same guarantees (no model hub, no ir_datasets download, a project-local numba
cache), set once before any test imports transformers or ranx.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent

# Offline first: hub ids must fail fast instead of trying the network.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
# ranx compiles numba kernels on first use; keep the cache in the project, not in site-packages.
os.environ.setdefault("NUMBA_CACHE_DIR", str(REPO_ROOT / ".cache" / "numba"))
# Runs time no serving cost unless a test asks (serving.queries=N): the timing adds seconds to
# every pipeline run and tests/test_serving.py covers it.
os.environ.setdefault("RERANK_BENCH_SERVING_QUERIES", "0")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository root (the folder holding ``pyproject.toml`` and ``conf/``)."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def data_root(repo_root: Path) -> Path:
    """The shared real collections (env ``RERANK_BENCH_DATA``, default ``../shared/data``).

    Tests that need them are skipped, not failed, on a machine without the shared data.
    """
    root = Path(os.environ.get("RERANK_BENCH_DATA", repo_root / ".." / "shared" / "data"))
    root = (repo_root / root).resolve() if not root.is_absolute() else root.resolve()
    if not root.is_dir():
        pytest.skip(f"shared data not found at {root} (set RERANK_BENCH_DATA)")
    return root


@pytest.fixture(scope="session")
def tiny_data(repo_root: Path) -> Path:
    """The tiny collection written for the tests, in every supported layout (tests/data)."""
    return repo_root / "tests" / "data"
