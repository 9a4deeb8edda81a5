"""One small HTTP client for every provider: auth, timeouts, retries, shared rate-limit pauses.

We use ``httpx`` rather than the three official SDKs: one dependency instead of three, one retry
policy (exponential backoff with jitter that honours ``Retry-After`` and ``x-ratelimit-reset-*``)
and one error type for all providers, a base URL that points anywhere (proxies, Azure-style
deployments, the test server), and no hidden retries or key handling that we cannot test or audit.
The client is thread-safe: worker threads share its connection pool, its counters, and a pause
that a 429 imposes on every worker (so a rate limit is not hammered by the other requests in
flight).
"""

from __future__ import annotations

import logging
import random
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from rerank_bench.errors import ConfigError
from rerank_bench.retrieval.api.cache import ApiCache
from rerank_bench.retrieval.api.errors import (
    ApiBatchTooLargeError,
    ApiRequestError,
    ApiResponseError,
    ApiRetryError,
)
from rerank_bench.retrieval.api.providers import Provider
from rerank_bench.retrieval.api.ratelimit import backoff_seconds, retry_after_seconds
from rerank_bench.retrieval.api.secrets import ApiKey, redact, resolve_api_key

__all__ = ["ApiClient", "ClientSettings", "Connection", "RequestStats"]

log = logging.getLogger(__name__)

_AUTH_STYLES = ("bearer", "api-key")
_RETRY_STATUS = frozenset({408, 409, 429})
_UNREACHABLE_ATTEMPTS = 2
"""Attempts at a host whose name does not resolve or that refuses connections: one retry rides
out a blip (a resolver hiccup, a proxy restarting); more would only keep an offline machine waiting
for minutes before saying what a first failure already says."""


@dataclass(frozen=True, slots=True)
class ClientSettings:
    """How an API stage reaches its provider, how patient it is, and where it keeps the answers.

    One record, the ``client:`` node of every API retriever and re-ranker config, so that the two
    cannot drift apart. It names where the key is read from (a variable or a file), never the key,
    so it is safe to log.

    Attributes:
        base_url: API root; ``None`` for the provider's public endpoint.
        api_key_env: environment variable holding the key.
        api_key_file: file holding the key (read when the variable is unset or empty).
        auth_style: ``bearer`` (``Authorization: Bearer KEY``) or ``api-key`` (Azure:
            ``api-key: KEY``).
        api_version: added as ``?api-version=...`` when set (Azure OpenAI).
        concurrency: requests in flight (size of the connection pool and the worker pool).
        timeout_s: per-request timeout (connect, read, write).
        max_retries: retries after the first attempt on 429, 5xx, 408/409, timeouts and dropped
            connections (a host that does not resolve or refuses connections gets one retry).
        backoff_base_s: first backoff delay; doubles each retry (with jitter).
        backoff_max_s: cap of one backoff delay.
        max_wait_s: cap of one wait asked by the server (``Retry-After`` and friends).
        seed: seeds the jitter, for reproducible tests; ``None`` for system randomness.
        cache_path: the sqlite cache of vectors and scores; ``None`` disables it.
    """

    base_url: str | None = None
    api_key_env: str | None = None
    api_key_file: str | None = None
    auth_style: str = "bearer"
    api_version: str | None = None
    concurrency: int = 4
    timeout_s: float = 60.0
    max_retries: int = 8
    backoff_base_s: float = 1.0
    backoff_max_s: float = 60.0
    max_wait_s: float = 120.0
    seed: int | None = None
    cache_path: str | Path | None = None

    def __post_init__(self) -> None:
        if self.auth_style not in _AUTH_STYLES:
            raise ConfigError(f"auth_style must be one of {_AUTH_STYLES}, got {self.auth_style!r}.")
        if self.concurrency < 1:
            raise ConfigError(f"concurrency must be >= 1, got {self.concurrency}.")
        if self.max_retries < 0 or self.timeout_s <= 0:
            raise ConfigError(
                f"max_retries must be >= 0 and timeout_s > 0, got {self.max_retries} and "
                f"{self.timeout_s}."
            )

    def open_cache(self) -> ApiCache | None:
        """The cache at ``cache_path``, or ``None`` when caching is off."""
        return ApiCache(self.cache_path) if self.cache_path else None


@dataclass
class RequestStats:
    """Counters of one client (thread-safe updates through :meth:`ApiClient._count`)."""

    requests: int = 0
    retries: int = 0
    rate_limited: int = 0
    server_errors: int = 0
    timeouts: int = 0
    wait_s: float = 0.0


class ApiClient:
    """POST JSON to one provider with retries; returns the decoded JSON body.

    Args:
        provider: the wire protocol (for error messages and "too large" detection).
        base_url: e.g. ``https://api.openai.com/v1``; endpoint paths are appended.
        key: the API key.
        settings: timeouts, retries, pool size and auth style.
        stats: counters to add to (shared by the clients of one retriever across calls).
    """

    def __init__(
        self,
        provider: Provider,
        base_url: str,
        key: ApiKey,
        settings: ClientSettings,
        stats: RequestStats | None = None,
    ) -> None:
        self.provider = provider
        self.base_url = base_url.rstrip("/")
        self.settings = settings
        self.stats = stats if stats is not None else RequestStats()
        self._key = key
        self._lock = threading.Lock()
        self._pause_until = 0.0
        self._rng = random.Random(settings.seed)
        limits = httpx.Limits(
            max_connections=settings.concurrency, max_keepalive_connections=settings.concurrency
        )
        self._http = httpx.Client(timeout=settings.timeout_s, limits=limits)

    def __repr__(self) -> str:
        return f"ApiClient(provider={self.provider.name!r}, base_url={self.base_url!r})"

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _headers(self) -> dict[str, str]:
        secret = self._key.reveal()
        auth = {"Authorization": f"Bearer {secret}"}
        if self.settings.auth_style == "api-key":
            auth = {"api-key": secret}
        return {**auth, "Content-Type": "application/json", "Accept": "application/json"}

    def _count(self, **deltas: float) -> None:
        with self._lock:
            for name, delta in deltas.items():
                setattr(self.stats, name, getattr(self.stats, name) + delta)

    def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._count(wait_s=seconds)
            time.sleep(seconds)

    def _wait_for_pause(self) -> None:
        with self._lock:
            remaining = self._pause_until - time.monotonic()
        self._sleep(remaining)

    def _pause_everyone(self, seconds: float) -> None:
        with self._lock:
            self._pause_until = max(self._pause_until, time.monotonic() + seconds)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        """Send ``body`` to ``base_url + path``, retrying transient failures.

        Args:
            path: the endpoint path (``/embeddings``, ``/v2/rerank``...).
            body: the JSON body.

        Returns:
            The decoded JSON response.

        Raises:
            ApiBatchTooLargeError: the provider says the request holds too many tokens or items.
            ApiRequestError: another 4xx (bad key, bad model...), raised at once.
            ApiRetryError: 429/5xx/timeouts persisted through ``max_retries`` retries, or the
                host does not resolve or refuses connections (after one retry).
            ApiResponseError: a 2xx response whose body is not JSON.
        """
        url = self.base_url + path
        params = {"api-version": self.settings.api_version} if self.settings.api_version else None
        name = self.provider.name
        reason = ""
        unreachable = 0
        for attempt in range(self.settings.max_retries + 1):
            self._wait_for_pause()
            hint: float | None = None
            self._count(requests=1)
            try:
                response = self._http.post(url, json=body, headers=self._headers(), params=params)
            except httpx.TimeoutException:
                self._count(timeouts=1)
                reason = f"no answer within timeout_s={self.settings.timeout_s}"
            except httpx.TransportError as exc:
                reason = (
                    f"connection failed ({type(exc).__name__}: {redact(str(exc), self._secrets())})"
                )
                why = _unreachable_reason(exc)
                if why is not None:
                    unreachable += 1
                    if unreachable >= _UNREACHABLE_ATTEMPTS or attempt == self.settings.max_retries:
                        raise self._unreachable_error(url, path, why, reason, attempt + 1) from None
            else:
                status = response.status_code
                if 200 <= status < 300:
                    try:
                        return response.json()
                    except ValueError:
                        raise ApiResponseError(
                            f"{name}: HTTP {status} from {url} but the body is not JSON "
                            f"({redact(response.text[:200], self._secrets())!r}). "
                            "Fix: check base_url."
                        ) from None
                message = redact(self.provider.error_message(response.text), self._secrets())
                if status in _RETRY_STATUS or status >= 500:
                    if status == 429:
                        self._count(rate_limited=1)
                    else:
                        self._count(server_errors=1)
                    reason = f"HTTP {status}: {message}"
                    hint = retry_after_seconds(response.headers)
                elif self.provider.is_too_large(status, message):
                    raise ApiBatchTooLargeError(name, status, message)
                else:
                    raise ApiRequestError(name, status, message, _fix_for(status))
            if attempt == self.settings.max_retries:
                break
            if hint is not None:
                wait = min(hint, self.settings.max_wait_s)
                wait += self._rng.uniform(0.0, 0.1 * wait + 0.01)
                self._pause_everyone(wait)
            else:
                wait = backoff_seconds(
                    attempt, self.settings.backoff_base_s, self.settings.backoff_max_s, self._rng
                )
            log.warning(
                "%s %s: %s; retry %d/%d in %.2fs",
                name,
                path,
                reason,
                attempt + 1,
                self.settings.max_retries,
                wait,
            )
            self._count(retries=1)
            self._sleep(wait)
        raise ApiRetryError(
            f"{name} {path}: gave up after {self.settings.max_retries + 1} attempts; last: "
            f"{reason}. Fix: retry later, lower concurrency, or raise max_retries/timeout_s. "
            "Finished batches are cached, so a re-run resumes."
        )

    def _secrets(self) -> list[str]:
        return [self._key.reveal()]

    def _unreachable_error(
        self, url: str, path: str, why: str, reason: str, attempts: int
    ) -> ApiRetryError:
        """The error of a host that cannot be reached at all: the fix is the network or the URL,
        not patience, so it says so instead of "retry later"."""
        parsed = httpx.URL(url)
        host = parsed.host + (f":{parsed.port}" if parsed.port is not None else "")
        cache = self.settings.cache_path
        offline = (
            f"texts already in the API cache ({cache}) are served without a request, so a run "
            "whose texts are all cached needs no network (`rerank-bench api-cache import FILE` "
            "merges a colleague's export into it). Finished batches are cached, so a re-run "
            "resumes."
            if cache
            else "set client.cache_path: cached texts are served without a request."
        )
        return ApiRetryError(
            f"{self.provider.name} {path}: cannot reach {host}: {why} ({reason}); stopped after "
            f"{attempts} attempt(s), since waiting does not fix that. Fix: no network? check your "
            f"connection (and proxy) and base_url={self.base_url!r}; or run offline: {offline}"
        )


@dataclass(frozen=True, slots=True)
class Connection:
    """A provider and the client settings to reach it; opens clients with a freshly read key.

    Holds the key's *source* (variable name or file), never the key, so it is safe to log.
    """

    provider: Provider
    settings: ClientSettings

    @property
    def base_url(self) -> str:
        """The configured API root, else the provider's public endpoint."""
        return self.settings.base_url or self.provider.default_base_url

    def open(self, stats: RequestStats | None = None) -> ApiClient:
        """Read the key and return a client (use it as a context manager).

        Raises:
            ConfigError: no key is configured or found.
        """
        settings = self.settings
        key = resolve_api_key(settings.api_key_env, settings.api_key_file, self.provider.name)
        return ApiClient(self.provider, self.base_url, key, settings, stats)


def _unreachable_reason(exc: httpx.TransportError) -> str | None:
    """Why the host cannot be reached at all (its name does not resolve, or nothing listens), or
    ``None`` for failures that a retry can fix (timeouts, dropped connections).

    httpx wraps the socket error twice (``httpx.ConnectError`` from ``httpcore.ConnectError`` from
    the ``OSError``), so the chain of causes is searched."""
    if not isinstance(exc, httpx.ConnectError):
        return None
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, socket.gaierror):
            return "its name does not resolve"
        if isinstance(seen, ConnectionRefusedError):
            return "nothing accepts connections there"
        seen = seen.__cause__ or seen.__context__
    return None


def _fix_for(status: int) -> str:
    if status in (401, 403):
        return "check the API key in the configured environment variable or file, and its access."
    if status == 404:
        return "check the model name and base_url (for Azure, the deployment and api_version)."
    return "check the request settings (model, dimensions, dtype, input_type) for this provider."
