"""``rerank-bench`` as a real process whose code is named as a clean commit.

Finished runs are reused only when the code that made them is a clean commit (a dirty tree has no
name); a test's tree may have uncommitted changes. This script runs the real console entry point
with :func:`rerank_bench.tracking.git_commit` answering a fixed clean commit, so the reuse of a
re-run sweep can be tested on any working tree: ``python _at_clean_commit.py run --multirun ...``.
"""

import sys

import rerank_bench.tracking as tracking
import rerank_bench.tracking.writer as writer
from rerank_bench.cli import main

CLEAN = "c" * 40


def _clean() -> str:
    return CLEAN


if __name__ == "__main__":
    tracking.git_commit = _clean  # what CodeVersion.current() reads
    writer.git_commit = _clean  # what start_run tags
    sys.exit(main(sys.argv[1:]))
