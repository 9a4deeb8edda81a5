"""``rerank-bench table``: a paper-style table from MLflow runs. Parsing only."""

from __future__ import annotations

import argparse
import sys

from rerank_bench.data.io import atomic_write
from rerank_bench.errors import RerankBenchError
from rerank_bench.evaluation.significance import CORRECTIONS, FAMILIES, TESTS, TIE_TOLERANCE

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
            "significance against one or several --baseline rows from the per-query metrics "
            "each run logged, corrected over a stated family; with --ci / --wtl, a comparisons "
            "block gives each difference with its bootstrap interval and win/tie/loss counts."
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
    p.add_argument(
        "--cost",
        action="store_true",
        help="add the serving cost each run measured: p50/p95 ms per query (first stage + "
        "re-rank, one query at a time), pairs/s, peak MB, training minutes, estimated $ per "
        "1,000 queries of paid API stages; the footnote names the machine and the prices' date",
    )
    p.add_argument(
        "--plot-frontier",
        default=None,
        metavar="PATH",
        help="also write the Pareto frontier of the first metric against ms/query and $/1k "
        "queries to PATH (implies --cost)",
    )
    p.add_argument(
        "--baseline",
        default=None,
        help="row(s) to test the others against, comma-separated (bm25,minilm): with several, "
        "each row is tested against the baselines listed before it and a mark names the "
        "baseline by letter (†a: better than a, ‡b: worse than b)",
    )
    p.add_argument("--test", choices=TESTS, default="ttest")
    p.add_argument("--correction", choices=CORRECTIONS, default="holm")
    p.add_argument("--alpha", type=float, default=0.05)
    p.add_argument(
        "--family",
        choices=FAMILIES,
        default=None,
        help="what one correction covers: the comparisons of a column, of a column group "
        "(dataset), or every comparison of the table (default: column with one baseline, "
        "table with several); the footnote states it",
    )
    p.add_argument(
        "--pooled",
        action="store_true",
        help="add a column group 'pooled': every column group's queries concatenated, paired "
        "and tested as one sample (with several column groups)",
    )
    p.add_argument(
        "--ci",
        action="store_true",
        help="comparisons block: each row's mean difference to each baseline with its paired "
        "bootstrap 95%% interval, e.g. +0.031 [+0.012, +0.050], beside the p-values",
    )
    p.add_argument(
        "--resamples", type=int, default=10_000, help="bootstrap resamples of --ci (seed: --seed)"
    )
    p.add_argument(
        "--wtl",
        action="store_true",
        help="comparisons block: per-query wins/ties/losses of each row against each baseline",
    )
    p.add_argument(
        "--tie-tolerance",
        type=float,
        default=TIE_TOLERANCE,
        help="a query is a tie when |row - baseline| <= this (default %(default)g: float noise "
        "only; e.g. 0.01 to count negligible differences as ties)",
    )
    p.add_argument(
        "--plot-wtl",
        default=None,
        metavar="PATH",
        help="also write a win/tie/loss bar chart of the first metric to PATH (implies --wtl)",
    )
    p.add_argument(
        "--align",
        choices=("refuse", "intersect"),
        default="refuse",
        help="runs on different query sets: refuse, or use the shared queries",
    )
    p.add_argument("--permutations", type=int, default=10_000, help="Fisher test permutations")
    p.add_argument("--seed", type=int, default=42, help="seed of the Fisher test and bootstrap")
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


def _efficiency(args: argparse.Namespace) -> list[str]:
    """``--efficiency``, then the cost columns when ``--cost`` or ``--plot-frontier`` asks."""
    from rerank_bench.serving import COST_METRICS

    chosen = _split(args.efficiency)
    if args.cost or args.plot_frontier:
        chosen += [key for key in COST_METRICS if key not in chosen]
    return chosen


def run(args: argparse.Namespace) -> int:
    """Build, render and write the table (and plots); 2 on a user error."""
    from rerank_bench.reporting.plots import write_table_plots
    from rerank_bench.reporting.runs import RunStore
    from rerank_bench.reporting.tables import TableSpec, tabulate
    from rerank_bench.reporting.tables.frontier_plot import plot_frontier
    from rerank_bench.reporting.tables.wtl_plot import plot_win_tie_loss

    try:
        spec = TableSpec(
            rows=args.rows,
            columns=args.columns,
            metrics=_split(args.metrics),
            baseline=_split(args.baseline) or None,
            test=args.test,
            correction=args.correction,
            alpha=args.alpha,
            family=args.family,
            pooled=args.pooled,
            ci=args.ci,
            n_resamples=args.resamples,
            wtl=args.wtl or args.plot_wtl is not None,
            tie_tolerance=args.tie_tolerance,
            align=args.align,
            n_permutations=args.permutations,
            seed=args.seed,
            efficiency=_efficiency(args),
            row_order=_split(args.order),
            decimals=args.decimals,
            caption=args.caption,
        )
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
        if args.plot_wtl:
            print(f"plot: {plot_win_tie_loss(table, args.plot_wtl)}", file=sys.stderr)
        if args.plot_frontier:
            print(f"plot: {plot_frontier(table, args.plot_frontier)}", file=sys.stderr)
    except RerankBenchError as exc:
        print(f"rerank-bench table: error: {exc}", file=sys.stderr)
        return 2
    return 0
