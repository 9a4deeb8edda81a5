"""Fine-tuning cross-encoder re-rankers with PyTorch Lightning.

Why a package: training is the one stage with its own moving parts (groups of positives and mined
negatives, losses, a LightningModule, ranking validation, checkpoints); each lives in one module
so a config can swap any of them. Importing this package loads no model and reads no file.
"""

from __future__ import annotations

from rerank_bench.training.losses import (
    LocalizedContrastiveLoss,
    MarginMSELoss,
    PairwiseHingeLoss,
    PointwiseBCELoss,
    RankingLoss,
    RankNetLoss,
)

__all__ = [
    "LocalizedContrastiveLoss",
    "MarginMSELoss",
    "PairwiseHingeLoss",
    "PointwiseBCELoss",
    "RankNetLoss",
    "RankingLoss",
]
