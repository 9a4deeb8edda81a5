"""Sweeps through Hydra's process launchers (``conf/hydra/launcher``): real worker processes, a
real store.

What must hold: a 4-job sweep through ``joblib`` (loky workers) and through ``submitit_local``
(one submitit process per job, SLURM's launcher without a cluster) leaves one FINISHED MLflow run
per job under the sweep's parent run, each with its own folder and artifacts (jobs that log the
same dataset at once once raced on MLflow's unique key); a job that trains with DDP under
submitit makes one folder and one run whatever its number of ranks; a bad config in a worker is
still the user's error (exit 2, its message), and a crash in a worker is not reported as one.
The SLURM config is checked to compose with a cluster's overrides (no cluster here).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from test_concurrency import _artifact, _env, _parents, _runs, _start
from test_pipeline_finetune import _train_overrides, tiny_ce  # noqa: F401

from rerank_bench.hashing import file_sha256

K1 = ("0.6", "0.9", "1.2", "1.5")
CLI = [sys.executable, "-m", "rerank_bench"]


def _sweep(home: Path, launcher: str, *overrides: str, timeout: int = 600) -> str:
    job = _start(home, "run", "--multirun", f"hydra/launcher={launcher}", *overrides)
    output, _ = job.communicate(timeout=timeout)
    assert job.returncode == 0, output
    return output


def _job_folders(home: Path) -> list[Path]:
    return sorted(p for p in (home / "multirun").glob("*/*/*") if p.is_dir()
                  and not p.name.startswith("."))


def _check_one_run_per_job(home: Path, key: str, values: tuple[str, ...]) -> None:
    """One FINISHED run per job, nested under the sweep's FINISHED parent, each with the
    artifacts of its own job (its config's value of ``key``, its own run file)."""
    (parent,) = _parents(home)
    assert parent.info.status == "FINISHED"
    runs = _runs(home)
    assert sorted(run.data.params[key] for run in runs) == sorted(values)
    assert {run.info.status for run in runs} == {"FINISHED"}
    assert {run.data.tags["mlflow.parentRunId"] for run in runs} == {parent.info.run_id}
    for run in runs:
        config = yaml.safe_load(_artifact(home, run, "config.yaml").read_text())
        section, name = key.split(".")
        assert str(config[section][name]) == run.data.params[key]
    assert len({file_sha256(_artifact(home, run, "run.trec")) for run in runs}) == len(values)
    assert len(_job_folders(home)) == len(values)


@pytest.mark.slow
def test_a_joblib_sweep_runs_each_job_in_a_worker_with_its_own_run(tmp_path: Path) -> None:
    output = _sweep(tmp_path, "joblib", f"retriever.k1={','.join(K1)}")
    assert "Joblib.Parallel(n_jobs=2" in output  # our config's default, not the plugin's -1
    assert "validated against ConfigStore schema" not in output  # the notice stays quiet
    _check_one_run_per_job(tmp_path, "retriever.k1", K1)


@pytest.mark.slow
def test_a_submitit_local_sweep_runs_each_job_as_a_process_with_its_own_run(
    tmp_path: Path,
) -> None:
    _sweep(tmp_path, "submitit_local", f"retriever.k1={','.join(K1)}")
    _check_one_run_per_job(tmp_path, "retriever.k1", K1)
    logs = list((tmp_path / "multirun").glob("*/*/.submitit/*/*_log.out"))
    assert len(logs) == len(K1)  # one submitit job each, its table in its log
    assert all("| bm25 |" in log.read_text() for log in logs)


@pytest.mark.slow
def test_ddp_training_under_submitit_makes_one_folder_and_one_run(
    tmp_path: Path, tiny_ce: Path  # noqa: F811
) -> None:
    _sweep(tmp_path, "submitit_local", *_train_overrides(tiny_ce, 4), "seed=7",
           "train.trainer.accelerator=cpu", "train.trainer.devices=2",
           "train.trainer.strategy=ddp")
    (run,) = _runs(tmp_path)
    assert run.info.status == "FINISHED" and "rank/train/loss" in run.data.metrics
    (folder,) = _job_folders(tmp_path)
    assert (folder / "run.trec").is_file()
    (log,) = (tmp_path / "multirun").glob("*/*/.submitit/*/*_log.out")
    assert log.read_text().count("| bm25>>finetuned |") == 1  # the table, by rank 0 only


def test_a_bad_config_in_a_joblib_worker_is_the_users_error(tmp_path: Path) -> None:
    job = _start(tmp_path, "run", "--multirun", "hydra/launcher=joblib", "dataset=local",
                 "dataset.corpus=missing.jsonl", "dataset.queries=q.tsv", "dataset.qrels=r",
                 "seed=1,2")
    output, _ = job.communicate(timeout=300)
    assert job.returncode == 2, output
    assert "rerank-bench: error: missing.jsonl: not found (dataset.corpus" in output
    assert "did not compose" not in output


def test_a_crash_in_a_joblib_worker_is_not_called_a_config_error(tmp_path: Path) -> None:
    """A job that dies of a bug (here: a retriever class that does not take the config) in a
    worker exits 1 with its traceback, not 2 with a hint about composing the config."""
    job = _start(tmp_path, "run", "--multirun", "hydra/launcher=joblib",
                 "retriever._target_=builtins.dict", "seed=1,2")
    output, _ = job.communicate(timeout=300)
    assert job.returncode == 1, output
    assert "Traceback" in output and "did not compose" not in output


def test_the_slurm_launcher_composes_with_a_clusters_overrides(tmp_path: Path) -> None:
    overrides = ["hydra/launcher=submitit_slurm", "hydra.launcher.partition=gpu",
                 "hydra.launcher.gpus_per_node=4", "hydra.launcher.tasks_per_node=4",
                 "hydra.launcher.nodes=2", "hydra.launcher.timeout_min=120",
                 "hydra.launcher.array_parallelism=8", "train.trainer.num_nodes=2",
                 "train.trainer.devices=4", "train.trainer.strategy=ddp"]
    composed = subprocess.run(
        [*CLI, "run", *overrides, "--cfg", "hydra", "--package", "hydra.launcher"],
        env=_env(tmp_path), capture_output=True, text=True, timeout=120, check=True,
    )
    launcher = yaml.safe_load(composed.stdout)  # the hydra.launcher node alone
    assert launcher["_target_"].endswith("submitit_launcher.SlurmLauncher")
    assert (launcher["partition"], launcher["nodes"], launcher["tasks_per_node"],
            launcher["gpus_per_node"], launcher["array_parallelism"]) == ("gpu", 2, 4, 4, 8)
    assert "validated against ConfigStore schema" not in composed.stderr
    misspelt = subprocess.run(
        [*CLI, "run", "hydra/launcher=submitit_slurm", "hydra.launcher.partiton=gpu",
         "--cfg", "hydra"], env=_env(tmp_path), capture_output=True, text=True, timeout=120,
    )
    assert misspelt.returncode == 2 and "partiton" in misspelt.stderr  # the schema refuses it
