"""``rerank-bench curve EXPERIMENT``: measure a learning curve. Parsing only."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rerank_bench.errors import RerankBenchError

__all__ = ["add_parser", "run"]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``curve`` subcommand."""
    p = subparsers.add_parser(
        "curve",
        help="measure a learning curve (experiments/<name>/curve.yaml): how much domain data "
        "until fine-tuning beats the baseline",
        description=(
            "Runs the system of experiments/<name>/curve.yaml at every amount of data (a share "
            "of the training questions, or the size of a simulated search log) and seed, and "
            "the baseline once; prints each point's mean and gain over the baseline with "
            "two-level bootstrap 95%% intervals (seeds and queries) and where the gain curve "
            "crosses zero; writes curve.png, curve.csv and RESULTS.md beside the curve file and "
            "attaches them to a parent MLflow run. Finished runs are reused as by `reproduce` "
            "(same overrides, data and clean commit), so a killed curve resumes and a second "
            "call runs nothing."
        ),
    )
    p.add_argument("experiment", help="experiment name, folder or curve.yaml path")
    p.add_argument(
        "--dry-run", action="store_true", help="print the runs with their overrides and exit"
    )
    reuse = p.add_mutually_exclusive_group()
    reuse.add_argument("--force", action="store_true", help="re-run every run")
    reuse.add_argument(
        "--reuse-any-commit",
        action="store_true",
        help="also reuse finished runs made at another clean commit (see reproduce --help)",
    )
    p.add_argument(
        "--tracking-uri",
        default=None,
        help="MLflow store (default: MLFLOW_TRACKING_URI or .rerank-bench/mlflow.db)",
    )
    p.add_argument(
        "--output",
        default=None,
        help="folder of curve.png, curve.csv and RESULTS.md (default: beside curve.yaml)",
    )
    p.add_argument(
        "--logs",
        default=None,
        help="folder of the simulated logs of a searches axis (default: "
        "$RERANK_BENCH_HOME/cache/curve_logs)",
    )


def run(args: argparse.Namespace) -> int:
    """0 when the curve was measured, 2 on a user error."""
    from rerank_bench.experiments import CodeVersion, describe_reuse, machine_info, machine_line
    from rerank_bench.experiments.curve import curve_experiment, default_logs_folder, run_curve
    from rerank_bench.experiments.curve_spec import find_curve, load_curve
    from rerank_bench.progress import show_progress_lines
    from rerank_bench.reporting.curves import write_curve
    from rerank_bench.reporting.runs import default_tracking_uri
    from rerank_bench.tracking import resolve_tracking_uri

    show_progress_lines()
    try:
        spec = load_curve(find_curve(args.experiment))
        logs = Path(args.logs) if args.logs else default_logs_folder()
        code = CodeVersion.current()
        print(describe_reuse(code, args.force, args.reuse_any_commit), flush=True)
        if args.dry_run:
            experiment = curve_experiment(spec, logs)
            for condition in experiment.conditions:
                overrides = [*experiment.common_overrides, *condition.overrides]
                print(f"{condition.name:<28} " + " ".join(overrides))
            return 0
        result = run_curve(
            spec,
            resolve_tracking_uri(args.tracking_uri or default_tracking_uri()),
            logs,
            force=args.force,
            reuse_any_commit=args.reuse_any_commit,
            on_check=lambda check: print(check.line(), flush=True),
        )
        machine = machine_info()
        folder = Path(args.output) if args.output else spec.path.parent
        written = write_curve(result, folder, machine_line(machine), code.commit, machine["date"])
        print("\n" + written[-1].read_text(encoding="utf-8"))
        for path in written:
            print(f"written: {path}")
    except RerankBenchError as exc:
        print(f"rerank-bench curve: error: {exc}", file=sys.stderr)
        return 2
    return 0
