"""``rerank-bench run``: the Hydra application around :func:`rerank_bench.pipeline.run`."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from typing import NoReturn

import hydra
from hydra.errors import InstantiationException
from omegaconf import DictConfig
from omegaconf.errors import MissingMandatoryValue

from rerank_bench._entry import RUN_SCRIPT
from rerank_bench.config import register_resolvers
from rerank_bench.errors import DryRunStop, RerankBenchError
from rerank_bench.library_noise import ignore_launcher_schema_notice
from rerank_bench.tracking.writer import mask_password

__all__ = ["run_hydra"]

log = logging.getLogger("rerank_bench")
ignore_launcher_schema_notice()


_CRASH_MARK = "_rerank_bench_crashed"
"""Set on an exception of a job that is no user error (a bug), by the job itself.

Hydra reports both a crashed job and a config that never composed by printing and exiting 1,
while handling the exception; only the second is the user's to fix (exit 2), and only the job
can tell them apart. The mark travels with the exception, pickled, when a process launcher
(joblib, submitit) ran the job in another process."""


def _mark_crash(exc: BaseException) -> None:
    setattr(exc, _CRASH_MARK, True)


def _crashed(exit_: SystemExit) -> bool:
    """Hydra exits while handling a job's marked crash, or an exception that is not about the
    config (a launcher's: submitit's lost job...)."""
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    handled = exit_.__context__  # what Hydra printed before exiting
    return handled is not None and (
        getattr(handled, _CRASH_MARK, False)
        or not isinstance(handled, HydraException | OmegaConfBaseException)
    )


def _print_error(message: object) -> None:
    print(f"rerank-bench: error: {message}", file=sys.stderr)


def _user_error(exc: BaseException) -> NoReturn:
    # Hydra would print a traceback hint and exit 1; a user error gets its message and exit 2.
    _print_error(exc)
    raise SystemExit(2) from None


def _task_overrides() -> list[str]:
    from hydra.core.hydra_config import HydraConfig

    return list(HydraConfig.get().overrides.task) if HydraConfig.initialized() else []


def _job(cfg: DictConfig) -> float:
    from rerank_bench.config_checks import config_error
    from rerank_bench.pipeline import run
    from rerank_bench.training.chain import RankDone

    try:
        result = run(cfg)
    except RankDone:  # a DDP rank > 0 trained its share; rank 0 reports
        return float("nan")
    except DryRunStop as stop:
        print(f"rerank-bench: {stop}")
        return float("nan")
    except RerankBenchError as exc:
        _user_error(exc)
    except (InstantiationException, MissingMandatoryValue) as exc:
        # a class refused its config (a ConfigError Hydra wrapped, an unknown `+` key, a ???)
        error = config_error(exc, cfg, _task_overrides())
        if error is None:
            _mark_crash(exc)
            raise
        _user_error(error)
    except Exception as exc:
        _mark_crash(exc)
        raise
    print(result.table)
    reused = " (reused: a finished run of the same job; tracking.reuse=never re-runs)"
    uri = mask_password(str(cfg.tracking.uri))
    print(f"\nMLflow run {result.run_id}{reused if result.reused else ''} ({uri}); "
          "browse it with `rerank-bench ui`.")
    print(f"Run files and table: {result.output_dir}")
    primary = result.evaluation.metrics[0]
    return result.metrics[primary]  # returned for sweepers that optimise a metric


def run_hydra(argv: Sequence[str]) -> int:
    """Run the Hydra app with ``argv`` as its command line; user errors exit 2 with a message."""
    # argv[0] must be a runnable file: Lightning's `ddp` workers re-run it (see _entry's docstring)
    sys.argv = [str(RUN_SCRIPT), *argv]
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
        _print_error(exc)
        return 2
    except SystemExit as exit_:
        if exit_.code != 1 or _crashed(exit_):
            raise
        # Hydra printed why the config did not compose, and exits 1: a user error exits 2
        _print_error(_composition_hint(argv))
        return 2
    return 0


def _composition_hint(argv: Sequence[str]) -> str:
    """The line that ends Hydra's report of a config that did not compose: the fix when an
    override sets a key its node lacks (Hydra suggests a `+`, which the class then refuses),
    else where to look."""
    from hydra._internal.utils import get_args_parser

    from rerank_bench.config import config_composer
    from rerank_bench.config_checks import composition_fix

    overrides = get_args_parser().parse_args(list(argv)).overrides
    with config_composer() as compose:
        try:
            compose(overrides)
        except Exception as exc:  # whatever Hydra refused above
            fix = composition_fix(exc, compose, overrides)
            if fix:
                return fix
    return (
        "the config did not compose (Hydra's message above). Fix the override it names: "
        "`rerank-bench run --help` lists every group's options, and `rerank-bench run --cfg job "
        "<overrides>` prints the composed config, whose keys an override may set."
    )
