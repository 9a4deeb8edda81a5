"""How long to wait before retrying: provider rate-limit headers and jittered exponential backoff.

Providers say when to come back in different dialects: ``Retry-After`` (seconds or an HTTP date),
OpenAI's ``retry-after-ms`` and ``x-ratelimit-reset-requests`` / ``x-ratelimit-reset-tokens`` in Go
duration syntax (``1s``, ``6m0s``, ``20ms``). Honouring them is both polite and faster than
guessing; backoff with jitter is the fallback, so that many workers hit by the same 429 do not
retry in step.
"""

from __future__ import annotations

import email.utils
import random
import re
import time
from collections.abc import Mapping

__all__ = ["backoff_seconds", "parse_duration", "retry_after_seconds"]

_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")


def parse_duration(text: str) -> float | None:
    """Parse a Go-style duration (``1s``, ``6m0s``, ``1h2m3.5s``, ``20ms``) or plain seconds.

    Args:
        text: the header value.

    Returns:
        Seconds (never negative), or ``None`` when ``text`` is not a duration.
    """
    text = text.strip()
    if not text:
        return None
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    position, total = 0, 0.0
    for match in _PART.finditer(text):
        if match.start() != position:
            return None
        total += float(match.group(1)) * _UNITS[match.group(2)]
        position = match.end()
    if position != len(text):
        return None
    return total


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """The wait a 429/503 response asks for, or ``None`` when it names none.

    ``retry-after-ms`` and ``Retry-After`` win when present (they answer this request); otherwise
    the longest of ``x-ratelimit-reset-requests`` and ``x-ratelimit-reset-tokens``, since both
    budgets must have refilled before the request can pass.

    Args:
        headers: response headers (a case-insensitive mapping such as ``httpx.Headers``, or a dict
            with lower-case names).
        now: the current Unix time, for HTTP-date values (defaults to ``time.time()``).
    """
    lowered = {key.lower(): value for key, value in headers.items()}
    if "retry-after-ms" in lowered:
        try:
            return max(0.0, float(lowered["retry-after-ms"]) / 1000.0)
        except ValueError:
            pass
    if "retry-after" in lowered:
        value = lowered["retry-after"].strip()
        seconds = parse_duration(value)
        if seconds is not None:
            return seconds
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            moment = None
        if moment is not None:
            return max(0.0, moment.timestamp() - (time.time() if now is None else now))
    resets = [
        parse_duration(lowered[name])
        for name in ("x-ratelimit-reset-requests", "x-ratelimit-reset-tokens")
        if name in lowered
    ]
    known = [seconds for seconds in resets if seconds is not None]
    return max(known) if known else None


def backoff_seconds(
    attempt: int, base_s: float, max_s: float, rng: random.Random | None = None
) -> float:
    """Exponential backoff with "equal jitter": uniform in ``[d/2, d]``, ``d = min(max, base*2^n)``.

    Args:
        attempt: 0 for the first retry.
        base_s: the first delay.
        max_s: the cap.
        rng: a random source (a seeded one makes tests reproducible).
    """
    ceiling = min(max_s, base_s * (2.0**attempt))
    return (rng or random).uniform(ceiling / 2.0, ceiling)
