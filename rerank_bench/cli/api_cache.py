"""``rerank-bench api-cache export|import FILE``: share paid API embeddings between researchers."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

__all__ = ["add_parser", "run"]


def _default_cache() -> Path:
    home = Path(os.environ.get("RERANK_BENCH_HOME", ".rerank-bench"))
    return home / "cache" / "api_embeddings.sqlite"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``api-cache`` subcommand."""
    parser = subparsers.add_parser(
        "api-cache", help="export or import the API embedding/score cache (never holds keys)"
    )
    parser.add_argument("action", choices=("export", "import"))
    parser.add_argument("file", type=Path, help="the exported sqlite file to write or read")
    parser.add_argument("--cache", type=Path, default=None, help="cache file (default: project's)")
    parser.add_argument("--provider", default=None, help="export one provider only")
    parser.add_argument("--model", default=None, help="export one model only")


def run(args: argparse.Namespace) -> int:
    """Export (optionally one provider/model) or merge an exported cache; print the count."""
    from rerank_bench.retrieval.api.cache import ApiCache

    cache = ApiCache(args.cache or _default_cache())
    if args.action == "export":
        n = cache.export(args.file, provider=args.provider, model=args.model)
        print(f"exported {n} entries from {cache.path} to {args.file}")
    else:
        n = cache.import_from(args.file)
        print(f"imported {n} new entries from {args.file} into {cache.path}")
    return 0
