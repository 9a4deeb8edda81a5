"""The engine's exact speed-ups: the first-token last layer and the tuned CPU allocator."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import numpy as np
import pytest
import torch
from _neural_helpers import minilm_path
from transformers import (
    AutoModel,
    AutoTokenizer,
    BertConfig,
    BertForSequenceClassification,
    DistilBertConfig,
    DistilBertForSequenceClassification,
    ElectraConfig,
    ElectraForSequenceClassification,
    RobertaConfig,
    RobertaForSequenceClassification,
)

from rerank_bench.inference import InferenceSettings, encode_texts
from rerank_bench.inference.allocator import keep_freed_buffers
from rerank_bench.inference.first_token import FirstTokenLayer, first_token_model

SMALL = {"vocab_size": 500, "hidden_size": 32, "num_hidden_layers": 3, "num_attention_heads": 4,
         "intermediate_size": 64, "max_position_embeddings": 64}


def _inputs(seed: int = 0) -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    ids = torch.randint(5, 500, (4, 20), generator=generator)
    mask = torch.ones_like(ids)
    mask[1, 12:] = 0  # padded rows: the first token must not attend to padding
    mask[3, 5:] = 0
    return {"input_ids": ids, "attention_mask": mask}


@pytest.mark.parametrize("attention", ["sdpa", "eager"])
@pytest.mark.parametrize("build", [
    lambda: BertForSequenceClassification(BertConfig(**SMALL, num_labels=1)),
    lambda: BertForSequenceClassification(BertConfig(**SMALL, num_labels=2)),
    lambda: RobertaForSequenceClassification(RobertaConfig(**SMALL, num_labels=1, pad_token_id=1)),
    lambda: ElectraForSequenceClassification(ElectraConfig(**SMALL, num_labels=1)),
])
def test_first_token_model_equals_the_full_forward(build: Any, attention: str) -> None:
    torch.manual_seed(0)
    model = build().eval()
    model.set_attn_implementation(attention)
    fast = first_token_model(model)
    with torch.inference_mode():
        expected = model(**_inputs()).logits
        got = fast(**_inputs()).logits
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=0)
    assert any(isinstance(m, FirstTokenLayer) for m in fast.modules())
    # The caller's model is untouched and shares its weights with the fast copy.
    assert not any(isinstance(m, FirstTokenLayer) for m in model.modules())
    assert {p.data_ptr() for p in fast.parameters()} == {p.data_ptr() for p in model.parameters()}


def test_unknown_layouts_run_unchanged() -> None:
    distil = DistilBertForSequenceClassification(DistilBertConfig(
        vocab_size=500, dim=32, n_layers=2, n_heads=4, hidden_dim=64, max_position_embeddings=64))
    assert first_token_model(distil) is distil
    linear = torch.nn.Linear(2, 2)
    assert first_token_model(linear) is linear


def test_cls_pooled_encoding_equals_the_full_forward() -> None:
    """The bi-encoder path with CLS pooling uses the rewrite too (packaged MiniLM, 6 layers)."""
    path = str(minilm_path())
    model = AutoModel.from_pretrained(path).eval()
    tokenizer = AutoTokenizer.from_pretrained(path)
    texts = ["wifi drops in the library", "", "how do I reset my password " * 30, "ssh"]
    settings = InferenceSettings(max_length=64, query_max_length=None, device="cpu",
                                 show_progress=False)
    got = encode_texts(model, tokenizer, texts, settings, pooling="cls", normalize=False)
    batch = tokenizer(texts, padding=True, truncation=True, max_length=64, return_tensors="pt")
    with torch.inference_mode():
        expected = model(**batch).last_hidden_state[:, 0].numpy()
    np.testing.assert_allclose(got, expected, atol=1e-5, rtol=0)


def test_allocator_tuning_is_idempotent_and_respects_the_users_choice() -> None:
    # Linux with glibc here: the thresholds are set once and the answer is stable.
    assert keep_freed_buffers() is keep_freed_buffers()
    if sys.platform.startswith("linux") and "MALLOC_ARENA_MAX" not in os.environ:
        code = ("from rerank_bench.inference.allocator import keep_freed_buffers; "
                "print(keep_freed_buffers())")
        env = {**os.environ, "MALLOC_ARENA_MAX": "2"}
        chosen = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                                text=True, check=True)
        assert chosen.stdout.strip() == "False"
        default = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                 check=True)
        assert default.stdout.strip() == str(not any(k.startswith("MALLOC_") for k in os.environ))
