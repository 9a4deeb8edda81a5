"""Errors of the provider API clients.

They derive from :class:`rerank_bench.errors.RerankBenchError` so the CLI reports them like any
other user-facing error, and they are split by what the caller should do: fix the request
(:class:`ApiRequestError`), make the batch smaller (:class:`ApiBatchTooLargeError`, handled inside
the package by splitting), wait longer or check the service (:class:`ApiRetryError`), or distrust
the response (:class:`ApiResponseError`). Messages never contain the API key: every provider message
passes through :func:`rerank_bench.retrieval.api.secrets.redact` before it reaches one.
"""

from __future__ import annotations

from rerank_bench.errors import DryRunStop, RerankBenchError

__all__ = [
    "ApiBatchTooLargeError",
    "ApiError",
    "ApiRequestError",
    "ApiResponseError",
    "ApiRetryError",
    "DryRunStop",
]


class ApiError(RerankBenchError):
    """Base class of every error raised while talking to an embedding or rerank API."""


class ApiRequestError(ApiError):
    """The provider rejected a request with a status that retrying cannot fix (4xx but 429).

    Attributes:
        provider: ``openai``, ``cohere`` or ``voyage``.
        status: the HTTP status code.
        provider_message: the provider's own explanation, with any secret redacted.
    """

    def __init__(self, provider: str, status: int, provider_message: str, fix: str = "") -> None:
        self.provider = provider
        self.status = status
        self.provider_message = provider_message
        text = f"{provider} API answered HTTP {status}: {provider_message}"
        if fix:
            text += f" Fix: {fix}"
        super().__init__(text)


class ApiBatchTooLargeError(ApiRequestError):
    """The provider said a request holds too many tokens or items; the caller splits the batch."""


class ApiRetryError(ApiError):
    """Retries on 429, 5xx or timeouts were exhausted; nothing partial was returned."""


class ApiResponseError(ApiError):
    """A response is malformed or does not align with the request (counts, indices, dimensions)."""
