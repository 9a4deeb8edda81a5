"""Parent runs: a sweep or a reproduction is one MLflow run, its jobs nested under it.

Why: a sweep's jobs and a reproduction's cells were loose runs side by side, told together only
by a timestamp or a tag. A parent run holds them (MLflow nests a run whose ``mlflow.parentRunId``
tag names another), carries the command line and the code version, and is closed when the sweep
or reproduction ends (a killed one is closed as KILLED by the next job, like any orphan: see
:mod:`~rerank_bench.tracking.store`).

The parent is made with the client API, not ``mlflow.start_run``: the jobs open their own runs in
the same process, and MLflow allows one active fluent run there.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Any

from hydra.experimental.callback import Callback
from mlflow.entities import RunStatus
from mlflow.tracking import MlflowClient

from rerank_bench.tracking.names import KIND_TAG

__all__ = ["PARENT_ENV", "PARENT_TAG", "SweepParent", "close_parent", "command_line",
           "open_parent"]

PARENT_TAG = "mlflow.parentRunId"
PARENT_ENV = "RERANK_BENCH_PARENT_RUN"
"""Read by ``tracking.parent_run_id``: the parent of the jobs this process (and its children)
starts."""


def command_line() -> str:
    """This process's command line, with values of secret-looking keys replaced by ``***``."""
    from rerank_bench.tracking.writer import redact

    words = []
    for word in sys.argv:
        key, sep, value = word.partition("=")
        words.append(f"{key}={redact({key: value})[key]}" if sep else word)
    return " ".join(words)


def open_parent(uri: str, experiment: str, artifact_location: str | None, name: str,
                tags: Mapping[str, str]) -> str:
    """Create a RUNNING parent run; its id."""
    from rerank_bench.tracking.store import (
        PROCESS_TAG,
        close_orphans,
        current_process,
        prepare_experiment,
    )
    from rerank_bench.tracking.writer import code_tags

    experiment_id = prepare_experiment(uri, experiment, artifact_location)
    close_orphans(uri, experiment_id)  # a killed sweep's parent, even if every job is reused
    all_tags = {**code_tags(), PROCESS_TAG: current_process(), "command": command_line(),
                "mlflow.runName": name, KIND_TAG: "parent", **tags}
    run = MlflowClient(tracking_uri=uri).create_run(experiment_id, run_name=name, tags=all_tags)
    return str(run.info.run_id)


def close_parent(uri: str, run_id: str, failed: bool = False) -> None:
    """End a parent run, FINISHED or FAILED."""
    status = RunStatus.FAILED if failed else RunStatus.FINISHED
    MlflowClient(tracking_uri=uri).set_terminated(run_id, RunStatus.to_string(status))


class SweepParent(Callback):
    """A Hydra callback (``hydra.callbacks`` in ``conf/config.yaml``): one parent run per
    ``--multirun``, named after its sweep folder; its jobs read the id from :data:`PARENT_ENV`.
    """

    def __init__(self) -> None:
        self._run: tuple[str, str] | None = None

    def on_multirun_start(self, config: Any, **kwargs: Any) -> None:
        from rerank_bench.tracking.writer import resolve_tracking_uri

        tracking = config.tracking
        uri = resolve_tracking_uri(str(tracking.uri))
        folder = str(config.hydra.sweep.dir)
        run_id = open_parent(uri, str(tracking.experiment), tracking.get("artifact_location"),
                             f"sweep {os.path.basename(folder)}", {"sweep_dir": folder})
        os.environ[PARENT_ENV] = run_id
        self._run = (uri, run_id)

    def on_multirun_end(self, config: Any, **kwargs: Any) -> None:
        if self._run is not None:
            close_parent(*self._run)
            os.environ.pop(PARENT_ENV, None)
            self._run = None
