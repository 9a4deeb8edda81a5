"""``rerank-bench datasets``: list the dataset configs and what they point to."""

from __future__ import annotations

import argparse
import importlib.resources

import yaml

__all__ = ["add_parser", "run"]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``datasets`` subcommand."""
    subparsers.add_parser("datasets", help="list the datasets you can pass as dataset=NAME")


def run(args: argparse.Namespace) -> int:
    """Print one line per ``conf/dataset/*.yaml``: its name and the class that loads it."""
    folder = importlib.resources.files("rerank_bench.conf") / "dataset"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        node = yaml.safe_load(entry.read_text(encoding="utf-8")) or {}
        target = str(node.get("_target_", "")).rsplit(".", 1)[-1]
        print(f"{entry.name[:-5]:<16} {target:<22} {node.get('name', '')}")
    return 0
