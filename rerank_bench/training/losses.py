"""Ranking losses for fine-tuning cross-encoders, one small ``nn.Module`` each.

Why a module of our own: the losses that teach a cross-encoder to rank are a handful of lines each,
but their conventions (what the targets mean, how groups are shaped, which pairs count) decide
whether training learns or collapses. Keeping each one tiny, tokenizer-free and tested on a
hand-computed toy tensor makes those conventions explicit and lets a config pick and weight them.

Every loss takes ``scores`` and ``targets`` of shape ``[n_queries, n_docs]``: row ``i`` is one
training group (a query with its documents). For label losses the targets are relevance labels in
``[0, 1]``; for :class:`MarginMSELoss` they are a teacher's scores (``uses_teacher_scores``).
"""

from __future__ import annotations

from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = [
    "ListwiseDistillationLoss",
    "LocalizedContrastiveLoss",
    "MarginMSELoss",
    "PairwiseHingeLoss",
    "PointwiseBCELoss",
    "RankNetLoss",
    "RankingLoss",
]


class RankingLoss(nn.Module):
    """Base class: shape checks and the attributes every loss declares.

    Attributes:
        citation: BibTeX of the paper that proposed the loss.
        uses_teacher_scores: ``True`` when ``targets`` are a teacher's scores, not labels.
        min_docs: the fewest documents per group the loss is defined for.
    """

    citation: ClassVar[str] = ""
    uses_teacher_scores: ClassVar[bool] = False
    min_docs: ClassVar[int] = 1

    def _check(self, scores: Tensor, targets: Tensor) -> None:
        name = type(self).__name__
        if scores.ndim != 2 or scores.shape != targets.shape:
            raise ValueError(
                f"{name}: expected scores and targets of the same shape [n_queries, n_docs], "
                f"got scores {tuple(scores.shape)} and targets {tuple(targets.shape)}."
            )
        if scores.shape[1] < self.min_docs:
            raise ValueError(
                f"{name}: expected at least {self.min_docs} documents per group, "
                f"got shape {tuple(scores.shape)}; add negatives to each group."
            )
        if not self.uses_teacher_scores and bool(((targets < 0) | (targets > 1)).any()):
            raise ValueError(
                f"{name}: expected labels in [0, 1], got values from {float(targets.min()):g} "
                f"to {float(targets.max()):g}; normalise graded labels by the maximum grade."
            )


def _pair_mask(targets: Tensor) -> Tensor:
    """``[n_q, n_docs, n_docs]`` mask of pairs (i, j) where doc i is more relevant than doc j."""
    return targets.unsqueeze(2) > targets.unsqueeze(1)


def _score_differences(scores: Tensor) -> Tensor:
    """``[n_q, n_docs, n_docs]`` differences ``s_i - s_j``."""
    return scores.unsqueeze(2) - scores.unsqueeze(1)


def _masked_mean(values: Tensor, mask: Tensor, like: Tensor) -> Tensor:
    """Mean of ``values`` where ``mask``; a zero connected to the graph when nothing is selected."""
    if not bool(mask.any()):
        return like.sum() * 0.0
    return values[mask].mean()


class PointwiseBCELoss(RankingLoss):
    """Binary cross-entropy of each (query, document) score against a soft label in ``[0, 1]``.

    Each pair is classified on its own (the monoBERT recipe); continuous labels, e.g. derived from
    interaction logs, are used as soft targets. Originally proposed in
    https://arxiv.org/abs/1901.04085 (Nogueira and Cho, "Passage Re-ranking with BERT").

    Args:
        pos_weight: weight of the positive term, to counter the 1:n class imbalance of groups.
    """

    citation: ClassVar[str] = """@article{nogueira2019passage,
  title={Passage Re-ranking with {BERT}},
  author={Nogueira, Rodrigo and Cho, Kyunghyun},
  journal={arXiv preprint arXiv:1901.04085},
  year={2019}
}"""

    def __init__(self, pos_weight: float = 1.0) -> None:
        super().__init__()
        if not pos_weight > 0:
            raise ValueError(f"PointwiseBCELoss: pos_weight must be > 0, got {pos_weight!r}.")
        self.pos_weight = float(pos_weight)

    def forward(self, scores: Tensor, targets: Tensor) -> Tensor:
        """Mean binary cross-entropy with logits over every pair of the batch."""
        self._check(scores, targets)
        weight = torch.tensor(self.pos_weight, dtype=scores.dtype, device=scores.device)
        return F.binary_cross_entropy_with_logits(
            scores, targets.to(scores.dtype), pos_weight=weight
        )


class RankNetLoss(RankingLoss):
    """Pairwise logistic loss over every pair of a group whose labels differ.

    For each pair where document ``i`` has a higher label than ``j`` the loss is
    ``log(1 + exp(-sigma * (s_i - s_j)))``, averaged over all such pairs of the batch.
    Originally proposed in https://icml.cc/Conferences/2005/proceedings/papers/012_LearningToRank_BurgesEtAl.pdf
    (Burges et al., "Learning to Rank using Gradient Descent").

    Args:
        sigma: steepness of the logistic; must be > 0.
    """

    citation: ClassVar[str] = """@inproceedings{burges2005learning,
  title={Learning to Rank using Gradient Descent},
  author={Burges, Chris and Shaked, Tal and Renshaw, Erin and Lazier, Ari and Deeds, Matt and
          Hamilton, Nicole and Hullender, Greg},
  booktitle={Proceedings of the 22nd International Conference on Machine Learning},
  pages={89--96},
  year={2005}
}"""
    min_docs: ClassVar[int] = 2

    def __init__(self, sigma: float = 1.0) -> None:
        super().__init__()
        if not sigma > 0:
            raise ValueError(f"RankNetLoss: sigma must be > 0, got {sigma!r}.")
        self.sigma = float(sigma)

    def forward(self, scores: Tensor, targets: Tensor) -> Tensor:
        """Mean pairwise logistic loss over the ordered pairs of every group."""
        self._check(scores, targets)
        losses = F.softplus(-self.sigma * _score_differences(scores))
        return _masked_mean(losses, _pair_mask(targets), scores)


class PairwiseHingeLoss(RankingLoss):
    """Pairwise margin (hinge) loss: a more relevant document must win by at least ``margin``.

    For each pair where document ``i`` has a higher label than ``j`` the loss is
    ``max(0, margin - (s_i - s_j))``, averaged over all such pairs. Originally proposed in
    https://dl.acm.org/doi/10.1145/775047.775067 (Joachims, "Optimizing Search Engines using
    Clickthrough Data", the ranking SVM).

    Args:
        margin: the score difference required; must be > 0.
    """

    citation: ClassVar[str] = """@inproceedings{joachims2002optimizing,
  title={Optimizing Search Engines using Clickthrough Data},
  author={Joachims, Thorsten},
  booktitle={Proceedings of the Eighth ACM SIGKDD International Conference on Knowledge
             Discovery and Data Mining},
  pages={133--142},
  year={2002}
}"""
    min_docs: ClassVar[int] = 2

    def __init__(self, margin: float = 1.0) -> None:
        super().__init__()
        if not margin > 0:
            raise ValueError(f"PairwiseHingeLoss: margin must be > 0, got {margin!r}.")
        self.margin = float(margin)

    def forward(self, scores: Tensor, targets: Tensor) -> Tensor:
        """Mean hinge loss over the ordered pairs of every group."""
        self._check(scores, targets)
        losses = F.relu(self.margin - _score_differences(scores))
        return _masked_mean(losses, _pair_mask(targets), scores)


class LocalizedContrastiveLoss(RankingLoss):
    """Listwise softmax cross-entropy over a group (localized contrastive estimation, LCE).

    Each group's scores go through a softmax and are compared with the target distribution, the
    labels normalised to sum to one (one positive among hard negatives gives the classic LCE;
    several graded or soft labels share the mass). Groups with no positive label are skipped.

    With ``label_weighted`` (default), each group's loss is weighted by its largest label: a
    document with a click-derived label of 0.05 then teaches 20x less than a solved ticket's 1.0,
    instead of the same (the normalised target of a lone positive is 1 whatever its label). With
    binary labels every weight is 1 and this is plain LCE.
    Originally proposed in https://arxiv.org/abs/2101.08751 (Gao, Dai and Callan, "Rethink
    Training of BERT Rerankers in Multi-Stage Retrieval Pipeline").

    Args:
        temperature: divides the scores before the softmax; must be > 0.
        label_weighted: weight each group by its largest label.
    """

    citation: ClassVar[str] = """@inproceedings{gao2021rethink,
  title={Rethink Training of {BERT} Rerankers in Multi-Stage Retrieval Pipeline},
  author={Gao, Luyu and Dai, Zhuyun and Callan, Jamie},
  booktitle={Advances in Information Retrieval (ECIR)},
  pages={280--286},
  year={2021}
}"""
    min_docs: ClassVar[int] = 2

    def __init__(self, temperature: float = 1.0, label_weighted: bool = True) -> None:
        super().__init__()
        if not temperature > 0:
            raise ValueError(
                f"LocalizedContrastiveLoss: temperature must be > 0, got {temperature!r}."
            )
        self.temperature = float(temperature)
        self.label_weighted = bool(label_weighted)

    def forward(self, scores: Tensor, targets: Tensor) -> Tensor:
        """(Weighted) mean over groups with a positive of ``-sum(p * log_softmax(s / T))``."""
        self._check(scores, targets)
        mass = targets.sum(dim=1)
        keep = mass > 0
        if not bool(keep.any()):
            return scores.sum() * 0.0
        kept = targets[keep].to(scores.dtype)
        distribution = kept / mass[keep].unsqueeze(1).to(scores.dtype)
        log_probs = F.log_softmax(scores[keep] / self.temperature, dim=1)
        per_group = -(distribution * log_probs).sum(dim=1)
        if not self.label_weighted:
            return per_group.mean()
        weights = kept.max(dim=1).values
        return (weights * per_group).sum() / weights.sum()


class MarginMSELoss(RankingLoss):
    """Distillation: match the teacher's score margins between the first document and the others.

    Column 0 of each group is the anchor (the positive); the loss is the mean squared error between
    the student's margins ``s_0 - s_j`` and the teacher's ``t_0 - t_j`` for ``j >= 1``. Only margins
    are matched, so teacher and student may score on different scales. Originally proposed in
    https://arxiv.org/abs/2010.02666 (Hofstätter et al., "Improving Efficient Neural Ranking Models
    with Cross-Architecture Knowledge Distillation").

    ``targets`` are the teacher's scores, not labels (``uses_teacher_scores = True``).
    """

    citation: ClassVar[str] = """@article{hofstatter2020improving,
  title={Improving Efficient Neural Ranking Models with Cross-Architecture Knowledge
         Distillation},
  author={Hofst{\\"a}tter, Sebastian and Althammer, Sophia and Schr{\\"o}der, Michael and
          Sertkan, Mete and Hanbury, Allan},
  journal={arXiv preprint arXiv:2010.02666},
  year={2020}
}"""
    uses_teacher_scores: ClassVar[bool] = True
    min_docs: ClassVar[int] = 2

    def forward(self, scores: Tensor, targets: Tensor) -> Tensor:
        """Mean squared error between student and teacher margins to the anchor document."""
        self._check(scores, targets)
        student = scores[:, :1] - scores[:, 1:]
        teacher = targets[:, :1].to(scores.dtype) - targets[:, 1:].to(scores.dtype)
        return F.mse_loss(student, teacher)


class ListwiseDistillationLoss(RankingLoss):
    """Distillation: the KL divergence from the teacher's softmax over a group to the student's.

    The teacher's scores are divided by ``teacher_temperature`` (cosine similarities span about
    0.3 within a group; 0.05 turns them into the sharp distribution a trained ranker gives), the
    student's are used as they are. Unlike :class:`MarginMSELoss`, every document of the group
    counts, not only the margins to the first, and the scales may differ. Originally proposed in
    https://arxiv.org/abs/1503.02531 (Hinton, Vinyals and Dean, "Distilling the Knowledge in a
    Neural Network"); listwise for ranking in https://arxiv.org/abs/2010.11386 (Lin, Yang and Lin,
    "Distilling Dense Representations for Ranking using Tightly-Coupled Teachers").

    Args:
        teacher_temperature: divides the teacher's scores; must be > 0.
    """

    citation: ClassVar[str] = """@article{hinton2015distilling,
  title={Distilling the Knowledge in a Neural Network},
  author={Hinton, Geoffrey and Vinyals, Oriol and Dean, Jeff},
  journal={arXiv preprint arXiv:1503.02531},
  year={2015}
}"""
    uses_teacher_scores: ClassVar[bool] = True
    min_docs: ClassVar[int] = 2

    def __init__(self, teacher_temperature: float = 0.05) -> None:
        super().__init__()
        if not teacher_temperature > 0:
            raise ValueError(
                f"ListwiseDistillationLoss: teacher_temperature must be > 0, got "
                f"{teacher_temperature!r}."
            )
        self.teacher_temperature = float(teacher_temperature)

    def forward(self, scores: Tensor, targets: Tensor) -> Tensor:
        """Mean over groups of ``KL(softmax(t / T) || softmax(s))``."""
        self._check(scores, targets)
        teacher = F.log_softmax(targets.to(scores.dtype) / self.teacher_temperature, dim=1)
        return F.kl_div(F.log_softmax(scores, dim=1), teacher, log_target=True,
                        reduction="batchmean")
