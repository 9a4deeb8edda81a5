"""Training as a pipeline stage: recipes are chains of stages, each a cached, resumable fit.

Why a package: training is the one stage with its own moving parts (groups of positives and mined
negatives, losses, LightningModules, ranking validation, checkpoints, chains of stages); each
lives in one module so a config can swap any of them. Importing this package loads no model and
reads no file.

    chain = TrainChain(stages={"adapt": StageSettings(kind="bi_encoder"), ...})
    result = train_chain(chain, TrainingData(dataset, "train", "dev", bm25, seed=42), cache)
    result.final.path   # the last stage's model folder
"""

from __future__ import annotations

from rerank_bench.training.chain import ChainResult, train_chain
from rerank_bench.training.losses import (
    ListwiseDistillationLoss,
    LocalizedContrastiveLoss,
    MarginMSELoss,
    PairwiseHingeLoss,
    PointwiseBCELoss,
    RankingLoss,
    RankNetLoss,
)
from rerank_bench.training.settings import StageSettings, TrainChain, TrainerSettings
from rerank_bench.training.stage import DevSet, TrainedModel, TrainingData

__all__ = [
    "ChainResult",
    "DevSet",
    "ListwiseDistillationLoss",
    "LocalizedContrastiveLoss",
    "MarginMSELoss",
    "PairwiseHingeLoss",
    "PointwiseBCELoss",
    "RankNetLoss",
    "RankingLoss",
    "StageSettings",
    "TrainChain",
    "TrainedModel",
    "TrainerSettings",
    "TrainingData",
    "train_chain",
]
