"""A training chain: stages run in order, each cached by its fingerprint and resumable.

Why a chain: the recipes that work on small domains start where a ranker already is and then
learn the domain's labels (a bi-encoder adapted to the domain, then a cross-encoder from its
weights distilling it; or titles as queries first, then the claims). Each stage is its own cached
folder keyed by everything that shapes its model: its settings, the chain's data settings, the
data, and the keys of the stages it starts from. So two recipes that share a first stage train it
once, a sweep over evaluation settings trains nothing, and a killed chain resumes at the stage
where it stopped (finished stages are reused, the interrupted one continues its checkpoint).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rerank_bench.cache import CacheDir
from rerank_bench.data.io import atomic_write
from rerank_bench.evaluation.metrics import query_set_id
from rerank_bench.hashing import stable_hash
from rerank_bench.training.settings import TrainChain
from rerank_bench.training.stage import TrainedModel, TrainingData, train_stage

__all__ = ["TRAINING_CACHE", "ChainResult", "RankDone", "train_chain"]

log = logging.getLogger(__name__)


class RankDone(SystemExit):
    """A DDP rank > 0 has trained its share: the job ends there, with exit status 0.

    A ``SystemExit``, so a script that does not catch it (a rank Lightning started) exits 0 as
    ``sys.exit(0)`` would; ``rerank-bench run`` catches it and returns from the job, so that a
    rank started by SLURM (one submitit task per device) hands submitit a result like rank 0
    does, instead of a task that never produced one.
    """

    def __init__(self) -> None:
        super().__init__(0)

TRAINING_CACHE = "training"
"""Kind of the cache entries holding stage folders (``<cache>/training/<hash>``)."""

_LAYOUT = 2
"""Version of a stage folder's layout and of what its key covers; bumping it retrains."""


@dataclass(frozen=True)
class ChainResult:
    """The models a chain produced, by stage name, in order."""

    models: Mapping[str, TrainedModel]

    @property
    def final(self) -> TrainedModel:
        """The last stage's model (the one the re-ranker scores with by default)."""
        return list(self.models.values())[-1]

    def get(self, stage: str) -> TrainedModel:
        """The model of ``stage``; raises naming the stages there are."""
        from rerank_bench.errors import ConfigError

        if stage not in self.models:
            raise ConfigError(
                f"the train recipe has no stage {stage!r}; its stages: {', '.join(self.models)}."
            )
        return self.models[stage]


def _data_key(data: TrainingData) -> dict[str, Any]:
    dataset = data.dataset
    splits = [data.train_split, *([data.dev_split] if data.dev_split else [])]
    return {
        "dataset": dataset.name,
        "corpus": dataset.corpus.fingerprint(),
        "splits": {
            name: {
                "qrels": stable_hash(dataset.split(name).qrels, 16),
                "queries": query_set_id(
                    f"{q}\t{t}" for q, t in dataset.split(name).queries.items()
                ),
            }
            for name in splits
        },
        "first_stage": data.first_stage.cache_key(),
        "seed": data.seed,
    }


def _is_worker() -> bool:
    """A process Lightning's ``ddp`` strategy started for an extra device (rank > 0)."""
    from pytorch_lightning.utilities import rank_zero_only

    return int(getattr(rank_zero_only, "rank", 0) or 0) > 0


def train_chain(chain: TrainChain, data: TrainingData, cache_root: str | Path) -> ChainResult:
    """Run every stage of ``chain`` on ``data`` in its cache folder under ``cache_root``.

    A DDP worker process (rank > 0) ends here once the chain is trained (:class:`RankDone`):
    rank 0 reports, scores and evaluates; the worker has nothing more to do and must not open
    an MLflow run.

    Returns:
        The stages' models.
    """
    cache = CacheDir(cache_root)
    models: dict[str, TrainedModel] = {}
    keys: dict[str, str] = {}
    common = {"layout": _LAYOUT, "chain": chain.data_fingerprint(), "data": _data_key(data)}
    for name, stage in chain.stages.items():
        key = {**common, "stage": stage.fingerprint(),
               "from": {ref: keys[ref] for ref in stage.references()}}
        folder = cache.path_for(TRAINING_CACHE, key)
        folder.mkdir(parents=True, exist_ok=True)
        if not (folder / "key.json").is_file():
            with atomic_write(folder / "key.json") as handle:
                handle.write(json.dumps(key, indent=2, sort_keys=True, default=str))
        log.info("stage %s (%s): %s", name, stage.kind, folder)
        models[name] = train_stage(name, stage, chain, data, folder, models)
        keys[name] = stable_hash(key)
    if _is_worker():
        raise RankDone
    return ChainResult(models)
