"""The MLflow writer: one experiment job = one MLflow run, logged the same way every time.

What a run holds (the contract that tables, ``reproduce`` and notebooks read back):

* params: the flattened resolved config (``retriever.k1``...), secrets redacted;
* tags: ``dataset``, ``split``, ``retriever``, ``reranker``, ``system``, ``seed``, ``query_set``,
  ``git_commit``, ``rerank_bench_version`` and ``version.<package>``;
* metrics: ranx names through :func:`~rerank_bench.evaluation.metric_key` (``ndcg_at_10``) and
  timings;
* artifacts: ``run.trec``, ``first_stage.trec``, ``per_query.json``, ``config.yaml`` and
  ``results.md``.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import logging
import re
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import mlflow
from mlflow.tracking import MlflowClient

from rerank_bench.tracking.store import (
    PROCESS_TAG,
    close_orphans,
    current_process,
    prepare_experiment,
)

__all__ = [
    "code_tags",
    "download_model",
    "flatten",
    "git_commit",
    "log_params_once",
    "mask_password",
    "package_versions",
    "redact",
    "resolve_tracking_uri",
    "start_run",
]

log = logging.getLogger(__name__)
# MLflow's system-metrics monitor says at INFO that it starts, stops and skips the GPU: four lines
# per run that say nothing; its warnings stay.
logging.getLogger("mlflow.system_metrics").setLevel(logging.WARNING)
_SECRET_KEY = re.compile(r"(api_?key|secret|token|password|authorization)$", re.IGNORECASE)
_PACKAGES = ("torch", "transformers", "pytorch-lightning", "ranx", "bm25s", "mlflow", "hydra-core")
_MAX_PARAM = 6000  # MLflow's limit on a param value
# the password of a URI with credentials: scheme://user:PASSWORD@host (reserved characters in a
# password are percent-encoded, so it holds no '@', '/' or whitespace)
_URI_PASSWORD = re.compile(r"\b([a-z][a-z0-9+.-]*://[^\s:/?#@]*:)[^\s/?#@]+@", re.IGNORECASE)


def resolve_tracking_uri(uri: str) -> str:
    """Make a relative sqlite URI absolute (and create its folder), leave others untouched.

    Lightning's MLflow logger, the ``ui`` command and notebooks must all open the same store
    whatever their working directory, so the URI is fixed once, at the start of a run.
    """
    prefix = "sqlite:///"
    if uri.startswith(prefix) and not uri.startswith(prefix + "/"):
        path = Path(uri[len(prefix) :]).resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        return prefix + str(path)
    return uri


def flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten nested mappings to dotted keys (lists become their string form)."""
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def mask_password(text: str) -> str:
    """``text`` with the password of every URI in it replaced by ``***``
    (``postgresql://user:***@host/db``).

    Why: a database URI carries its password (a server's ``--backend-store-uri``, a
    ``tracking.uri`` that names the database itself); it must reach no log line, param or tag.
    """
    return _URI_PASSWORD.sub(r"\1***@", text)


def redact(params: Mapping[str, Any]) -> dict[str, Any]:
    """Replace values whose key looks like a secret (``api_key``, ``token``...) by ``***``, and
    the password of a URI in any other value (:func:`mask_password`).

    Keys are read from the environment and never belong in a config, but a user may still pass
    one on the command line; it must not reach MLflow params.
    """
    return {
        k: (
            "***"
            if _SECRET_KEY.search(k.rsplit(".", 1)[-1]) and v not in (None, "")
            else mask_password(v) if isinstance(v, str) else v
        )
        for k, v in params.items()
    }


def git_commit() -> str:
    """The commit of the working tree this code runs from, with ``-dirty`` if it has changes."""
    root = Path(__file__).resolve().parent.parent
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{sha}-dirty" if dirty else sha


def package_versions() -> dict[str, str]:
    """Versions of the packages that decide the numbers, as ``version.<name>`` tags."""
    versions = {}
    for name in _PACKAGES:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions[f"version.{name}"] = importlib.metadata.version(name)
    return versions


def code_tags() -> dict[str, str]:
    """The code that makes a run: ``git_commit`` (``-dirty`` with uncommitted changes),
    ``git_dirty``, ``rerank_bench_version`` and ``version.<package>``."""
    try:
        version = importlib.metadata.version("rerank-bench")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    commit = git_commit()
    return {
        "git_commit": commit,
        "git_dirty": str(commit.endswith("-dirty")).lower(),
        "rerank_bench_version": version,
        **package_versions(),
    }


def log_params_once(params: Mapping[str, str]) -> None:
    """Log params to the active run, keeping values it already has (MLflow refuses changes).

    A resumed run (see :func:`start_run`) may be re-run with a changed setting, e.g. more training
    steps; its first values stay, and the changed keys are named in a warning.
    """
    run = mlflow.active_run()
    known = dict(MlflowClient().get_run(run.info.run_id).data.params) if run else {}
    clean = {k: v[:_MAX_PARAM] for k, v in params.items()}
    changed = sorted(k for k, v in clean.items() if k in known and known[k] != v)
    if changed:
        log.warning("resumed run keeps its first values of params %s", ", ".join(changed))
    items = [(k, v) for k, v in clean.items() if k not in known]
    for start in range(0, len(items), 100):  # MLflow's batch limit
        mlflow.log_params(dict(items[start : start + 100]))


@contextlib.contextmanager
def start_run(
    uri: str,
    experiment: str,
    run_name: str,
    tags: Mapping[str, str],
    params: Mapping[str, Any],
    artifact_location: str | None = None,
    resume_run_id: str | None = None,
    parent_run_id: str | None = None,
    system_metrics: bool = False,
) -> Iterator[mlflow.ActiveRun]:
    """Open an MLflow run with tags and (flattened, redacted, truncated) params.

    With ``resume_run_id`` the run is re-opened instead of created (an interrupted job run again
    in its own folder continues its run): params it already has are kept, new ones are added.
    With ``parent_run_id`` it is nested under that run (a sweep's or a reproduction's);
    ``system_metrics`` samples CPU, memory and GPU use into it while it is open.
    A run that raises is marked FAILED by MLflow and its exception propagates.
    """
    uri = resolve_tracking_uri(uri)
    mlflow.set_tracking_uri(uri)
    experiment_id = prepare_experiment(uri, experiment, artifact_location)
    close_orphans(uri, experiment_id, keep=resume_run_id)
    from rerank_bench.tracking.parents import PARENT_TAG, command_line

    all_tags = {
        **code_tags(),
        "command": command_line(),
        **{k: str(v) for k, v in tags.items()},
        PROCESS_TAG: current_process(),  # a run of a killed job is closed by the next job
        **({PARENT_TAG: parent_run_id} if parent_run_id else {}),
    }
    if resume_run_id is not None:
        log.info("resuming MLflow run %s", resume_run_id)
    with mlflow.start_run(
        run_id=resume_run_id,
        experiment_id=None if resume_run_id else experiment_id,
        run_name=None if resume_run_id else run_name,
        tags=all_tags,
        log_system_metrics=system_metrics,
    ) as active:
        log_params_once({k: str(v) for k, v in redact(flatten(params)).items()})
        yield active


def download_model(reference: str, uri: str, job_folder: Path) -> Path:
    """Fetch a model logged by an earlier run (``runs:/<run_id>/model``) into ``job_folder``.

    Raises:
        ModelResolutionError: the run or its artifact is not in the store.
    """
    from rerank_bench.errors import ModelResolutionError
    from rerank_bench.library_noise import quiet_mlflow_downloads

    target = job_folder / "reused_model"
    try:
        with quiet_mlflow_downloads():
            path = mlflow.artifacts.download_artifacts(
                artifact_uri=reference, dst_path=str(target), tracking_uri=uri
            )
    except Exception as exc:  # MLflow raises several types for a missing run/artifact
        raise ModelResolutionError(
            f"cannot fetch {reference!r} from the MLflow store {uri} ({exc}). Fix: check the "
            f"run id (a run that re-ranked with a trained model logs `model`)."
        ) from exc
    return Path(path)
