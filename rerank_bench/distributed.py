"""Which process am I? Lightning's ``ddp`` workers re-run the command line, and must know it.

Lightning's ``ddp`` strategy starts rank > 0 by re-running the command (``LOCAL_RANK`` or
``NODE_RANK`` set). Under Hydra those workers must neither create run folders nor MLflow runs,
and must only train. Training exports rank 0's MLflow run id in :data:`PARENT_RUN_ENV` before it
launches them; the command line and the pipeline ask :func:`ddp_worker_run_id`. This module
imports nothing heavy, so the command line can ask before loading anything.
"""

from __future__ import annotations

import os

__all__ = ["PARENT_RUN_ENV", "ddp_worker_run_id"]

PARENT_RUN_ENV = "RERANK_BENCH_PARENT_RUN_ID"
"""Environment variable through which DDP worker processes learn the MLflow run of rank 0."""


def ddp_worker_run_id() -> str | None:
    """Rank 0's MLflow run id in a DDP worker process; ``None`` in the main process."""
    if os.environ.get("LOCAL_RANK", "0") != "0" or os.environ.get("NODE_RANK", "0") != "0":
        return os.environ.get(PARENT_RUN_ENV)
    return None
