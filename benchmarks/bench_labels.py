"""Label derivation throughput and memory on a large simulated search log.

Why: a production helpdesk logs millions of searches, and label derivation must stream them in
bounded memory. This benchmark simulates a log (cached on disk, seeded), then derives every
method's labels from a prefix of 10% and from all of it, each in a fresh process so that peak RSS
is the derivation's own. Bounded memory shows as a peak that does not grow with the number of
searches (it grows only with distinct (question, document, position) cells).

    nice -n 10 python benchmarks/bench_labels.py --dataset helpdesk --searches 1000000

Prints a Markdown table and writes the figures as JSON (``--out``).
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import resource
import time
from pathlib import Path
from typing import Any

from hydra import compose, initialize_config_module
from hydra.utils import instantiate

from rerank_bench.data.io import atomic_write
from rerank_bench.data.records import Dataset
from rerank_bench.feedback import (
    LABEL_METHODS,
    QueryGrouper,
    collect_stats,
    label_agreement,
    make_label_method,
    read_log,
    simulate_log,
)

REPO = Path(__file__).resolve().parent.parent


def load_dataset(name: str) -> Dataset:
    """The dataset of ``conf/dataset/<name>.yaml``, loaded."""
    with initialize_config_module(config_module="rerank_bench.conf", version_base="1.3"):
        cfg = compose(config_name="config", overrides=[f"dataset={name}"])
    return instantiate(cfg.dataset).load()


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _derive(dataset_name: str, log: str, n_entries: int, split: str) -> dict[str, Any]:
    """Runs in a fresh process: load the dataset, then stream the log into every method."""
    dataset = load_dataset(dataset_name)
    questions = dataset.split(split).queries
    rss_before = _peak_rss_mb()
    start = time.perf_counter()
    grouper = QueryGrouper(questions, near_duplicate=0.6)
    stats = collect_stats(itertools.islice(read_log(log), n_entries), grouper)
    pass_s = time.perf_counter() - start
    methods: dict[str, Any] = {}
    truth = dataset.split(split).qrels
    derive_s = 0.0
    for name in sorted(LABEL_METHODS):
        t0 = time.perf_counter()
        labels = make_label_method(name).derive(stats)
        elapsed = time.perf_counter() - t0
        derive_s += elapsed
        agreement = label_agreement(labels, truth)  # not timed: evaluation, not derivation
        methods[name] = {
            "derive_s": round(elapsed, 3),
            "tau_per_query": round(agreement.tau_per_query, 4),
            "tau_pooled": round(agreement.tau_pooled, 4),
            "top1": round(agreement.top1, 4),
        }
    total_s = pass_s + derive_s
    return {
        "entries": stats.n_entries,
        "unmatched": stats.n_unmatched,
        "cells": len(stats.cell_pair),
        "pairs": len(stats.pair_group),
        "pass_s": round(pass_s, 2),
        "entries_per_s_pass": round(stats.n_entries / pass_s),
        "entries_per_s_all_methods": round(stats.n_entries / total_s),
        "peak_rss_mb_before": round(rss_before, 1),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "methods": methods,
    }


def main() -> None:
    from rerank_bench.experiments.results import machine_line

    print(f"machine: {machine_line()}")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="helpdesk", help="a conf/dataset/ name")
    parser.add_argument("--split", default="train")
    parser.add_argument("--searches", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", default=str(REPO / ".rerank-bench" / "bench"))
    parser.add_argument("--out", default=str(REPO / ".rerank-bench" / "bench" / "labels.json"))
    args = parser.parse_args()

    log = Path(args.cache) / f"feedback_{args.dataset}_{args.searches}_seed{args.seed}.jsonl.gz"
    simulated: dict[str, Any] = {"path": str(log), "cached": log.exists()}
    if not log.exists():
        dataset = load_dataset(args.dataset)
        start = time.perf_counter()
        simulate_log(dataset, args.searches, args.seed, log, split=args.split)
        elapsed = time.perf_counter() - start
        simulated.update(seconds=round(elapsed, 1), searches_per_s=round(args.searches / elapsed))
    simulated["mb"] = round(log.stat().st_size / 2**20, 1)

    context = multiprocessing.get_context("spawn")
    results = []
    for n in (args.searches // 10, args.searches):
        with context.Pool(1) as pool:
            results.append(pool.apply(_derive, (args.dataset, str(log), n, args.split)))
    report = {"dataset": args.dataset, "split": args.split, "simulated": simulated, "runs": results}
    with atomic_write(args.out) as handle:
        json.dump(report, handle, indent=2)

    print(f"log: {log} ({simulated['mb']} MB)", json.dumps(simulated))
    print(
        "\n| searches | entries/s (pass) | entries/s (pass + 4 methods) | peak RSS MB "
        "(after dataset load -> end) | cells |"
    )
    print("|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['entries']:,} | {r['entries_per_s_pass']:,} | {r['entries_per_s_all_methods']:,}"
            f" | {r['peak_rss_mb_before']} -> {r['peak_rss_mb']} | {r['cells']:,} |"
        )
    print("\n| method | Kendall tau per query | pooled | top label = best grade | derive s |")
    print("|---|---|---|---|---|")
    for name, m in results[-1]["methods"].items():
        print(
            f"| {name} | {m['tau_per_query']} | {m['tau_pooled']} | {m['top1']} | {m['derive_s']} |"
        )


if __name__ == "__main__":
    main()
