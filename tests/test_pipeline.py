"""The spine end to end: config -> first stage -> evaluation -> MLflow, on real data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from rerank_bench.pipeline import run_overrides


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private project state folder: cache, MLflow store and outputs under tmp_path."""
    monkeypatch.setenv("RERANK_BENCH_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return tmp_path / "state"


def _client(home: Path) -> MlflowClient:
    return MlflowClient(tracking_uri=f"sqlite:///{home / 'mlflow.db'}")


def test_run_file_first_stage_logs_everything(home: Path, data_root: Path) -> None:
    path = data_root / "msmarco-trec-dl" / "pools" / "run.dl19.bm25.top100.trec"
    result = run_overrides(
        [
            "dataset=dl19",
            "retriever=run_file",
            f"retriever.path={path}",
            "retriever.name=bm25_anserini",
        ]
    )
    assert round(result.metrics["ndcg@10"], 4) == 0.5058
    run = _client(home).get_run(result.run_id)
    assert run.data.tags["dataset"] == "dl19"
    assert run.data.tags["retriever"] == "bm25_anserini"
    assert run.data.tags["reranker"] == "none"
    assert run.data.tags["git_commit"]
    assert run.data.tags["version.ranx"]
    assert run.data.params["eval.rel_level"] == "None"
    assert run.data.params["dataset.rel_level"] == "2"
    assert run.data.metrics["ndcg_at_10"] == pytest.approx(0.5058, abs=5e-5)
    artifacts = {a.path for a in _client(home).list_artifacts(result.run_id)}
    assert {"run.trec", "per_query.json", "config.yaml", "results.md"} <= artifacts
    per_query = json.loads((result.output_dir / "per_query.json").read_text())
    assert len(per_query["per_query"]["ndcg@10"]) == 43
    assert per_query["rel_level"] == 2
    assert "| bm25_anserini |" in (result.output_dir / "results.md").read_text()


def test_bm25_scifact_in_published_band(home: Path, data_root: Path) -> None:
    result = run_overrides(["dataset=scifact", "retriever=bm25"])
    # BEIR paper 0.665 (multifield) to Pyserini 0.679; bm25s Lucene k1=0.9 b=0.4 gives 0.676.
    assert 0.665 <= result.metrics["ndcg@10"] <= 0.679
    assert round(result.metrics["ndcg@10"], 3) == 0.676
    assert result.evaluation.n_queries == 300
    # A second run replays the cached first stage: same numbers, no re-indexing.
    again = run_overrides(["dataset=scifact", "retriever=bm25"])
    assert again.metrics == result.metrics
    assert len(list((home / "cache" / "bm25").iterdir())) == 1


def test_bm25_parameters_change_the_cache_key(home: Path, data_root: Path) -> None:
    tuned = run_overrides(["dataset=scifact", "retriever.k1=1.5", "retriever.b=0.75"])
    assert round(tuned.metrics["ndcg@10"], 3) == 0.686  # bm25s defaults, measured in data/README
    assert len(list((home / "cache" / "bm25").iterdir())) == 1


def test_cli_multirun_makes_one_mlflow_run_per_job(home: Path, data_root: Path) -> None:
    env = {**os.environ, "RERANK_BENCH_HOME": str(home)}
    cmd = [
        sys.executable,
        "-m",
        "rerank_bench",
        "run",
        "--multirun",
        "dataset=dl19_tiny",
        "retriever.k1=0.9,1.2",
    ]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("| bm25 |") == 2
    runs = _client(home).search_runs(
        [_client(home).get_experiment_by_name("rerank-bench").experiment_id]
    )
    (parent,) = [r for r in runs if "sweep_dir" in r.data.tags]  # one parent run per sweep
    jobs = [r for r in runs if r is not parent]
    assert sorted(r.data.params["retriever.k1"] for r in jobs) == ["0.9", "1.2"]
    assert {r.data.tags["mlflow.parentRunId"] for r in jobs} == {parent.info.run_id}
    assert parent.info.status == "FINISHED" and "--multirun" in parent.data.tags["command"]
    assert all(r.data.tags["git_dirty"] in ("true", "false") for r in runs)
    experiment = _client(home).get_experiment_by_name("rerank-bench")  # UI: the runs table
    assert experiment.tags["mlflow.experimentKind"] == "custom_model_development"


def test_cli_help_and_user_errors(home: Path, tmp_path: Path) -> None:
    env = {**os.environ, "RERANK_BENCH_HOME": str(home)}
    top = subprocess.run(
        [sys.executable, "-m", "rerank_bench", "--help"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "run" in top.stdout and "table" in top.stdout
    group_help = subprocess.run(
        [sys.executable, "-m", "rerank_bench", "run", "--help"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "dataset: " in group_help.stdout and "scifact" in group_help.stdout
    bad = tmp_path / "bad.trec"
    bad.write_text("q1 Q0 d1 1 1.0 tag\nq1 Q0 d2 2\n")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "rerank_bench",
            "run",
            "dataset=dl19_tiny",
            "retriever=run_file",
            f"retriever.path={bad}",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert f"{bad}:2" in done.stderr and "expected 6" in done.stderr
    assert not list(home.glob("outputs/*/*/run.trec"))  # nothing half-written


def test_api_dry_run_logs_an_estimate_and_no_scores(home: Path, data_root: Path) -> None:
    from rerank_bench.errors import DryRunStop

    with pytest.raises(DryRunStop, match="no request was sent") as stopped:
        run_overrides(["dataset=dl19_tiny", "retriever=openai-3-small", "retriever.dry_run=true"])
    assert stopped.value.estimate
    client = _client(home)
    (run,) = client.search_runs([client.get_experiment_by_name("rerank-bench").experiment_id])
    assert run.info.status == "FINISHED"
    assert run.data.tags["dry_run"] == "true"
    assert set(stopped.value.estimate) <= set(run.data.metrics)
    assert not any(k.startswith("ndcg") for k in run.data.metrics)


def test_cached_rescoring_is_not_reported_as_throughput(home: Path, data_root: Path) -> None:
    overrides = ["dataset=dl19_tiny", "retriever=bm25", "reranker=splade", "reranker.depth=5"]
    first = _client(home).get_run(run_overrides(overrides).run_id).data.metrics
    again = _client(home).get_run(run_overrides(overrides).run_id).data.metrics
    assert first["rerank_pairs_scored"] == 50 and first["rerank_pairs_cached"] == 0
    assert first["pairs_per_s_rerank"] > 0
    assert again["rerank_pairs_scored"] == 0 and again["rerank_pairs_cached"] == 50
    assert "pairs_per_s_rerank" not in again  # served by the score cache: no throughput claim
    assert again["ndcg_at_10"] == first["ndcg_at_10"]
    assert first["rerank_docs_seen"] > 0 and "rerank_docs_truncated" in first  # one summary
    assert again["rerank_docs_seen"] == 0  # nothing tokenised: every pair came from the cache


def test_a_reranker_scoring_nan_fails_before_anything_is_evaluated(
    home: Path, data_root: Path, tmp_path: Path
) -> None:
    """NaN has no rank order: a re-ranker's NaN scores are an error naming it, not a number."""
    import torch
    from _neural_helpers import tiny_bert
    from transformers import AutoModelForSequenceClassification

    from rerank_bench.errors import ScoreError

    folder = tiny_bert(tmp_path / "nan-model")
    model = AutoModelForSequenceClassification.from_pretrained(str(folder))
    with torch.no_grad():
        model.classifier.bias.fill_(float("nan"))
    model.save_pretrained(str(folder))
    with pytest.raises(ScoreError, match="re-ranker bm25>>cross_encoder: query .* has score nan"):
        run_overrides(["dataset=dl19_tiny", "reranker=cross_encoder",
                       f"reranker.model={folder}", "reranker.depth=5"])
    (run,) = _client(home).search_runs(["1"])
    assert run.info.status == "FAILED" and "ndcg_at_10" not in run.data.metrics


def test_the_evaluated_split_is_a_logged_mlflow_dataset_input(home: Path, data_root: Path) -> None:
    first = run_overrides(["dataset=scifact"])
    again = run_overrides(["dataset=scifact", "retriever.k1=1.2"])
    inputs = [_client(home).get_run(r.run_id).inputs.dataset_inputs for r in (first, again)]
    (one,), (two,) = inputs
    assert one.dataset.name == "scifact/test" and [t.value for t in one.tags] == ["evaluation"]
    assert one.dataset.source_type == "local" and "scifact" in one.dataset.source
    assert one.dataset.digest == two.dataset.digest  # the same data, the same digest


def test_int8_static_calibrates_on_the_train_split_and_keys_its_scores(home: Path) -> None:
    pytest.importorskip("openvino")
    overrides = ["dataset=helpdesk", "retriever=bm25", "reranker=splade", "reranker.depth=5",
                 "reranker.inference.precision=int8-static"]
    run = _client(home).get_run(run_overrides(overrides).run_id)
    written = sorted(home.rglob("calibration/helpdesk-train-*.jsonl"))
    assert len(written) == 1  # the train questions, never the evaluated test split
    key = json.loads(run.data.params["fingerprint.reranker"])
    assert key["precision"] == "int8-static" and "openvino" in key["quantization"]
    assert written[0].stem.endswith(key["calibration"])
    assert 0 < run.data.metrics["ndcg_at_10"] <= 1
