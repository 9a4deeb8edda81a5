"""Fine-tuning inside the pipeline: one job trains on log labels and evaluates in one MLflow run;
an interrupted job resumes its run; DDP workers under Hydra add no folder and no run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _neural_helpers import tiny_bert
from mlflow.tracking import MlflowClient

from rerank_bench.pipeline import RUN_ID_FILE, run_overrides


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RERANK_BENCH_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return tmp_path / "state"


@pytest.fixture(scope="module")
def tiny_ce(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_bert(tmp_path_factory.mktemp("tiny-ce"), num_labels=1, seed=1)


def _train_overrides(model: Path, steps: int) -> list[str]:
    """The helpdesk, BM25, a tiny cross-encoder fine-tuned for ``steps`` steps on a few queries."""
    return [
        "dataset=helpdesk",
        "reranker=finetuned",
        "train=fast",
        f"train.base_model={model}",
        f"train.max_steps={steps}",
        "train.max_epochs=100",
        "train.batch_size=2",
        "train.max_length=64",
        "train.query_max_length=16",
        "train.max_train_queries=24",
        "train.max_dev_queries=8",
        "train.dev_depth=8",
        "train.val_every_n_steps=2",
        "train.log_every_n_steps=1",
        "reranker.depth=5",
    ]


def _runs(home: Path) -> list:
    client = MlflowClient(tracking_uri=f"sqlite:///{home / 'mlflow.db'}")
    experiments = client.search_experiments()
    return client.search_runs([e.experiment_id for e in experiments])


def test_finetuned_on_log_labels_trains_and_evaluates_in_one_run(home: Path, tiny_ce: Path) -> None:
    result = run_overrides(
        [*_train_overrides(tiny_ce, 4), "labels=debiased_ctr", "reranker.interpolate=true"]
    )
    assert result.system == "bm25>>finetuned_interp"
    (run,) = _runs(home)
    assert run.info.run_id == result.run_id and run.info.status == "FINISHED"
    assert run.data.params["train.label_source.method"] == "debiased_ctr"
    assert run.data.params["dataset.logs"].endswith("helpdesk/logs/train.jsonl.gz']")
    for metric in ("ndcg_at_10", "train/loss", "val_ndcg_at_10", "interpolation_weight"):
        assert metric in run.data.metrics, metric
    assert run.data.tags["status_collapse"] in {"true", "false"}  # of the interpolation...
    assert run.data.tags["model_alone_collapsed"] in {"true", "false"}  # ...and of the model
    collapsed = run.data.metrics["interpolation_dev_ndcg_at_10"] <= run.data.metrics.get(
        "train_first_stage_val_ndcg_at_10", 1.0
    )
    assert (run.data.tags["status_collapse"] == "true") == collapsed
    client = MlflowClient(tracking_uri=f"sqlite:///{home / 'mlflow.db'}")
    assert "model/config.json" in {a.path for a in client.list_artifacts(result.run_id, "model")}
    assert (result.output_dir / RUN_ID_FILE).read_text().strip() == result.run_id

    # the same recipe on the same data is trained once: a sweep over evaluation settings reuses it
    again = run_overrides(
        [*_train_overrides(tiny_ce, 4), "labels=debiased_ctr", "reranker.depth=3"]
    )
    reused = MlflowClient(tracking_uri=f"sqlite:///{home / 'mlflow.db'}").get_run(again.run_id)
    assert reused.data.tags["trained_in_run"] == result.run_id
    assert "train/loss" not in reused.data.metrics and "ndcg_at_10" in reused.data.metrics


def _cli(home: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "RERANK_BENCH_HOME": str(home)}
    return subprocess.Popen(
        [sys.executable, "-m", "rerank_bench", "run", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.slow
def test_killed_job_resumes_its_checkpoint_and_its_mlflow_run(
    home: Path, tiny_ce: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "job"
    args = [*_train_overrides(tiny_ce, 60), "train.patience=null", f"hydra.run.dir={folder}"]
    first = _cli(home, *args)
    checkpoints = home / "cache" / "finetuned"  # trainings live in the cache, keyed by recipe
    deadline = time.monotonic() + 300
    while (
        not list(checkpoints.glob("*/training/checkpoints/last.ckpt"))
        and first.poll() is None
        and time.monotonic() < deadline
    ):
        time.sleep(0.05)
    assert first.poll() is None, "the job ended before it could be interrupted"
    first.send_signal(signal.SIGKILL)
    first.wait()
    (killed,) = _runs(home)
    assert killed.info.status == "RUNNING"  # killed: MLflow never heard the end

    second = _cli(home, *args)  # the same command again
    output, _ = second.communicate(timeout=600)
    assert second.returncode == 0, output
    assert "resuming training from" in output and "resuming MLflow run" in output
    (run,) = _runs(home)
    assert run.info.run_id == killed.info.run_id and run.info.status == "FINISHED"
    assert "ndcg_at_10" in run.data.metrics
    client = MlflowClient(tracking_uri=f"sqlite:///{home / 'mlflow.db'}")
    steps = sorted(m.step for m in client.get_metric_history(run.info.run_id, "train/loss"))
    assert steps[-1] >= 55 and len(steps) == len(set(steps))  # one curve, continued


@pytest.mark.slow
def test_ddp_workers_under_hydra_make_no_folder_and_no_run(home: Path, tiny_ce: Path) -> None:
    job = _cli(
        home,
        *_train_overrides(tiny_ce, 4),
        "train.accelerator=cpu",
        "train.devices=2",
        "train.strategy=ddp",
    )
    output, _ = job.communicate(timeout=600)
    assert job.returncode == 0, output
    (run,) = _runs(home)
    assert run.info.status == "FINISHED" and "ndcg_at_10" in run.data.metrics
    assert "train/loss" in run.data.metrics
    folders = [p for p in (home / "outputs").glob("*/*") if p.is_dir()]
    assert len(folders) == 1 and (folders[0] / "run.trec").is_file()
    assert "bm25>>finetuned" in output  # the table, printed by rank 0 only
    assert output.count("| bm25>>finetuned |") == 1
    assert "MEMBER: 2/2" in output  # rank 1 really trained


def test_every_train_recipe_composes_and_instantiates() -> None:
    from hydra import compose, initialize_config_module
    from hydra.utils import instantiate

    from rerank_bench.reranking.bi_encoder import BiEncoderReranker
    from rerank_bench.reranking.finetuned import FineTunedReranker

    recipes = sorted(p.stem for p in (Path(__file__).parents[1] / "conf" / "train").glob("*.yaml"))
    assert {"default", "fast", "short", "distill", "pairwise", "pointwise"} <= set(recipes)
    for recipe in recipes:
        with initialize_config_module(config_module="rerank_bench.conf", version_base="1.3"):
            cfg = compose("config", [f"train={recipe}", "reranker=finetuned", "labels=nrr"])
        reranker = instantiate(cfg.reranker)
        assert isinstance(reranker, FineTunedReranker) and reranker.train is not None
        assert reranker.train.max_positives == 3  # from labels=nrr, whatever the recipe
        assert type(reranker.train.label_source).__name__ == "FeedbackLabelSource"
        if recipe == "distill":
            assert isinstance(reranker.train.teacher, BiEncoderReranker)
