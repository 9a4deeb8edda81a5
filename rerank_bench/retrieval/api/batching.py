"""Cutting inputs into requests that respect a provider's item and token limits.

Providers cap a request by items (OpenAI 2048 inputs, Cohere 96 texts, Voyage 1000) and by tokens
(OpenAI 300k per request, Voyage 120k-1M depending on the model). We have no tokenizer for their
models offline, so tokens are estimated cheaply and on the high side; a batch that is still too
large is split when the provider says so (see :mod:`rerank_bench.retrieval.api.dispatch`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["estimate_tokens", "make_batches"]


def estimate_tokens(text: str) -> int:
    """A cheap, deliberately generous token count for BPE tokenizers.

    The maximum of UTF-8 bytes / 4 (about one token per 4 characters of English, and it grows for
    scripts whose characters take several bytes) and 4/3 tokens per whitespace word, plus 10%.

    Args:
        text: the input text.

    Returns:
        At least 1.
    """
    by_bytes = len(text.encode("utf-8")) / 4.0
    by_words = len(text.split()) * 4.0 / 3.0
    return max(1, math.ceil(max(by_bytes, by_words) * 1.1))


def make_batches(
    token_counts: Sequence[int], max_items: int, max_tokens: int | None = None
) -> list[list[int]]:
    """Group consecutive positions into batches of at most ``max_items`` and ``max_tokens``.

    Args:
        token_counts: the (estimated) tokens of each input, in order.
        max_items: the most inputs per request (at least 1).
        max_tokens: the token budget per request, or ``None`` for none. An input that alone
            exceeds it goes in a batch of its own (the provider truncates it or says why not).

    Returns:
        Lists of positions into ``token_counts``; together they hold every position once, in order.

    Raises:
        ValueError: ``max_items`` or ``max_tokens`` is not positive.
    """
    if max_items < 1:
        raise ValueError(f"make_batches: max_items must be >= 1, got {max_items}.")
    if max_tokens is not None and max_tokens < 1:
        raise ValueError(f"make_batches: max_tokens must be >= 1 or None, got {max_tokens}.")
    batches: list[list[int]] = []
    current: list[int] = []
    used = 0
    for position, tokens in enumerate(token_counts):
        over_tokens = max_tokens is not None and used + tokens > max_tokens
        if current and (len(current) >= max_items or over_tokens):
            batches.append(current)
            current, used = [], 0
        current.append(position)
        used += tokens
    if current:
        batches.append(current)
    return batches
