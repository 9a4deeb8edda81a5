"""The command line of a Hydra job's extra DDP ranks: this job's, whatever started the job.

Why: Lightning's ``ddp`` strategy starts each extra rank of a Hydra job as its own command line
(``sys.argv``, or ``python -m <__main__'s module>``) plus ``hydra.run.dir=<hydra.run.dir>``. That
is this job only for a single ``rerank-bench run``. In a ``--multirun`` the command line is the
whole sweep (each rank would run every job of it) and ``hydra.run.dir`` is not the job's folder;
under a process launcher (joblib, submitit) ``sys.argv`` is the launcher's worker
(``submitit/core/_submit.py <folder>``), which refuses Hydra overrides. So while a job trains, the
ranks are started as ``rerank-bench run <this job's overrides>`` in this job's folder. Lightning
reads the command from its module function ``_hydra_subprocess_cmd`` (pytorch-lightning < 2.7,
as pinned); :func:`ranks_rerun_this_job` swaps it for the time of a fit.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator, Sequence

from rerank_bench._entry import RUN_SCRIPT

__all__ = ["rank_command", "ranks_rerun_this_job"]


def rank_command(overrides: Sequence[str], output_dir: str, local_rank: int) -> list[str]:
    """``python <rerank-bench run> <overrides>`` in ``output_dir``, as Lightning would name it."""
    return [sys.executable, str(RUN_SCRIPT), *overrides, f'hydra.run.dir="{output_dir}"',
            f"hydra.job.name=train_ddp_process_{local_rank}", "hydra.output_subdir=null"]


@contextlib.contextmanager
def ranks_rerun_this_job() -> Iterator[None]:
    """Within: Lightning starts a Hydra job's extra ranks with :func:`rank_command`."""
    from hydra.core.hydra_config import HydraConfig

    if not HydraConfig.initialized():  # not a Hydra job: Lightning re-runs sys.argv, as it should
        yield
        return
    from hydra.utils import get_original_cwd
    from pytorch_lightning.strategies.launchers import subprocess_script

    job = HydraConfig.get()
    overrides, output_dir = list(job.overrides.task), str(job.runtime.output_dir)

    def command(local_rank: int) -> tuple[list[str], str]:
        return rank_command(overrides, output_dir, local_rank), get_original_cwd()

    lightnings = subprocess_script._hydra_subprocess_cmd
    subprocess_script._hydra_subprocess_cmd = command
    try:
        yield
    finally:
        subprocess_script._hydra_subprocess_cmd = lightnings
