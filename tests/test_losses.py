"""Every ranking loss: a finite differentiable scalar, a hand-computed value, and loud bad input."""

from __future__ import annotations

import math

import pytest
import torch

from rerank_bench.training import losses as losses_module
from rerank_bench.training.losses import (
    ListwiseDistillationLoss,
    LocalizedContrastiveLoss,
    MarginMSELoss,
    PairwiseHingeLoss,
    PointwiseBCELoss,
    RankingLoss,
    RankNetLoss,
)

SCORES = [[2.0, 1.0, 0.0], [0.0, 0.5, 1.0]]
LABELS = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
TEACHER = [[3.0, 1.0, 0.0], [1.0, 2.0, 0.0]]


def _sp(x: float) -> float:
    """softplus(x) = log(1 + e^x)."""
    return math.log1p(math.exp(x))


def _kl_of_softmaxes(teacher: list[float], student: list[float], temperature: float) -> float:
    """KL(softmax(teacher / T) || softmax(student)), written out term by term."""
    t_norm = math.log(sum(math.exp(t / temperature) for t in teacher))
    s_norm = math.log(sum(math.exp(s) for s in student))
    return sum(
        math.exp(t / temperature - t_norm) * ((t / temperature - t_norm) - (s - s_norm))
        for t, s in zip(teacher, student, strict=True)
    )


# Values worked out by hand from the definitions on SCORES / LABELS (TEACHER for MarginMSE).
EXPECTED = {
    # target 1 -> softplus(-s), target 0 -> softplus(s); mean of the six terms
    PointwiseBCELoss: (_sp(-2) + _sp(1) + _sp(0) + _sp(0) + _sp(-0.5) + _sp(1)) / 6,
    # ordered pairs: row 0 (0>1: diff 1, 0>2: diff 2), row 1 (1>0: diff 0.5, 1>2: diff -0.5)
    RankNetLoss: (_sp(-1) + _sp(-2) + _sp(-0.5) + _sp(0.5)) / 4,
    # margin 1: max(0, 1 - diff) over the same pairs = 0, 0, 0.5, 1.5
    PairwiseHingeLoss: (0 + 0 + 0.5 + 1.5) / 4,
    # -log softmax of the positive in each row
    LocalizedContrastiveLoss: (
        (math.log(math.e**2 + math.e + 1) - 2) + (math.log(1 + math.e**0.5 + math.e) - 0.5)
    )
    / 2,
    # student margins (1, 2), (-0.5, -1) vs teacher margins (2, 3), (-1, 1)
    MarginMSELoss: ((1 - 2) ** 2 + (2 - 3) ** 2 + (-0.5 + 1) ** 2 + (-1 - 1) ** 2) / 4,
    # teacher / 0.05 is nearly one-hot: about LCE's value with TEACHER's argmax as the positive
    ListwiseDistillationLoss: sum(
        _kl_of_softmaxes(t, s, 0.05) for t, s in zip(TEACHER, SCORES, strict=True)
    )
    / 2,
}

ALL_LOSSES = [getattr(losses_module, name) for name in losses_module.__all__]
CONCRETE = [cls for cls in ALL_LOSSES if cls is not RankingLoss]


def _targets(cls: type[RankingLoss]) -> torch.Tensor:
    return torch.tensor(TEACHER if cls.uses_teacher_scores else LABELS)


def test_every_exported_loss_has_an_expected_value() -> None:
    assert set(CONCRETE) == set(EXPECTED)


@pytest.mark.parametrize("cls", CONCRETE, ids=lambda c: c.__name__)
def test_finite_scalar_with_grad(cls: type[RankingLoss]) -> None:
    scores = torch.randn(4, 5, requires_grad=True)
    targets = torch.rand(4, 5) if not cls.uses_teacher_scores else torch.randn(4, 5)
    targets[:, 0] = 1.0
    loss = cls()(scores, targets)
    assert loss.ndim == 0
    assert torch.isfinite(loss)
    assert loss.requires_grad
    loss.backward()
    assert scores.grad is not None and torch.isfinite(scores.grad).all()


@pytest.mark.parametrize("cls", CONCRETE, ids=lambda c: c.__name__)
def test_hand_computed_value(cls: type[RankingLoss]) -> None:
    loss = cls()(torch.tensor(SCORES), _targets(cls))
    assert float(loss) == pytest.approx(EXPECTED[cls], abs=1e-6)


@pytest.mark.parametrize("cls", CONCRETE, ids=lambda c: c.__name__)
def test_citation_and_link(cls: type[RankingLoss]) -> None:
    assert cls.citation.startswith("@") and "title=" in cls.citation
    assert "Originally proposed in" in (cls.__doc__ or "")


@pytest.mark.parametrize("cls", CONCRETE, ids=lambda c: c.__name__)
def test_shape_mismatch_names_both_shapes(cls: type[RankingLoss]) -> None:
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(2, 4\)"):
        cls()(torch.zeros(2, 3), torch.zeros(2, 4))
    with pytest.raises(ValueError, match="same shape"):
        cls()(torch.zeros(6), torch.zeros(6))


@pytest.mark.parametrize(
    ("cls", "kwargs"),
    [
        (PointwiseBCELoss, {"pos_weight": 0.0}),
        (RankNetLoss, {"sigma": -1.0}),
        (PairwiseHingeLoss, {"margin": 0.0}),
        (LocalizedContrastiveLoss, {"temperature": 0.0}),
        (ListwiseDistillationLoss, {"teacher_temperature": 0.0}),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else str(v),
)
def test_bad_hyperparameter_names_class_and_value(cls: type, kwargs: dict) -> None:
    value = next(iter(kwargs.values()))
    with pytest.raises(ValueError, match=rf"{cls.__name__}.*{value}"):
        cls(**kwargs)


@pytest.mark.parametrize(
    "cls", [c for c in CONCRETE if not c.uses_teacher_scores], ids=lambda c: c.__name__
)
def test_labels_outside_unit_interval_are_refused(cls: type[RankingLoss]) -> None:
    with pytest.raises(ValueError, match=r"labels in \[0, 1\].*2"):
        cls()(torch.zeros(2, 3), torch.tensor([[2.0, 0.0, 0.0], [1.0, 0.0, 0.0]]))


def test_soft_labels_share_the_listwise_mass() -> None:
    scores = torch.tensor([[1.0, 1.0, 0.0]])
    soft = LocalizedContrastiveLoss()(scores, torch.tensor([[0.5, 0.5, 0.0]]))
    expected = math.log(2 * math.e + 1) - 1  # both "positives" have log-prob 1 - log(2e + 1)
    assert float(soft) == pytest.approx(expected, abs=1e-6)


def test_groups_are_weighted_by_their_positive_label() -> None:
    """A weakly clicked document (0.1) must teach less than a solved one (1.0), not the same."""
    scores = torch.tensor([[2.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    targets = torch.tensor([[1.0, 0.0, 0.0], [0.1, 0.0, 0.0]])
    ce = -torch.log_softmax(scores, dim=1)[:, 0]
    weighted = LocalizedContrastiveLoss()(scores, targets)
    assert float(weighted) == pytest.approx(float((1.0 * ce[0] + 0.1 * ce[1]) / 1.1), abs=1e-6)
    plain = LocalizedContrastiveLoss(label_weighted=False)(scores, targets)
    assert float(plain) == pytest.approx(float(ce.mean()), abs=1e-6)
    binary = torch.tensor([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    assert float(LocalizedContrastiveLoss()(scores, binary)) == pytest.approx(float(ce.mean()))


def test_groups_without_positive_are_skipped_but_keep_the_graph() -> None:
    scores = torch.zeros(1, 3, requires_grad=True)
    loss = LocalizedContrastiveLoss()(scores, torch.zeros(1, 3))
    assert float(loss.detach()) == 0.0 and loss.requires_grad
    assert float(RankNetLoss()(scores, torch.zeros(1, 3)).detach()) == 0.0
