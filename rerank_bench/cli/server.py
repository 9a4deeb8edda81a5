"""``rerank-bench server``: a shared MLflow tracking server on a database. Parsing only."""

from __future__ import annotations

import argparse
import sys

from rerank_bench.errors import RerankBenchError

__all__ = ["add_parser", "run"]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``server`` subcommand."""
    p = subparsers.add_parser(
        "server",
        help="serve a shared MLflow tracking server on a database (PostgreSQL)",
        description=(
            "Runs `mlflow server` on a database backend with artifacts proxied through the "
            "server, so jobs on any machine log to one store: set tracking.uri=http://host:port "
            "(or MLFLOW_TRACKING_URI) on each client and give `table` and `reproduce` the same "
            "URI (--tracking-uri); its UI is at that address. Without a server, runs keep "
            "using the embedded sqlite store."
        ),
    )
    p.add_argument(
        "--backend-store-uri",
        default=None,
        help=(
            "database, e.g. postgresql+psycopg2://user:password@db:5432/mlflow (default: "
            "MLFLOW_BACKEND_STORE_URI, which keeps the password out of shell history and `ps`)"
        ),
    )
    p.add_argument(
        "--artifacts-destination",
        default=None,
        help="where the server stores artifacts: a folder or s3://... (default: "
             "$RERANK_BENCH_HOME/mlartifacts)",
    )
    p.add_argument("--host", default="0.0.0.0", help="interface (default 0.0.0.0: every one)")
    p.add_argument("--port", type=int, default=5000, help="port (default: 5000)")
    p.add_argument("--workers", type=int, default=4, help="server worker processes (default: 4)")
    p.add_argument(
        "--allowed-hosts",
        default=None,
        help="Host headers to accept, comma-separated (default: localhost, private addresses "
             "and this machine's name)",
    )
    p.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for it to answer")


def run(args: argparse.Namespace) -> int:
    """Start the server, print the tracking URI clients set, and serve until interrupted."""
    from rerank_bench.reporting.server import TrackingServer

    try:
        server = TrackingServer(args.backend_store_uri, args.artifacts_destination, args.port,
                                args.host, args.workers, args.allowed_hosts)
        server.serve(
            f"MLflow tracking server: {server.url}  (backend {server.backend}; artifacts "
            f"proxied to {server.artifact_root}; Ctrl-C stops it)\n"
            f"clients: tracking.uri={server.url}  or  export MLFLOW_TRACKING_URI={server.url}",
            args.timeout,
        )
    except RerankBenchError as exc:
        print(f"rerank-bench server: error: {exc}", file=sys.stderr)
        return 2
    return 0
