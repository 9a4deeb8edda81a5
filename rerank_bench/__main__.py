"""``python -m rerank_bench`` is the ``rerank-bench`` command."""

import sys

from rerank_bench.cli import main

sys.exit(main())
