"""``rerank-bench``: the command line. Parsing only; every command calls library functions.

``rerank-bench run [overrides]`` is a Hydra application (so ``--multirun``, ``--cfg job`` and
``--help`` work as Hydra users expect); the other commands are plain argparse subcommands.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

__all__ = ["main"]

# Subcommands other than `run`: command -> module with add_parser(subparsers) and run(args) -> int.
_COMMANDS = {
    "table": "table",
    "reproduce": "reproduce",
    "curve": "curve",
    "ui": "ui",
    "server": "server",
    "datasets": "datasets",
    "api-cache": "api_cache",
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rerank-bench",
        description=(
            "Benchmark IR re-rankers: first stages, pre-trained and fine-tuned re-rankers, "
            "ranx evaluation and MLflow tracking."
        ),
        epilog=(
            "examples:\n"
            "  rerank-bench run                                  # built-in helpdesk, BM25\n"
            "  rerank-bench run dataset=scifact retriever.k1=1.2\n"
            "  rerank-bench run --multirun dataset=scifact,dl19 reranker=none,splade\n"
            "  rerank-bench run --help                           # every config group and option\n"
            "  rerank-bench table --experiment rerank-bench --format markdown\n"
            "  rerank-bench curve helpdesk_curve                 # how much domain data pays off\n"
            "  rerank-bench ui\n"
            "  rerank-bench server --backend-store-uri postgresql+psycopg2://user:pw@db/mlflow"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.add_parser("run", help="run one experiment (or a --multirun sweep) via Hydra")
    for module_name in _COMMANDS.values():
        importlib.import_module(f"rerank_bench.cli.{module_name}").add_parser(subparsers)
    return parser


def _ddp_worker() -> bool:
    """A process Lightning's ``ddp`` strategy started for an extra device: it re-runs the command
    line with the overrides alone (``python -m rerank_bench <overrides>``)."""
    return os.environ.get("LOCAL_RANK", "0") != "0" or os.environ.get("NODE_RANK", "0") != "0"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``rerank-bench`` console script."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["run"] or _ddp_worker():
        from rerank_bench.cli.run import run_hydra
        from rerank_bench.cli.run_help import register_help_resolver

        register_help_resolver()  # the help template (conf/hydra/help) reads the configs' comments
        # a DDP worker re-runs `python -m rerank_bench <overrides>`: the command word is gone
        return run_hydra(args[1:] if args[:1] == ["run"] else args)
    parser = _parser()
    namespace = parser.parse_args(args)
    if namespace.command is None:
        parser.print_help()
        return 0
    module = importlib.import_module(f"rerank_bench.cli.{_COMMANDS[namespace.command]}")
    return int(module.run(namespace))
