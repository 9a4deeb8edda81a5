"""``rerank-bench datasets``: list the dataset configs, where their files are looked for and
whether they are there."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import yaml

from rerank_bench.data.registry import (
    DataLocation,
    data_root,
    dataset_config,
    dataset_locations,
    irds_home,
)

__all__ = ["add_parser", "run"]

_IRDS_MISSING = "fetched by ir_datasets on first use (needs network)"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``datasets`` subcommand."""
    subparsers.add_parser(
        "datasets",
        help="list the datasets you can pass as dataset=NAME, and whether their files are here",
        description=(
            "One entry per conf/dataset/*.yaml: its status (present: every file it reads is "
            "there; missing: some are not; args: its files are given on the command line), the "
            "class that loads it, and each file with where it is looked for. Shared collections "
            "are looked for under paths.data (RERANK_BENCH_DATA); irds: ids in ir_datasets' "
            "cache (IR_DATASETS_HOME)."
        ),
    )


def run(args: argparse.Namespace) -> int:
    """Print each dataset's status line, then one line per file or ir_datasets id it reads."""
    root = data_root()
    source = "RERANK_BENCH_DATA" if os.environ.get("RERANK_BENCH_DATA") else "default"
    print(f"paths.data: {root} ({source}); ir_datasets cache: {irds_home()}")
    print("A path below paths.data is shown relative to it.\n")
    for name, locations in dataset_locations().items():
        node = yaml.safe_load(dataset_config(name).read_text(encoding="utf-8")) or {}
        target = str(node.get("_target_", "")).rsplit(".", 1)[-1]
        print(f"{name:<16} {_status(locations):<8} {target}")
        for location in locations:
            print(f"    {location.key:<14} {_describe(location, root)}")
    return 0


def _status(locations: tuple[DataLocation, ...]) -> str:
    if any(location.kind == "unset" for location in locations):
        return "args"
    return "present" if all(location.present for location in locations) else "missing"


def _describe(location: DataLocation, root: Path) -> str:
    """What one location is and whether it is there, in words."""
    if location.kind == "unset":
        return f"given on the command line: {location.where}"
    if location.kind == "irds":
        if location.present:
            return f"{location.where}: in ir_datasets' cache ({location.cache})"
        return f"{location.where}: not in ir_datasets' cache, {_IRDS_MISSING}"
    path = Path(location.where)
    shown = path.relative_to(root) if path.is_relative_to(root) else path
    return f"{shown}{'' if location.present else '  (missing)'}"
