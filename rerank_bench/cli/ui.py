"""``rerank-bench ui``: the MLflow UI on the project's store, on 127.0.0.1. Parsing only."""

from __future__ import annotations

import argparse
import sys

from rerank_bench.errors import RerankBenchError

__all__ = ["add_parser", "run"]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``ui`` subcommand."""
    p = subparsers.add_parser("ui", help="open the MLflow UI on the project's store")
    p.add_argument(
        "--tracking-uri",
        default=None,
        help="MLflow store (default: MLFLOW_TRACKING_URI or .rerank-bench/mlflow.db)",
    )
    p.add_argument(
        "--artifact-root",
        default=None,
        help="artifact folder (default: $RERANK_BENCH_HOME/mlartifacts)",
    )
    p.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for it to answer")


def run(args: argparse.Namespace) -> int:
    """Start the server, print its address, and serve until interrupted."""
    from rerank_bench.reporting.ui import MlflowUI
    from rerank_bench.tracking.writer import mask_password

    try:
        ui = MlflowUI(args.tracking_uri, args.artifact_root, args.port)
        store = mask_password(ui.tracking_uri)
        ui.serve(f"MLflow UI: {ui.url}  (store {store}; Ctrl-C stops it)", args.timeout)
    except RerankBenchError as exc:
        print(f"rerank-bench ui: error: {exc}", file=sys.stderr)
        return 2
    return 0
