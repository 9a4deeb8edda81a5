"""Shared bits of the neural benchmarks: data loading, isolated timed runs, peak memory.

Each measured variant runs in its own spawned process so that its peak resident memory
(``ru_maxrss``) is its own and one variant's warm caches cannot flatter another.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from collections.abc import Callable
from typing import Any

from hydra import compose, initialize_config_module
from hydra.utils import instantiate

from rerank_bench.machine import cpu_model, peak_mb, reset_peak

__all__ = ["cpu_model", "device_type", "gpu_peak_mb", "isolated", "load_dataset", "peak_mb",
           "reset_peak", "rss_mb"]


def load_dataset(name: str) -> tuple[Any, Any]:
    """``(dataset, eval split)`` of a configured dataset (``scifact``, ``dl19``...)."""
    with initialize_config_module("rerank_bench.conf", version_base="1.3"):
        cfg = compose("config", [f"dataset={name}"])
    source = instantiate(cfg.dataset)
    dataset = source.load()
    return dataset, dataset.split(source.eval_split)


def _child(queue: Any, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    started = time.perf_counter()
    result = fn(*args)
    seconds = time.perf_counter() - started
    queue.put((result, seconds, peak_mb()))






def isolated(fn: Callable[..., Any], *args: Any) -> tuple[Any, float, float]:
    """Run ``fn(*args)`` in a fresh process: ``(result, seconds, peak RSS MB)``.

    ``fn`` must be a module-level function; it times its own measured section and returns
    ``(payload, measured_seconds)`` so that model loading and warm-up stay outside the figure.
    """
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    process = ctx.Process(target=_child, args=(queue, fn, args))
    process.start()
    result, _, peak_mb = queue.get()
    process.join()
    payload, seconds = result
    return payload, seconds, peak_mb


def device_type(device: str) -> str:
    """``cuda`` or ``cpu``: what a ``--device`` value (``cuda:0``, ``auto``...) runs on."""
    import torch

    return "cuda" if device.startswith("cuda") or (device == "auto"
                                                   and torch.cuda.is_available()) else "cpu"


def gpu_peak_mb(device: str) -> float | None:
    """The GPU's peak allocation in MB once its queued work is done; ``None`` off the GPU."""
    if device_type(device) != "cuda":
        return None
    import torch

    torch.cuda.synchronize()
    return torch.cuda.max_memory_allocated() / 2**20




def rss_mb() -> float:
    """This process's resident memory now, in MB (to subtract from its peak)."""
    import psutil

    return float(psutil.Process().memory_info().rss / 2**20)
