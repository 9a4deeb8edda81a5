"""The schema of a learning curve, ``experiments/<name>/curve.yaml``, and its loading.

A curve asks how much domain data a fine-tuned system needs to beat a pre-trained baseline. It
names the system and the baseline as Hydra overrides (like a spec's conditions), the data axis
and its points, and the seeds; :func:`~rerank_bench.experiments.curve.run_curve` turns it into
one run per (point, seed) plus one baseline run, all reusable like a reproduction's cells.

Two axes, each a knob the pipeline already has:

* ``fraction``: a share of the training questions (``train.train_fraction``), drawn with the
  run's seed, so the seeds vary the subsample and the training;
* ``searches``: the size of the search log the labels come from: a log of that many searches
  simulated with the documented user model (:mod:`rerank_bench.feedback.simulate`) with the
  run's seed, passed as ``train.label_source.log`` (the system must train on log labels).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from rerank_bench.errors import ConfigError
from rerank_bench.evaluation.metrics import metric_key
from rerank_bench.experiments.spec import _Where, find_experiment_file

__all__ = ["AXES", "CurveSpec", "Side", "find_curve", "load_curve"]

AXES: dict[str, str] = {"fraction": "of the training questions", "searches": "logged searches"}
"""Axis kind -> how its unit reads in a sentence."""
CURVE_FILE = "curve.yaml"
_KEYS = {
    "name",
    "description",
    "mlflow_experiment",
    "dataset",
    "metric",
    "common_overrides",
    "baseline",
    "system",
    "axis",
    "seeds",
    "resamples",
}
_SIDE_KEYS = {"name", "display", "overrides"}


@dataclass(frozen=True)
class Side:
    """The system or the baseline of a curve.

    Attributes:
        name: identifier (condition tag of its runs).
        display: label in the plot and the tables.
        overrides: Hydra overrides (after the curve's ``common_overrides``).
    """

    name: str
    display: str
    overrides: tuple[str, ...]


@dataclass(frozen=True)
class CurveSpec:
    """A learning curve to measure.

    Attributes:
        name: the curve's name (its folder name).
        path: the ``curve.yaml`` file.
        description: the question the curve answers.
        mlflow_experiment: MLflow experiment of its runs.
        dataset: dataset config the runs evaluate on (its test split).
        metric: the curve's metric key (``ndcg_at_10``).
        common_overrides: overrides every run shares, placed first.
        baseline: the pre-trained system the gain is measured against (run once: it does not
            train, so a seed does not move it).
        system: the fine-tuned system, run at every point and seed.
        axis: ``fraction`` or ``searches`` (see the module docstring).
        points: the amounts of data, increasing (fractions in (0, 1], or search counts).
        seeds: the seeds of every point (at least 3 for an interval worth reading).
        n_resamples: bootstrap resamples of the intervals.
    """

    name: str
    path: Path
    description: str
    mlflow_experiment: str
    dataset: str
    metric: str
    common_overrides: tuple[str, ...]
    baseline: Side
    system: Side
    axis: str
    points: tuple[float, ...]
    seeds: tuple[int, ...]
    n_resamples: int = 10_000

    @property
    def unit(self) -> str:
        """How the axis's amounts read in a sentence ("logged searches")."""
        return AXES[self.axis]


def find_curve(name: str, root: str | Path | None = None) -> Path:
    """The ``curve.yaml`` of an experiment given by name, folder or file (as ``find_spec``).

    Raises:
        ConfigError: not found; the message lists the experiments that have a curve.
    """
    return find_experiment_file(name, CURVE_FILE, "learning curve", root)


def load_curve(path: str | Path) -> CurveSpec:
    """Read and validate ``curve.yaml``.

    Raises:
        ConfigError: the file is missing or not YAML, a key is unknown or missing, a value has
            the wrong type or range; the message names the file and the key.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: curve file not found.")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc}).") from None
    where = _Where(path)
    data = where.mapping(raw, "", _KEYS, required={"dataset", "baseline", "system", "axis",
                                                   "seeds"})
    axis = where.mapping(data["axis"], "axis", {"kind", "points"}, required={"kind", "points"})
    kind = where.choice(axis["kind"], "axis.kind", tuple(AXES))
    points = _points(where, axis["points"], kind)
    seeds = data["seeds"]
    if not isinstance(seeds, list) or not seeds or not all(
        isinstance(s, int) and not isinstance(s, bool) for s in seeds
    ):
        raise where.fail("seeds", f"expected a non-empty list of integers, found {seeds!r}.")
    if len(set(seeds)) != len(seeds):
        raise where.fail("seeds", f"seeds repeat: {seeds}.")
    baseline, system = (_side(where, data[k], k) for k in ("baseline", "system"))
    if baseline.name == system.name:
        raise where.fail("system.name", f"{system.name!r} is the baseline's name too.")
    resamples = where.number(data.get("resamples", 10_000), "resamples")
    if resamples < 1 or resamples != int(resamples):
        raise where.fail("resamples", f"expected a positive integer, found {resamples}.")
    name = where.string(data.get("name", path.resolve().parent.name), "name")
    return CurveSpec(
        name=name,
        path=path,
        description=" ".join(where.string(data.get("description", ""), "description").split()),
        mlflow_experiment=where.string(data.get("mlflow_experiment", name), "mlflow_experiment"),
        dataset=where.string(data["dataset"], "dataset"),
        metric=metric_key(where.string(data.get("metric", "ndcg@10"), "metric")),
        common_overrides=where.overrides(data.get("common_overrides", []), "common_overrides"),
        baseline=baseline,
        system=system,
        axis=kind,
        points=points,
        seeds=tuple(seeds),
        n_resamples=int(resamples),
    )


def _points(where: _Where, value: Any, kind: str) -> tuple[float, ...]:
    if not isinstance(value, list) or len(value) < 2:
        raise where.fail("axis.points", f"expected at least two amounts, found {value!r}.")
    points = tuple(where.number(v, f"axis.points[{i}]") for i, v in enumerate(value))
    if any(b <= a for a, b in zip(points, points[1:], strict=False)):
        raise where.fail("axis.points", f"expected increasing amounts, found {list(points)}.")
    if kind == "fraction" and not (points[0] > 0 and points[-1] <= 1):
        raise where.fail(
            "axis.points", f"fractions must lie in (0, 1], found {list(points)} (0.25: a quarter)."
        )
    if kind == "searches" and not all(p >= 1 and p == int(p) for p in points):
        raise where.fail("axis.points", f"search counts must be positive integers: {list(points)}.")
    return points


def _side(where: _Where, value: Any, key: str) -> Side:
    data = where.mapping(value, key, _SIDE_KEYS, required={"name"})
    name = where.string(data["name"], f"{key}.name")
    return Side(
        name=name,
        display=where.string(data.get("display", name), f"{key}.display"),
        overrides=where.overrides(data.get("overrides", []), f"{key}.overrides"),
    )
