"""The MLflow store as many processes share it: created once, and runs of dead processes closed.

Why: jobs start together (a sweep launched beside another, ``reproduce`` beside a ``run``). On a
new sqlite store, two of them raced through MLflow's schema creation and one died with a raw
``duplicate column name`` or alembic error; two creating the same experiment race the same way.
:func:`prepare_experiment` does both under one file lock, so the store is made exactly once.

A job killed with ``kill -9`` (or by the out-of-memory killer, or a node failure) cannot close its
run, which then says RUNNING forever. Every run records the process that owns it
(:data:`PROCESS_TAG`: host, pid and that pid's start time, so a recycled pid is not mistaken for
the owner); :func:`close_orphans` marks RUNNING runs whose process is gone KILLED, with a reason.
Only runs of this host can be checked; a run of another host is left as it is.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

from mlflow.entities import RunStatus
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

__all__ = [
    "END_REASON_TAG",
    "EXPERIMENT_KIND_TAG",
    "PROCESS_TAG",
    "close_orphans",
    "current_process",
    "experiment_location",
    "prepare_experiment",
    "process_alive",
    "store_lock",
]

log = logging.getLogger(__name__)

PROCESS_TAG = "rerank_bench.process"
"""``<host>:<pid>:<start time>`` of the process that owns a run (see :func:`current_process`)."""
END_REASON_TAG = "end_reason"
"""Why a run was closed by another process (a run killed before it could close itself)."""


def _start_time(pid: int) -> str | None:
    """When ``pid`` started (clock ticks since boot, from /proc), or ``None`` if it does not run.

    Where /proc is absent the pid alone names the process (``""``, alive when signal 0 reaches it).
    """
    if not Path("/proc/self/stat").is_file():
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:  # alive, owned by another user
            pass
        return ""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command name (field 2) is in parentheses and may hold spaces: split after it
    return text.rsplit(")", 1)[1].split()[19]


def current_process() -> str:
    """This process as :data:`PROCESS_TAG` spells it."""
    return f"{socket.gethostname()}:{os.getpid()}:{_start_time(os.getpid())}"


def process_alive(owner: str) -> bool | None:
    """Whether the process named by a :data:`PROCESS_TAG` value still runs; ``None`` when it
    cannot be told (another host, or a value this code did not write)."""
    parts = owner.rsplit(":", 2)
    if len(parts) != 3 or parts[0] != socket.gethostname() or not parts[1].isdigit():
        return None
    started = _start_time(int(parts[1]))
    return started is not None and started == parts[2]


def _lock_path(uri: str) -> Path | None:
    """The lock file of a local store (sqlite file or folder store); ``None`` for a server."""
    if uri.startswith("sqlite:///"):
        return Path(uri[len("sqlite:///"):] + ".lock")
    if uri.startswith("file:"):
        return Path(urlparse(uri).path) / ".rerank-bench.lock"
    if "://" not in uri:
        return Path(uri) / ".rerank-bench.lock"
    return None  # a tracking server serialises its own writes


@contextlib.contextmanager
def store_lock(uri: str) -> Iterator[None]:
    """Hold an exclusive lock on a local store (blocking); a no-op for a tracking server."""
    path = _lock_path(uri)
    if path is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


EXPERIMENT_KIND_TAG = "mlflow.experimentKind"
"""Which page MLflow's UI opens an experiment on: its runs table (``custom_model_development``)
rather than the GenAI view it picks for an experiment without the tag, where no metric shows."""


def experiment_location(uri: str, artifact_location: str | None) -> str | None:
    """Where a new experiment in the store at ``uri`` keeps its artifacts; ``None``: the store's
    default.

    A URI (``s3://...``, ``mlflow-artifacts:/...``) is kept as given; a local folder becomes its
    ``file://`` URI, except on a tracking server (``http(s)://``). There a folder of this machine
    would be a folder no other client sees, so the server's default is used: with
    ``--serve-artifacts`` (``rerank-bench server``) every client uploads and downloads through it.
    """
    if not artifact_location:
        return None
    if "://" in artifact_location or artifact_location.startswith("mlflow-artifacts:"):
        return artifact_location
    if urlparse(uri).scheme in ("http", "https"):
        return None
    return Path(artifact_location).resolve().as_uri()


def _create_sqlite_store(uri: str) -> None:
    """Make a new sqlite store whole or not at all: its schema is built in a file beside it,
    which then takes its name. MLflow builds the schema through a few dozen migrations in
    place; a job killed among them (``kill -9`` of a sweep that had just started) left a store
    that no later process could open ("table _alembic_tmp_trace_tags already exists"). A file
    left by a killed build is rebuilt. Under :func:`store_lock`."""
    if not uri.startswith("sqlite:///"):
        return
    path = Path(uri[len("sqlite:///"):])
    if path.exists():
        return
    building = path.with_name(f"{path.name}.building")
    building.unlink(missing_ok=True)
    MlflowClient(tracking_uri=f"sqlite:///{building}").search_experiments(max_results=1)
    os.replace(building, path)


def prepare_experiment(uri: str, experiment: str, artifact_location: str | None) -> str:
    """The id of ``experiment`` in the store at ``uri``, creating store and experiment once.

    Under :func:`store_lock`, so concurrent first jobs do not race through schema creation. The
    experiment is tagged to open on its runs table in the UI (:data:`EXPERIMENT_KIND_TAG`); a new
    one keeps its artifacts at :func:`experiment_location`.
    """
    with store_lock(uri):
        _create_sqlite_store(uri)
        client = MlflowClient(tracking_uri=uri)
        found = client.get_experiment_by_name(experiment)
        if found is None:
            location = experiment_location(uri, artifact_location)
            try:
                experiment_id = str(client.create_experiment(experiment,
                                                             artifact_location=location))
            except MlflowException:  # created meanwhile through a server by another process
                again = client.get_experiment_by_name(experiment)
                if again is None:
                    raise
                experiment_id, found = str(again.experiment_id), again
        else:
            experiment_id = str(found.experiment_id)
        if found is None or EXPERIMENT_KIND_TAG not in found.tags:
            client.set_experiment_tag(experiment_id, EXPERIMENT_KIND_TAG,
                                      "custom_model_development")
        return experiment_id


def close_orphans(uri: str, experiment_id: str, keep: str | None = None) -> list[str]:
    """Mark KILLED every RUNNING run of this host whose owning process is gone; their ids.

    Args:
        uri: the store.
        experiment_id: the experiment to look in.
        keep: a run to leave alone (the one about to be resumed in its own job folder).
    """
    client = MlflowClient(tracking_uri=uri)
    closed = []
    with store_lock(uri):
        running = client.search_runs([experiment_id], "attributes.status = 'RUNNING'",
                                     max_results=10_000)
        for run in running:
            owner = run.data.tags.get(PROCESS_TAG, "")
            if run.info.run_id == keep or process_alive(owner) is not False:
                continue
            reason = (f"process {owner} ended without closing this run (killed?); closed by "
                      f"process {current_process()} at {time.strftime('%Y-%m-%d %H:%M:%S')}")
            client.set_tag(run.info.run_id, END_REASON_TAG, reason)
            client.set_terminated(run.info.run_id, RunStatus.to_string(RunStatus.KILLED))
            closed.append(run.info.run_id)
    for run_id in closed:
        log.warning("MLflow run %s was left RUNNING by a killed job: marked KILLED", run_id)
    return closed
