"""Fine-tuning inside the pipeline: one job trains on log labels and evaluates in one MLflow run;
an interrupted job resumes its run; DDP workers under Hydra add no folder and no run; two
"nodes" (processes started the way a cluster starts them) train what one process trains."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO

import numpy as np
import pytest
from _neural_helpers import tiny_bert
from mlflow.tracking import MlflowClient

from rerank_bench.data.io import read_trec_run
from rerank_bench.errors import ConfigError
from rerank_bench.pipeline import RUN_ID_FILE, run_overrides
from rerank_bench.tracking.names import FIRST_STAGE_RUN_ARTIFACT


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RERANK_BENCH_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return tmp_path / "state"


@pytest.fixture(scope="module")
def tiny_ce(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_bert(tmp_path_factory.mktemp("tiny-ce"), num_labels=1, seed=1)


@pytest.fixture(scope="module")
def tiny_encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_bert(tmp_path_factory.mktemp("tiny-encoder"), kind="encoder", seed=2)


def _chain_settings(steps: int) -> list[str]:
    """A few queries, a small dev set, validation every 2 steps: what every tiny recipe shares."""
    return [
        "train.max_train_queries=24",
        "train.max_dev_queries=8",
        "train.dev_depth=8",
        "train.log_every_n_steps=1",
        "train.trainer.precision=32-true",
        "reranker.depth=5",
    ]


def _train_overrides(model: Path, steps: int) -> list[str]:
    """The helpdesk, BM25, a tiny cross-encoder fine-tuned for ``steps`` steps on a few queries."""
    rank = "train.stages.rank"
    return [
        "dataset=helpdesk",
        "reranker=finetuned",
        "train=fast",
        f"{rank}.base_model={model}",
        f"{rank}.max_steps={steps}",
        f"{rank}.max_epochs=100",
        f"{rank}.batch_size=2",
        f"{rank}.max_length=64",
        f"{rank}.query_max_length=16",
        f"{rank}.val_every_n_steps=2",
        *_chain_settings(steps),
    ]


def _domain_overrides(encoder: Path, steps: int) -> list[str]:
    """train=domain (bi-encoder, then a segment-cosine cross-encoder from it) at tiny scale."""
    adapt, rank = "train.stages.adapt", "train.stages.rank"
    return [
        "dataset=helpdesk",
        "reranker=finetuned",
        "train=domain",
        f"{adapt}.base_model={encoder}",
        f"{adapt}.max_steps={steps}",
        f"{adapt}.batch_size=4",
        f"{adapt}.max_length=32",
        f"{adapt}.val_every_n_steps=2",
        f"{rank}.max_steps={steps}",
        f"{rank}.max_epochs=100",
        f"{rank}.batch_size=2",
        f"{rank}.sampling.negatives=3",
        f"{rank}.negatives_from=null",
        f"{rank}.max_length=48",
        f"{rank}.query_max_length=16",
        f"{rank}.val_every_n_steps=2",
        f"{rank}.patience=null",
        *_chain_settings(steps),
    ]


def _runs(home: Path) -> list:
    client = MlflowClient(tracking_uri=f"sqlite:///{home / 'mlflow.db'}")
    experiments = client.search_experiments()
    return client.search_runs([e.experiment_id for e in experiments])


def test_finetuned_on_log_labels_trains_and_evaluates_in_one_run(home: Path, tiny_ce: Path) -> None:
    result = run_overrides(
        [*_train_overrides(tiny_ce, 4), "labels=debiased_ctr", "fuse=[first_stage]"]
    )
    assert result.system == "bm25>>finetuned+bm25"
    (run,) = _runs(home)
    assert run.info.run_id == result.run_id and run.info.status == "FINISHED"
    assert run.data.params["train.label_source.method"] == "debiased_ctr"
    assert run.data.params["dataset.logs"].endswith("helpdesk/logs/train.jsonl.gz']")
    for metric in ("ndcg_at_10", "rank/train/loss", "rank/val/ndcg_at_10", "rank/minutes",
                   "fusion/weight/finetuned", "fusion/dev/ndcg_at_10"):
        assert metric in run.data.metrics, metric
    # the dev grades were cut from the log's 0..1 labels: validation scores them exactly too
    for metric in ("rank/val/ndcg_at_10_float", "rank/val/ece", "rank/val/brier",
                   "rank/best_val/ndcg_at_10_float", "rank/best_val/ece", "rank/best_val/brier"):
        assert 0.0 <= run.data.metrics[metric] <= 1.0, metric
    # throughput counts the timed re-ranking of the test queries, not fusion's dev scoring
    first = read_trec_run(result.output_dir / FIRST_STAGE_RUN_ARTIFACT)
    depth = int(run.data.params["reranker.depth"])
    pairs = sum(min(len(docs), depth) for docs in first.values())
    counted = run.data.metrics["rerank_pairs_scored"] + run.data.metrics["rerank_pairs_cached"]
    assert counted == pairs
    assert run.data.tags["status_collapse"] in {"true", "false"}  # of the fusion...
    assert run.data.tags["model_alone_collapsed"] in {"true", "false"}  # ...and of the model
    collapsed = (run.data.metrics["fusion/dev/ndcg_at_10"]
                 <= run.data.metrics["fusion/dev/first_stage_ndcg_at_10"])
    assert (run.data.tags["status_collapse"] == "true") == collapsed
    client = MlflowClient(tracking_uri=f"sqlite:///{home / 'mlflow.db'}")
    assert "model/config.json" in {a.path for a in client.list_artifacts(result.run_id, "model")}
    plots = {a.path for a in client.list_artifacts(result.run_id, "plots")}  # the run's own plots
    assert plots == {"plots/per_query_vs_first_stage.png", "plots/training_curves.png",
                     "plots/reliability_rank.png"}
    assert (result.output_dir / RUN_ID_FILE).read_text().strip() == result.run_id
    # the scored model is an MLflow model too: loaded by MLflow alone, it scores text pairs as
    # the run's re-ranker does
    import mlflow

    from rerank_bench.reranking.trained import reranker_for

    mlflow.set_tracking_uri(f"sqlite:///{home / 'mlflow.db'}")
    loaded = mlflow.pyfunc.load_model(f"runs:/{result.run_id}/reranker")
    pairs = {"query": ["wifi drops in the library", "reset my password"],
             "document": ["Library WiFi troubleshooting", "How to reset a password"]}
    folder = run.data.tags["training.rank.model"]
    direct = reranker_for("cross_encoder", folder, 64, 16).score(pairs["query"],
                                                                 pairs["document"])
    import pandas as pd

    assert np.allclose(loaded.predict(pd.DataFrame(pairs)), direct, atol=1e-5)
    records = [{"query": q, "document": d} for q, d in zip(*pairs.values(), strict=True)]
    assert np.allclose(loaded.predict(records), direct, atol=1e-5)

    # the same recipe on the same data is trained once: a sweep over evaluation settings reuses
    # it, and the run that reuses it carries its curves too
    again = run_overrides(
        [*_train_overrides(tiny_ce, 4), "labels=debiased_ctr", "reranker.depth=3",
         "tracking.register_model=helpdesk-ce"]
    )
    (version,) = client.search_model_versions("name = 'helpdesk-ce'")  # and it is registered
    assert version.run_id == again.run_id
    reused = client.get_run(again.run_id)
    assert reused.data.tags["training.rank.reused"] == "true"
    assert reused.data.tags["training.rank.folder"] == run.data.tags["training.rank.folder"]
    assert "rank/train/loss" in reused.data.metrics and "ndcg_at_10" in reused.data.metrics


def test_every_stage_of_a_chain_is_logged_and_scored_by_its_kind(
    home: Path, tiny_encoder: Path
) -> None:
    """train=domain through the pipeline: both stages' curves in the run; the cross-encoder
    scores; the same chain's bi-encoder scores with reranker=finetuned_bi (score_with=adapt, or
    by default as the recipe's last bi-encoder stage); a stage of the wrong kind is refused."""
    result = run_overrides(_domain_overrides(tiny_encoder, 4))
    (run,) = _runs(home)
    for stage in ("adapt", "rank"):
        assert f"{stage}/train/loss" in run.data.metrics, stage
        assert run.data.tags[f"training.{stage}.reused"] == "false"
    assert run.data.tags["training.rank.kind"] == "cross_encoder"
    bi = run_overrides([*_domain_overrides(tiny_encoder, 4), "reranker=finetuned_bi",
                        "score_with=adapt"])
    assert bi.system == "bm25>>finetuned_bi" and bi.metrics["ndcg@10"] != result.metrics["ndcg@10"]
    # without score_with, the re-ranker scores with the recipe's last stage of its kind: adapt
    default = run_overrides([*_domain_overrides(tiny_encoder, 4), "reranker=finetuned_bi"])
    assert default.metrics == bi.metrics
    with pytest.raises(ConfigError, match="scores with a bi_encoder model"):
        run_overrides([*_domain_overrides(tiny_encoder, 4), "reranker=finetuned_bi",
                       "score_with=rank"])


def _cli(home: Path, *args: str, env: Mapping[str, str] | None = None,
         output: int | IO[str] = subprocess.PIPE) -> subprocess.Popen:
    """``rerank-bench run <args>`` in a process of its own (environment ``env``, default this
    one's), its output and errors to ``output``."""
    return subprocess.Popen(
        [sys.executable, "-m", "rerank_bench", "run", *args],
        env={**(os.environ if env is None else env), "RERANK_BENCH_HOME": str(home)},
        stdout=output,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.slow
def test_killed_chain_resumes_at_the_stage_where_it_stopped(
    home: Path, tiny_encoder: Path, tmp_path: Path
) -> None:
    """A two-stage chain through `rerank-bench run`, killed in its second stage: run again, the
    first stage is reused, the second continues its checkpoint, and one MLflow run holds both
    stages' curves, one point per step."""
    folder = tmp_path / "job"
    args = [*_domain_overrides(tiny_encoder, 60), "train.stages.adapt.max_steps=4",
            f"hydra.run.dir={folder}"]
    first = _cli(home, *args)
    training = home / "cache" / "training"
    deadline = time.monotonic() + 300

    def second_stage_checkpoint() -> bool:
        return any(
            '"@adapt"' in (ckpt.parents[1] / "key.json").read_text()
            for ckpt in training.glob("*/checkpoints/last.ckpt")
        )

    while not second_stage_checkpoint() and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert first.poll() is None, "the job ended before it could be interrupted"
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert _runs(home) == []  # the run opens once the chain is trained: no half-run

    second = _cli(home, *args)  # the same command again
    output, _ = second.communicate(timeout=600)
    assert second.returncode == 0, output
    assert "stage adapt: training in" in output and "already finished" in output
    assert "resuming training from" in output
    (run,) = _runs(home)
    assert run.info.status == "FINISHED" and "ndcg_at_10" in run.data.metrics
    assert run.data.tags["training.adapt.reused"] == "true"
    client = MlflowClient(tracking_uri=f"sqlite:///{home / 'mlflow.db'}")
    steps = sorted(m.step for m in client.get_metric_history(run.info.run_id, "rank/train/loss"))
    assert steps[-1] >= 55 and len(steps) == len(set(steps))  # one curve, continued
    assert client.get_metric_history(run.info.run_id, "adapt/train/loss")


@pytest.mark.slow
def test_ddp_workers_under_hydra_make_no_folder_and_no_run(home: Path, tiny_ce: Path) -> None:
    job = _cli(
        home,
        *_train_overrides(tiny_ce, 4),
        "train.trainer.accelerator=cpu",
        "train.trainer.devices=2",
        "train.trainer.strategy=ddp",
    )
    output = _one_ddp_job(home, job)
    assert "MEMBER: 2/2" in output  # rank 1 really trained


def _one_ddp_job(home: Path, job: subprocess.Popen[str]) -> str:
    """Check a finished DDP `rerank-bench run`: one job folder and one FINISHED MLflow run with
    its training curve, whatever the number of ranks, and the table printed once (by rank 0);
    returns the job's output."""
    output, _ = job.communicate(timeout=600)
    assert job.returncode == 0, output
    (run,) = _runs(home)
    assert run.info.status == "FINISHED" and "ndcg_at_10" in run.data.metrics
    assert "rank/train/loss" in run.data.metrics
    folders = [p for p in (home / "outputs").glob("*/*") if p.is_dir()]
    assert len(folders) == 1 and (folders[0] / "run.trec").is_file()
    assert output.count("| bm25>>finetuned |") == 1
    return output


@pytest.fixture(scope="module")
def tiny_ce_no_dropout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_bert(tmp_path_factory.mktemp("tiny-ce-0"), num_labels=1, seed=1, dropout=0.0)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _node_env(node: int, nodes: int, port: int) -> dict[str, str]:
    """This environment as a torchrun-style launcher gives node ``node`` of ``nodes`` (one process
    each): Lightning's LightningEnvironment sees ``LOCAL_RANK`` (the processes are started
    outside it), reads ``NODE_RANK``, ``MASTER_ADDR`` and ``MASTER_PORT``, and makes the global
    rank ``NODE_RANK * devices + LOCAL_RANK``; ``WORLD_SIZE`` and ``RANK`` are what torch's
    ``env://`` rendezvous reads. Variables of SLURM and torchelastic are dropped: Lightning would
    prefer their environments to this one."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("SLURM_", "TORCHELASTIC_"))}
    return {**kept, "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port),
            "WORLD_SIZE": str(nodes), "NODE_RANK": str(node), "LOCAL_RANK": "0", "RANK": str(node)}


def _trained(home: Path) -> tuple[dict[str, np.ndarray], dict[tuple[str, str], float], list[float]]:
    """The one MLflow run under ``home``: its stage's weights at the last step (its last
    checkpoint), its job's ranking ``{(query, doc): score}`` and its training loss per step."""
    import torch

    from rerank_bench.data.io import read_trec_run

    (run,) = _runs(home)
    checkpoint = Path(run.data.tags["training.rank.folder"]) / "checkpoints" / "last.ckpt"
    state = torch.load(checkpoint, map_location="cpu", weights_only=False)["state_dict"]
    (ranking,) = [read_trec_run(p) for p in (home / "outputs").glob("*/*/run.trec")]
    client = MlflowClient(tracking_uri=f"sqlite:///{home / 'mlflow.db'}")
    losses = sorted(client.get_metric_history(run.info.run_id, "rank/train/loss"),
                    key=lambda m: m.step)
    return ({name: value.numpy() for name, value in state.items()},
            {(q, d): s for q, docs in ranking.items() for d, s in docs.items()},
            [m.value for m in losses])


@pytest.mark.slow
def test_two_nodes_train_what_one_process_trains_on_their_joint_batches(
    home: Path, tiny_ce_no_dropout: Path, tmp_path: Path
) -> None:
    """Two "nodes" of one process each (``num_nodes=2 devices=1 strategy=ddp``), started
    together with the variables a torchrun-style launcher sets, make one job: both exit 0, one
    job folder, one FINISHED MLflow run, the table printed once (by rank 0). Their model, ranking
    and loss curve are those of one process whose batch is the union of theirs, to float noise.

    What makes the two trainings the same computation (each a property of DDP, not of the code):
    - per-rank batch 2, single batch 4, ``train.shuffle=false``: the DistributedSampler gives
      rank r the groups r, r+2, ..., so step k of the two ranks reads exactly groups 4k..4k+3,
      the single process's batch k. Shuffled, the sampler draws its own permutation (seeded
      alike on every rank, not the single process's); with an odd number of groups it pads
      rank 1 with a repeat of group 0 (24 here: no padding, and 8 steps cross an epoch).
    - ``train.min_positive_label=1``: one positive per query (its grade 3), so every group of
      the label-weighted LCE weighs 1. DDP averages the ranks' gradients, i.e. the mean of the
      ranks' weighted means, which equals the weighted mean over the joint batch only when the
      ranks' weight sums are equal (with graded positives they are not: a close estimate, but
      not this one).
    - a model without dropout: each process draws its own masks.
    Negatives do not depend on the rank (drawn per group, epoch and seed) and a batch's padding
    is masked out, so what is left is the order of float sums.
    - plain SGD instead of the recipe's AdamW: Adam divides each gradient by its own running
      RMS, so a weight whose gradient is mostly float noise (a random tiny model scores every
      document nearly alike: its gradients are residues of cancelling sums) still moves by a
      sizable share of the learning rate, in a direction the noise picks; with AdamW the two
      runs' losses agreed to 1e-6 but a few such weights differed by 1e-5 to 3e-5. SGD moves a
      weight by lr x its gradient, so what is compared is DDP's gradient, to float noise.
    """
    steps, per_rank, nodes = 8, 2, 2
    rank = "train.stages.rank"
    recipe = [*_train_overrides(tiny_ce_no_dropout, steps), "train.trainer.accelerator=cpu",
              "train.shuffle=false", "train.min_positive_label=1", f"{rank}.patience=null",
              f"{rank}.optimizer._target_=torch.optim.SGD", f"{rank}.optimizer.lr=0.5"]
    distributed = [*recipe, f"{rank}.batch_size={per_rank}", f"train.trainer.num_nodes={nodes}",
                   "train.trainer.devices=1", "train.trainer.strategy=ddp",
                   f"hydra.run.dir={home / 'outputs' / 'two-nodes' / 'job'}"]
    single = tmp_path / "single"
    port = _free_port()
    with (tmp_path / "node1.log").open("w") as log_1, (tmp_path / "single.log").open("w") as log:
        # the job folder is rank 0's: node 1 writes its log beside it and no config copy, as
        # Lightning's own ddp workers do (hydra.job.name, hydra.output_subdir=null)
        node_1 = _cli(home, *distributed, "hydra.job.name=node_1", "hydra.output_subdir=null",
                      env=_node_env(1, nodes, port), output=log_1)
        node_0 = _cli(home, *distributed, env=_node_env(0, nodes, port))
        alone = _cli(single, *recipe, f"{rank}.batch_size={nodes * per_rank}", output=log)
        output = _one_ddp_job(home, node_0)
        assert node_1.wait(timeout=120) == 0, (tmp_path / "node1.log").read_text()
        assert alone.wait(timeout=600) == 0, (tmp_path / "single.log").read_text()
    worker = (tmp_path / "node1.log").read_text()
    assert "GLOBAL_RANK: 1, MEMBER: 2/2" in worker and "| bm25>>finetuned |" not in worker, worker
    assert "24 groups" in output  # 2 ranks x 2 groups per step: an epoch is 6 whole steps

    weights, scores, losses = _trained(home)
    weights_1, scores_1, losses_1 = _trained(single)
    assert len(losses) == len(losses_1) == steps
    np.testing.assert_allclose(losses, losses_1, atol=1e-5)
    assert weights.keys() == weights_1.keys() and scores.keys() == scores_1.keys()
    for name, value in weights_1.items():
        np.testing.assert_allclose(weights[name], value, atol=1e-5, err_msg=name)
    np.testing.assert_allclose([scores[k] for k in scores_1], list(scores_1.values()), atol=1e-5)
    from safetensors.numpy import load_file

    start = load_file(tiny_ce_no_dropout / "model.safetensors")
    moved = max(float(np.abs(weights[f"model.{n}"] - start[n]).max()) for n in start)
    assert moved > 1e-3  # it trained: equal is not "both untouched"


def test_every_train_recipe_composes_and_instantiates() -> None:
    from hydra.utils import instantiate

    from rerank_bench.config import config_composer
    from rerank_bench.reranking.bi_encoder import BiEncoderReranker
    from rerank_bench.training import TrainChain

    recipes = sorted(p.stem for p in (Path(__file__).parents[1] / "conf" / "train").glob("*.yaml"))
    assert {"domain", "bi_encoder", "memory", "cross_encoder", "fast", "short", "distill",
            "pairwise", "pointwise"} <= set(recipes)
    with config_composer() as compose:
        configs = {recipe: compose([f"train={recipe}", "reranker=finetuned", "labels=nrr"])
                   for recipe in recipes}
        default = compose(["reranker=finetuned"])
    for recipe, cfg in configs.items():
        chain = instantiate(cfg.train)
        assert isinstance(chain, TrainChain), recipe
        assert chain.max_positives == 3  # from labels=nrr, whatever the recipe
        assert type(chain.label_source).__name__ == "FeedbackLabelSource"
        if recipe == "distill":
            assert isinstance(chain.stages["rank"].teacher, BiEncoderReranker)
        if recipe == "domain":
            assert list(chain.stages) == ["adapt", "rank"]
            assert chain.stages["rank"].references() == ["adapt", "adapt"]
    assert default.train.stages.rank.head == "segment_cosine"  # train=domain is the default


def test_a_reused_model_scores_with_the_budgets_it_was_trained_with(
    home: Path, tiny_ce: Path
) -> None:
    """The model folder records its budgets (64/16 here); ``reranker.model=runs:/...`` scores
    with them unless told otherwise, and every table says what the budgets cut."""
    trained = run_overrides(_train_overrides(tiny_ce, 2))
    metrics = MlflowClient(tracking_uri=f"sqlite:///{home / 'mlflow.db'}").get_run(
        trained.run_id).data.metrics
    assert metrics["rank/train/docs_seen"] > 0 and "rank/train/docs_truncated" in metrics
    assert "Note: training rank: " in trained.table and "query <= 16 tokens" in trained.table
    assert "Note: re-ranking: " in trained.table
    reuse = ["dataset=helpdesk", "reranker=cross_encoder", "reranker.depth=5",
             f"reranker.model=runs:/{trained.run_id}/model", "reranker.activation=none",
             "reranker.inference.batch_tokens=16384"]
    reused = run_overrides(reuse)
    assert reused.metrics == trained.metrics  # the same model on the same inputs
    folder = reused.output_dir / "reused_model" / "model"
    record = json.loads((folder / "rerank_bench.json").read_text())
    assert (record["max_length"], record["query_max_length"]) == (64, 16)
    told = run_overrides([*reuse, "reranker.inference.max_length=128",
                          "reranker.inference.query_max_length=shared"])
    assert "longest-first, max_length=128" in told.table
