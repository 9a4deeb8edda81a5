"""The CUDA paths on a real GPU: inference precisions, a bf16-mixed fit, DDP under Hydra.

Why apart: CI and the development machines have no GPU, so every test here is marked ``gpu``
(deselected by ``make test``) and skipped where ``torch.cuda.is_available()`` is false. On a CUDA
machine ``benchmarks/gpu_check.sh`` runs them (``pytest -m gpu tests/test_gpu.py``). They reuse
the CPU tests' models, data, budgets and helpers (their fixtures are imported: a fixture imported
into a module is a fixture of that module), so a GPU result means the same as its CPU twin.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from _neural_helpers import minilm_cross_encoder, tiny_bert
from test_inference import DOCS, QUERIES
from test_pipeline_finetune import _cli, _one_ddp_job, _train_overrides, home, tiny_ce  # noqa: F401
from test_training import _chain, _curve, _data, _stage, tiny_model  # noqa: F401
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from rerank_bench.inference import InferenceSettings, score_pairs
from rerank_bench.training import TrainerSettings, train_chain

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(
        not torch.cuda.is_available(),
        reason="needs a CUDA GPU (torch.cuda.is_available() is False); "
        "run benchmarks/gpu_check.sh on a CUDA machine",
    ),
]

BUDGET = 0.05
"""Largest score difference allowed between a reduced precision and fp32: the budget of the CPU
bf16 and int8 checks (tests/test_inference.py::test_batch_size_does_not_change_scores)."""


@pytest.fixture(scope="module", params=["tiny", "minilm"])
def cross_encoder(request: pytest.FixtureRequest,
                  tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    """(model, tokenizer): the CPU tests' 2-layer random BERT, and MiniLM-L6 with a seeded head."""
    folder = tmp_path_factory.mktemp(f"ce-{request.param}")
    folder = tiny_bert(folder) if request.param == "tiny" else minilm_cross_encoder(folder)
    model = AutoModelForSequenceClassification.from_pretrained(str(folder)).eval()
    return model, AutoTokenizer.from_pretrained(str(folder))


def _scores(cross_encoder: tuple[Any, Any], precision: str, device: str) -> np.ndarray:
    model, tokenizer = cross_encoder
    settings = InferenceSettings(max_length=128, precision=precision,  # type: ignore[arg-type]
                                 device=device, show_progress=False)
    return score_pairs(model, tokenizer, QUERIES * 5, DOCS[::-1] * 5, settings)


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_cuda_reduced_precision_matches_fp32_within_budget(cross_encoder: tuple[Any, Any],
                                                          precision: str) -> None:
    fp32 = _scores(cross_encoder, "fp32", "cuda")
    cpu = _scores(cross_encoder, "fp32", "cpu")
    assert np.isfinite(fp32).all()
    np.testing.assert_allclose(fp32, cpu, atol=1e-3, rtol=0)  # the GPU computes the same model
    low = _scores(cross_encoder, precision, "cuda")
    assert np.isfinite(low).all()
    assert np.abs(low - fp32).max() < BUDGET
    assert not np.array_equal(low, fp32)  # autocast really ran in the reduced precision
    assert next(cross_encoder[0].parameters()).dtype == torch.float32  # weights left in fp32


def test_bf16_mixed_fit_on_cuda_lowers_the_loss(
    tiny_model: Path, tmp_path: Path  # noqa: F811
) -> None:
    """test_training.py's tiny fit, on the GPU under bf16 autocast."""
    chain = _chain({"rank": _stage(tiny_model, max_steps=16)},
                   trainer=TrainerSettings(accelerator="gpu", precision="bf16-mixed"))
    model = train_chain(chain, _data(), tmp_path).final
    losses = _curve(model.folder, "train/loss")
    assert len(losses) == 16 and all(np.isfinite(losses))
    assert np.mean(losses[-4:]) < np.mean(losses[:4])  # it learns
    assert (model.path / "config.json").is_file()
    assert model.summary is not None and np.isfinite(model.summary.best)


def test_ddp_on_one_gpu_under_hydra_trains_and_evaluates(
    home: Path, tiny_ce: Path  # noqa: F811
) -> None:
    """`rerank-bench run` with train.trainer.strategy=ddp devices=1 on the GPU: one job, one
    run, the table printed once (test_pipeline_finetune.py's DDP test, on CUDA/NCCL)."""
    job = _cli(
        home,
        *_train_overrides(tiny_ce, 4),
        "train.trainer.accelerator=gpu",
        "train.trainer.devices=1",
        "train.trainer.strategy=ddp",
        "reranker.inference.device=cuda",
    )
    _one_ddp_job(home, job)
