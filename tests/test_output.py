"""What long work prints: one progress display per stage (a bar on a terminal only, one summary
line in the log), one progress line per validation while training, and no library noise.

The bar tests run a real process with stderr on a pseudo-terminal, since whether a bar is drawn
depends on what stderr is attached to."""

from __future__ import annotations

import fcntl
import logging
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import numpy as np
import pytest
from _neural_helpers import tiny_bert
from test_pipeline_finetune import _train_overrides
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from rerank_bench.inference import InferenceSettings, ScoreCache, cached_scores, score_pairs
from rerank_bench.inference.tokenize import TruncationTally
from rerank_bench.progress import Progress
from rerank_bench.reranking.splade import SpladeReranker

CPU = InferenceSettings(max_length=32, query_max_length=8, batch_tokens=64, max_batch_size=4,
                        device="cpu")
QUERIES = [f"query {i} about {word}" for i, word in enumerate(["rain", "salt", "tide"])]
DOCS = [f"passage {j} on {word} and more" for j, word in enumerate(["rain", "ice", "sea", "sun"])]
PAIRS = [(q, d) for q in QUERIES for d in DOCS]  # 12 distinct pairs, 3 queries, 4 passages

_SPLADE_JOB = """
import logging, sys
from rerank_bench.inference import InferenceSettings
from rerank_bench.reranking.splade import SpladeReranker
logging.basicConfig(level=logging.INFO)
settings = InferenceSettings(max_length=32, query_max_length=8, batch_tokens=64, max_batch_size=2,
                             device="cpu", show_progress=sys.argv[2] == "1")
queries = [f"query {i} about {w}" for i, w in enumerate(["rain", "salt", "tide"]) for _ in range(4)]
docs = [f"passage {j} on {w} and more" for j, w in enumerate(["rain", "ice", "sea", "sun"])] * 3
SpladeReranker(sys.argv[1], inference=settings).score(queries, docs)
"""
"""SPLADE re-ranks 12 pairs (3 queries, 4 passages) in batches of 2 texts, so a bar per engine
call would show twice (queries, passages) and every batch moves it."""


@pytest.fixture(scope="module")
def splade_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_bert(tmp_path_factory.mktemp("tiny-splade"), kind="masked-lm", seed=4)


def _splade_job(folder: Path, show_progress: bool, terminal: bool) -> str:
    """Run :data:`_SPLADE_JOB` with stderr on a terminal or a pipe; what it wrote to stderr."""
    command = [sys.executable, "-c", _SPLADE_JOB, str(folder), "1" if show_progress else "0"]
    if not terminal:
        job = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True, timeout=300)
        assert job.returncode == 0, job.stderr
        return job.stderr
    main, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=child)
    os.close(child)
    written = bytearray()
    while True:
        try:
            data = os.read(main, 65536)
        except OSError:  # EIO: the process closed its end of the terminal
            break
        if not data:
            break
        written += data
    os.close(main)
    text = written.decode("utf-8", "replace").replace("\r\n", "\n")
    assert process.wait(timeout=300) == 0, text
    return text


def _our_bars(stderr: str) -> list[str]:
    """The final state of each progress bar in ``stderr`` (a bar is one line of refreshes),
    transformers' own "Loading weights" bar left out."""
    finals = [line.split("\r")[-1] for line in stderr.split("\n") if "%|" in line]
    return [bar for bar in finals if not bar.startswith("Loading weights")]


def test_splade_shows_one_bar_over_all_its_pairs_on_a_terminal(splade_folder: Path) -> None:
    (bar,) = _our_bars(_splade_job(splade_folder, show_progress=True, terminal=True))
    assert bar.startswith("splade: 100%|") and " 12/12 " in bar and "pair/s" in bar, bar


def test_no_bar_off_a_terminal_or_when_switched_off(splade_folder: Path) -> None:
    piped = _splade_job(splade_folder, show_progress=True, terminal=False)
    assert _our_bars(piped) == [] and "\r" not in piped.replace("Loading weights", "")
    assert re.search(r"INFO:rerank_bench.progress:splade: 12 pairs in [\d.]+ s \([\d.]+ pairs/s\)",
                     piped), piped
    assert _our_bars(_splade_job(splade_folder, show_progress=False, terminal=True)) == []


def test_a_stage_scored_in_chunks_is_one_stage(tmp_path: Path,
                                               caplog: pytest.LogCaptureFixture) -> None:
    """Chunks of 5 pairs (3 chunks for 12) advance one display to exactly the pairs computed and
    log one line; a second call served from the cache logs none."""
    folder = tiny_bert(tmp_path / "ce", seed=2)
    model = AutoModelForSequenceClassification.from_pretrained(str(folder)).eval()
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    progress = Progress("tiny", "pair", enabled=True)
    truncation = TruncationTally()  # what the re-rankers hand in, to log truncation once

    def compute(qs: list[str], ds: list[str]) -> np.ndarray:
        return score_pairs(model, tokenizer, qs, ds, CPU, truncation=truncation,
                           progress=progress)

    cache = ScoreCache(None, {"model": "tiny"})
    queries, docs = [q for q, _ in PAIRS], [d for _, d in PAIRS]
    with caplog.at_level(logging.INFO, logger="rerank_bench"):
        cached_scores(cache, queries, docs, compute, chunk_pairs=5, progress=progress)
        assert progress.done == len(PAIRS)
        cached_scores(cache, queries, docs, compute, chunk_pairs=5,
                      progress=Progress("tiny", "pair", enabled=True))
    lines = [r.getMessage() for r in caplog.records if r.name == "rerank_bench.progress"]
    assert len(lines) == 1 and lines[0].startswith("tiny: 12 pairs in "), lines
    assert not [r for r in caplog.records if r.name == "rerank_bench.inference.engine"
                and r.levelno >= logging.INFO]  # no line per chunk


def test_texts_of_a_two_tower_chunk_count_as_its_pairs(splade_folder: Path) -> None:
    """SPLADE encodes 3 queries and 4 passages for 12 pairs: the display ends at the 12 pairs."""
    reranker = SpladeReranker(str(splade_folder), inference=CPU)
    progress = Progress("splade", "pair", enabled=False)
    with progress.stage(len(PAIRS)), progress.chunk(len(PAIRS)):
        progress.expect(len(QUERIES) + len(DOCS))
        reranker.encode(QUERIES, "query", progress=progress)
        assert progress.done == pytest.approx(len(PAIRS) * 3 / 7)
        reranker.encode(DOCS, "doc", progress=progress)
    assert progress.done == len(PAIRS)


@pytest.mark.slow
def test_fine_tuning_prints_a_line_per_validation_and_no_library_noise(tmp_path: Path) -> None:
    """A tiny fine-tuning job through `rerank-bench run`: between the first and the last
    validation only the progress lines are printed, and the stage, from its first line to its
    last validation, stays short (what the job prints around it belongs to other stages)."""
    model = tiny_bert(tmp_path / "ce", num_labels=1, seed=1)
    env = {**os.environ, "RERANK_BENCH_HOME": str(tmp_path / "home")}
    env.pop("MLFLOW_TRACKING_URI", None)
    job = subprocess.run(
        [sys.executable, "-m", "rerank_bench", "run", *_train_overrides(model, 8),
         "train.stages.rank.patience=null", f"hydra.run.dir={tmp_path / 'job'}"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600,
    )
    assert job.returncode == 0, job.stdout
    output = job.stdout
    for noise in ("LeafSpec", "Writing model shards", "GPU available", "TPU available", "💡",
                  "estimate number of stepping batches"):
        assert noise not in output, noise
    lines = output.splitlines()
    progress = [i for i, line in enumerate(lines) if re.search(r"\] - step \d+/8 \| ", line)]
    steps = [lines[i].split("] - step ")[1].split("/")[0] for i in progress]
    assert steps == ["0", "2", "4", "6", "8"], "\n".join(lines)
    assert progress == list(range(progress[0], progress[-1] + 1)), "\n".join(lines)
    for i in progress[1:]:
        assert re.search(r"\| loss [\d.]+ \| dev ndcg@10 [\d.]+ \(best [\d.]+ at step \d+\) \| "
                         r"elapsed \d\d:\d\d, ETA \d\d:\d\d$", lines[i]), lines[i]
    start = next(i for i, line in enumerate(lines) if "] - stage rank (cross_encoder): " in line)
    assert progress[-1] - start + 1 <= 16, "\n".join(lines)  # 13 lines when this was written


@pytest.mark.slow
def test_a_reproduction_shows_training_progress_and_stays_short(tmp_path: Path) -> None:
    """`reproduce` (what `make demo` runs) prints each validation of a training and its verdict
    lines, and no library noise: a baseline plus a fine-tuning stays under 40 lines."""
    model = tiny_bert(tmp_path / "model")
    overrides = [o for o in _train_overrides(model, 4) if not o.startswith("dataset=")]
    spec = tmp_path / "experiments" / "tiny_out" / "spec.yaml"
    spec.parent.mkdir(parents=True)
    spec.write_text(
        "name: tiny_out\ndescription: a baseline and a tiny fine-tuning\n"
        "mlflow_experiment: tiny_out\nconditions:\n"
        "  - name: bm25\n    expected: {helpdesk: {ndcg_at_10: null}}\n"
        "  - name: tuned\n    overrides: [" + ", ".join(f'"{o}"' for o in overrides) + "]\n"
        "    expected: {helpdesk: {ndcg_at_10: null}}\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    env.update(RERANK_BENCH_HOME=str(tmp_path / "state"), HF_HUB_OFFLINE="1")
    done = subprocess.run([sys.executable, "-m", "rerank_bench", "reproduce", str(spec)],
                          env=env, capture_output=True, text=True, timeout=600)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    assert re.search(r"step 4/4 \| loss [\d.]+ \| dev ndcg@10", out), out
    for noise in ("LeafSpec", "Writing model shards", "Loading weights", "Downloading artifacts",
                  "UserWarning", "system metrics"):
        assert noise not in out, noise
    assert len(out.splitlines()) < 40, out
