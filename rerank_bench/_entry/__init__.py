"""Script files for processes that must re-run a command line (see ``rerank_bench_run.py``)."""

__all__: list[str] = []
