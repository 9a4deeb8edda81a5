"""``rerank-bench run``: the Hydra application around :func:`rerank_bench.pipeline.run`."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import hydra
from omegaconf import DictConfig

from rerank_bench import _entry
from rerank_bench.config import register_resolvers
from rerank_bench.errors import DryRunStop, RerankBenchError

__all__ = ["run_hydra"]

log = logging.getLogger("rerank_bench")


def _job(cfg: DictConfig) -> float:
    from rerank_bench.pipeline import run

    try:
        result = run(cfg)
    except DryRunStop as stop:
        print(f"rerank-bench: {stop}")
        return float("nan")
    except RerankBenchError as exc:
        # Hydra would print a traceback hint and exit 1; a user error gets its message and exit 2.
        print(f"rerank-bench: error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    print(result.table)
    reused = " (reused: a finished run of the same job; tracking.reuse=never re-runs)"
    print(f"\nMLflow run {result.run_id}{reused if result.reused else ''} ({cfg.tracking.uri}); "
          "browse it with `rerank-bench ui`.")
    print(f"Run files and table: {result.output_dir}")
    primary = result.evaluation.metrics[0]
    return result.metrics[primary]  # returned for sweepers that optimise a metric


def run_hydra(argv: Sequence[str]) -> int:
    """Run the Hydra app with ``argv`` as its command line; user errors exit 2 with a message."""
    # argv[0] must be a runnable file: Lightning's `ddp` workers re-run it (see _entry's docstring)
    sys.argv = [str(Path(_entry.__file__).with_name("rerank_bench_run.py")), *argv]
    register_resolvers()
    app = hydra.main(
        version_base="1.3", config_path="pkg://rerank_bench.conf", config_name="config"
    )
    try:
        app(_job)()
    except DryRunStop as stop:
        print(f"rerank-bench: {stop}")
        return 0
    except RerankBenchError as exc:
        print(f"rerank-bench: error: {exc}", file=sys.stderr)
        return 2
    return 0
