"""What this machine is and how much memory this process peaked at.

Why a module of its own: a speed or memory figure means nothing without the machine it was
measured on (sessions land on different CPUs), so the run's serving cost and every benchmark
print the same description, and read the same peak.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
import platform
import resource

__all__ = ["cpu_model", "describe", "peak_mb", "release_free_memory", "reset_peak"]


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo``; elsewhere what ``platform`` knows)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def describe() -> str:
    """The CPU model and the cores this process may use, e.g. ``AMD EPYC 9R14 (2 cores)``."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return f"{cpu_model()} ({cores} core{'s' if cores != 1 else ''})"


def peak_mb() -> float:
    """This process's peak resident memory in MB since it started or since :func:`reset_peak`.

    Linux's ``VmHWM``, not ``ru_maxrss``: the latter survives ``execve``, so a spawned child
    would report its parent's peak whenever that was larger, and it cannot be reset.
    """
    try:
        with open("/proc/self/status", encoding="utf-8") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak() -> None:
    """Start :func:`peak_mb` afresh from the current RSS (Linux >= 4.0; elsewhere a no-op)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="utf-8") as f:
            f.write("5")
    except OSError:
        pass


def release_free_memory() -> None:
    """Collect garbage and hand freed heap pages back to the system (glibc's ``malloc_trim``).

    Why: a peak measured after :func:`reset_peak` starts from the current RSS, which would
    otherwise still count what an earlier phase (a training, an index build) freed but glibc
    kept.
    """
    gc.collect()
    name = ctypes.util.find_library("c")
    if name is None:
        return
    try:
        ctypes.CDLL(name).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass
