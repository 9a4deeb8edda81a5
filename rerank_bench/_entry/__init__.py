"""Script files for processes that must re-run a command line (see ``rerank_bench_run.py``)."""

from pathlib import Path

__all__ = ["RUN_SCRIPT"]

RUN_SCRIPT = Path(__file__).with_name("rerank_bench_run.py")
"""``rerank-bench run`` as a file Python can run: what a DDP job's extra ranks execute."""
