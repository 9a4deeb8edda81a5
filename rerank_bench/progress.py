"""One progress display per long stage: a bar on a terminal, and one summary line in the log.

Why: a stage (re-ranking a run, encoding a corpus) computes in chunks, so that an interrupted job
keeps what it finished (the score cache persists a chunk of pairs at a time, corpus embeddings a
chunk of documents), and inside a chunk a two-tower ranker encodes queries and passages apart.
A bar per engine call restarted for every chunk and side, counted texts, and gave no overall rate
or ETA. Here the code that knows how much work a stage has opens one display for all of it,
counted in what a reader counts (pairs, documents); the engine advances it batch by batch,
converting its own inputs (pairs or texts) into that unit within the chunk it works on.

Bars go to stderr, and only to a terminal (or a notebook): in a log file or a pipe a refreshed bar
is a heap of carriage-return fragments. The summary line is written either way.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections.abc import Iterator
from typing import Any

from tqdm.auto import tqdm

__all__ = ["PROGRESS_LOGGERS", "Progress", "show_progress_lines"]

log = logging.getLogger(__name__)


class Progress:
    """The progress of one stage of ``total`` units (pairs, documents), computed in chunks.

    The owner of the work opens it with :meth:`stage`; inside, each chunk of units is computed in
    a :meth:`chunk` block, and the engine reports finished inputs with :meth:`advance`. A chunk
    whose inputs are not its units (the unique texts of a chunk of pairs) says how many there are
    with :meth:`expect`, so the display moves smoothly within the chunk and stands exactly at the
    chunk's end when it is done.

    Args:
        desc: label of the bar and of the summary line (a ranker's name).
        unit: what the stage counts (``pair``, ``doc``, ``text``).
        enabled: report the stage (``InferenceSettings.show_progress``): a bar where stderr is a
            terminal, and the summary line at INFO; otherwise the summary line goes to DEBUG, so
            work done on the side (validation during training) stays out of the log.
    """

    def __init__(self, desc: str, unit: str = "pair", enabled: bool = True) -> None:
        self.desc = desc
        self.unit = unit
        self.enabled = enabled
        self.done = 0.0
        """Units computed so far (fractional inside a chunk)."""
        self._bar: Any = None
        self._total = 0
        self._started = 0.0
        self._shown = 0
        self._chunk_start = 0.0
        self._chunk_end = math.inf
        self._per_input = 1.0

    @contextlib.contextmanager
    def stage(self, total: int) -> Iterator[Progress]:
        """Show the stage's ``total`` units while the block runs; on success, log one line.

        The bar appears when the engine starts its first batch (:meth:`begin`), so that what
        comes before (loading the model, its log lines, transformers' own bars) neither tears it
        up nor counts in its rate; the summary line uses the same clock. A stage with nothing to
        compute (served from a cache, which says so in its own line) shows no bar and logs no
        summary.
        """
        self._total = total
        try:
            yield self
        finally:
            if self._bar is not None:
                self._bar.close()
        seconds = time.perf_counter() - self._started
        if self.done:
            rate = self.done / seconds if seconds > 0 else math.inf
            log.log(
                logging.INFO if self.enabled else logging.DEBUG,
                "%s: %d %ss in %.1f s (%.1f %ss/s)",
                self.desc, round(self.done), self.unit, seconds, rate, self.unit,
            )

    @contextlib.contextmanager
    def chunk(self, units: int) -> Iterator[None]:
        """Compute the next ``units`` of the stage in this block; inputs count one unit each
        unless :meth:`expect` says otherwise."""
        self._chunk_start, self._chunk_end, self._per_input = self.done, self.done + units, 1.0
        yield
        self._move_to(self._chunk_end)
        self._chunk_end, self._per_input = math.inf, 1.0

    def expect(self, inputs: int) -> None:
        """The current chunk runs ``inputs`` engine inputs in all (e.g. the unique queries and
        passages of a chunk of pairs), so each stands for ``units / inputs`` of its units."""
        if inputs > 0 and math.isfinite(self._chunk_end):
            self._per_input = (self._chunk_end - self._chunk_start) / inputs

    def begin(self) -> None:
        """Start the display and its clock, if not started (the engine calls this right before
        its first batch)."""
        if self._bar is None:
            self._started = time.perf_counter()
            self._bar = tqdm(
                total=self._total, desc=self.desc, unit=self.unit, mininterval=1.0,
                smoothing=0.0, dynamic_ncols=True,
                disable=None if self.enabled and self._total else True,  # None: terminals only
            )

    def advance(self, inputs: int) -> None:
        """Count ``inputs`` finished engine inputs (the engine calls this after each batch)."""
        self._move_to(min(self.done + inputs * self._per_input, self._chunk_end))

    def _move_to(self, done: float) -> None:
        self.done = done
        whole = int(done)
        if whole > self._shown:
            self.begin()
            self._bar.update(whole - self._shown)
            self._shown = whole


PROGRESS_LOGGERS = ("rerank_bench.progress", "rerank_bench.training.callbacks")
"""The loggers whose INFO lines say how a long stage goes: stage summaries and validations."""


def show_progress_lines() -> None:
    """Print the progress loggers' INFO lines on stderr when nothing configured logging.

    A command outside Hydra (``reproduce``) has no log handler, so Python shows warnings only and
    a reproduction trained for minutes in silence; Hydra's jobs log everything already.
    """
    if logging.getLogger().handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("  %(message)s"))
    for name in PROGRESS_LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO)
        logger.addHandler(handler)
