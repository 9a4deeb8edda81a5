"""The LightningDataModule that turns a dataset's training split into groups for a cross-encoder.

Why: everything a fine-tuning run learns from is decided here — which queries train and which
validate (held out by query, never by pair), what counts as a positive, which first-stage
documents become negatives — so it is one object built from config, deterministic under a seed,
that refuses inputs which would make a result meaningless (a dev split overlapping train, labels
outside ``[0, 1]``) instead of training on them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader, DistributedSampler
from torch.utils.data import Dataset as TorchDataset

from rerank_bench.data.io import read_trec_run
from rerank_bench.data.records import Corpus, Dataset, Labels, Qrels, Queries, Run, ranking
from rerank_bench.errors import ConfigError
from rerank_bench.inference.tokenize import TruncationTally
from rerank_bench.retrieval.base import Retriever
from rerank_bench.training.data import PairCollator, SplitCollator, TrainingGroup
from rerank_bench.training.labels import (
    LabelSource,
    QrelsLabelSource,
    check_labels,
    labels_to_grades,
)
from rerank_bench.training.mining import (
    NegativeSampling,
    PositivePool,
    build_pools,
    sample_negatives,
)

__all__ = ["GroupDataset", "RerankDataModule"]

log = logging.getLogger(__name__)


class GroupDataset(TorchDataset[TrainingGroup]):
    """Training groups, one per (query, positive), with negatives re-drawn every epoch.

    Item ``i`` of epoch ``e`` is sampled with ``numpy.random.default_rng((seed, e, i))``, so it does
    not depend on the order items are read, the number of workers or the DDP rank.

    Args:
        pools: one entry per (query, positive).
        queries: query texts.
        labels: training labels of the judged documents.
        corpus: the documents.
        sampling: the negative-sampling rules.
        seed: the experiment seed.
        teacher: optional scorer with ``score(queries, docs) -> array`` (for distillation).
    """

    def __init__(
        self,
        pools: Sequence[PositivePool],
        queries: Queries,
        labels: Labels,
        corpus: Corpus,
        sampling: NegativeSampling,
        seed: int,
        teacher: Any | None = None,
    ) -> None:
        self.pools = list(pools)
        self.queries = queries
        self.labels = labels
        self.corpus = corpus
        self.corpus_ids = list(corpus)
        self.sampling = sampling
        self.seed = seed
        self.teacher = teacher
        self.epoch = 0
        self._scored: dict[tuple[str, str], float] = {}
        if teacher is not None:
            self._score_pools()

    def _score_pools(self) -> None:
        """Score every (query, positive or pool document) pair with the teacher in one call.

        A teacher called per group re-encodes its documents every time (a bi-encoder teacher
        spent more time than the student's training step); one call lets it embed each distinct
        text once. Random fill-in negatives outside the pools are scored when drawn.
        """
        pairs = sorted({
            (entry.query_id, doc_id)
            for entry in self.pools
            for doc_id in (entry.positive_id, *entry.pool)
        })
        if not pairs:
            return
        scores = self.teacher.score(  # type: ignore[union-attr]
            [self.queries[q] for q, _ in pairs], self.corpus.texts([d for _, d in pairs])
        )
        self._scored = {pair: float(v) for pair, v in zip(pairs, np.asarray(scores).reshape(-1),
                                                          strict=True)}

    def _teacher_scores(
        self, query_id: str, query: str, doc_ids: Sequence[str], texts: Sequence[str]
    ) -> tuple[float, ...]:
        missing = [i for i, d in enumerate(doc_ids) if (query_id, d) not in self._scored]
        if missing:
            scores = self.teacher.score(  # type: ignore[union-attr]
                [query] * len(missing), [texts[i] for i in missing]
            )
            for i, value in zip(missing, np.asarray(scores).reshape(-1), strict=True):
                self._scored[(query_id, doc_ids[i])] = float(value)
        return tuple(self._scored[(query_id, d)] for d in doc_ids)

    def __len__(self) -> int:
        return len(self.pools)

    def __getitem__(self, index: int) -> TrainingGroup:
        entry = self.pools[index]
        judged = self.labels.get(entry.query_id, {})
        rng = np.random.default_rng((self.seed, self.epoch, index))
        negatives, _ = sample_negatives(entry, self.sampling, self.corpus_ids, judged, rng)
        doc_ids = (entry.positive_id, *negatives)
        query = self.queries[entry.query_id]
        texts = tuple(self.corpus.texts(doc_ids))
        labels = tuple(
            float(judged.get(doc_id, 0.0)) if i == 0 or not self.sampling.exclude_judged else 0.0
            for i, doc_id in enumerate(doc_ids)
        )
        teacher_scores = None
        if self.teacher is not None:
            teacher_scores = self._teacher_scores(entry.query_id, query, doc_ids, texts)
        labelled = frozenset(doc_id for doc_id, value in judged.items() if value > 0)
        return TrainingGroup(
            entry.query_id, query, doc_ids, texts, labels, teacher_scores, labelled
        )


class RerankDataModule(pl.LightningDataModule):
    """Groups of a positive and mined negatives for training; first-stage candidates for dev.

    Args:
        dataset: the loaded dataset.
        tokenizer: the tokenizer of the model being trained.
        train_split: the split to train on.
        dev_split: a split to validate on (refused if it shares a query with train), or ``None``
            to hold out ``dev_fraction`` of the training queries (by query). Ignored when labels
            come from a label source other than qrels (e.g. a search log): a domain that only has
            logs has no judged dev split, so dev is held out of the training queries and judged
            by the same labels; validating on true judgments would smuggle them into model
            selection.
        first_stage: the retriever that mines negatives and gives dev candidates.
        negatives_from: a retriever that mines negatives instead of ``first_stage`` (dev
            candidates still come from ``first_stage``: what the pipeline re-ranks).
        run_file: a TREC run of the train (and dev) queries to use instead of ``first_stage``.
        candidates: an in-memory run to use instead of ``first_stage`` (e.g. the pipeline's cache).
        sampling: negative-sampling rules.
        label_source: where labels come from; default: the split's qrels divided by the max grade.
        min_positive_label: labels at or above this are positives; ``None``: any label > 0.
        max_positives: keep each query's this many highest-labelled positives; ``None``: all.
        dev_from_labels: judge dev with the training labels on held-out training queries;
            ``None``: exactly when ``label_source`` is not the qrels (see ``dev_split``).
        teacher: optional scorer with ``score(queries, docs)`` whose scores feed distillation.
        batch_size: groups per training batch.
        max_length: the longest (query, document) pair in tokens.
        query_max_length: token budget of the query inside a pair (``None``: longest-first).
        dev_fraction: share of training queries held out for dev when ``dev_split`` is ``None``.
        max_dev_queries: cap on the number of dev queries (validation costs a forward per pair).
        dev_depth: first-stage documents per dev query that validation re-ranks.
        max_train_queries: keep at most this many training queries (demos, tests); ``None``: all.
        train_fraction: keep this share of the training queries (at least one), a seeded sample
            (learning curves: how much domain data until fine-tuning pays off); ``None``: all.
            With ``max_train_queries`` too, the smaller of the two.
        shuffle: shuffle groups each epoch.
        num_workers: DataLoader workers.
        seed: the experiment seed.
        pair_inputs: tokenise (query, document) pairs for a cross-encoder; ``False``: queries
            and documents apart, for a bi-encoder.
    """

    def __init__(
        self,
        dataset: Dataset,
        tokenizer: Any,
        train_split: str = "train",
        dev_split: str | None = None,
        first_stage: Retriever | None = None,
        negatives_from: Retriever | None = None,
        run_file: str | Path | None = None,
        candidates: Run | None = None,
        sampling: NegativeSampling | None = None,
        label_source: LabelSource | None = None,
        min_positive_label: float | None = None,
        max_positives: int | None = None,
        dev_from_labels: bool | None = None,
        teacher: Any | None = None,
        batch_size: int = 4,
        max_length: int = 256,
        query_max_length: int | None = 64,
        dev_fraction: float = 0.1,
        max_dev_queries: int | None = 100,
        dev_depth: int = 50,
        max_train_queries: int | None = None,
        train_fraction: float | None = None,
        shuffle: bool = True,
        num_workers: int = 0,
        seed: int = 42,
        pair_inputs: bool = True,
    ) -> None:
        super().__init__()
        if batch_size < 1:
            raise ValueError(f"RerankDataModule: batch_size must be >= 1, got {batch_size}.")
        if not 0 < dev_fraction < 1:
            raise ValueError(
                f"RerankDataModule: dev_fraction must be in (0, 1), got {dev_fraction}."
            )
        self.dataset = dataset
        self.tokenizer = tokenizer
        self.train_split = train_split
        self.dev_split = dev_split
        self.first_stage = first_stage
        self.negatives_from = negatives_from
        self.run_file = run_file
        self.candidates = candidates
        self.sampling = sampling or NegativeSampling()
        self.label_source: LabelSource = label_source or QrelsLabelSource()
        self.dev_from_labels = (
            not isinstance(self.label_source, QrelsLabelSource)
            if dev_from_labels is None
            else dev_from_labels
        )
        self.min_positive_label = min_positive_label
        if max_positives is not None and max_positives < 1:
            raise ValueError(f"RerankDataModule: max_positives must be >= 1, got {max_positives}.")
        self.max_positives = max_positives
        self.teacher = teacher
        self.batch_size = batch_size
        self.max_length = max_length
        self.dev_fraction = dev_fraction
        self.max_dev_queries = max_dev_queries
        self.dev_depth = dev_depth
        self.max_train_queries = max_train_queries
        if train_fraction is not None and not 0.0 < train_fraction <= 1.0:
            raise ConfigError(
                f"train_fraction must be in (0, 1], got {train_fraction}. Fix: e.g. "
                "train.train_fraction=0.25 for a quarter of the training queries."
            )
        self.train_fraction = train_fraction
        self.shuffle = shuffle
        self.num_workers = num_workers
        self.seed = seed
        self.collator: PairCollator | SplitCollator = (
            PairCollator if pair_inputs else SplitCollator
        )(tokenizer, max_length, query_max_length)
        self.train_dataset: GroupDataset | None = None
        self.train_queries: Queries = {}
        self.train_labels: Labels = {}
        self.dev_queries: Queries = {}
        self.dev_qrels: Qrels = {}
        self.dev_labels: Labels = {}
        """The dev queries' continuous labels when their grades were cut from them (else empty):
        validation also scores the model on them exactly (float-gain nDCG, calibration)."""
        self.dev_candidates: Run = {}
        self.skipped_queries: list[str] = []

    # -- building -----------------------------------------------------------------------------

    def setup(self, stage: str | None = None) -> None:
        """Build training groups and dev candidates (once; later calls are no-ops).

        Raises:
            ConfigError: no first stage, run file or candidates; a dev split that shares queries
                with train; no training query with a positive.
            DataFormatError: a label outside ``[0, 1]``.
        """
        if self.train_dataset is not None:
            return
        if self.first_stage is None and self.run_file is None and self.candidates is None:
            raise ConfigError(
                "RerankDataModule needs a first stage to mine negatives from: set "
                "`first_stage` (the pipeline's retriever), `run_file` or `candidates`."
            )
        queries, labels = self.label_source.load(self.dataset, self.train_split)
        check_labels(labels, f"labels of split {self.train_split!r} from {self.label_source!r}")
        positives = self._positives(queries, labels)
        train_ids, dev_ids = self._split_queries(sorted(positives))
        kept = self._kept_train_queries(len(train_ids))
        if kept < len(train_ids):
            keep = np.random.default_rng((self.seed, 1)).permutation(len(train_ids))
            train_ids = sorted(train_ids[i] for i in keep[:kept])
        self.train_queries = {qid: queries[qid] for qid in train_ids}
        if self.dev_split is None or self.dev_from_labels:
            self.dev_queries = {qid: queries[qid] for qid in dev_ids}
            self.dev_qrels = self._held_out_qrels(dev_ids, labels)
        self.train_labels = {qid: labels.get(qid, {}) for qid in train_ids}
        if self.negatives_from is None:
            depth = max(self.sampling.rank_to, self.dev_depth)
            run = self._first_stage_run({**self.train_queries, **self.dev_queries}, depth)
            dev_run = run
        else:
            dev_run = self._first_stage_run(self.dev_queries, self.dev_depth)
            run = self.negatives_from.retrieve(
                self.dataset.corpus, self.train_queries, self.sampling.rank_to
            )
        self.dev_candidates = {
            qid: dict(ranking(dev_run.get(qid, {}))[: self.dev_depth]) for qid in self.dev_queries
        }
        pools = build_pools({qid: positives[qid] for qid in train_ids}, labels, run, self.sampling)
        short = sum(
            1
            for p in pools
            if len(p.pool) < self.sampling.negatives - self.sampling.random_negatives
        )
        if short:
            log.warning(
                "%d of %d positives have fewer than %d first-stage negatives in ranks %d-%d; their "
                "groups are filled with random corpus documents.",
                short,
                len(pools),
                self.sampling.negatives - self.sampling.random_negatives,
                self.sampling.rank_from,
                self.sampling.rank_to,
            )
        self.train_dataset = GroupDataset(
            pools, queries, labels, self.dataset.corpus, self.sampling, self.seed, self.teacher
        )
        log.info(
            "training data: %d queries, %d groups of %d documents; dev: %d queries x %d candidates",
            len(self.train_queries),
            len(pools),
            1 + self.sampling.negatives,
            len(self.dev_queries),
            self.dev_depth,
        )

    def training_truncation(self) -> TruncationTally:
        """What the token budgets cut of the training pairs: each (query, document) that a group
        can draw (its positive and its first-stage pool) counted once.

        Counted here, once, rather than in the collator: loader workers tokenise in processes of
        their own, whose counts would be lost, and a reader of the results wants the share of the
        training data the model never saw whole, not a per-batch figure.
        """
        self.setup("fit")
        data = self.train_dataset
        assert data is not None  # setup() built it
        pairs = list(dict.fromkeys(
            (pool.query_id, doc_id) for pool in data.pools for doc_id in (pool.positive_id,
                                                                           *pool.pool)
        ))
        return self.collator.truncation([data.queries[qid] for qid, _ in pairs],
                                        self.corpus.texts(doc_id for _, doc_id in pairs))

    def _positives(self, queries: Queries, labels: Labels) -> dict[str, list[str]]:
        threshold = self.min_positive_label
        positives: dict[str, list[str]] = {}
        skipped: list[str] = []
        for qid in sorted(queries):
            docs = labels.get(qid, {})
            pos = [
                d
                for d, v in docs.items()
                if (v >= threshold if threshold is not None else v > 0) and d in self.dataset.corpus
            ]
            if pos:
                best = sorted(pos, key=lambda d: (-docs[d], d))[: self.max_positives]
                positives[qid] = sorted(best)
            else:
                skipped.append(qid)
        self.skipped_queries = skipped
        if skipped:
            log.warning(
                "skipping %d of %d queries of split %r without a positive label (e.g. %s)",
                len(skipped),
                len(queries),
                self.train_split,
                ", ".join(skipped[:5]),
            )
        if not positives:
            raise ConfigError(
                f"split {self.train_split!r} of dataset {self.dataset.name!r} has no query with a "
                f"positive label; expected qrels or labels > 0. Fix: check train_split and the "
                f"label source."
            )
        return positives

    def _kept_train_queries(self, n: int) -> int:
        """How many of ``n`` training queries ``max_train_queries`` and ``train_fraction`` keep."""
        kept = n if self.max_train_queries is None else min(n, self.max_train_queries)
        if self.train_fraction is not None:
            kept = min(kept, max(1, round(self.train_fraction * n)))
        return kept

    def _split_queries(self, ids: list[str]) -> tuple[list[str], list[str]]:
        if self.dev_split is not None and self.dev_from_labels:
            log.info(
                "labels from %r: dev is held out of the training queries and judged by the same "
                "labels; the judgments of dev split %r are not used",
                self.label_source,
                self.dev_split,
            )
        elif self.dev_split is not None:
            dev = self.dataset.split(self.dev_split)
            overlap = sorted(set(ids) & set(dev.queries))
            if overlap:
                raise ConfigError(
                    f"dev split {self.dev_split!r} shares {len(overlap)} queries with train split "
                    f"{self.train_split!r} (e.g. {', '.join(overlap[:5])}); validating on training "
                    f"queries would select the model that memorised them. Fix: use a disjoint dev "
                    f"split, or set dev_split: null to hold out training queries."
                )
            self.dev_queries = dev.judged_queries()
            self.dev_qrels = {q: dict(dev.qrels[q]) for q in self.dev_queries}
            if self.max_dev_queries is not None:
                keep = sorted(self.dev_queries)[: self.max_dev_queries]
                self.dev_queries = {q: self.dev_queries[q] for q in keep}
                self.dev_qrels = {q: self.dev_qrels[q] for q in keep}
            return ids, []
        n_dev = max(1, int(round(len(ids) * self.dev_fraction)))
        if self.max_dev_queries is not None:
            n_dev = min(n_dev, self.max_dev_queries)
        if n_dev >= len(ids):
            raise ConfigError(
                f"split {self.train_split!r} has only {len(ids)} queries with positives; cannot "
                f"hold out {n_dev} for dev and still train. Fix: name a dev_split."
            )
        order = np.random.default_rng((self.seed, 0)).permutation(len(ids))
        held_out = sorted(ids[i] for i in order[:n_dev])
        held_set = set(held_out)
        return [q for q in ids if q not in held_set], held_out

    def _held_out_qrels(self, dev_ids: list[str], labels: Labels) -> Qrels:
        """The dev queries' judgments: the split's own where it judges them all, else grades cut
        from the labels (which are then kept in :attr:`dev_labels`)."""
        split_qrels = self.dataset.split(self.train_split).qrels
        if not self.dev_from_labels and all(qid in split_qrels for qid in dev_ids):
            return {qid: dict(split_qrels[qid]) for qid in dev_ids}
        self.dev_labels = {qid: dict(labels.get(qid, {})) for qid in dev_ids}
        return labels_to_grades(self.dev_labels)

    def _first_stage_run(self, queries: Queries, depth: int) -> Run:
        if self.candidates is not None:
            source: Run = self.candidates
        elif self.run_file is not None:
            source = read_trec_run(self.run_file)
        else:
            retriever = self.first_stage
            if retriever is None:  # setup() checked; keeps the type checker honest
                raise ConfigError("RerankDataModule: no first stage.")
            return retriever.retrieve(self.dataset.corpus, queries, depth)
        missing = [qid for qid in queries if qid not in source]
        if missing:
            log.warning(
                "%d of %d training/dev queries have no candidates in the given run (e.g. %s); "
                "their negatives are random corpus documents",
                len(missing),
                len(queries),
                ", ".join(missing[:5]),
            )
        return {qid: source.get(qid, {}) for qid in queries}

    # -- loaders ------------------------------------------------------------------------------

    def train_dataloader(self) -> DataLoader[Any]:
        """Groups of this epoch, shuffled with a generator seeded by ``(seed, epoch)``, in a
        :class:`~rerank_bench.training.resume.ResumableLoader` (a resumed epoch continues where
        the checkpoint left it, in the same order).

        Under DDP each rank reads its own shard through a :class:`DistributedSampler` built here
        (the Trainer runs with ``use_distributed_sampler=False``), so ``shuffle: false`` really
        means a fixed order on every rank, and the shuffle is seeded the same on all of them.
        """
        from torch.utils.data import Sampler, SequentialSampler

        from rerank_bench.training.resume import EpochOrder, ResumableLoader, SkippingBatches

        if self.train_dataset is None:
            raise ConfigError("RerankDataModule.train_dataloader() called before setup('fit').")
        trainer = self.trainer
        epoch = trainer.current_epoch if trainer is not None else 0
        self.train_dataset.epoch = epoch
        world = trainer.world_size if trainer is not None else 1
        # the loader's draws come from its own generator, none from torch's global one
        epoch_seed = self.seed * 1_000_003 + epoch
        sampler: Sampler[int]
        if world > 1 and trainer is not None:
            sampler = DistributedSampler(self.train_dataset, num_replicas=world,
                                         rank=trainer.global_rank, shuffle=self.shuffle,
                                         seed=self.seed)
            sampler.set_epoch(epoch)
        elif self.shuffle:
            sampler = EpochOrder(len(self.train_dataset), epoch_seed, epoch)
        else:
            sampler = SequentialSampler(self.train_dataset)

        def done() -> int:
            assert trainer is not None  # read only while a trainer saves a checkpoint
            current = trainer.fit_loop.epoch_loop.batch_progress.current
            return int(current.processed)  # type: ignore[attr-defined]  # a _ProcessedTracker

        return ResumableLoader(
            self.train_dataset,
            SkippingBatches(sampler, self.batch_size),
            epoch,
            done,
            collate_fn=self.collator,
            num_workers=self.num_workers,
            generator=torch.Generator().manual_seed(epoch_seed),
        )

    @property
    def corpus(self) -> Corpus:
        """The documents (validation reads dev candidates' texts from it)."""
        return self.dataset.corpus
