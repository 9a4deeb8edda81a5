"""``rerank-bench run``: every user error exits 2 with its message; a crash keeps exit 1.

Real subprocesses, because the exit status is the contract: CI and scripts tell "fix your
command" (2) from "rerank-bench failed" (1) by it, and Hydra exits 1 for both unless told apart.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def _run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``rerank-bench run ARGS`` in a subprocess with a private state folder."""
    env = {**os.environ, "RERANK_BENCH_HOME": str(home)}
    env.pop("HYDRA_FULL_ERROR", None)
    return subprocess.run(
        [sys.executable, "-m", "rerank_bench", "run", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize(
    ("args", "hydra_says", "we_say"),
    [
        (["retriever=bm26"], "Could not find 'retriever/bm26'", "--help` lists every group"),
        (["k=1=2"], "mismatched input", "--help` lists every group"),
        (["retriever.nam=bm25"], "Could not override 'retriever.nam'", "Use retriever.name=bm25"),
        (["--cfg", "job", "retriever.k=5"], "Could not override", "top-level setting: use k=5"),
    ],
)
def test_a_config_that_does_not_compose_exits_2_after_hydra_s_message(
    tmp_path: Path, args: list[str], hydra_says: str, we_say: str
) -> None:
    done = _run(tmp_path, *args)
    assert done.returncode == 2, done.stderr[-2000:]
    assert hydra_says in done.stderr  # Hydra's own report is kept
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("rerank-bench: error: ") and "Fix" in last and we_say in last


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["+retriever.k=1"], ["retriever.k", "BM25Retriever", "use k=1"]),
        (["retriever.method=foo"], ["retriever.method='foo'; choose one of lucene"]),
        (["retriever=run_file"], ["retriever.path has no value", "Fix: set retriever.path="]),
    ],
)
def test_a_config_a_class_refuses_exits_2_with_our_message(
    tmp_path: Path, args: list[str], words: list[str]
) -> None:
    done = _run(tmp_path, *args)
    assert done.returncode == 2, done.stderr[-2000:]
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("rerank-bench: error: ")
    for word in words:
        assert word in last
    assert "Traceback" not in done.stderr and "HYDRA_FULL_ERROR" not in done.stderr


def test_a_non_finite_score_in_a_run_file_exits_2_naming_file_and_line(tmp_path: Path) -> None:
    run = tmp_path / "run.trec"
    run.write_text("q-0001 Q0 kb-0005 1 2.5 x\nq-0001 Q0 kb-0008 2 nan x\n", encoding="utf-8")
    done = _run(tmp_path / "state", "retriever=run_file", f"retriever.path={run}")
    assert done.returncode == 2, done.stderr[-2000:]
    assert f"{run}:2: score 'nan' is not a finite number" in done.stderr
    assert not list((tmp_path / "state").glob("outputs/*/*/run.trec"))


def test_a_crashed_job_still_exits_1_with_its_traceback(tmp_path: Path) -> None:
    # a "retriever" without the Retriever methods: a bug, not a config the user can fix
    done = _run(tmp_path, "retriever._target_=collections.OrderedDict")
    assert done.returncode == 1
    assert "AttributeError" in done.stderr and "rerank-bench: error" not in done.stderr
