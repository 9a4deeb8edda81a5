"""The wire formats of OpenAI, Cohere (v2) and Voyage: request bodies, responses, limits, errors.

Everything provider-specific lives here, as data and small pure functions, so the HTTP client,
the batching, the cache and the retriever are written once. Responses are aligned by the
``index`` each item carries (never by arrival order) and checked: a missing, duplicate or
out-of-range index, or a count that differs from the request, is an error, because a silently
shifted vector corrupts every number downstream.
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from rerank_bench.errors import ConfigError
from rerank_bench.retrieval.api.errors import ApiResponseError

__all__ = [
    "CohereProvider",
    "OpenAIProvider",
    "PROVIDERS",
    "Provider",
    "Role",
    "Usage",
    "VoyageProvider",
    "get_provider",
]

Role = Literal["query", "document"]

_TOO_LARGE = re.compile(
    r"token[^.]*(max|exceed|limit|too many|lower)|(max|exceed|limit|too many)[^.]*token"
    r"|too (large|long|many)|batch size",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Usage:
    """What a response says it billed: tokens, or (Cohere rerank) search units."""

    tokens: int | None = None
    search_units: int | None = None


def _as_int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _scores(values: list[Any], provider: str) -> list[float]:
    try:
        return [float(value) for value in values]
    except (TypeError, ValueError):
        raise ApiResponseError(f"{provider}: a relevance_score is not a number.") from None


def _vector(value: Any, provider: str, position: int) -> list[float]:
    if not isinstance(value, list) or not value:
        raise ApiResponseError(
            f"{provider}: embedding {position} is not a non-empty list of numbers "
            f"(found {type(value).__name__}). Fix: check base_url points at a {provider} API."
        )
    return value


class Provider(ABC):
    """One provider's protocol. Instances are stateless and shared."""

    name: ClassVar[str]
    default_base_url: ClassVar[str]
    embed_path: ClassVar[str]
    rerank_path: ClassVar[str | None] = None
    max_items: ClassVar[int]
    max_batch_tokens: ClassVar[int | None] = None
    max_rerank_documents: ClassVar[int] = 1000
    dtypes: ClassVar[tuple[str, ...]] = ("float",)
    input_types: ClassVar[dict[str, str | None]] = {"query": None, "document": None}

    def input_type(self, role: Role, override: str | None = None) -> str | None:
        """The wire ``input_type`` for queries or documents (``override`` wins when given)."""
        return override if override is not None else self.input_types[role]

    def check_dtype(self, dtype: str) -> str:
        """Return ``dtype`` if this provider can return it, else raise :class:`ConfigError`."""
        if dtype not in self.dtypes:
            raise ConfigError(
                f"{self.name}: dtype {dtype!r} is not supported; choose one of {list(self.dtypes)}."
            )
        return dtype

    @abstractmethod
    def truncation(self, value: object) -> str:
        """Validate and normalise the ``truncation`` setting to a string (part of cache keys)."""

    @abstractmethod
    def embed_body(
        self,
        model: str,
        texts: Sequence[str],
        input_type: str | None,
        dimensions: int | None,
        dtype: str,
        truncation: str,
    ) -> dict[str, Any]:
        """The JSON body of one embedding request."""

    @abstractmethod
    def parse_embed(self, payload: Any, n: int, dtype: str) -> tuple[list[list[float]], Usage]:
        """Vectors aligned with the request's ``n`` texts, and the billed usage."""

    def rerank_body(
        self, model: str, query: str, documents: Sequence[str], truncation: str
    ) -> dict[str, Any]:
        """The JSON body of one rerank request (all documents scored: top_n = all)."""
        raise ConfigError(f"{self.name} has no rerank endpoint; use cohere or voyage.")

    def parse_rerank(self, payload: Any, n: int) -> tuple[list[float], Usage]:
        """Scores aligned with the request's ``n`` documents, and the billed usage."""
        raise ConfigError(f"{self.name} has no rerank endpoint; use cohere or voyage.")

    def error_message(self, body: str) -> str:
        """The provider's human explanation from an error body (JSON or text), shortened."""
        try:
            payload = json.loads(body)
        except ValueError:
            return body.strip()[:500] or "(empty body)"
        message: Any = payload
        if isinstance(payload, dict):
            error = payload.get("error")
            if isinstance(error, dict) and "message" in error:
                message = error["message"]
            elif isinstance(error, str):
                message = error
            elif "message" in payload:
                message = payload["message"]
            elif "detail" in payload:
                message = payload["detail"]
        text = message if isinstance(message, str) else json.dumps(message)
        return text.strip()[:500]

    def is_too_large(self, status: int, message: str) -> bool:
        """Whether a rejection means "this request holds too many tokens or items"."""
        return status == 413 or (status == 400 and bool(_TOO_LARGE.search(message)))

    def _align(self, items: Any, n: int, value_key: str, what: str) -> list[Any]:
        """Place each item at its ``index``; every index in ``0..n-1`` exactly once."""
        if not isinstance(items, list):
            raise ApiResponseError(
                f"{self.name}: expected a list of {what} results, found {type(items).__name__}."
            )
        if len(items) != n:
            raise ApiResponseError(
                f"{self.name}: sent {n} inputs but received {len(items)} {what} results; "
                "refusing to continue with misaligned results."
            )
        aligned: list[Any] = [None] * n
        for item in items:
            index = item.get("index") if isinstance(item, dict) else None
            if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < n:
                raise ApiResponseError(
                    f"{self.name}: a {what} result has index {index!r}; expected an integer in "
                    f"0..{n - 1}."
                )
            if aligned[index] is not None:
                raise ApiResponseError(f"{self.name}: index {index} appears twice in {what}.")
            if value_key not in item:
                raise ApiResponseError(f"{self.name}: {what} result {index} has no {value_key!r}.")
            aligned[index] = item[value_key]
        return aligned


class OpenAIProvider(Provider):
    """OpenAI ``POST /v1/embeddings`` (also Azure OpenAI deployments: ``auth_style=api-key``)."""

    name = "openai"
    default_base_url = "https://api.openai.com/v1"
    embed_path = "/embeddings"
    max_items = 2048
    max_batch_tokens = 300_000

    def truncation(self, value: object) -> str:
        if value in (None, False, "none", "NONE"):
            return "none"
        raise ConfigError(
            f"openai: truncation {value!r} is not possible; the API rejects over-long inputs "
            "instead of truncating. Fix: set truncation: null."
        )

    def embed_body(
        self,
        model: str,
        texts: Sequence[str],
        input_type: str | None,
        dimensions: int | None,
        dtype: str,
        truncation: str,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"model": model, "input": list(texts), "encoding_format": "float"}
        if dimensions:
            body["dimensions"] = dimensions
        return body

    def parse_embed(self, payload: Any, n: int, dtype: str) -> tuple[list[list[float]], Usage]:
        data = payload.get("data") if isinstance(payload, dict) else None
        vectors = [
            _vector(v, self.name, i)
            for i, v in enumerate(self._align(data, n, "embedding", "data"))
        ]
        usage = payload.get("usage") or {}
        tokens = _as_int(usage.get("total_tokens", usage.get("prompt_tokens")))
        return vectors, Usage(tokens=tokens)


class CohereProvider(Provider):
    """Cohere v2 ``POST /v2/embed`` and ``POST /v2/rerank``.

    Cohere's embed response carries no per-item index: its contract is input order, so alignment
    is checked by count (and by the echoed ``texts`` when present).
    """

    name = "cohere"
    default_base_url = "https://api.cohere.com"
    embed_path = "/v2/embed"
    rerank_path = "/v2/rerank"
    max_items = 96
    max_rerank_documents = 1000
    dtypes = ("float", "int8", "uint8")
    input_types = {"query": "search_query", "document": "search_document"}

    def truncation(self, value: object) -> str:
        text = "END" if value is None else str(value).upper()
        if text not in ("NONE", "START", "END"):
            raise ConfigError(f"cohere: truncation must be NONE, START or END, got {value!r}.")
        return text

    def embed_body(
        self,
        model: str,
        texts: Sequence[str],
        input_type: str | None,
        dimensions: int | None,
        dtype: str,
        truncation: str,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": model,
            "texts": list(texts),
            "input_type": input_type,
            "embedding_types": [dtype],
            "truncate": truncation,
        }
        if dimensions:
            body["output_dimension"] = dimensions
        return body

    def parse_embed(self, payload: Any, n: int, dtype: str) -> tuple[list[list[float]], Usage]:
        if not isinstance(payload, dict):
            raise ApiResponseError(
                f"cohere: expected a JSON object, found {type(payload).__name__}."
            )
        embeddings = payload.get("embeddings")
        if isinstance(embeddings, dict):
            embeddings = embeddings.get(dtype)
        if not isinstance(embeddings, list) or len(embeddings) != n:
            found = len(embeddings) if isinstance(embeddings, list) else "no"
            raise ApiResponseError(
                f"cohere: sent {n} texts but received {found} {dtype!r} embeddings; "
                "refusing to continue with misaligned vectors."
            )
        echoed = payload.get("texts")
        if isinstance(echoed, list) and len(echoed) != n:
            raise ApiResponseError(f"cohere: sent {n} texts but the response echoes {len(echoed)}.")
        billed = (payload.get("meta") or {}).get("billed_units") or {}
        vectors = [_vector(v, self.name, i) for i, v in enumerate(embeddings)]
        return vectors, Usage(tokens=_as_int(billed.get("input_tokens")))

    def rerank_body(
        self, model: str, query: str, documents: Sequence[str], truncation: str
    ) -> dict[str, Any]:
        return {
            "model": model,
            "query": query,
            "documents": list(documents),
            "top_n": len(documents),
        }

    def parse_rerank(self, payload: Any, n: int) -> tuple[list[float], Usage]:
        results = payload.get("results") if isinstance(payload, dict) else None
        scores = _scores(self._align(results, n, "relevance_score", "results"), self.name)
        billed = (payload.get("meta") or {}).get("billed_units") or {}
        return scores, Usage(search_units=_as_int(billed.get("search_units")))


class VoyageProvider(Provider):
    """Voyage ``POST /v1/embeddings`` and ``POST /v1/rerank``."""

    name = "voyage"
    default_base_url = "https://api.voyageai.com/v1"
    embed_path = "/embeddings"
    rerank_path = "/rerank"
    max_items = 1000
    max_batch_tokens = 120_000
    max_rerank_documents = 1000
    dtypes = ("float", "int8", "uint8")
    input_types = {"query": "query", "document": "document"}

    def truncation(self, value: object) -> str:
        if value in (None, True, "true", "True", "TRUE"):
            return "true"
        if value in (False, "false", "False", "FALSE", "none", "NONE"):
            return "false"
        raise ConfigError(f"voyage: truncation must be true or false, got {value!r}.")

    def embed_body(
        self,
        model: str,
        texts: Sequence[str],
        input_type: str | None,
        dimensions: int | None,
        dtype: str,
        truncation: str,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": model,
            "input": list(texts),
            "input_type": input_type,
            "truncation": truncation == "true",
        }
        if dtype != "float":
            body["output_dtype"] = dtype
        if dimensions:
            body["output_dimension"] = dimensions
        return body

    def parse_embed(self, payload: Any, n: int, dtype: str) -> tuple[list[list[float]], Usage]:
        data = payload.get("data") if isinstance(payload, dict) else None
        vectors = [
            _vector(v, self.name, i)
            for i, v in enumerate(self._align(data, n, "embedding", "data"))
        ]
        usage = payload.get("usage") or {}
        return vectors, Usage(tokens=_as_int(usage.get("total_tokens")))

    def rerank_body(
        self, model: str, query: str, documents: Sequence[str], truncation: str
    ) -> dict[str, Any]:
        return {
            "model": model,
            "query": query,
            "documents": list(documents),
            "top_k": len(documents),
            "truncation": truncation == "true",
            "return_documents": False,
        }

    def parse_rerank(self, payload: Any, n: int) -> tuple[list[float], Usage]:
        data = payload.get("data") if isinstance(payload, dict) else None
        scores = _scores(self._align(data, n, "relevance_score", "data"), self.name)
        usage = payload.get("usage") or {}
        return scores, Usage(tokens=_as_int(usage.get("total_tokens")))


PROVIDERS: dict[str, Provider] = {
    p.name: p for p in (OpenAIProvider(), CohereProvider(), VoyageProvider())
}
"""Provider name -> its protocol."""


def get_provider(name: str) -> Provider:
    """Look a provider up by name.

    Raises:
        ConfigError: unknown name; the message lists the known ones.
    """
    try:
        return PROVIDERS[name]
    except KeyError:
        raise ConfigError(
            f"unknown API provider {name!r}; choose one of {sorted(PROVIDERS)}."
        ) from None
