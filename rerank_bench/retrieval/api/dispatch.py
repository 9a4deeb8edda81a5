"""Running batches of API requests concurrently without losing or misplacing any result.

Two rules make a paid run safe to interrupt: each finished batch is handed to ``on_done`` (which
caches it) in the caller's thread as soon as it completes, and the first failure cancels the
batches not yet started, lets the ones in flight finish (and be cached), then re-raises. A batch
the provider calls too large is split in halves and retried, recursively, down to one input.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from typing import TypeVar

from rerank_bench.retrieval.api.errors import ApiBatchTooLargeError, ApiRequestError
from rerank_bench.retrieval.api.providers import Usage

__all__ = ["call_splitting", "merge_usage", "run_batches"]

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")
B = TypeVar("B")
O = TypeVar("O")  # noqa: E741


def merge_usage(first: Usage, second: Usage) -> Usage:
    """Sum two usages; a count unknown in either part is unknown in the sum."""

    def _add(a: int | None, b: int | None) -> int | None:
        return None if a is None or b is None else a + b

    return Usage(_add(first.tokens, second.tokens), _add(first.search_units, second.search_units))


def call_splitting(
    items: Sequence[T], call: Callable[[Sequence[T]], tuple[list[R], Usage]]
) -> tuple[list[R], Usage]:
    """``call(items)``; when the provider says the batch is too large, split it and retry.

    Args:
        items: the inputs of one request.
        call: sends one request and returns one result per input, aligned, plus its usage.

    Returns:
        One result per item, in order, and the summed usage.

    Raises:
        ApiRequestError: a single input is too large by itself (the message says how to fix it).
    """
    try:
        return call(items)
    except ApiBatchTooLargeError as exc:
        if len(items) <= 1:
            raise ApiRequestError(
                exc.provider,
                exc.status,
                exc.provider_message,
                "a single input exceeds the provider's limit: enable truncation (where the "
                "provider offers it) or shorten the text.",
            ) from None
        middle = len(items) // 2
        log.info("%s: batch of %d too large, splitting in two", exc.provider, len(items))
        left, left_usage = call_splitting(items[:middle], call)
        right, right_usage = call_splitting(items[middle:], call)
        return left + right, merge_usage(left_usage, right_usage)


def run_batches(
    batches: Sequence[B],
    work: Callable[[B], O],
    on_done: Callable[[B, O], None],
    concurrency: int,
) -> None:
    """Run ``work`` on every batch with ``concurrency`` threads; ``on_done`` in this thread.

    Args:
        batches: the units of work.
        work: runs in a worker thread (sends the request, parses the answer).
        on_done: runs in the calling thread for each success, in completion order (caches it).
        concurrency: requests in flight.

    Raises:
        Exception: the first error of ``work`` or ``on_done``, after the batches already in flight
            have finished and been handed to ``on_done``.
    """
    if concurrency <= 1:
        for batch in batches:
            on_done(batch, work(batch))
        return
    first_error: BaseException | None = None
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="api") as pool:
        futures: dict[Future[O], B] = {pool.submit(work, batch): batch for batch in batches}
        try:
            for future in as_completed(futures):
                if future.cancelled():
                    continue
                try:
                    on_done(futures[future], future.result())
                except Exception as exc:  # keep draining what is in flight, then raise
                    if first_error is None:
                        first_error = exc
                        for pending in futures:
                            pending.cancel()
        except BaseException:
            for pending in futures:
                pending.cancel()
            raise
    if first_error is not None:
        raise first_error
