"""Training stages end to end on CPU: a real tiny fit and its export, resume, NaN handling, DDP
(2 CPU processes, gloo) against single-process training, bi-encoder and segment-cosine stages,
distillation from an earlier stage, a two-stage chain and the memory stage."""

from __future__ import annotations

import csv
import functools
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from _neural_helpers import tiny_bert

from rerank_bench.data.records import Corpus, Dataset, Doc, Split
from rerank_bench.models.loading import load_model, load_tokenizer
from rerank_bench.models.resolve import resolve_model
from rerank_bench.retrieval.bm25 import BM25Retriever
from rerank_bench.training import StageSettings, TrainChain, TrainingData, train_chain
from rerank_bench.training.losses import (
    ListwiseDistillationLoss,
    LocalizedContrastiveLoss,
    PointwiseBCELoss,
)
from rerank_bench.training.mining import NegativeSampling
from rerank_bench.training.module import NonFiniteLossError
from rerank_bench.training.settings import TrainerSettings
from rerank_bench.training.stage import load_base_model

TOPICS = ["apple", "river", "engine", "violin", "glacier", "protein", "comet", "harbor"]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random-weight 2-layer BERT (dropout off) with the SPLADE-tiny tokenizer, saved to disk."""
    from transformers import BertConfig, BertForSequenceClassification

    tokenizer = load_tokenizer(resolve_model("splade-tiny"))
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
        num_labels=1,
        initializer_range=0.2,  # varied scores from the start, so comparisons are well-posed
    )
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("tiny-bert")
    BertForSequenceClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def tiny_encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_bert(tmp_path_factory.mktemp("tiny-encoder"), kind="encoder", seed=3)


def _dataset() -> Dataset:
    """48 documents on 8 topics; each query names a topic and a document number."""
    docs = [
        Doc(f"d{i}", f"{TOPICS[i % 8]} report {i} on {TOPICS[i % 8]} matters", f"{TOPICS[i % 8]}")
        for i in range(48)
    ]
    queries = {f"q{j}": f"{TOPICS[j % 8]} report {j}" for j in range(24)}
    qrels = {f"q{j}": {f"d{j}": 1, f"d{(j + 8) % 48}": 1} for j in range(24)}
    return Dataset("toy", Corpus(docs), {"train": Split("train", queries, qrels)})


def _data() -> TrainingData:
    return TrainingData(_dataset(), "train", None, BM25Retriever(cache_dir=None), seed=13)


def _stage(model: Path, **overrides) -> StageSettings:
    values = dict(
        base_model=str(model),
        losses=[{"loss": LocalizedContrastiveLoss(), "weight": 1.0}],
        sampling=NegativeSampling(negatives=3, rank_from=1, rank_to=20),
        max_length=32,
        query_max_length=16,
        batch_size=4,
        optimizer=functools.partial(torch.optim.AdamW, lr=2e-3, weight_decay=0.01),
        max_steps=12,
        max_epochs=20,
        val_every_n_steps=4,
        patience=None,
    )
    values.update(overrides)
    return StageSettings(**values)


def _chain(stages: dict[str, StageSettings], **overrides) -> TrainChain:
    values = dict(
        stages=stages,
        dev_fraction=0.25,
        dev_depth=10,
        trainer=TrainerSettings(accelerator="cpu"),
        log_every_n_steps=1,
    )
    values.update(overrides)
    return TrainChain(**values)


def _curve(folder: Path, key: str) -> list[float]:
    rows = csv.DictReader((folder / "curves" / "metrics.csv").open())
    return [float(row[key]) for row in rows if row.get(key)]


def test_fast_dev_run_writes_a_model(tiny_model: Path, tmp_path: Path) -> None:
    chain = _chain({"rank": _stage(tiny_model)}, fast_dev_run=True)
    trained = train_chain(chain, _data(), tmp_path).final
    assert (trained.path / "config.json").is_file() and (trained.path / "tokenizer.json").is_file()


def test_tiny_fit_learns_and_exports_a_standard_model(tiny_model: Path, tmp_path: Path) -> None:
    trained = train_chain(_chain({"rank": _stage(tiny_model, max_steps=16)}), _data(), tmp_path)
    model = trained.final
    losses = _curve(model.folder, "train/loss")
    assert len(losses) == 16 and all(np.isfinite(losses))
    assert np.mean(losses[-4:]) < np.mean(losses[:4])  # it learns
    for key in ("train/lr", "train/pairs_per_s"):
        assert _curve(model.folder, key), key
    rows = list(csv.DictReader((model.curves).open()))
    assert "train/LocalizedContrastiveLoss" not in rows[0]  # one loss: train/loss, spelled once
    assert [int(r["step"]) for r in rows if r.get("val/ndcg_at_10")] == [0, 4, 8, 12, 16]
    lrs = _curve(model.folder, "train/lr")
    assert max(lrs) == pytest.approx(2e-3, rel=1e-6)  # warm-up to the peak...
    assert lrs[0] < max(lrs) and lrs[-1] < max(lrs)  # ...then linear decay
    summary = json.loads((model.folder / "summary.json").read_text())
    assert summary["best"] == max(h[1] for h in summary["history"]) == model.summary.best
    assert summary["seconds"] > 0 and model.dev.queries and model.dev.candidates

    # the folder is a standard Hugging Face model: transformers and sentence-transformers agree
    from sentence_transformers import CrossEncoder
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    pairs = [("apple report 3", "apple report 3 on apple matters"), ("apple report 3", "comet")]
    hf = AutoModelForSequenceClassification.from_pretrained(model.path).eval()
    tok = AutoTokenizer.from_pretrained(model.path)
    with torch.no_grad():
        logits = hf(
            **tok([p[0] for p in pairs], [p[1] for p in pairs], return_tensors="pt", padding=True)
        ).logits[:, 0]
    st = CrossEncoder(str(model.path), activation_fn=torch.nn.Identity())
    assert np.allclose(st.predict(pairs), logits.numpy(), atol=1e-5)


@pytest.mark.slow
def test_resume_continues_from_the_last_checkpoint(
    tiny_model: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first = train_chain(_chain({"rank": _stage(tiny_model, max_steps=8)}), _data(), tmp_path)
    folder = first.final.folder
    (folder / "summary.json").unlink()  # as if interrupted before the end
    longer = _chain({"rank": _stage(tiny_model, max_steps=16)})
    # a different max_steps is a different recipe: resume the same folder by hand
    from rerank_bench.training.stage import train_stage

    with caplog.at_level("INFO"):
        train_stage("rank", longer.stages["rank"], longer, _data(), folder, {})
    assert "resuming training from" in caplog.text
    checkpoint = torch.load(folder / "checkpoints" / "last.ckpt", weights_only=False)
    assert checkpoint["global_step"] == 16
    # a finished training in the same folder is reused, not repeated
    caplog.clear()
    with caplog.at_level("INFO"):
        again = train_chain(_chain({"rank": _stage(tiny_model, max_steps=8)}), _data(), tmp_path)
    assert "already finished" in caplog.text and again.final.reused


def test_nan_loss_stops_with_a_clear_message(tiny_model: Path, tmp_path: Path) -> None:
    stage = _stage(
        tiny_model,
        optimizer=functools.partial(torch.optim.SGD, lr=1e30),
        gradient_clip_val=None,
        max_steps=30,
        val_every_n_steps=1,
        warmup_ratio=0.0,
        validate_at_start=False,
        losses=[PointwiseBCELoss()],
    )
    with pytest.raises(NonFiniteLossError, match=r"training loss is (nan|inf).*Last good state"):
        train_chain(_chain({"rank": stage}), _data(), tmp_path)
    assert list(tmp_path.glob("training/*/checkpoints/last.ckpt"))


def _scores_after_training(folder: Path, model: Path) -> np.ndarray:
    """Scores of the model in ``folder``'s last checkpoint on every query x every 3rd document."""
    net, tokenizer = load_base_model(StageSettings(), resolve_model(str(model)))
    state = torch.load(folder / "checkpoints" / "last.ckpt", weights_only=False)
    net.load_state_dict({k.removeprefix("model."): v for k, v in state["state_dict"].items()})
    dataset = _dataset()
    queries = list(dataset.split("train").queries.values())
    docs = [dataset.corpus[f"d{i}"].default_text() for i in range(0, 48, 3)]
    pairs = [(q, d) for q in queries for d in docs]
    features = tokenizer(
        [q for q, _ in pairs],
        [d for _, d in pairs],
        return_tensors="pt",
        padding=True,
        truncation=True,
        max_length=32,
    )
    with torch.no_grad():
        return net.eval()(**features).logits[:, 0].numpy()


@pytest.mark.slow
def test_ddp_two_cpu_processes_match_single_process(tiny_model: Path, tmp_path: Path) -> None:
    """2 ranks x 2 groups must train exactly like 1 process x 4 groups (same data, same steps)."""
    common = dict(max_steps=6, val_every_n_steps=6, validate_at_start=False,
                  optimizer=functools.partial(torch.optim.AdamW, lr=1e-3))
    single = train_chain(_chain({"rank": _stage(tiny_model, batch_size=4, **common)},
                                shuffle=False), _data(), tmp_path / "single").final
    ddp_chain = _chain({"rank": _stage(tiny_model, batch_size=2, **common)}, shuffle=False,
                       trainer=TrainerSettings(accelerator="cpu", devices=2,
                                               strategy="ddp_spawn"))
    ddp = train_chain(ddp_chain, _data(), tmp_path / "ddp").final
    one_losses, two_losses = _curve(single.folder, "train/loss"), _curve(ddp.folder, "train/loss")
    assert len(two_losses) == 6 and np.allclose(one_losses, two_losses, atol=1e-5)
    one = _scores_after_training(single.folder, tiny_model)
    two = _scores_after_training(ddp.folder, tiny_model)
    assert np.abs(one - two).max() < 1e-3 * max(1.0, float(np.abs(one).max()))
    assert np.corrcoef(one, two)[0, 1] > 0.99999


def test_bi_encoder_stage_trains_with_in_batch_negatives(tiny_encoder: Path,
                                                          tmp_path: Path) -> None:
    """A bi-encoder stage exports a plain encoder folder whose cosine sentence-transformers and
    our bi-encoder re-ranker agree on."""
    stage = _stage(tiny_encoder, kind="bi_encoder", sampling=NegativeSampling(negatives=0),
                   batch_size=8, max_steps=8)
    model = train_chain(_chain({"adapt": stage}), _data(), tmp_path).final
    assert model.kind == "bi_encoder" and len(_curve(model.folder, "train/loss")) == 8
    assert model.summary.best is not None

    from sentence_transformers import SentenceTransformer

    from rerank_bench.inference import InferenceSettings
    from rerank_bench.reranking.bi_encoder import BiEncoderReranker

    texts = ["apple report 3", "apple report 3 on apple matters", "comet report 9 on comet"]
    st = SentenceTransformer(str(model.path), device="cpu")
    vectors = st.encode(texts, normalize_embeddings=True)
    ours = BiEncoderReranker(str(model.path), inference=InferenceSettings(show_progress=False))
    scores = ours.score([texts[0], texts[0]], texts[1:])
    assert np.allclose(scores, vectors[1:] @ vectors[0], atol=1e-5)


def test_segment_cosine_head_starts_as_its_bi_encoder(tiny_encoder: Path, tmp_path: Path) -> None:
    """Built from an encoder, the head's pair scores are a cosine (bounded by the scale); saved
    and loaded back through the model loader, it scores the same, and the engine scores it in
    full (no first-token shortcut)."""
    from rerank_bench.inference import InferenceSettings, score_pairs
    from rerank_bench.models.heads import SegmentCosineCrossEncoder

    model, tokenizer = load_base_model(StageSettings(head="segment_cosine", scale=10.0),
                                       resolve_model(str(tiny_encoder)))
    assert isinstance(model, SegmentCosineCrossEncoder)
    queries, docs = ["apple report 3"] * 3, ["apple report 3 on apple", "comet", "river matters"]
    settings = InferenceSettings(max_length=32, query_max_length=16, show_progress=False)
    before = score_pairs(model.eval(), tokenizer, queries, docs, settings)
    assert np.all(np.abs(before) <= 10.0 + 1e-4) and np.ptp(before) > 0
    model.save_pretrained(tmp_path / "seg")
    tokenizer.save_pretrained(tmp_path / "seg")
    loaded = load_model(resolve_model(str(tmp_path / "seg")), "sequence-classification")
    assert isinstance(loaded, SegmentCosineCrossEncoder) and loaded.scale == 10.0
    after = score_pairs(loaded, tokenizer, queries, docs, settings)
    assert np.allclose(before, after, atol=1e-5)


def test_two_stage_chain_distils_and_starts_from_the_first_stage(
    tiny_encoder: Path, tmp_path: Path
) -> None:
    """adapt (bi-encoder) -> rank (segment-cosine cross-encoder from adapt's weights, distilling
    adapt's scores); a re-run reuses both; a changed second stage retrains only the second."""
    adapt = _stage(tiny_encoder, kind="bi_encoder", sampling=NegativeSampling(negatives=0),
                   batch_size=8, max_steps=4)
    rank = _stage(
        tiny_encoder,
        base_model="@adapt",
        teacher="@adapt",
        head="segment_cosine",
        losses=[{"loss": LocalizedContrastiveLoss(), "weight": 1.0},
                {"loss": ListwiseDistillationLoss(), "weight": 1.0}],
        max_steps=4,
    )
    result = train_chain(_chain({"adapt": adapt, "rank": rank}), _data(), tmp_path)
    first, second = result.models["adapt"], result.models["rank"]
    info = json.loads((second.path / "rerank_bench.json").read_text())
    assert info["base_model"] == str(first.path) and info["stage"] == "rank"
    distilled = _curve(second.folder, "train/ListwiseDistillationLoss")
    assert len(distilled) == 4 and all(np.isfinite(distilled))
    again = train_chain(_chain({"adapt": adapt, "rank": rank}), _data(), tmp_path)
    assert again.models["adapt"].reused and again.models["rank"].reused
    changed = _stage(tiny_encoder, **{**rank.__dict__, "max_steps": 2,
                                      "sampling": NegativeSampling(negatives=3, rank_to=20)})
    third = train_chain(_chain({"adapt": adapt, "rank": changed}), _data(), tmp_path)
    assert third.models["adapt"].reused and not third.models["rank"].reused
    assert third.models["rank"].folder != second.folder


def test_memory_stage_remembers_the_labels_and_votes(tmp_path: Path) -> None:
    """The memory baseline: a question asked again gets its labelled documents first."""
    from rerank_bench.reranking.memory import LogMemoryReranker, Memory

    stage = StageSettings(kind="memory", base_model="minilm", neighbours=1,
                          query_max_length=32)
    model = train_chain(_chain({"memory": stage}), _data(), tmp_path).final
    memory = Memory.load(model.path)
    assert memory.neighbours == 1 and memory.encoder == "minilm" and memory.query_ids
    assert model.summary.best is not None and model.dev.queries
    dataset = _dataset()
    asked = {"x": dataset.split("train").queries[memory.query_ids[0]]}
    run = {"x": {f"d{i}": float(48 - i) for i in range(48)}}
    reranked = LogMemoryReranker(model=str(model.path)).rerank(dataset.corpus, asked, run)
    best = sorted(reranked["x"], key=reranked["x"].get, reverse=True)[:2]
    assert set(best) == set(memory.labels[0])
    assert set(reranked["x"]) == set(run["x"])  # nothing dropped, nothing injected


def _train_in_process(model: Path, folder: Path, kill_at: int = 0) -> int:
    script = Path(__file__).with_name("_killed_training.py")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(script.parent)}
    return subprocess.run([sys.executable, str(script), str(model), str(folder), str(kill_at)],
                          env=env, capture_output=True, text=True, timeout=600).returncode


@pytest.mark.slow
def test_a_training_killed_mid_epoch_and_resumed_is_the_training_without_the_kill(
    tmp_path: Path,
) -> None:
    """SIGKILL at step 14 (checkpoint at 12, mid-epoch 2, dropout on), then resume: every logged
    value, the validation history and the final weights equal those of a training never killed."""
    from safetensors.torch import load_file

    from rerank_bench.tracking.training import read_curves

    model = tiny_bert(tmp_path / "model", seed=5)  # dropout 0.1: the random state matters
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    assert _train_in_process(model, whole) == 0
    assert _train_in_process(model, killed, kill_at=14) == -9  # SIGKILL
    checkpoint = torch.load(killed / "checkpoints" / "last.ckpt", weights_only=False)
    assert checkpoint["global_step"] == 12 and not (killed / "summary.json").exists()
    assert _train_in_process(model, killed) == 0
    curves = [read_curves(f / "curves" / "metrics.csv") for f in (whole, killed)]
    for curve in curves:
        curve.pop("train/pairs_per_s")  # a wall-clock figure
    assert curves[0].keys() == curves[1].keys() and len(curves[0]["train/loss"]) == 16
    for key, values in curves[0].items():
        assert curves[1][key].keys() == values.keys(), key
        np.testing.assert_allclose(list(curves[1][key].values()), list(values.values()),
                                   rtol=1e-5, atol=1e-7, err_msg=key)
    summaries = [json.loads((f / "summary.json").read_text()) for f in (whole, killed)]
    np.testing.assert_allclose(summaries[1]["history"], summaries[0]["history"], atol=1e-6)
    assert summaries[1]["best_step"] == summaries[0]["best_step"]
    weights = [load_file(f / "model" / "model.safetensors") for f in (whole, killed)]
    for name, tensor in weights[0].items():
        torch.testing.assert_close(weights[1][name], tensor, rtol=1e-5, atol=1e-6)


def test_a_finished_model_changed_on_disk_is_trained_again(
    tiny_model: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """2 MB overwritten in place gave other numbers with no warning; now the checksums written
    when the stage finished catch it, and the stage trains again (to the same weights)."""
    from rerank_bench.hashing import file_sha256

    chain = _chain({"rank": _stage(tiny_model, max_steps=4)})
    first = train_chain(chain, _data(), tmp_path)
    weights = first.final.path / "model.safetensors"
    original = file_sha256(weights)
    with weights.open("r+b") as handle:  # corrupt in place, size unchanged
        handle.seek(weights.stat().st_size // 2)
        handle.write(b"\x00" * 4096)
    with caplog.at_level("WARNING"):
        again = train_chain(chain, _data(), tmp_path)
    assert "is not the one training wrote" in caplog.text and "model.safetensors" in caplog.text
    assert not again.final.reused and file_sha256(weights) == original
    caplog.clear()
    with caplog.at_level("INFO"):
        assert train_chain(chain, _data(), tmp_path).final.reused  # intact again: reused


def test_a_truncated_checkpoint_is_dropped_and_the_stage_trains_from_its_start(
    tiny_model: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from rerank_bench.training.stage import train_stage

    chain = _chain({"rank": _stage(tiny_model, max_steps=4)})
    first = train_chain(chain, _data(), tmp_path)
    folder = first.final.folder
    (folder / "summary.json").unlink()  # as if killed while writing the checkpoint
    last = folder / "checkpoints" / "last.ckpt"
    last.write_bytes(last.read_bytes()[: last.stat().st_size // 2])
    with caplog.at_level("WARNING"):
        trained = train_stage("rank", chain.stages["rank"], chain, _data(), folder, {})
    assert f"checkpoint {last} is unreadable" in caplog.text
    assert not trained.reused and trained.summary.history[-1][0] == 4
    assert torch.load(last, weights_only=False)["global_step"] == 4
