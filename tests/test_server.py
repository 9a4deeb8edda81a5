"""`rerank-bench server` on a real PostgreSQL, and real `rerank-bench` processes logging to it.

What must hold: two sweeps started together from two homes (two "machines" that share no disk)
each get one FINISHED run per job, with that job's own artifacts uploaded through the server and
downloadable from it; `table` and `reproduce` read and write through it; the database password
reaches no output, param, tag or artifact; the server and the database stop at the end.

The database is a throwaway cluster (initdb/pg_ctl of Debian's `postgresql` package) in a temporary
folder, on a free port, with its unix socket there too; PostgreSQL refuses to run as root, so as
root it runs as the `postgres` user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml
from mlflow.tracking import MlflowClient

from rerank_bench.hashing import file_sha256
from rerank_bench.reporting.ui import free_port
from rerank_bench.tracking.names import KIND_TAG

pytestmark = pytest.mark.slow

PASSWORD = "pg-s3cret-pw"
SWEEPS = {"k1": "retriever.k1=0.6,1.2", "b": "retriever.b=0.5,0.9"}
SPEC = """
name: shared_tiny
description: BM25 on the built-in helpdesk, reproduced through a shared tracking server.
mlflow_experiment: shared_tiny
baseline: bm25
metrics: [ndcg_at_10]
conditions:
  - name: bm25
    display: BM25
    overrides: [retriever=bm25, reranker=none]
    expected: {helpdesk: {ndcg_at_10: null}}
"""


def _postgres_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        pytest.skip("PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb): "
                    "apt-get install postgresql")
    return found[-1].parent


def _clean_env(home: Path, **extra: str) -> dict[str, str]:
    """A client's environment: its own home, none of MLflow's variables (earlier tests'
    ``mlflow.set_tracking_uri`` sets them) nor an experiment name."""
    inherited = {k: v for k, v in os.environ.items()
                 if not k.startswith("MLFLOW_") and k != "RERANK_BENCH_EXPERIMENT"}
    return {**inherited, "RERANK_BENCH_HOME": str(home), "HF_HUB_OFFLINE": "1", **extra}


def _rerank_bench(home: Path, *args: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "rerank_bench", *args],
                            env=_clean_env(home, **env), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)


def _finish(process: subprocess.Popen, timeout: float = 600) -> str:
    """The output of a process that must exit 0."""
    out = process.communicate(timeout=timeout)[0]
    assert process.returncode == 0, out
    assert PASSWORD not in out
    return out


class _Postgres:
    """A throwaway PostgreSQL cluster: a password-protected TCP port and a socket in ``root``."""

    def __init__(self, root: Path) -> None:
        self.bin, self.root, self.port = _postgres_bin(), root, free_port()
        self.data, self.socket = root / "data", root / "socket"
        self.as_postgres = os.geteuid() == 0  # PostgreSQL refuses to run as root

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin / tool), *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, text=True, timeout=120)

    def start(self) -> None:
        self.socket.mkdir()
        (self.root / "password").write_text(PASSWORD + "\n", encoding="utf-8")
        if self.as_postgres:
            user = pwd.getpwnam("postgres")
            for path in (self.root, self.socket, self.root / "password"):
                os.chown(path, user.pw_uid, user.pw_gid)
        # the socket needs no password (createdb below); TCP, which MLflow uses, needs it
        self._run("initdb", "-D", str(self.data), "-U", "mlflow", "--auth-local=trust",
                  "--auth-host=scram-sha-256", f"--pwfile={self.root / 'password'}")
        options = f"-p {self.port} -k {self.socket} -c listen_addresses=127.0.0.1"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-o", options,
                  "-w", "start")
        self._run("createdb", "-h", str(self.socket), "-p", str(self.port), "-U", "mlflow",
                  "mlflow")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    @property
    def uri(self) -> str:
        return f"postgresql+psycopg2://mlflow:{PASSWORD}@127.0.0.1:{self.port}/mlflow"


@dataclass
class Shared:
    """The server as its clients see it."""

    url: str
    banner: str
    artifacts: Path
    root: Path
    database: str


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shared]:
    """A real PostgreSQL and `rerank-bench server` on it; both stopped, whatever happens."""
    pg_root = Path(tempfile.mkdtemp(prefix="rerank-bench-pg-"))  # pytest's tmp is root-only
    postgres = _Postgres(pg_root)
    root = tmp_path_factory.mktemp("shared")
    server = None
    try:
        postgres.start()
        port = free_port()
        server = _rerank_bench(
            root / "server-home", "server", "--host", "127.0.0.1", "--port", str(port),
            "--artifacts-destination", str(root / "server-artifacts"), "--workers", "2",
            MLFLOW_BACKEND_STORE_URI=postgres.uri,  # the password off the command line
        )
        banner = []
        while not banner or not banner[-1].startswith("clients:"):
            line = server.stdout.readline() if server.stdout else ""
            assert line or server.poll() is None, "".join(banner)
            banner.append(line)
        yield Shared(f"http://127.0.0.1:{port}", "".join(banner), root / "server-artifacts", root,
                     postgres.uri)
    finally:
        try:
            if server is not None and server.poll() is None:  # SIGTERM: it stops MLflow too
                os.killpg(server.pid, signal.SIGTERM)
                try:
                    server.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    os.killpg(server.pid, signal.SIGKILL)
                    server.wait()
        finally:
            postgres.stop()
            shutil.rmtree(pg_root, ignore_errors=True)
    assert server is None or server.returncode == 0
    with pytest.raises(httpx.HTTPError):  # nothing left answering on the port
        httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)


@pytest.fixture(scope="module")
def swept(shared: Shared) -> list[str]:
    """Two sweeps of two jobs each, from two homes, started together against the server."""
    sweeps = [_rerank_bench(shared.root / f"home-{name}", "run", "--multirun", "reranker=none",
                            values, f"tracking.uri={shared.url}")
              for name, values in SWEEPS.items()]
    return [_finish(sweep) for sweep in sweeps]


def _runs(client: MlflowClient, experiment: str) -> list:
    found = client.get_experiment_by_name(experiment)
    assert found is not None
    return client.search_runs([found.experiment_id], run_view_type=3, max_results=1000)


def test_server_prints_the_tracking_uri_and_masks_the_password(shared: Shared) -> None:
    assert f"clients: tracking.uri={shared.url}" in shared.banner
    assert f"MLFLOW_TRACKING_URI={shared.url}" in shared.banner
    assert "postgresql+psycopg2://mlflow:***@127.0.0.1:" in shared.banner
    assert PASSWORD not in shared.banner


def test_two_sweeps_at_once_log_every_job_with_its_own_artifacts_through_the_server(
    shared: Shared, swept: list[str], tmp_path: Path
) -> None:
    client = MlflowClient(tracking_uri=shared.url)
    runs = _runs(client, "rerank-bench")
    jobs = [r for r in runs if r.data.tags.get(KIND_TAG) != "parent"]
    parents = [r for r in runs if r.data.tags.get(KIND_TAG) == "parent"]
    assert len(jobs) == 4 and {r.info.status for r in jobs} == {"FINISHED"}
    assert len(parents) == 2 and {r.info.status for r in parents} == {"FINISHED"}
    settings = {(r.data.params["retriever.k1"], r.data.params["retriever.b"]) for r in jobs}
    assert settings == {("0.6", "0.4"), ("1.2", "0.4"), ("0.9", "0.5"), ("0.9", "0.9")}
    digests = set()
    for run in jobs:
        assert run.info.artifact_uri.startswith("mlflow-artifacts:/"), run.info.artifact_uri
        assert run.data.tags["mlflow.parentRunId"] in {p.info.run_id for p in parents}
        folder = tmp_path / run.info.run_id
        folder.mkdir()
        config = yaml.safe_load(Path(client.download_artifacts(
            run.info.run_id, "config.yaml", str(folder))).read_text(encoding="utf-8"))
        assert str(config["retriever"]["k1"]) == run.data.params["retriever.k1"]
        assert str(config["retriever"]["b"]) == run.data.params["retriever.b"]
        assert config["tracking"]["uri"] == shared.url
        digests.add(file_sha256(Path(client.download_artifacts(
            run.info.run_id, "run.trec", str(folder)))))
        texts = [*run.data.params.values(), *run.data.tags.values()]
        assert not [t for t in texts if PASSWORD in t]
    assert len(digests) == 4  # each run holds its own job's ranking
    # the artifacts went to the server's destination, none stayed on the clients' disks
    assert len(list(shared.artifacts.rglob("run.trec"))) == 4
    for name in SWEEPS:
        assert not list((shared.root / f"home-{name}").rglob("mlartifacts"))


def test_table_reads_the_runs_through_the_server(shared: Shared, swept: list[str]) -> None:
    table = _rerank_bench(shared.root / "home-table", "table", "--experiment", "rerank-bench",
                          "--metrics", "ndcg_at_10", "--efficiency", "",
                          MLFLOW_TRACKING_URI=shared.url)  # the environment, as users set it
    out = _finish(table, timeout=300)
    rows = [line for line in out.splitlines() if line.startswith("| bm25 (")]
    assert len(rows) == 4, out  # one per job, told apart by the settings that differ
    for k1, b in (("0.6", "0.4"), ("1.2", "0.4"), ("0.9", "0.5"), ("0.9", "0.9")):
        assert sum(f'"k1": {k1}, "b": {b}' in row for row in rows) == 1, out


def test_reproduce_runs_and_reads_its_cells_through_the_server(
    shared: Shared, tmp_path: Path
) -> None:
    spec = tmp_path / "experiments" / "shared_tiny" / "spec.yaml"
    spec.parent.mkdir(parents=True)
    spec.write_text(SPEC, encoding="utf-8")
    results = tmp_path / "RESULTS.md"
    home = shared.root / "home-reproduce"
    out = _finish(_rerank_bench(home, "reproduce", str(spec.parent), "--tracking-uri", shared.url,
                                "--results", str(results)))
    assert "NEW" in out, out
    text = results.read_text(encoding="utf-8")
    assert shared.url in text and "| BM25 |" in text  # the table, from artifacts it downloaded
    runs = _runs(MlflowClient(tracking_uri=shared.url), "shared_tiny")
    cells = [r for r in runs if r.data.tags.get(KIND_TAG) != "parent"]
    assert [r.info.status for r in cells] == ["FINISHED"]
    assert cells[0].info.artifact_uri.startswith("mlflow-artifacts:/")
    assert not list(home.rglob("mlartifacts"))


def test_a_job_on_the_database_itself_logs_no_password(shared: Shared, tmp_path: Path) -> None:
    """``tracking.uri`` may name the database (no server): its password is masked in the run's
    params, command tag and config artifact, and in what the job prints."""
    home = shared.root / "home-direct"
    out = _finish(_rerank_bench(home, "run", "reranker=none", f"tracking.uri={shared.database}",
                                "tracking.experiment=direct"))
    assert "postgresql+psycopg2://mlflow:***@" in out
    client = MlflowClient(tracking_uri=shared.url)
    [run] = _runs(client, "direct")
    assert run.info.status == "FINISHED"
    assert run.data.params["tracking.uri"].startswith("postgresql+psycopg2://mlflow:***@")
    assert "tracking.uri=postgresql+psycopg2://mlflow:***@" in run.data.tags["command"]
    texts = [*run.data.params.values(), *run.data.tags.values()]
    assert not [t for t in texts if PASSWORD in t]
    config = Path(client.download_artifacts(run.info.run_id, "config.yaml", str(tmp_path)))
    assert PASSWORD not in config.read_text(encoding="utf-8")
