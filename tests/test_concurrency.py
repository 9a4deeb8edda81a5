"""Jobs that start together, and jobs killed with SIGKILL: real ``rerank-bench`` processes.

What must hold: two jobs never share a job folder or race through the store's creation; a killed
job's run does not stay RUNNING; a re-run sweep reuses its finished jobs and runs the killed one.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from api_server import FakeProviderServer, Fault
from mlflow.tracking import MlflowClient

from rerank_bench.experiments.reuse import JOB_KEY_TAG
from rerank_bench.hashing import file_sha256
from rerank_bench.tracking.names import KIND_TAG
from rerank_bench.tracking.store import END_REASON_TAG, PROCESS_TAG, close_orphans

HERE = Path(__file__).parent


def _env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a job on the store under ``home`` (MLflow's own variables, which
    ``mlflow.set_tracking_uri`` in earlier tests sets, would point it elsewhere)."""
    inherited = {k: v for k, v in os.environ.items()
                 if not k.startswith("MLFLOW_") and k != "RERANK_BENCH_EXPERIMENT"}
    return {**inherited, "RERANK_BENCH_HOME": str(home), "HF_HUB_OFFLINE": "1", **extra}


def _start(home: Path, *args: str, script: str | None = None, **env: str) -> subprocess.Popen:
    head = [sys.executable, str(HERE / script)] if script else [sys.executable, "-m",
                                                                  "rerank_bench"]
    return subprocess.Popen([*head, *args], env=_env(home, **env), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)


def _all_runs(home: Path) -> list:
    client = MlflowClient(tracking_uri=f"sqlite:///{home / 'mlflow.db'}")
    return client.search_runs([e.experiment_id for e in client.search_experiments()],
                              run_view_type=3, max_results=1000)


def _runs(home: Path) -> list:
    """The jobs' runs (a sweep's parent run left out)."""
    return [r for r in _all_runs(home) if r.data.tags.get(KIND_TAG) != "parent"]


def _parents(home: Path) -> list:
    return [r for r in _all_runs(home) if r.data.tags.get(KIND_TAG) == "parent"]


def _artifact(home: Path, run, name: str) -> Path:
    return Path(run.info.artifact_uri.removeprefix("file://")) / name


def test_two_runs_started_together_on_a_new_store_keep_their_own_folder_and_artifacts(
    tmp_path: Path,
) -> None:
    jobs = [_start(tmp_path, "run", f"retriever.k1={k1}") for k1 in (0.6, 1.2)]
    outputs = [job.communicate(timeout=300)[0] for job in jobs]
    assert [job.returncode for job in jobs] == [0, 0], outputs  # no schema race on a new store
    folders = sorted((tmp_path / "outputs").glob("*/*"))
    assert len(folders) == 2
    for folder in folders:  # each folder's config is its own command line's
        asked = yaml.safe_load((folder / ".hydra" / "overrides.yaml").read_text())
        config = yaml.safe_load((folder / "config.yaml").read_text())
        assert asked == [f"retriever.k1={config['retriever']['k1']}"]
    runs = _runs(tmp_path)
    assert len(runs) == 2 and {r.info.status for r in runs} == {"FINISHED"}
    for run in runs:  # every run's artifacts are those of the job that logged its params
        config = yaml.safe_load(_artifact(tmp_path, run, "config.yaml").read_text())
        assert str(config["retriever"]["k1"]) == run.data.params["retriever.k1"]
    digests = {file_sha256(_artifact(tmp_path, run, "run.trec")) for run in runs}
    assert len(digests) == 2


@pytest.mark.slow
def test_a_killed_sweep_run_again_reuses_finished_jobs_and_closes_the_orphan(
    tmp_path: Path,
) -> None:
    sweep = ["run", "--multirun", "reranker=none,cohere-rerank"]
    with FakeProviderServer() as server:
        env = {"CO_API_URL": server.url("cohere"), "CO_API_KEY": server.api_key}
        server.faults.append(Fault("slow", delay_s=600, endpoint="rerank", times=None))
        job = _start(tmp_path, *sweep, script="_at_clean_commit.py", **env)
        deadline = time.monotonic() + 300
        while server.max_in_flight == 0:  # the re-ranking job's run is open: kill it there
            assert job.poll() is None and time.monotonic() < deadline, job.stdout.read()
            time.sleep(0.05)
        os.killpg(job.pid, signal.SIGKILL)
        job.wait()
        before = {r.info.run_id: r for r in _runs(tmp_path)}
        assert sorted(r.info.status for r in before.values()) == ["FINISHED", "RUNNING"]

        server.faults.clear()
        again = _start(tmp_path, *sweep, script="_at_clean_commit.py", **env)
        out = again.communicate(timeout=300)[0]
    assert again.returncode == 0, out
    assert "reused: a finished run of the same job" in out
    after = {r.info.run_id: r for r in _runs(tmp_path)}
    statuses = sorted(r.info.status for r in after.values())
    assert statuses == ["FINISHED", "FINISHED", "KILLED"]  # BM25 reused, one new, orphan closed
    orphan = next(r for r in after.values() if r.info.status == "KILLED")
    assert before[orphan.info.run_id].info.status == "RUNNING"
    assert "ended without closing this run" in orphan.data.tags[END_REASON_TAG]
    assert len({r.data.tags[JOB_KEY_TAG] for r in after.values()}) == 2
    # the killed sweep's parent run is closed too; the re-run's parent finished
    assert sorted(r.info.status for r in _parents(tmp_path)) == ["FINISHED", "KILLED"]


def test_only_runs_of_dead_processes_are_closed(tmp_path: Path) -> None:
    """A RUNNING run whose process is alive (this one), or of another host, stays RUNNING."""
    import mlflow

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri)
    experiment = client.create_experiment("e")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    owners = {
        "alive": None,  # start_run below tags nothing: set to this process
        "dead": f"{os.uname().nodename}:{dead}:1",
        "elsewhere": "another-host:1:1",
        "untagged": "",
    }
    ids = {}
    mlflow.set_tracking_uri(uri)
    from rerank_bench.tracking.store import current_process

    for name, owner in owners.items():
        run = client.create_run(experiment, run_name=name)
        if owner != "":
            client.set_tag(run.info.run_id, PROCESS_TAG, owner or current_process())
        ids[name] = run.info.run_id
    assert close_orphans(uri, experiment) == [ids["dead"]]
    statuses = {name: client.get_run(i).info.status for name, i in ids.items()}
    assert statuses == {"alive": "RUNNING", "dead": "KILLED", "elsewhere": "RUNNING",
                        "untagged": "RUNNING"}


@pytest.mark.slow
def test_the_stress_script_finds_every_finished_run_consistent(tmp_path: Path) -> None:
    """scripts/stress.py: sweeps at once on one new store, one SIGKILLed, all re-run."""
    script = HERE.parent / "scripts" / "stress.py"
    done = subprocess.run(
        [sys.executable, str(script), "--sweeps", "2", "--kill", "1", "--values", "2",
         "--home", str(tmp_path)], env=_env(tmp_path), capture_output=True, text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    after_reruns = done.stdout.split("after the re-runs:")[1].split(";")[0]
    assert "problems: 0" in done.stdout and "'RUNNING'" not in after_reruns  # none left RUNNING


KILLED_WHILE_CREATING = """
import os, signal, sys
import mlflow.store.db.utils as db_utils
from rerank_bench.tracking.store import prepare_experiment

def die(*args, **kwargs):  # the moment a SIGKILL lands among the schema's migrations
    os.kill(os.getpid(), signal.SIGKILL)

db_utils._upgrade_db = die
prepare_experiment(sys.argv[1], "stress", None)
"""


def test_a_job_killed_while_creating_the_store_leaves_no_broken_store(tmp_path: Path) -> None:
    """SIGKILL during MLflow's migrations of a new sqlite store: the store's path is left
    without a file (the half-built schema lies beside it), and the next job builds it whole."""
    from rerank_bench.tracking.store import prepare_experiment

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    killed = subprocess.run([sys.executable, "-c", KILLED_WHILE_CREATING, uri], env=_env(tmp_path),
                            capture_output=True, text=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert not (tmp_path / "mlflow.db").exists()
    assert (tmp_path / "mlflow.db.building").exists()  # what the kill left, apart
    experiment_id = prepare_experiment(uri, "stress", None)
    client = MlflowClient(tracking_uri=uri)
    assert client.get_experiment(experiment_id).name == "stress"
    assert not (tmp_path / "mlflow.db.building").exists()
