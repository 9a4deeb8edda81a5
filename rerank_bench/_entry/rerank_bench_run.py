"""``rerank-bench run`` as a script file: what Lightning's ``ddp`` workers execute.

Lightning's ``ddp`` strategy starts each extra rank as ``python <sys.argv[0]> <sys.argv[1:]>``
(plus ``hydra.run.dir=<rank 0's folder>``). The console script's ``sys.argv[0]`` is not a file
Python can run, so ``rerank-bench run`` puts this file's path there. It sits in a folder of its
own because running a script puts its folder first on ``sys.path``.
"""

import sys

from rerank_bench.cli.run import run_hydra

if __name__ == "__main__":
    sys.exit(run_hydra(sys.argv[1:]))
