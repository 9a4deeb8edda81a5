"""Sufficient statistics of a search log, gathered in one streaming pass.

Every label method needs only counts: per (query group, document, position) how often the document
was shown, clicked, and was the search's satisfying click; per (query group, document) the
reciprocal-rank mass and the explicit votes. Gathering them once, from a stream, keeps memory
proportional to the number of distinct (group, document, position) cells, never to the number of
searches, and lets every method (and the position-bias estimate) reuse the same pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from rerank_bench.feedback.normalize import QueryGrouper
from rerank_bench.feedback.schema import Click, SearchLogEntry

__all__ = ["LogStats", "collect_stats", "satisfying_click"]

_POS_BITS = 16  # cell key = pair << 16 | position: positions up to 65,535


def satisfying_click(entry: SearchLogEntry, min_dwell_s: float = 30.0) -> Click | None:
    """The click that ended the search's need, or ``None``.

    The last click with a dwell of at least ``min_dwell_s`` (Fox et al. 2005 used 30 s for a
    satisfied click); when no click of the search has a dwell logged, the last click.
    """
    if not entry.clicks:
        return None
    if all(click.dwell_s is None for click in entry.clicks):
        return entry.clicks[-1]
    for click in reversed(entry.clicks):
        if click.dwell_s is not None and click.dwell_s >= min_dwell_s:
            return click
    return None


@dataclass(frozen=True)
class LogStats:
    """Aggregated counts of a log, as flat arrays.

    Cells are (pair, position) with ``cell_pair`` indexing the pair arrays; pairs are
    (group, document) with ``pair_group`` indexing :attr:`groups` and ``pair_doc`` :attr:`docs`.

    Attributes:
        groups: group ids (query ids when grouping is anchored).
        docs: document ids.
        pair_group, pair_doc: the group and document of each pair.
        pair_rr_shown: sum over impressions of 1/position.
        pair_rr_sat: sum over searches where the pair's document was the satisfying click of
            1/position.
        pair_votes_pos, pair_votes_neg: explicit positive / negative votes (see labels.py).
        cell_pair, cell_position: the pair and the 1-based position of each cell.
        cell_shown, cell_clicked, cell_sat: impressions, clicks and satisfying clicks.
        n_entries: searches read; n_unmatched: searches whose query mapped to no group.
    """

    groups: list[str]
    docs: list[str]
    pair_group: np.ndarray
    pair_doc: np.ndarray
    pair_rr_shown: np.ndarray
    pair_rr_sat: np.ndarray
    pair_votes_pos: np.ndarray
    pair_votes_neg: np.ndarray
    cell_pair: np.ndarray
    cell_position: np.ndarray
    cell_shown: np.ndarray
    cell_clicked: np.ndarray
    cell_sat: np.ndarray
    n_entries: int
    n_unmatched: int

    @property
    def max_position(self) -> int:
        """The deepest position any document was shown at."""
        return int(self.cell_position.max()) if len(self.cell_position) else 0

    def pair_sum(self, cell_values: np.ndarray) -> np.ndarray:
        """Sum a per-cell array into a per-pair array."""
        return np.bincount(self.cell_pair, weights=cell_values, minlength=len(self.pair_group))


def collect_stats(
    entries: Iterable[SearchLogEntry],
    grouper: QueryGrouper,
    min_dwell_s: float = 30.0,
    max_lists: int = 100_000,
) -> LogStats:
    """Aggregate a stream of searches into :class:`LogStats` in one pass.

    A document clicked twice in one search counts as one click. Explicit votes: ``helpful``
    votes on the last clicked document; ``resolved=true`` is a positive vote for the satisfying
    click (else the last click); ``resolved=false``, or a reformulation without ``resolved``, is a
    negative vote for every clicked document of the search.

    Args:
        entries: the searches (e.g. :func:`~rerank_bench.feedback.schema.read_log`).
        grouper: maps query texts to groups.
        min_dwell_s: dwell that makes a click satisfying (:func:`satisfying_click`).
        max_lists: distinct (group, list shown) kept in memory before their impressions are
            flushed into the cells; most searches repeat a list, so counting lists first is the
            fast path, and this bound keeps memory flat whatever the log.
    """
    group_index: dict[str, int] = {}
    doc_index: dict[str, int] = {}
    pairs: dict[tuple[int, int], int] = {}
    p_group: list[int] = []
    p_doc: list[int] = []
    rr_sat: list[float] = []
    votes_pos: list[int] = []
    votes_neg: list[int] = []
    cells: dict[int, int] = {}
    c_shown: list[int] = []
    c_clicked: list[int] = []
    c_sat: list[int] = []
    # (group, shown) -> [cells of the row, pairs of the row, searches not yet added to c_shown]
    lists: dict[tuple[int, tuple[str, ...]], tuple[list[int], list[int], list[int]]] = {}
    n_entries = n_unmatched = 0

    def flush() -> None:
        for row, _, count in lists.values():
            for cell in row:
                c_shown[cell] += count[0]
        lists.clear()

    def add_row(gi: int, shown: tuple[str, ...]) -> tuple[list[int], list[int], list[int]]:
        row: list[int] = []
        row_pairs: list[int] = []
        for position, doc_id in enumerate(shown, start=1):
            di = doc_index.setdefault(doc_id, len(doc_index))
            pair = pairs.get((gi, di))
            if pair is None:
                pair = pairs[(gi, di)] = len(p_group)
                p_group.append(gi)
                p_doc.append(di)
                rr_sat.append(0.0)
                votes_pos.append(0)
                votes_neg.append(0)
            key = pair << _POS_BITS | position
            cell = cells.get(key)
            if cell is None:
                cell = cells[key] = len(c_shown)
                c_shown.append(0)
                c_clicked.append(0)
                c_sat.append(0)
            row.append(cell)
            row_pairs.append(pair)
        return row, row_pairs, [0]

    for entry in entries:
        n_entries += 1
        group = grouper.group(entry.query)
        if group is None:
            n_unmatched += 1
            continue
        gi = group_index.setdefault(group, len(group_index))
        seen = lists.get((gi, entry.shown))
        if seen is None:
            if len(lists) >= max_lists:
                flush()
            seen = lists[(gi, entry.shown)] = add_row(gi, entry.shown)
        row, row_pairs, count = seen
        count[0] += 1
        if not entry.clicks:
            continue
        for position in {click.position for click in entry.clicks}:
            c_clicked[row[position - 1]] += 1
        sat = satisfying_click(entry, min_dwell_s)
        if sat is not None:
            c_sat[row[sat.position - 1]] += 1
            rr_sat[row_pairs[sat.position - 1]] += 1.0 / sat.position
        feedback = entry.feedback
        if feedback is None:
            continue
        last = row_pairs[entry.clicks[-1].position - 1]
        if feedback.helpful is not None:
            (votes_pos if feedback.helpful else votes_neg)[last] += 1
        if feedback.resolved:
            target = last if sat is None else row_pairs[sat.position - 1]
            votes_pos[target] += 1
        elif feedback.resolved is False or feedback.reformulation is not None:
            for position in {click.position for click in entry.clicks}:
                votes_neg[row_pairs[position - 1]] += 1
    flush()

    keys = np.fromiter(cells.keys(), dtype=np.int64, count=len(cells))
    order = np.fromiter(cells.values(), dtype=np.int64, count=len(cells))
    cell_pair = np.empty(len(cells), dtype=np.int64)
    cell_position = np.empty(len(cells), dtype=np.int64)
    cell_pair[order] = keys >> _POS_BITS
    cell_position[order] = keys & ((1 << _POS_BITS) - 1)
    shown = np.asarray(c_shown, dtype=np.float64)
    return LogStats(
        groups=list(group_index),
        docs=list(doc_index),
        pair_group=np.asarray(p_group, dtype=np.int64),
        pair_doc=np.asarray(p_doc, dtype=np.int64),
        pair_rr_shown=np.bincount(cell_pair, weights=shown / cell_position, minlength=len(p_group)),
        pair_rr_sat=np.asarray(rr_sat, dtype=np.float64),
        pair_votes_pos=np.asarray(votes_pos, dtype=np.float64),
        pair_votes_neg=np.asarray(votes_neg, dtype=np.float64),
        cell_pair=cell_pair,
        cell_position=cell_position,
        cell_shown=shown,
        cell_clicked=np.asarray(c_clicked, dtype=np.float64),
        cell_sat=np.asarray(c_sat, dtype=np.float64),
        n_entries=n_entries,
        n_unmatched=n_unmatched,
    )
