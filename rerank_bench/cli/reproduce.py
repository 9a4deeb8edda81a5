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
            "Runs each condition of the spec through the pipeline, prints OK, OKISH, FAIL or NEW "
            "per expected value, writes RESULTS.md, and exits 1 on any FAIL (an out-of-tolerance "
            "gain too). A finished run is reused only when its reuse key matches: the same "
            "overrides, the same data (data root and resolved dataset config) and the same code "
            "(rerank-bench version and git commit). At a tree with uncommitted changes nothing "
            "is reused, and runs made there are never reused later."
        ),
    )
    p.add_argument("experiment", help="experiment name, folder or spec.yaml path")
    p.add_argument("--condition", default=None, help="run only this condition")
    p.add_argument(
        "--dry-run", action="store_true", help="print the jobs with their config hash and reuse key"
    )
    reuse = p.add_mutually_exclusive_group()
    reuse.add_argument(
        "--force", action="store_true", help="re-run every cell, even one with a reusable run"
    )
    reuse.add_argument(
        "--reuse-any-commit",
        action="store_true",
        help=(
            "also reuse finished runs of the same overrides on the same data made at another "
            "(clean) commit or version; only when you know the code change does not move these "
            "numbers. Runs made at a dirty tree are still never reused"
        ),
    )
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
        CodeVersion,
        describe_reuse,
        find_spec,
        load_spec,
        plan,
        reproduce,
        results_markdown,
        write_results,
    )
    from rerank_bench.progress import show_progress_lines
    from rerank_bench.reporting.runs import default_tracking_uri

    show_progress_lines()
    from rerank_bench.tracking import resolve_tracking_uri

    try:
        spec = load_spec(find_spec(args.experiment))
        code = CodeVersion.current()
        print(describe_reuse(code, args.force, args.reuse_any_commit), flush=True)
        if args.dry_run:
            for cell in plan(spec, args.condition, code):
                print(
                    f"{cell.condition.name:<24} {cell.dataset:<10} config {cell.config_hash} "
                    f"reuse {cell.reuse_key}  " + " ".join(cell.overrides)
                )
            return 0
        uri = resolve_tracking_uri(args.tracking_uri or default_tracking_uri())
        report = reproduce(
            spec,
            uri,
            condition=args.condition,
            force=args.force,
            on_check=lambda check: print(check.line(), flush=True),
            reuse_any_commit=args.reuse_any_commit,
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
