"""The default simulated log of the built-in helpdesk dataset: where it lives, how it is made.

The helpdesk dataset ships a log so that "train on user feedback" works offline out of the box;
this module pins the settings that produced it (searches, seed, split) so anyone can regenerate
the same bytes: ``python -m rerank_bench.feedback.default_log``.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

from rerank_bench.data.records import Dataset
from rerank_bench.feedback.simulate import simulate_log

__all__ = ["DEFAULT_SEARCHES", "DEFAULT_SEED", "default_log_path", "write_default_log"]

DEFAULT_SEARCHES = 30_000
DEFAULT_SEED = 0


def default_log_path() -> Path:
    """``rerank_bench/data/helpdesk/logs/train.jsonl.gz`` inside the installed package."""
    return (
        Path(str(importlib.resources.files("rerank_bench.data"))) / "helpdesk/logs/train.jsonl.gz"
    )


def write_default_log(dataset: Dataset, path: str | Path | None = None) -> Path:
    """Simulate the default log of ``dataset``'s train split (30,000 searches, seed 0)."""
    return simulate_log(
        dataset, DEFAULT_SEARCHES, DEFAULT_SEED, path or default_log_path(), split="train"
    )


if __name__ == "__main__":
    from rerank_bench.data.registry import load_dataset

    print(write_default_log(load_dataset("helpdesk")))
