"""Devices and numeric precision: which hardware runs a model, and in which number format.

Why here and not in each ranker: "auto" must mean the same everywhere (all visible GPUs, else the
CPU), and precision rules differ by device (bf16 autocast pays off on this CPU, fp16 is CUDA only).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch

from rerank_bench.errors import ConfigError

__all__ = ["autocast", "resolve_devices"]


def resolve_devices(device: str) -> list[torch.device]:
    """Turn a device setting into the devices to run on.

    Args:
        device: ``auto`` (every visible GPU, else the CPU), ``cpu``, ``cuda`` (every visible GPU),
            ``cuda:N``, or a comma-separated list such as ``cuda:0,cuda:1``.

    Raises:
        ConfigError: a GPU was asked for and none (or not that one) is visible.
    """
    spec = device.strip().lower()
    n_gpus = torch.cuda.device_count()
    if spec == "auto":
        spec = "cuda" if n_gpus else "cpu"
    if spec == "cpu":
        return [torch.device("cpu")]
    if spec == "cuda":
        if not n_gpus:
            raise ConfigError("device=cuda but no CUDA GPU is visible. Fix: device=auto or cpu.")
        return [torch.device("cuda", i) for i in range(n_gpus)]
    devices: list[torch.device] = []
    for part in spec.split(","):
        try:
            dev = torch.device(part.strip())
        except RuntimeError:
            raise ConfigError(
                f"device {part!r} is not a device; expected auto, cpu, cuda, cuda:N or a list."
            ) from None
        if dev.type == "cuda" and (dev.index or 0) >= n_gpus:
            raise ConfigError(f"device {part!r} is not visible ({n_gpus} GPUs). Fix: use auto.")
        devices.append(dev)
    return devices


@contextlib.contextmanager
def autocast(device: torch.device, precision: str) -> Iterator[None]:
    """Run the block in ``precision`` on ``device`` (``fp32`` is a no-op).

    Raises:
        ConfigError: fp16 on the CPU (unsupported by CPU autocast kernels; use bf16).
    """
    if precision == "fp32":
        yield
        return
    if precision == "fp16" and device.type != "cuda":
        raise ConfigError("precision=fp16 needs a CUDA device. Fix: use bf16 on the CPU.")
    dtype = torch.bfloat16 if precision == "bf16" else torch.float16
    with torch.autocast(device_type=device.type, dtype=dtype):
        yield
