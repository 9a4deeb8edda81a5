"""A cross-encoder head that ranks from step 0: the cosine of the query and document halves.

Why: a cross-encoder started from a bi-encoder gets a fresh linear head over the first token and
ranks at random until it has learnt one (helpdesk dev nDCG@10 0.12 at step 0, 0.47 after 43
steps). Scoring a pair by the cosine of the mean of its contextualised query tokens and the mean
of its document tokens keeps what the bi-encoder knows: the same weights, read jointly, rank at
0.66 at step 0 and 0.77 after 43 steps. The model still reads query and document together
(every layer attends across both); only the read-out is the bi-encoder's.

The folder is a standard encoder checkpoint whose ``config.json`` carries
``rerank_bench_head: segment_cosine`` and ``rerank_bench_scale``; :func:`load_model` builds this
class from it. Segments come from the pair's token type ids, so the tokenizer must produce them
(BERT-family models do; RoBERTa's do not).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

__all__ = ["HEAD_ATTRIBUTE", "SCALE_ATTRIBUTE", "SegmentCosineCrossEncoder", "saved_head"]

HEAD_ATTRIBUTE = "rerank_bench_head"
"""Config attribute naming a rerank-bench head (absent: a plain sequence-classification model)."""
SCALE_ATTRIBUTE = "rerank_bench_scale"


def saved_head(config: Any) -> str | None:
    """The rerank-bench head a model config declares, or ``None``."""
    return getattr(config, HEAD_ATTRIBUTE, None)


class _Output:
    """The one field of a Hugging Face classifier output that scoring reads."""

    def __init__(self, logits: Tensor) -> None:
        self.logits = logits


class SegmentCosineCrossEncoder(nn.Module):
    """Score a (query, document) pair by ``scale * cos(mean(query tokens), mean(doc tokens))``.

    Args:
        encoder: a Hugging Face encoder (``AutoModel``) whose pairs carry token type ids.
        scale: multiplies the cosine (an inverse temperature: 20 as in sentence-transformers'
            MultipleNegativesRankingLoss), so listwise losses see logits of a useful range.
    """

    reads_all_tokens = True
    """The read-out uses every token: the engine's first-token shortcut must not apply."""

    def __init__(self, encoder: nn.Module, scale: float = 20.0) -> None:
        super().__init__()
        self.encoder = encoder
        self.scale = float(scale)

    @property
    def config(self) -> Any:
        """The encoder's config (hidden size, model type)."""
        return self.encoder.config

    def forward(
        self, input_ids: Tensor, attention_mask: Tensor, token_type_ids: Tensor | None = None
    ) -> _Output:
        """``logits`` of shape ``[pairs, 1]``.

        The encoder sees type id 0 everywhere, as its bi-encoder training did; the type ids only
        tell the read-out which tokens belong to which half.
        """
        if token_type_ids is None:
            raise ValueError(
                "SegmentCosineCrossEncoder needs token_type_ids to tell query from document. "
                "Fix: use a tokenizer that produces them for pairs (BERT-family models)."
            )
        hidden = self.encoder(
            input_ids=input_ids,
            attention_mask=attention_mask,
            token_type_ids=torch.zeros_like(token_type_ids),
        ).last_hidden_state.float()
        present = attention_mask.bool()
        query = ((token_type_ids == 0) & present).unsqueeze(-1).to(hidden.dtype)
        doc = ((token_type_ids != 0) & present).unsqueeze(-1).to(hidden.dtype)
        q = (hidden * query).sum(1) / query.sum(1).clamp(min=1.0)
        d = (hidden * doc).sum(1) / doc.sum(1).clamp(min=1.0)
        cosine = nn.functional.cosine_similarity(q, d, dim=-1)
        return _Output((cosine * self.scale).unsqueeze(1))

    def save_pretrained(self, folder: str | Path) -> None:
        """Save the encoder with the head's name and scale in its ``config.json``."""
        setattr(self.encoder.config, HEAD_ATTRIBUTE, "segment_cosine")
        setattr(self.encoder.config, SCALE_ATTRIBUTE, self.scale)
        self.encoder.save_pretrained(str(folder))  # type: ignore[operator]

    @classmethod
    def from_pretrained(
        cls, folder: str | Path, scale: float | None = None
    ) -> SegmentCosineCrossEncoder:
        """Load from a folder saved by :meth:`save_pretrained` or from any encoder checkpoint."""
        from transformers import AutoModel

        encoder = AutoModel.from_pretrained(str(folder))
        saved = getattr(encoder.config, SCALE_ATTRIBUTE, None)
        return cls(encoder, scale if scale is not None else float(saved or 20.0))
