"""API keys: read from the environment or a file at request time, and never shown.

A key lives in an :class:`ApiKey` whose ``repr``/``str`` are masked, so it cannot leak through a
log line, an exception, a config dump or an MLflow param by accident; the only way to the value
is :meth:`ApiKey.reveal`, called where the HTTP header is built. :func:`redact` scrubs provider
messages, which sometimes echo the key (``Incorrect API key provided: sk-...``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from rerank_bench.errors import ConfigError

__all__ = ["ApiKey", "REDACTED", "redact", "resolve_api_key"]

REDACTED = "[REDACTED]"
_WINDOW = 8
_TOKEN = re.compile(r"[A-Za-z0-9_\-.*+/=:]{" + str(_WINDOW) + ",}")


class ApiKey:
    """An API key that masks itself everywhere but in :meth:`reveal`.

    Args:
        value: the secret.
        source: where it came from (``env:OPENAI_API_KEY`` or ``file:/path``), safe to show.
    """

    __slots__ = ("_value", "source")

    def __init__(self, value: str, source: str) -> None:
        self._value = value
        self.source = source

    def reveal(self) -> str:
        """The secret itself; call only to build a request header."""
        return self._value

    def __repr__(self) -> str:
        return f"ApiKey(source={self.source!r}, value='***')"

    __str__ = __repr__

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("ApiKey cannot be pickled; resolve it again where it is needed.")


def resolve_api_key(env: str | None, file: str | Path | None, provider: str) -> ApiKey:
    """Read the key named by config: the environment variable ``env``, else the file ``file``.

    Args:
        env: name of an environment variable holding the key (e.g. ``OPENAI_API_KEY``).
        file: path of a file whose stripped content is the key.
        provider: provider name, for messages.

    Returns:
        The key, masked.

    Raises:
        ConfigError: neither source is configured or holds a non-empty key. The message names the
            variable or file, never a value.
    """
    if env:
        value = os.environ.get(env, "").strip()
        if value:
            return ApiKey(value, f"env:{env}")
    if file:
        path = Path(file).expanduser()
        if not path.is_file():
            raise ConfigError(
                f"{provider}: api_key_file {str(path)!r} does not exist. "
                "Fix: point api_key_file at a file that holds only the key, or set api_key_env."
            )
        value = path.read_text(encoding="utf-8").strip()
        if value:
            return ApiKey(value, f"file:{path}")
        raise ConfigError(f"{provider}: api_key_file {str(path)!r} is empty. Fix: write the key.")
    where = f"environment variable {env!r}" if env else "no api_key_env or api_key_file"
    raise ConfigError(
        f"{provider}: no API key found ({where} is unset or empty). "
        f"Fix: export {env or 'THE_KEY_VARIABLE'}=... or set api_key_file to a file with the key."
    )


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every secret, and any word sharing 8 consecutive characters with one, by a marker.

    The second rule catches partial echoes such as a key cut short; a masked echo such as
    ``sk-proj-****wxyz`` (same first three characters, a run of ``*``) is replaced too.
    """
    for secret in secrets:
        if not secret:
            continue
        text = text.replace(secret, REDACTED)
        if len(secret) < _WINDOW:
            continue
        windows = {secret[i : i + _WINDOW] for i in range(len(secret) - _WINDOW + 1)}

        def _mask(match: re.Match[str], windows: set[str] = windows, secret: str = secret) -> str:
            word = match.group(0)
            if "***" in word and word[:3] == secret[:3]:  # a provider's own masked echo
                return REDACTED
            if any(word[i : i + _WINDOW] in windows for i in range(len(word) - _WINDOW + 1)):
                return REDACTED
            return word

        text = _TOKEN.sub(_mask, text)
    return text
