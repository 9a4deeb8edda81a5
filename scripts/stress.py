"""Stress the store: sweeps started together against one MLflow store, some killed, all re-run.

Why: a wrong number that nobody sees comes from jobs that share a store: two jobs writing into one
folder, a run holding another job's artifacts, a killed job's run left RUNNING. This script starts
``--sweeps`` ``rerank-bench run --multirun`` sweeps at once on a new store, SIGKILLs ``--kill`` of
them at random moments, runs every sweep again to its end, and then checks the store:

* every FINISHED run's ``config.yaml`` artifact is the config its params say (every param), its
  ``per_query.json`` averages to its logged nDCG@10, and its ``run.trec`` evaluates to it again;
* no run is RUNNING (the killed jobs' runs are closed as KILLED by the next jobs).

It prints its counts and exits 1 if any check fails. A re-run reuses finished jobs only at a clean
commit (see ``tracking.reuse``); at a dirty tree every job runs again, which the checks cover too.

Usage:
    python scripts/stress.py [--sweeps 4] [--kill 2] [--values 3] [--seed 0] [--home DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import yaml
from mlflow.entities import Run
from mlflow.tracking import MlflowClient

from rerank_bench import load_dataset
from rerank_bench.data.io import read_trec_run
from rerank_bench.data.records import Split
from rerank_bench.evaluation.metrics import evaluate
from rerank_bench.tracking import flatten, redact
from rerank_bench.tracking.names import KIND_TAG


def _sweep(index: int, values: int) -> list[str]:
    """Sweep ``index``: BM25 over its own k1 values (and b), so every job's numbers differ."""
    k1 = ",".join(f"{0.5 + 0.1 * index + 0.4 * j:.2f}" for j in range(values))
    return ["run", "--multirun", f"retriever.k1={k1}", f"retriever.b={0.6 + 0.05 * index:.2f}"]


def _start(args: list[str], home: Path) -> subprocess.Popen[str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    env = {**inherited, "RERANK_BENCH_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    return subprocess.Popen([sys.executable, "-m", "rerank_bench", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)


def _check(run: Run, split: Split) -> list[str]:
    """What is wrong with one FINISHED run's artifacts against its params and metrics."""
    problems = []
    folder = Path(run.info.artifact_uri.removeprefix("file://"))
    config = yaml.safe_load((folder / "config.yaml").read_text("utf-8"))
    expected = {k: str(v) for k, v in redact(flatten(config)).items()}
    for key, value in run.data.params.items():
        if expected.get(key, value)[:6000] != value:
            problems.append(f"param {key}={value} but config.yaml says {expected.get(key)}")
    logged = run.data.metrics["ndcg_at_10"]
    per_query = json.loads((folder / "per_query.json").read_text("utf-8"))["per_query"]["ndcg@10"]
    if abs(sum(per_query.values()) / len(per_query) - logged) > 1e-9:
        problems.append("per_query.json does not average to the logged ndcg_at_10")
    again = evaluate(split, read_trec_run(folder / "run.trec"), ["ndcg@10"]).mean["ndcg@10"]
    if abs(again - logged) > 1e-9:
        problems.append(f"run.trec evaluates to {again:.4f}, the run logged {logged:.4f}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sweeps", type=int, default=4)
    parser.add_argument("--kill", type=int, default=2, help="sweeps killed with SIGKILL")
    parser.add_argument("--values", type=int, default=3, help="jobs per sweep")
    parser.add_argument("--seed", type=int, default=0, help="of the kill moments")
    parser.add_argument("--home", type=Path, default=None, help="RERANK_BENCH_HOME (new: temp)")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    home = args.home or Path(tempfile.mkdtemp(prefix="rerank-bench-stress-"))
    sweeps = [_sweep(i, args.values) for i in range(args.sweeps)]

    started = time.perf_counter()
    jobs = [_start(sweep, home) for sweep in sweeps]
    for job in rng.sample(jobs, args.kill):
        time.sleep(rng.uniform(2.0, 8.0))
        os.killpg(job.pid, signal.SIGKILL)
    first = [job.wait() for job in jobs]
    client = MlflowClient(tracking_uri=f"sqlite:///{home / 'mlflow.db'}")
    experiments = [e.experiment_id for e in client.search_experiments()]
    before = Counter(r.info.status for r in client.search_runs(experiments, max_results=10_000))
    again = [_start(sweep, home) for sweep in sweeps]
    outputs = [job.communicate()[0] for job in again]
    runs = client.search_runs(experiments, max_results=10_000)
    after = Counter(r.info.status for r in runs)
    reused = sum(out.count("(reused: a finished run") for out in outputs)

    split = load_dataset("helpdesk").split("test")
    job_runs = [r for r in runs if r.data.tags.get(KIND_TAG) != "parent"]  # not a sweep's parent
    problems = [f"{r.info.run_id}: {p}" for r in job_runs if r.info.status == "FINISHED"
                for p in _check(r, split)]
    problems += [f"{r.info.run_id} is still RUNNING" for r in runs if r.info.status == "RUNNING"]
    problems += [f"re-run of sweep {i} exited {j.returncode}" for i, j in enumerate(again)
                 if j.returncode != 0]
    print(f"store: {home / 'mlflow.db'}; {args.sweeps} sweeps x {args.values} jobs, "
          f"{args.kill} killed (exit codes {first}); {time.perf_counter() - started:.0f} s")
    print(f"after the kills: {dict(before)}; after the re-runs: {dict(after)}; "
          f"jobs reused by the re-runs: {reused}")
    checked = sum(r.info.status == "FINISHED" for r in job_runs)
    print(f"FINISHED job runs checked: {checked} (and {len(runs) - len(job_runs)} parent runs); "
          f"problems: {len(problems)}")
    for problem in problems:
        print("  " + problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
