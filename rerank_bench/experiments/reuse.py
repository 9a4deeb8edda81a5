"""A finished run that may stand in for a job: a re-run sweep does not repeat its finished jobs.

Why: a sweep killed halfway and started again re-ran its finished jobs and logged a second run of
each. Every run is tagged with its *job key*, the hash of what decides its numbers: the resolved
config (without ``tracking`` and ``paths``, which say where results go, not what they are) and the
data fingerprint (:func:`~rerank_bench.experiments.runner.data_fingerprint`). A later job with the
same key, run by the same clean commit, reuses the newest finished run instead of running again,
as ``reproduce`` reuses its cells. A tree with uncommitted changes never reuses: its code has no
name. ``tracking.reuse`` says when to look (:data:`REUSE_MODES`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rerank_bench.errors import ConfigError
from rerank_bench.experiments.runner import CodeVersion, data_fingerprint
from rerank_bench.hashing import stable_hash
from rerank_bench.tracking.names import JOB_KEY_TAG

if TYPE_CHECKING:
    from omegaconf import DictConfig

    from rerank_bench.reporting.runs import RunRecord

__all__ = ["JOB_KEY_TAG", "REUSE_MODES", "finished_job", "job_key", "reuse_wanted"]

REUSE_MODES = ("sweeps", "always", "never")
"""``sweeps``: jobs of ``--multirun`` reuse finished runs (the default); ``always``: single runs
too; ``never``: every job runs."""


def job_key(cfg: DictConfig) -> str:
    """The hash of what decides a job's numbers: config (less tracking and paths) and data."""
    from omegaconf import OmegaConf

    tree = OmegaConf.to_container(cfg, resolve=True)
    assert isinstance(tree, dict)
    decisive = {k: v for k, v in tree.items() if k not in ("tracking", "paths")}
    return stable_hash({"config": decisive, "data": data_fingerprint(cfg)})


def reuse_wanted(mode: str, sweep: bool) -> bool:
    """Whether a job looks for a finished run to reuse, under ``tracking.reuse=<mode>``.

    Raises:
        ConfigError: an unknown mode.
    """
    if mode not in REUSE_MODES:
        raise ConfigError(
            f"tracking.reuse={mode!r} is not one of {', '.join(REUSE_MODES)}. Fix: "
            "tracking.reuse=sweeps (finished jobs of a re-run sweep are reused), always or never."
        )
    return mode == "always" or (mode == "sweeps" and sweep)


def finished_job(uri: str, experiment: str, key: str,
                 code: CodeVersion | None = None) -> RunRecord | None:
    """The newest FINISHED run of ``experiment`` with job key ``key`` made by ``code`` (default:
    the running code), or ``None``; always ``None`` when that code is a dirty tree."""
    from rerank_bench.reporting.runs import RunStore

    code = code or CodeVersion.current()
    if code.dirty:
        return None
    try:
        runs = RunStore(uri).search(experiment, f"tags.{JOB_KEY_TAG} = '{key}'")
    except ConfigError:  # no store or no experiment yet: nothing to reuse
        return None
    fit = [run for run in runs if run.tags.get("git_commit") == code.commit
           and run.tags.get("rerank_bench_version") == code.version]
    return fit[-1] if fit else None
