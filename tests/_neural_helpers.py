"""Small real models for the neural tests: the packaged MiniLM and tiny random-weight BERTs.

Why a helper module: several test files need the same models, built the same way (seeded, saved
with a real tokenizer to a temporary folder), and building them must stay fast on two cores.
"""

from __future__ import annotations

from pathlib import Path

import torch
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    BertConfig,
    BertForMaskedLM,
    BertForSequenceClassification,
    BertModel,
)

from rerank_bench.models import resolve_model

__all__ = ["minilm_cross_encoder", "minilm_path", "tiny_bert"]


def minilm_path() -> Path:
    """Folder of the packaged all-MiniLM-L6-v2."""
    return resolve_model("minilm").path


def tiny_bert(folder: Path, kind: str = "classification", num_labels: int = 1,
              seed: int = 0, dropout: float = 0.1) -> Path:
    """Save a 2-layer, 32-wide random BERT (MiniLM's tokenizer) of ``kind`` to ``folder``.

    ``kind``: ``classification`` (with ``num_labels``), ``masked-lm`` or ``encoder``.
    ``dropout``: of hidden states and attention (BERT's 0.1); ``0``: training that depends on no
    random mask, e.g. to compare runs whose processes draw different masks.
    """
    torch.manual_seed(seed)
    tokenizer = AutoTokenizer.from_pretrained(str(minilm_path()))
    config = BertConfig(
        vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2,
        num_attention_heads=2, intermediate_size=64, max_position_embeddings=512,
        num_labels=num_labels, hidden_dropout_prob=dropout, attention_probs_dropout_prob=dropout,
    )
    model: torch.nn.Module
    if kind == "classification":
        model = BertForSequenceClassification(config)
    elif kind == "masked-lm":
        model = BertForMaskedLM(config)
    else:
        model = BertModel(config)
    model.save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))
    return folder


def minilm_cross_encoder(folder: Path, num_labels: int = 1, seed: int = 0) -> Path:
    """MiniLM with a seeded ``num_labels`` classification head, saved with its tokenizer."""
    torch.manual_seed(seed)
    model = AutoModelForSequenceClassification.from_pretrained(
        str(minilm_path()), num_labels=num_labels
    )
    model.save_pretrained(str(folder))
    AutoTokenizer.from_pretrained(str(minilm_path())).save_pretrained(str(folder))
    return folder
