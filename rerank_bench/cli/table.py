"""``rerank-bench table``: a paper-style table from MLflow runs. Parsing only."""

from __future__ import annotations

import argparse
import sys

from rerank_bench.data.io import atomic_write
from rerank_bench.errors import RerankBenchError
from rerank_bench.evaluation.significance import CORRECTIONS, TESTS

__all__ = ["add_parser", "run"]

_FORMATS = ("markdown", "latex", "latex-standalone", "csv", "html")
_FORMAT_ALIASES = {"md": "markdown"}
"""Short names a format is also known by (``--format md``, as the file extension)."""


def _format(name: str) -> str:
    """The format ``name`` stands for: argparse checks ``choices`` after ``type``, so an alias
    passes as its format and ``--help`` lists the formats once."""
    return _FORMAT_ALIASES.get(name, name)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``table`` subcommand."""
    p = subparsers.add_parser(
        "table",
        help="turn MLflow runs into a paper-style table with significance marks",
        description=(
            "Systems as rows, datasets x metrics as columns; best in bold, second underlined; "
            "significance against --baseline from the per-query metrics each run logged."
        ),
    )
    p.add_argument(
        "--experiment",
        required=True,
        action="append",
        help="MLflow experiment name (repeat for several)",
    )
    p.add_argument(
        "--filter", default=None, help="MLflow search filter, e.g. \"tags.dataset = 'scifact'\""
    )
    p.add_argument(
        "--dataset",
        default=None,
        help="only runs on these datasets, comma-separated (MLflow filters have no `or`)",
    )
    p.add_argument(
        "--tracking-uri",
        default=None,
        help="MLflow store (default: MLFLOW_TRACKING_URI or .rerank-bench/mlflow.db)",
    )
    p.add_argument("--rows", default="condition",
                   help="run field naming rows: condition (a reproduction's condition, shown by "
                        "its display name; else the run name), system, or a tag or param; runs "
                        "of different conditions under one name get the params that differ "
                        "appended")
    p.add_argument("--columns", default="dataset", help="run field naming column groups")
    p.add_argument(
        "--metrics",
        default="ndcg_at_10,mrr_at_10,recall_at_100",
        help="comma-separated metric keys or ranx names",
    )
    p.add_argument(
        "--efficiency",
        default="queries_per_s_first_stage,pairs_per_s_rerank",
        help="latency/throughput metrics shown when logged ('' for none)",
    )
    p.add_argument("--baseline", default=None, help="row to test every other row against")
    p.add_argument("--test", choices=TESTS, default="ttest")
    p.add_argument("--correction", choices=CORRECTIONS, default="holm")
    p.add_argument("--alpha", type=float, default=0.05)
    p.add_argument(
        "--align",
        choices=("refuse", "intersect"),
        default="refuse",
        help="runs on different query sets: refuse, or use the shared queries",
    )
    p.add_argument("--permutations", type=int, default=10_000, help="Fisher test permutations")
    p.add_argument("--seed", type=int, default=42, help="Fisher test seed")
    p.add_argument("--order", default=None, help="comma-separated row order")
    p.add_argument("--decimals", type=int, default=4)
    p.add_argument("--caption", default="")
    p.add_argument(
        "--format",
        type=_format,
        choices=_FORMATS,
        default="markdown",
        help="output format (md: markdown)",
    )
    p.add_argument("--output", default=None, help="write here instead of standard output")
    p.add_argument(
        "--plots",
        default=None,
        metavar="DIR",
        help="also write the per-query, depth and training plots into DIR",
    )
    p.add_argument(
        "--log-plots",
        action="store_true",
        help="attach the plots to the runs they describe as MLflow artifacts",
    )


def _split(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def run(args: argparse.Namespace) -> int:
    """Build, render and write the table (and plots); 2 on a user error."""
    from rerank_bench.reporting.plots import write_table_plots
    from rerank_bench.reporting.runs import RunStore
    from rerank_bench.reporting.tables import TableSpec, tabulate

    spec = TableSpec(
        rows=args.rows,
        columns=args.columns,
        metrics=_split(args.metrics),
        baseline=args.baseline,
        test=args.test,
        correction=args.correction,
        alpha=args.alpha,
        align=args.align,
        n_permutations=args.permutations,
        seed=args.seed,
        efficiency=_split(args.efficiency),
        row_order=_split(args.order),
        decimals=args.decimals,
        caption=args.caption,
    )
    try:
        store = RunStore(args.tracking_uri)
        runs = store.search(args.experiment, args.filter, datasets=_split(args.dataset))
        table = tabulate(runs, spec, store.per_query)
        text = table.render(args.format)
        if args.output:
            with atomic_write(args.output) as handle:
                handle.write(text)
        else:
            sys.stdout.write(text)
        if args.plots:
            for path in write_table_plots(store, runs, table, args.plots, args.log_plots):
                print(f"plot: {path}", file=sys.stderr)
    except RerankBenchError as exc:
        print(f"rerank-bench table: error: {exc}", file=sys.stderr)
        return 2
    return 0
