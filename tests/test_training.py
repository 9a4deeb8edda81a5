"""Fine-tuning end to end on CPU: fast_dev_run, a real tiny fit logged to MLflow, export, resume,
NaN handling, and DDP (2 CPU processes, gloo) against single-process training."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import mlflow
import numpy as np
import pytest
import torch
from mlflow.tracking import MlflowClient

from rerank_bench.data.records import Corpus, Dataset, Doc, Split
from rerank_bench.models.loading import load_tokenizer
from rerank_bench.models.resolve import resolve_model
from rerank_bench.reranking.base import FitContext
from rerank_bench.retrieval.bm25 import BM25Retriever
from rerank_bench.training.fit import TrainSettings, fit_cross_encoder, load_cross_encoder
from rerank_bench.training.losses import LocalizedContrastiveLoss, PointwiseBCELoss
from rerank_bench.training.mining import NegativeSampling
from rerank_bench.training.module import NonFiniteLossError

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


def _dataset() -> Dataset:
    """48 documents on 8 topics; each query names a topic and a document number."""
    docs = [
        Doc(f"d{i}", f"{TOPICS[i % 8]} report {i} on {TOPICS[i % 8]} matters", f"{TOPICS[i % 8]}")
        for i in range(48)
    ]
    queries = {f"q{j}": f"{TOPICS[j % 8]} report {j}" for j in range(24)}
    qrels = {f"q{j}": {f"d{j}": 1, f"d{(j + 8) % 48}": 1} for j in range(24)}
    return Dataset("toy", Corpus(docs), {"train": Split("train", queries, qrels)})


def _context(tmp_path: Path, run_id: str | None = None, uri: str | None = None) -> FitContext:
    return FitContext(
        dataset=_dataset(),
        train_split="train",
        dev_split=None,
        first_stage=BM25Retriever(cache_dir=None),
        output_dir=tmp_path,
        mlflow_run_id=run_id,
        tracking_uri=uri,
        seed=13,
    )


def _settings(model: Path, **overrides) -> TrainSettings:
    values = dict(
        base_model=str(model),
        losses=[{"loss": LocalizedContrastiveLoss(), "weight": 1.0}],
        sampling=NegativeSampling(negatives=3, rank_from=1, rank_to=20),
        max_length=32,
        query_max_length=16,
        batch_size=4,
        lr=2e-3,
        max_steps=12,
        max_epochs=20,
        val_every_n_steps=4,
        patience=None,
        dev_fraction=0.25,
        dev_depth=10,
        accelerator="cpu",
        log_every_n_steps=1,
    )
    values.update(overrides)
    return TrainSettings(**values)


def _mlflow_run(tmp_path: Path) -> tuple[str, str]:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri)
    experiment = client.create_experiment("t", artifact_location=str(tmp_path / "artifacts"))
    return client.create_run(experiment).info.run_id, uri


def test_fast_dev_run_writes_a_model(tiny_model: Path, tmp_path: Path) -> None:
    folder = fit_cross_encoder(_context(tmp_path), _settings(tiny_model, fast_dev_run=True))
    assert (folder / "config.json").is_file() and (folder / "tokenizer.json").is_file()


def test_tiny_fit_logs_to_the_pipeline_run_and_exports(tiny_model: Path, tmp_path: Path) -> None:
    run_id, uri = _mlflow_run(tmp_path)
    folder = fit_cross_encoder(_context(tmp_path, run_id, uri), _settings(tiny_model, max_steps=16))

    client = MlflowClient(tracking_uri=uri)
    run = client.get_run(run_id)
    assert run.info.status == "RUNNING"  # the logger never ends the pipeline's run
    losses = [m.value for m in client.get_metric_history(run_id, "train/loss")]
    assert len(losses) == 16 and all(np.isfinite(losses))
    assert np.mean(losses[-4:]) < np.mean(losses[:4])  # it learns
    for key in ("train/LocalizedContrastiveLoss", "lr", "train/pairs_per_s", "val_ndcg_at_10"):
        assert client.get_metric_history(run_id, key), key
    steps = [m.step for m in client.get_metric_history(run_id, "val_ndcg_at_10")]
    assert steps == [0, 4, 8, 12, 16]
    lrs = [m.value for m in client.get_metric_history(run_id, "lr")]
    assert max(lrs) == pytest.approx(2e-3, rel=1e-6)  # warm-up to the peak...
    assert lrs[0] < max(lrs) and lrs[-1] < max(lrs)  # ...then linear decay
    assert run.data.tags["status_collapse"] in ("true", "false")
    assert "model" in {a.path for a in client.list_artifacts(run_id)}
    summary = json.loads((tmp_path / "training" / "summary.json").read_text())
    assert summary["best"] == max(h[1] for h in summary["history"])

    # the folder is a standard Hugging Face model: transformers and sentence-transformers agree
    from sentence_transformers import CrossEncoder
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    pairs = [("apple report 3", "apple report 3 on apple matters"), ("apple report 3", "comet")]
    hf = AutoModelForSequenceClassification.from_pretrained(folder).eval()
    tok = AutoTokenizer.from_pretrained(folder)
    with torch.no_grad():
        logits = hf(
            **tok([p[0] for p in pairs], [p[1] for p in pairs], return_tensors="pt", padding=True)
        ).logits[:, 0]
    st = CrossEncoder(str(folder), activation_fn=torch.nn.Identity())
    assert np.allclose(st.predict(pairs), logits.numpy(), atol=1e-5)
    reloaded, _, _ = load_cross_encoder(str(folder))
    assert reloaded.config.num_labels == 1


@pytest.mark.slow
def test_resume_continues_from_last_checkpoint_in_the_same_run(
    tiny_model: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    run_id, uri = _mlflow_run(tmp_path)
    context = _context(tmp_path, run_id, uri)
    fit_cross_encoder(context, _settings(tiny_model, max_steps=8))
    (tmp_path / "training" / "summary.json").unlink()  # as if interrupted before the end
    with caplog.at_level("INFO"):
        fit_cross_encoder(context, _settings(tiny_model, max_steps=16))
    assert "resuming training from" in caplog.text
    checkpoint = torch.load(tmp_path / "training" / "checkpoints" / "last.ckpt", weights_only=False)
    assert checkpoint["global_step"] == 16
    steps = [
        m.step for m in MlflowClient(tracking_uri=uri).get_metric_history(run_id, "train/loss")
    ]
    assert sorted(steps) == list(range(1, 17)) or sorted(steps) == list(range(16))
    assert (
        len(
            mlflow.MlflowClient(tracking_uri=uri).search_runs(
                [MlflowClient(tracking_uri=uri).get_run(run_id).info.experiment_id]
            )
        )
        == 1
    )

    # a finished training in the same folder is reused, not repeated
    with caplog.at_level("INFO"):
        fit_cross_encoder(context, _settings(tiny_model, max_steps=16))
    assert "already finished" in caplog.text


def test_nan_loss_stops_with_a_clear_message(tiny_model: Path, tmp_path: Path) -> None:
    settings = _settings(
        tiny_model,
        lr=1e30,
        gradient_clip_val=None,
        max_steps=30,
        val_every_n_steps=1,
        warmup_ratio=0.0,
        validate_at_start=False,
        losses=[PointwiseBCELoss()],
    )
    with pytest.raises(NonFiniteLossError, match=r"training loss is (nan|inf).*Last good state"):
        fit_cross_encoder(_context(tmp_path), settings)
    assert (tmp_path / "training" / "checkpoints" / "last.ckpt").is_file()


def _scores_after_training(folder: Path, model: Path) -> np.ndarray:
    """Scores of the model in ``folder``'s last checkpoint on every query x every 3rd document."""
    net, tokenizer, _ = load_cross_encoder(str(model))
    state = torch.load(folder / "training" / "checkpoints" / "last.ckpt", weights_only=False)
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


def _losses(folder: Path) -> list[float]:
    rows = csv.DictReader((folder / "training" / "curves" / "metrics.csv").open())
    return [float(row["train/loss"]) for row in rows if row.get("train/loss")]


@pytest.mark.slow
def test_ddp_two_cpu_processes_match_single_process(tiny_model: Path, tmp_path: Path) -> None:
    """2 ranks x 2 groups must train exactly like 1 process x 4 groups (same data, same steps)."""
    common = dict(max_steps=6, val_every_n_steps=6, validate_at_start=False, shuffle=False, lr=1e-3)
    single = _settings(tiny_model, batch_size=4, **common)
    ddp = _settings(tiny_model, batch_size=2, devices=2, strategy="ddp_spawn", **common)
    fit_cross_encoder(_context(tmp_path / "single"), single)
    fit_cross_encoder(_context(tmp_path / "ddp"), ddp)
    assert np.allclose(_losses(tmp_path / "single"), _losses(tmp_path / "ddp"), atol=1e-5)
    one = _scores_after_training(tmp_path / "single", tiny_model)
    two = _scores_after_training(tmp_path / "ddp", tiny_model)
    assert len(_losses(tmp_path / "ddp")) == 6
    assert np.abs(one - two).max() < 1e-3 * max(1.0, float(np.abs(one).max()))
    assert np.corrcoef(one, two)[0, 1] > 0.99999


def test_finetuned_reranker_trains_then_is_reused_by_run_id_with_interpolation(
    tiny_model: Path, tmp_path: Path
) -> None:
    from rerank_bench.reranking.base import Trainable
    from rerank_bench.reranking.finetuned import FineTunedReranker

    run_id, uri = _mlflow_run(tmp_path)
    context = _context(tmp_path / "first", run_id, uri)
    trained = FineTunedReranker(train=_settings(tiny_model, max_steps=4), depth=10)
    assert isinstance(trained, Trainable) and "recipe" in trained.cache_key()
    trained.fit(context)
    dataset = context.dataset
    queries = dict(list(dataset.split("train").queries.items())[:3])
    first = BM25Retriever(cache_dir=None).retrieve(dataset.corpus, queries, 15)
    plain = trained.rerank(dataset.corpus, queries, first)
    assert {q: set(d) for q, d in plain.items()} == {q: set(d) for q, d in first.items()}

    reused = FineTunedReranker(
        train=_settings(tiny_model), model=f"runs:/{run_id}/model", depth=10, interpolate=True
    )
    assert reused.name == "finetuned_interp"
    reused.fit(_context(tmp_path / "second", run_id, uri))
    assert reused.weight is not None and 0.0 <= reused.weight <= 1.0
    fused = reused.rerank(dataset.corpus, queries, first)
    assert {q: set(d) for q, d in fused.items()} == {q: set(d) for q, d in first.items()}
    history = MlflowClient(tracking_uri=uri).get_metric_history(run_id, "interpolation_weight")
    assert [m.value for m in history] == [reused.weight]


def test_distillation_from_a_teacher_reranker(tiny_model: Path, tmp_path: Path) -> None:
    """MarginMSE needs a teacher's scores for every group: a real bi-encoder re-ranker."""
    from _neural_helpers import tiny_bert

    from rerank_bench.reranking.bi_encoder import BiEncoderReranker
    from rerank_bench.training.losses import MarginMSELoss

    teacher = BiEncoderReranker(
        model=str(tiny_bert(tmp_path / "teacher", kind="encoder")), show_progress=False
    )
    settings = _settings(
        tiny_model,
        losses=[{"loss": MarginMSELoss(), "weight": 1.0}, {"loss": LocalizedContrastiveLoss()}],
        teacher=teacher,
        max_steps=4,
    )
    fit_cross_encoder(_context(tmp_path), settings)
    rows = list(csv.DictReader((tmp_path / "training" / "curves" / "metrics.csv").open()))
    margin = [float(r["train/MarginMSELoss"]) for r in rows if r.get("train/MarginMSELoss")]
    assert len(margin) == 4 and all(np.isfinite(margin)) and max(margin) > 0


def test_resumed_training_does_not_log_replayed_steps_twice(tmp_path: Path) -> None:
    """After a kill, training resumes from its last checkpoint and replays the steps the killed
    job had already logged; each curve must keep one point per step."""
    from rerank_bench.training.fit import _AttachedMLFlowLogger

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri)
    run_id = client.create_run(client.create_experiment("resume")).info.run_id
    for step in range(4):  # the killed job got to step 3; its checkpoint was at step 1
        client.log_metric(run_id, "train/loss", 1.0 / (step + 1), step=step)
    logger = _AttachedMLFlowLogger(uri, run_id, resumed=True)
    for step in range(2, 6):
        logger.log_metrics({"train/loss": 0.1 * step, "val/ndcg": 0.5}, step=step)
    logger.save()
    loss = sorted((m.step, m.value) for m in client.get_metric_history(run_id, "train/loss"))
    assert [s for s, _ in loss] == [0, 1, 2, 3, 4, 5]
    assert loss[2][1] == pytest.approx(1 / 3) and loss[4][1] == pytest.approx(0.4)
    assert [m.step for m in client.get_metric_history(run_id, "val/ndcg")] == [2, 3, 4, 5]
    assert client.get_run(run_id).info.status == "RUNNING"  # the pipeline ends its own run
