"""``rerank-bench reproduce EXPERIMENT``: re-run a spec and check every number. Parsing only."""

from __future__ import annotations

import argparse
import sys

from rerank_bench.errors import RerankBenchError

__all__ = ["add_parser", "run"]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``reproduce`` subcommand."""
    p = subparsers.add_parser(
        "reproduce",
        help="re-run an experiments/<name>/spec.yaml and check OK/OKISH/FAIL per cell",
        description=(
            "Runs each condition of the spec through the pipeline (reusing finished runs with "
            "the same config hash unless --force), prints OK, OKISH, FAIL or NEW per expected "
            "value, writes RESULTS.md, and exits 1 on any FAIL (an out-of-tolerance gain too)."
        ),
    )
    p.add_argument("experiment", help="experiment name, folder or spec.yaml path")
    p.add_argument("--condition", default=None, help="run only this condition")
    p.add_argument("--dry-run", action="store_true", help="print the jobs and exit")
    p.add_argument("--force", action="store_true", help="re-run cells that already have a run")
    p.add_argument(
        "--tracking-uri",
        default=None,
        help="MLflow store (default: MLFLOW_TRACKING_URI or .rerank-bench/mlflow.db)",
    )
    p.add_argument(
        "--results",
        default=None,
        help="where to write RESULTS.md (default: beside the spec, full runs only)",
    )
    p.add_argument("--no-results", action="store_true", help="do not write RESULTS.md")
    p.add_argument(
        "--show", action="store_true", help="print the results (table, showcase) at the end"
    )
    p.add_argument(
        "--no-gate",
        action="store_true",
        help="exit 0 even when a check fails (demos: verdicts are still printed)",
    )


def run(args: argparse.Namespace) -> int:
    """0 when every check passed, 1 on any FAIL, 2 on a user error."""
    from rerank_bench.experiments import (
        find_spec,
        load_spec,
        plan,
        reproduce,
        results_markdown,
        write_results,
    )
    from rerank_bench.reporting.runs import default_tracking_uri
    from rerank_bench.tracking import resolve_tracking_uri

    try:
        spec = load_spec(find_spec(args.experiment))
        if args.dry_run:
            for cell in plan(spec, args.condition):
                print(
                    f"{cell.condition.name:<24} {cell.dataset:<10} {cell.config_hash}  "
                    + " ".join(cell.overrides)
                )
            return 0
        uri = resolve_tracking_uri(args.tracking_uri or default_tracking_uri())
        report = reproduce(
            spec,
            uri,
            condition=args.condition,
            force=args.force,
            on_check=lambda check: print(check.line(), flush=True),
        )
        counts = {
            v: sum(c.verdict == v for c in report.checks) for v in ("OK", "OKISH", "FAIL", "NEW")
        }
        print(", ".join(f"{n} {v}" for v, n in counts.items() if n) + f" ({spec.name})")
        if not args.no_results and (args.results or args.condition is None):
            path = write_results(report, args.results)
            print(f"results: {path}")
            if args.show:
                print("\n" + path.read_text(encoding="utf-8"))
        elif args.show:
            print("\n" + results_markdown(report))
    except RerankBenchError as exc:
        print(f"rerank-bench reproduce: error: {exc}", file=sys.stderr)
        return 2
    return 1 if report.failed and not args.no_gate else 0
