"""RerankDataModule: groups from labels and mined negatives, dev held out by query, bad input."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import torch

from rerank_bench.data.records import Corpus, Dataset, Doc, Labels, Queries, Run, Split
from rerank_bench.errors import ConfigError, DataFormatError
from rerank_bench.models.loading import load_tokenizer
from rerank_bench.models.resolve import resolve_model
from rerank_bench.training.data import RerankBatch
from rerank_bench.training.datamodule import RerankDataModule
from rerank_bench.training.labels import QrelsLabelSource
from rerank_bench.training.mining import NegativeSampling

N_DOCS = 60
N_QUERIES = 20


@pytest.fixture(scope="module")
def tokenizer():
    return load_tokenizer(resolve_model("splade-tiny"))


def _dataset(grades: dict[str, dict[str, int]] | None = None) -> Dataset:
    docs = [
        Doc(f"d{i}", f"document number {i} about topic {i % 7}", f"title {i}")
        for i in range(N_DOCS)
    ]
    queries = {f"q{j}": f"query about topic {j % 7} number {j}" for j in range(N_QUERIES)}
    qrels = grades or {
        f"q{j}": {f"d{j}": 1, f"d{j + 20}": 1, f"d{j + 40}": 0} for j in range(N_QUERIES)
    }
    test_q = {"t1": "held out test query"}
    return Dataset(
        "toy",
        Corpus(docs),
        {
            "train": Split("train", queries, qrels),
            "test": Split("test", test_q, {"t1": {"d1": 1}}),
            "overlap": Split("overlap", {"q3": queries["q3"]}, {"q3": {"d3": 1}}),
        },
    )


def _candidates(dataset: Dataset) -> Run:
    """Every query ranks all documents, d0 first, with distinct scores (a real run's shape)."""
    queries = dataset.split("train").queries
    return {qid: {f"d{i}": float(N_DOCS - i) for i in range(N_DOCS)} for qid in queries}


def _module(tokenizer, dataset: Dataset | None = None, **kwargs) -> RerankDataModule:
    dataset = dataset or _dataset()
    kwargs.setdefault("candidates", _candidates(dataset))
    kwargs.setdefault("sampling", NegativeSampling(negatives=3, rank_from=5, rank_to=30))
    kwargs.setdefault("dev_fraction", 0.2)
    kwargs.setdefault("dev_depth", 10)
    return RerankDataModule(dataset, tokenizer, batch_size=2, max_length=64, **kwargs)


def _all_groups(module: RerankDataModule) -> list[tuple[str, tuple[str, ...], tuple[float, ...]]]:
    dataset = module.train_dataset
    assert dataset is not None
    return [(g.query_id, g.doc_ids, g.labels) for g in (dataset[i] for i in range(len(dataset)))]


def test_groups_follow_the_mining_rules(tokenizer) -> None:
    module = _module(tokenizer)
    module.setup("fit")
    groups = _all_groups(module)
    # 16 train queries (4 held out) x 2 positives each
    assert len(module.train_queries) == 16 and len(groups) == 32
    qrels = module.dataset.split("train").qrels
    for qid, doc_ids, labels in groups:
        positive, *negatives = doc_ids
        assert qrels[qid][positive] == 1 and labels[0] == 1.0
        assert labels[1:] == (0.0, 0.0, 0.0)
        assert len(set(doc_ids)) == 4
        for doc_id in negatives:
            rank = int(doc_id[1:]) + 1  # d0 is rank 1
            assert 5 <= rank <= 30
            assert qrels[qid].get(doc_id, 0) <= 0  # judged positives never become negatives


def test_deterministic_under_a_seed_and_fresh_each_epoch(tokenizer) -> None:
    first, again, other = _module(tokenizer), _module(tokenizer), _module(tokenizer, seed=7)
    for module in (first, again, other):
        module.setup("fit")
    assert _all_groups(first) == _all_groups(again)
    assert first.dev_queries == again.dev_queries
    assert _all_groups(first) != _all_groups(other)
    assert first.train_dataset is not None
    first.train_dataset.epoch = 1
    assert _all_groups(first) != _all_groups(again)


def test_dev_is_held_out_by_query(tokenizer) -> None:
    module = _module(tokenizer)
    module.setup("fit")
    assert len(module.dev_queries) == 4
    assert not set(module.dev_queries) & set(module.train_queries)
    assert {g[0] for g in _all_groups(module)} == set(module.train_queries)
    # dev candidates: the first stage's top dev_depth, as retrieved; qrels for every dev query
    for qid in module.dev_queries:
        assert list(module.dev_candidates[qid]) == [f"d{i}" for i in range(10)]
        assert module.dev_qrels[qid] == module.dataset.split("train").qrels[qid]


def test_dev_split_overlapping_train_is_refused(tokenizer) -> None:
    with pytest.raises(ConfigError, match=r"shares 1 queries.*q3"):
        _module(tokenizer, dev_split="overlap").setup("fit")


def test_disjoint_dev_split_is_used(tokenizer) -> None:
    dataset = _dataset()
    candidates = {**_candidates(dataset), "t1": {"d1": 2.0, "d2": 1.0}}
    module = _module(tokenizer, dataset, candidates=candidates, dev_split="test")
    module.setup("fit")
    assert module.dev_queries == {"t1": "held out test query"}
    assert len(module.train_queries) == N_QUERIES


def test_margin_drops_near_ties_with_the_positive(tokenizer) -> None:
    # positive d10 is retrieved at rank 11 (score 50); margin 5 drops candidates scoring > 45
    sampling = NegativeSampling(negatives=3, rank_from=1, rank_to=30, margin=5.0)
    module = _module(tokenizer, sampling=sampling)
    module.setup("fit")
    assert module.train_dataset is not None
    pools = {(p.query_id, p.positive_id): p.pool for p in module.train_dataset.pools}
    pool = pools[("q10", "d10")]
    assert pool and all(int(d[1:]) >= 15 for d in pool)  # score = 60 - i < 45  <=>  i > 15


def test_random_negatives_come_from_the_corpus(tokenizer) -> None:
    sampling = NegativeSampling(negatives=4, rank_from=1, rank_to=2, random_negatives=2)
    module = _module(tokenizer, sampling=sampling)
    module.setup("fit")
    qrels = module.dataset.split("train").qrels
    for qid, doc_ids, _ in _all_groups(module):
        mined = {"d0", "d1"} - {d for d, grade in qrels[qid].items() if grade > 0}
        assert mined <= set(doc_ids[1:])  # the two mined slots take the whole pool
        assert len(set(doc_ids)) == 5  # random ones (and any shortfall) are distinct others


def test_graded_labels_normalised_by_max_grade(tokenizer) -> None:
    grades = {f"q{j}": {f"d{j}": 3, f"d{j + 20}": 1} for j in range(N_QUERIES)}
    module = _module(tokenizer, _dataset(grades))
    module.setup("fit")
    labels_seen = sorted({round(g[2][0], 6) for g in _all_groups(module)})
    assert labels_seen == [round(1 / 3, 6), 1.0]
    queries, labels = QrelsLabelSource().load(_dataset(grades), "train")
    assert labels["q0"] == {"d0": 1.0, "d20": pytest.approx(1 / 3)}


class _ContinuousLabels:
    """A label source with continuous labels (as derived from interaction logs)."""

    def __init__(self, value: float) -> None:
        self.value = value

    def load(self, dataset: Dataset, split: str) -> tuple[Queries, Labels]:
        queries = dataset.split(split).queries
        return dict(queries), {qid: {f"d{j}": self.value} for j, qid in enumerate(queries)}


def test_continuous_labels_from_a_label_source(tokenizer) -> None:
    module = _module(tokenizer, label_source=_ContinuousLabels(0.75))
    module.setup("fit")
    assert {g[2][0] for g in _all_groups(module)} == {0.75}


def test_log_labels_validate_on_their_own_labels_unless_told_otherwise(tokenizer) -> None:
    dataset = _dataset()
    candidates = {**_candidates(dataset), "t1": {"d1": 2.0, "d2": 1.0}}
    own = _module(tokenizer, dataset, candidates=candidates, dev_split="test",
                  label_source=_ContinuousLabels(0.75))
    own.setup("fit")  # a log has no judged dev split: held-out queries, judged by the labels
    assert "t1" not in own.dev_queries and len(own.dev_queries) == 4
    assert all(grades == {f"d{q[1:]}": 3} for q, grades in own.dev_qrels.items())
    judged = _module(tokenizer, dataset, candidates=candidates, dev_split="test",
                     label_source=_ContinuousLabels(0.75), dev_from_labels=False)
    judged.setup("fit")  # a small judged dev set beside log training
    assert judged.dev_queries == {"t1": "held out test query"}
    assert judged.dev_qrels == {"t1": {"d1": 1}}


def test_labels_outside_unit_interval_are_refused(tokenizer) -> None:
    with pytest.raises(DataFormatError, match=r"is 1\.5; expected a continuous label in \[0, 1\]"):
        _module(tokenizer, label_source=_ContinuousLabels(1.5)).setup("fit")


def test_queries_without_positives_are_warned_and_skipped(tokenizer, caplog) -> None:
    grades = {f"q{j}": ({f"d{j}": 1} if j % 2 else {f"d{j}": 0}) for j in range(N_QUERIES)}
    with caplog.at_level(logging.WARNING):
        module = _module(tokenizer, _dataset(grades))
        module.setup("fit")
    assert "skipping 10 of 20 queries" in caplog.text
    assert len(module.skipped_queries) == 10
    assert all(int(q[1:]) % 2 for q in {*module.train_queries, *module.dev_queries})


def test_no_first_stage_names_the_missing_setting(tokenizer) -> None:
    with pytest.raises(ConfigError, match="first_stage"):
        RerankDataModule(_dataset(), tokenizer).setup("fit")


def test_batches_are_typed_and_group_major(tokenizer) -> None:
    module = _module(tokenizer, shuffle=False)
    module.setup("fit")
    batch = next(iter(module.train_dataloader()))
    assert isinstance(batch, RerankBatch)
    assert batch.labels.shape == (2, 4) and batch.n_pairs == 8
    assert batch.features["input_ids"].shape[0] == 8
    assert batch.teacher_scores is None
    assert torch.equal(batch.labels[:, 0], torch.ones(2))
    assert batch.features["input_ids"].shape[1] <= 64


def test_real_scifact_with_bm25(tokenizer, data_root: Path, tmp_path: Path) -> None:
    from rerank_bench.data.sources import BeirSource
    from rerank_bench.retrieval.bm25 import BM25Retriever

    dataset = BeirSource(name="scifact", path=str(data_root / "scifact")).load()
    module = RerankDataModule(
        dataset,
        tokenizer,
        first_stage=BM25Retriever(cache_dir=str(tmp_path)),
        sampling=NegativeSampling(negatives=7, rank_from=1, rank_to=50),
        max_train_queries=40,
        max_dev_queries=10,
        dev_depth=20,
    )
    module.setup("fit")
    assert len(module.dev_queries) == 10 and len(module.train_queries) == 40
    assert not set(module.dev_queries) & set(module.train_queries)
    judged = dataset.split("train").qrels
    for qid, doc_ids, labels in _all_groups(module):
        assert judged[qid][doc_ids[0]] >= 1 and labels == (1.0,) + (0.0,) * 7
        assert not any(judged[qid].get(d, 0) >= 1 for d in doc_ids[1:])
