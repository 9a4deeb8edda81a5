"""``rerank-bench datasets``: list the dataset configs and what they point to."""

from __future__ import annotations

import argparse

import yaml

from rerank_bench.data.registry import dataset_config, list_datasets

__all__ = ["add_parser", "run"]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``datasets`` subcommand."""
    subparsers.add_parser("datasets", help="list the datasets you can pass as dataset=NAME")


def run(args: argparse.Namespace) -> int:
    """Print one line per ``conf/dataset/*.yaml``: its name and the class that loads it."""
    for name in list_datasets():
        node = yaml.safe_load(dataset_config(name).read_text(encoding="utf-8")) or {}
        target = str(node.get("_target_", "")).rsplit(".", 1)[-1]
        print(f"{name:<16} {target:<22} {node.get('name', '')}")
    return 0
