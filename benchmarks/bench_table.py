"""How long does `rerank-bench table` take on 100 runs?

Creates 100 real MLflow runs (10 systems x 5 datasets x 2 seeds, 300 queries each, with
per_query.json artifacts) in a temporary sqlite store, logged the way the pipeline logs them,
then times `rerank-bench table` (search, per-query loading, paired t-tests with Holm, render),
cold (first call in a fresh process) and warm, with each significance test.

    nice -n 10 .venv/bin/python benchmarks/bench_table.py [--runs-per-cell 2] [--queries 300]
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def _helpers():
    spec = importlib.util.spec_from_file_location(
        "_tracking_helpers", ROOT / "tests" / "_tracking_helpers.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    from rerank_bench.experiments.results import machine_line

    print(f"machine: {machine_line()}")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--systems", type=int, default=10)
    parser.add_argument("--datasets", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    helpers = _helpers()
    from rerank_bench.cli import main as cli
    from rerank_bench.reporting.runs import RunStore
    from rerank_bench.reporting.tables import TableSpec, tabulate

    with tempfile.TemporaryDirectory(prefix="bench-table-") as tmp:
        uri, artifacts = helpers.store_uri(Path(tmp))
        rng = np.random.default_rng(0)
        qids = [f"q{i}" for i in range(args.queries)]
        start = time.perf_counter()
        n = 0
        for d in range(args.datasets):
            base = rng.random(args.queries) * 0.7
            for s in range(args.systems):
                system = "bm25" if s == 0 else f"bm25>>reranker{s}"
                for seed in range(args.seeds):
                    values = np.clip(base + 0.01 * s + rng.normal(0, 0.05, args.queries), 0, 1)
                    per_query = {
                        m: dict(zip(qids, (float(v) for v in values), strict=True))
                        for m in ("ndcg@10", "mrr@10", "recall@100")
                    }
                    helpers.log_run(
                        uri,
                        artifacts,
                        "bench",
                        system,
                        f"dataset{d}",
                        per_query,
                        seed,
                        extra_metrics={"pairs_per_s_rerank": 100.0 + s},
                    )
                    n += 1
        print(f"logged {n} runs in {time.perf_counter() - start:.1f} s")

        for test in ("ttest", "fisher"):
            start = time.perf_counter()
            store = RunStore(uri)
            runs = store.search("bench")
            metrics = ["ndcg@10", "mrr@10", "recall@100"]
            spec = TableSpec(metrics=metrics, baseline="bm25", test=test)
            table = tabulate(runs, spec, store.per_query)
            text = table.to_markdown() + table.to_latex()
            print(
                f"in-process table, {test}: {time.perf_counter() - start:.2f} s "
                f"({len(runs)} runs, {len(table.columns)} columns, {len(text)} chars)"
            )
        start = time.perf_counter()
        code = cli(
            [
                "table",
                "--experiment",
                "bench",
                "--tracking-uri",
                uri,
                "--baseline",
                "bm25",
                "--format",
                "latex",
                "--output",
                str(Path(tmp) / "t.tex"),
            ]
        )
        print(f"warm CLI `table` (same process): {time.perf_counter() - start:.2f} s (exit {code})")
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-c",
                "from rerank_bench.cli import main; raise SystemExit(main())",
                "table",
                "--experiment",
                "bench",
                "--tracking-uri",
                uri,
                "--baseline",
                "bm25",
                "--format",
                "markdown",
                "--output",
                str(Path(tmp) / "t.md"),
            ],
            check=True,
            capture_output=True,
        )
        print(
            f"cold CLI `rerank-bench table` (new process, imports included): "
            f"{time.perf_counter() - start:.2f} s"
        )


if __name__ == "__main__":
    main()
