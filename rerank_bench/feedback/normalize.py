"""Query normalisation and grouping, so that many searches of one need pool their evidence.

Users type the same need many ways ("SSH keeps dropping!", "ssh keeps  dropping"), and a label
estimated from one spelling's handful of searches is noise. Queries are normalised (Unicode NFKC,
case folding, punctuation to spaces, whitespace collapsed) and, optionally, near-duplicates are
merged by Jaccard similarity of token sets or of character trigrams above a threshold. Grouping
can be anchored on known queries (the training questions), in which case each log query maps to
its best-matching anchor or to nothing.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping

from rerank_bench.errors import ConfigError

__all__ = ["QueryGrouper", "jaccard", "normalize_query", "query_features"]

_NON_WORD = re.compile(r"[\W_]+")
_SIMILARITIES = ("tokens", "char3")


def normalize_query(text: str) -> str:
    """Case-fold, turn punctuation into spaces and collapse whitespace (after Unicode NFKC).

    >>> normalize_query("  SSH keeps   dropping?! ")
    'ssh keeps dropping'
    """
    return " ".join(_NON_WORD.sub(" ", unicodedata.normalize("NFKC", text).casefold()).split())


def query_features(normalized: str, similarity: str = "tokens") -> frozenset[str]:
    """The set compared by :func:`jaccard`: tokens, or character trigrams of the padded text."""
    if similarity == "tokens":
        return frozenset(normalized.split())
    padded = f" {normalized} "
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """|a ∩ b| / |a ∪ b| (0 for two empty sets)."""
    if not a and not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


class QueryGrouper:
    """Maps raw query texts to group ids.

    Without anchors, a group is named by the normalised text of its first query; with
    ``near_duplicate`` set, a query whose best Jaccard similarity to an existing group reaches the
    threshold joins that group. With ``anchors`` (``{query_id: text}``), only anchors are groups:
    a query maps to the anchor with the same normalised text, else (with ``near_duplicate``) to the
    unique most similar anchor at or above the threshold, else to ``None``.

    Args:
        anchors: known queries to map onto, or ``None`` for open grouping.
        near_duplicate: Jaccard threshold in (0, 1] for merging, or ``None`` for exact only.
        similarity: ``tokens`` (order-free word sets) or ``char3`` (character trigrams; tolerates
            typos).
        cache_size: raw texts remembered to skip re-normalising repeats (bounds memory).

    Raises:
        ConfigError: an invalid threshold or similarity.
    """

    def __init__(
        self,
        anchors: Mapping[str, str] | None = None,
        near_duplicate: float | None = None,
        similarity: str = "tokens",
        cache_size: int = 200_000,
    ) -> None:
        if near_duplicate is not None and not 0 < near_duplicate <= 1:
            raise ConfigError(
                f"near_duplicate must be in (0, 1] or null, got {near_duplicate}; "
                f"0.6 merges queries differing by one word in five."
            )
        if similarity not in _SIMILARITIES:
            raise ConfigError(
                f"similarity={similarity!r}; choose one of {', '.join(_SIMILARITIES)}."
            )
        self.near_duplicate = near_duplicate
        self.similarity = similarity
        self.anchored = anchors is not None
        self.cache_size = cache_size
        self._cache: dict[str, str | None] = {}
        self._exact: dict[str, str] = {}
        self._features: dict[str, frozenset[str]] = {}
        self._index: dict[str, list[str]] = {}
        self.representatives: dict[str, str] = {}
        self.unmatched = 0
        if anchors is not None:
            for query_id in sorted(anchors):
                normalized = normalize_query(anchors[query_id])
                if normalized in self._exact:
                    continue  # the same need twice among the anchors: the first id wins
                self._add_group(query_id, normalized, anchors[query_id])

    def _add_group(self, group_id: str, normalized: str, text: str) -> None:
        self._exact[normalized] = group_id
        self.representatives[group_id] = text
        if self.near_duplicate is not None:
            features = query_features(normalized, self.similarity)
            self._features[group_id] = features
            for feature in features:
                self._index.setdefault(feature, []).append(group_id)

    def _nearest(self, normalized: str) -> str | None:
        if self.near_duplicate is None:
            return None
        features = query_features(normalized, self.similarity)
        if not features:
            return None
        # Prefix filter (Chaudhuri et al. 2006): a group with Jaccard >= t shares at least
        # ceil(t |q|) features with the query, hence one of its |q| - ceil(t |q|) + 1 rarest.
        by_rarity = sorted(features, key=lambda f: (len(self._index.get(f, ())), f))
        prefix = len(features) - math.ceil(self.near_duplicate * len(features) - 1e-9) + 1
        candidates = {g for f in by_rarity[:prefix] for g in self._index.get(f, ())}
        best, best_score, tie = None, -1.0, False
        for group_id in sorted(candidates):
            score = jaccard(features, self._features[group_id])
            if score > best_score:
                best, best_score, tie = group_id, score, False
            elif score == best_score:
                tie = True
        if best is None or best_score < self.near_duplicate or tie:
            return None
        return best

    def group(self, text: str) -> str | None:
        """The group id of ``text`` (``None`` when anchored and nothing matches)."""
        if text in self._cache:
            cached = self._cache[text]
            if cached is None:
                self.unmatched += 1
            return cached
        normalized = normalize_query(text)
        group_id = self._exact.get(normalized)
        if group_id is None:
            group_id = self._nearest(normalized)
            if group_id is not None:
                self._exact[normalized] = group_id
            elif not self.anchored and normalized:
                group_id = normalized
                self._add_group(group_id, normalized, text)
        if group_id is None:
            self.unmatched += 1
        if len(self._cache) >= self.cache_size:
            self._cache.clear()
        self._cache[text] = group_id
        return group_id
