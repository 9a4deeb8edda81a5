"""The Markdown table printed (and logged) at the end of one experiment."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rerank_bench.evaluation.metrics import Evaluation

__all__ = ["summary_table"]


def summary_table(
    dataset: str,
    split: str,
    rows: Sequence[tuple[str, Evaluation]],
    extra: Mapping[str, str],
    notes: Sequence[str] = (),
) -> str:
    """Render systems (rows) by metrics (columns) as Markdown, with the conventions underneath.

    Args:
        dataset: dataset name for the caption.
        split: evaluated split.
        rows: ``(system, evaluation)`` pairs sharing the same metrics.
        extra: further facts to print under the table (timings, depth...).
        notes: sentences a reader must not miss (data, relevance level, truncation), one line
            each under the facts.
    """
    metrics = rows[0][1].metrics
    first = rows[0][1]
    lines = [
        f"### {dataset} ({split}, {first.n_queries} queries)",
        "",
        "| system | " + " | ".join(metrics) + " |",
        "|---|" + "---:|" * len(metrics),
    ]
    for system, evaluation in rows:
        cells = " | ".join(f"{evaluation.mean[m]:.4f}" for m in metrics)
        lines.append(f"| {system} | {cells} |")
    facts = [f"relevant for binary metrics: grade >= {first.rel_level}"]
    if first.n_unanswered:
        facts.append(f"{first.n_unanswered} judged queries without results scored 0")
    facts += [f"{k}: {v}" for k, v in extra.items()]
    lines += ["", "; ".join(facts), *(f"Note: {note}." for note in notes)]
    return "\n".join(lines)
