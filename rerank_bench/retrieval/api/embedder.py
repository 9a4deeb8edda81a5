"""Texts in, aligned unit vectors out: cache look-up, batching, concurrent requests, validation.

:class:`ApiEmbedder` is the provider-independent engine behind the API retriever. It embeds each
distinct text once, asks the cache first, sends only the misses in batches that respect the
provider's limits, writes every returned batch to the cache before doing anything else with it,
and refuses to return a matrix with a missing, misplaced or wrongly sized row.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rerank_bench.errors import ConfigError
from rerank_bench.hashing import text_sha256
from rerank_bench.retrieval.api.batching import estimate_tokens, make_batches
from rerank_bench.retrieval.api.cache import ApiCache, EmbeddingSpace
from rerank_bench.retrieval.api.client import ApiClient
from rerank_bench.retrieval.api.cost import CostMeter
from rerank_bench.retrieval.api.dispatch import call_splitting, run_batches
from rerank_bench.retrieval.api.errors import ApiResponseError, DryRunStop
from rerank_bench.retrieval.api.providers import Provider, Role, Usage

__all__ = ["ApiEmbedder", "EmbedSettings"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class EmbedSettings:
    """What to ask the provider for, and how to batch it.

    Attributes:
        model: the provider's model name.
        dimensions: requested output size (Matryoshka models), ``None`` for native.
        dtype: ``float``, ``int8`` or ``uint8`` (where the provider offers it).
        truncation: the provider's normalised truncation setting.
        max_items: inputs per request (at most the provider's limit).
        max_batch_tokens: estimated-token budget per request, ``None`` for none.
        normalize: L2-normalise vectors (cosine similarity by inner product).
        query_input_type: overrides the provider's query ``input_type``.
        document_input_type: overrides the provider's document ``input_type``.
    """

    model: str
    dimensions: int | None = None
    dtype: str = "float"
    truncation: str = "none"
    max_items: int = 96
    max_batch_tokens: int | None = None
    normalize: bool = True
    query_input_type: str | None = None
    document_input_type: str | None = None


class ApiEmbedder:
    """Embed texts through one provider with a cache.

    Args:
        provider: the wire protocol.
        settings: model and batching settings.
        cache: the persistent cache, or ``None`` to keep nothing (tests, one-off runs).
        meter: where usage and cache hits are counted.
        client: the HTTP client, or ``None`` for dry runs (which send nothing).
        concurrency: requests in flight.
    """

    def __init__(
        self,
        provider: Provider,
        settings: EmbedSettings,
        cache: ApiCache | None,
        meter: CostMeter,
        client: ApiClient | None,
        concurrency: int = 1,
    ) -> None:
        self.provider = provider
        self.settings = settings
        self.cache = cache
        self.meter = meter
        self.client = client
        self.concurrency = concurrency
        self._dim: int | None = settings.dimensions

    def space(self, role: Role) -> EmbeddingSpace:
        """The cache key of ``role`` embeddings, besides the text hash."""
        wire = self._input_type(role)
        return EmbeddingSpace(
            provider=self.provider.name,
            model=self.settings.model,
            input_type=wire or "none",
            dimensions=self.settings.dimensions or 0,
            dtype=self.settings.dtype,
            truncation=self.settings.truncation,
        )

    def _input_type(self, role: Role) -> str | None:
        override = (
            self.settings.query_input_type if role == "query" else self.settings.document_input_type
        )
        return self.provider.input_type(role, override)

    def embed(self, texts: Sequence[str], role: Role) -> np.ndarray:
        """Return a ``[len(texts), dim]`` float32 matrix aligned with ``texts``.

        Empty (or whitespace-only) texts, which the providers reject, get a zero vector and are
        counted as ``empty_inputs``.

        Raises:
            DryRunStop: the client is ``None`` (dry run) and some texts are not cached.
            ApiError: a request failed for good; finished batches are cached already.
        """
        hashes = [text_sha256(text) for text in texts]
        unique: dict[str, str] = {}
        empty = 0
        for sha, text in zip(hashes, texts, strict=True):
            if not text.strip():
                empty += 1
            elif sha not in unique:
                unique[sha] = text
        self.meter.empty_inputs += empty
        space = self.space(role)
        vectors = self.cache.get_embeddings(space, unique) if self.cache is not None else {}
        missing = [sha for sha in unique if sha not in vectors]
        self.meter.add_cache(hits=len(unique) - len(missing), misses=len(missing))
        for vector in vectors.values():
            self._check_dim(vector.shape[0], "the cache")
        if missing:
            self._fetch(missing, unique, space, role, vectors)
        return self._assemble(hashes, texts, vectors)

    def _fetch(
        self,
        missing: list[str],
        unique: dict[str, str],
        space: EmbeddingSpace,
        role: Role,
        vectors: dict[str, np.ndarray],
    ) -> None:
        token_counts = [estimate_tokens(unique[sha]) for sha in missing]
        batches = [
            [missing[i] for i in batch]
            for batch in make_batches(
                token_counts, self.settings.max_items, self.settings.max_batch_tokens
            )
        ]
        if self.client is None:
            self.meter.add_estimate(tokens=sum(token_counts), requests=len(batches))
            raise DryRunStop(f"{self.provider.name} {self.settings.model}", self.meter.summary())
        client = self.client
        wire_type = self._input_type(role)
        log.info(
            "%s %s: embedding %d %s texts in %d requests (%d cached)",
            self.provider.name,
            self.settings.model,
            len(missing),
            role,
            len(batches),
            len(unique) - len(missing),
        )

        def send(shas: Sequence[str]) -> tuple[list[np.ndarray], Usage]:
            body = self.provider.embed_body(
                self.settings.model,
                [unique[sha] for sha in shas],
                wire_type,
                self.settings.dimensions,
                self.settings.dtype,
                self.settings.truncation,
            )
            payload = client.post(self.provider.embed_path, body)
            raw, usage = self.provider.parse_embed(payload, len(shas), self.settings.dtype)
            return [self._to_vector(values) for values in raw], usage

        def work(shas: list[str]) -> tuple[list[np.ndarray], Usage]:
            return call_splitting(shas, send)

        def on_done(shas: list[str], result: tuple[list[np.ndarray], Usage]) -> None:
            batch_vectors, usage = result
            if len(batch_vectors) != len(shas):
                raise ApiResponseError(
                    f"{self.provider.name}: {len(shas)} texts sent, {len(batch_vectors)} vectors "
                    "returned."
                )
            for vector in batch_vectors:
                self._check_dim(vector.shape[0], "the response")
            if self.cache is not None:
                self.cache.put_embeddings(space, list(zip(shas, batch_vectors, strict=True)))
            vectors.update(zip(shas, batch_vectors, strict=True))
            self.meter.add_usage(usage, sum(estimate_tokens(unique[sha]) for sha in shas))

        run_batches(batches, work, on_done, self.concurrency)

    def _to_vector(self, values: list[float]) -> np.ndarray:
        try:
            vector = np.asarray(values, dtype=np.float32)
        except (TypeError, ValueError):
            raise ApiResponseError(
                f"{self.provider.name}: an embedding holds non-numeric values."
            ) from None
        if vector.ndim != 1 or not np.all(np.isfinite(vector)):
            raise ApiResponseError(
                f"{self.provider.name}: an embedding is not a flat vector of finite numbers."
            )
        if self.settings.normalize:
            norm = float(np.linalg.norm(vector))
            if norm > 0:
                vector = vector / norm
        return vector

    def _check_dim(self, dim: int, where: str) -> None:
        if self._dim is None:
            self._dim = dim
        elif dim != self._dim:
            expected = "requested" if self.settings.dimensions else "earlier"
            raise ApiResponseError(
                f"{self.provider.name} {self.settings.model}: a vector from {where} has {dim} "
                f"dimensions, the {expected} ones have {self._dim}. "
                "Fix: check the dimensions setting; clear the cache if the model changed."
            )

    def _assemble(
        self, hashes: list[str], texts: Sequence[str], vectors: dict[str, np.ndarray]
    ) -> np.ndarray:
        if self._dim is None:
            if any(text.strip() for text in texts):
                raise ApiResponseError("no embedding was produced for non-empty texts.")
            if not texts:
                return np.zeros((0, 0), dtype=np.float32)
            raise ConfigError(
                "every text is empty; nothing can be embedded. Fix: check the corpus and queries."
            )
        matrix = np.zeros((len(hashes), self._dim), dtype=np.float32)
        for row, (sha, text) in enumerate(zip(hashes, texts, strict=True)):
            if not text.strip():
                continue
            vector = vectors.get(sha)
            if vector is None:
                raise ApiResponseError(
                    f"{self.provider.name}: text {row} has no embedding after all requests "
                    "finished; refusing to continue with a missing vector."
                )
            matrix[row] = vector
        return matrix

    def estimate(self, texts: Sequence[str], role: Role) -> tuple[int, int]:
        """Estimated ``(tokens, requests)`` to embed the uncached, non-empty ``texts``."""
        unique = {text_sha256(t): t for t in texts if t.strip()}
        space = self.space(role)
        cached = self.cache.get_embeddings(space, unique) if self.cache is not None else {}
        counts = [estimate_tokens(t) for sha, t in unique.items() if sha not in cached]
        batches = make_batches(counts, self.settings.max_items, self.settings.max_batch_tokens)
        return sum(counts), len(batches)
