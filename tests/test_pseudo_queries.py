"""Title pseudo-queries: weak supervision made from a corpus, for two-stage fine-tuning."""

from __future__ import annotations

from pathlib import Path

import pytest

from rerank_bench.data.helpdesk import HelpdeskSource
from rerank_bench.data.pseudo_queries import TitleQueriesSource
from rerank_bench.errors import ConfigError


def test_titles_query_their_own_untitled_document() -> None:
    base = HelpdeskSource()
    source = TitleQueriesSource(base=base, dev_size=10, test_size=12, max_queries=50)
    dataset = source.load()
    original = base.load().corpus
    sizes = {name: len(dataset.split(name).queries) for name in ("train", "dev", "test")}
    assert sizes == {"train": 50, "dev": 10, "test": 12}
    seen: set[str] = set()
    for name in ("train", "dev", "test"):
        split = dataset.split(name)
        for qid, text in split.queries.items():
            (doc_id,) = split.qrels[qid]
            assert qid == f"title:{doc_id}" and split.qrels[qid][doc_id] == 1
            assert text == original[doc_id].title  # the title is the query...
            assert dataset.corpus[doc_id].title == ""  # ...and is gone from the document
            assert dataset.corpus[doc_id].text == original[doc_id].text
            seen.add(doc_id)
    assert len(seen) == 72  # splits are disjoint
    assert len(dataset.corpus) == len(original)  # every other document is a negative
    again = TitleQueriesSource(base=HelpdeskSource(), dev_size=10, test_size=12, max_queries=50)
    assert again.load().split("dev").queries == dataset.split("dev").queries  # seeded


def test_too_few_titles_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="dev_size/test_size"):
        TitleQueriesSource(base=HelpdeskSource(), dev_size=60, test_size=60).load()


def test_scifact_titles_config_loads(data_root: Path) -> None:
    from hydra.utils import instantiate

    from rerank_bench.config import compose_config

    cfg = compose_config(["dataset=scifact_titles"])
    dataset = instantiate(cfg.dataset).load()
    assert dataset.name == "scifact_titles" and len(dataset.corpus) == 5183
    assert len(dataset.split("dev").queries) == 100 and len(dataset.split("train").queries) > 4800
