"""Keep freed activation buffers in the heap, so CPU batches stop paying for page faults.

Why: glibc serves every allocation above its mmap threshold (128 KiB, raised adaptively up to
32 MiB) with a fresh ``mmap`` and gives it back on free. A transformer batch allocates tens of
megabytes of activations per layer, so each batch faults in every page anew: on our 2-core CPU
that cost ~20% of a MiniLM-L6 forward in fp32 and ~30% in int8. Raising the thresholds once keeps
those buffers in the heap and reuses them, as jemalloc or tcmalloc would (PyTorch's CPU tuning
guide recommends either). Scores do not change; resident memory stays at the peak a batch needs.
A process that already chose its allocator (``MALLOC_*`` variables, jemalloc or tcmalloc in
``LD_PRELOAD``) is left as it is.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
import os
import sys

__all__ = ["keep_freed_buffers"]

log = logging.getLogger(__name__)

_M_TRIM_THRESHOLD = -1
_M_TOP_PAD = -2
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD = 32 * 1024 * 1024  # glibc's largest: every activation buffer below it is reused
_TRIM_THRESHOLD = 1024 * 1024 * 1024  # return freed heap memory to the OS only above 1 GiB
_TOP_PAD = 256 * 1024 * 1024  # grow the heap in steps that hold a batch's activations


@functools.cache
def keep_freed_buffers() -> bool:
    """Tune glibc ``malloc`` for large, short-lived buffers (once per process).

    Returns:
        Whether the process runs with the tuned thresholds (False off glibc, e.g. on macOS or
        musl, or where the user chose the allocator: nothing is changed then).
    """
    if not sys.platform.startswith("linux") or _user_chose_allocator():
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    settings = ((_M_MMAP_THRESHOLD, _MMAP_THRESHOLD), (_M_TRIM_THRESHOLD, _TRIM_THRESHOLD),
                (_M_TOP_PAD, _TOP_PAD))
    applied = all(mallopt(option, value) == 1 for option, value in settings)
    if applied:
        log.info("malloc: freed buffers up to 32 MiB stay in the heap for reuse (CPU inference)")
    return applied


def _user_chose_allocator() -> bool:
    preload = os.environ.get("LD_PRELOAD", "")
    return any(name.startswith("MALLOC_") for name in os.environ) or any(
        name in preload for name in ("jemalloc", "tcmalloc", "mimalloc")
    )
