"""The experiment spec: ``experiments/<name>/spec.yaml`` as validated, frozen records.

Why: a spec is data that a reviewer reads and CI runs, so a typo must fail on load with the file
and the key in the message, never half-way through a long reproduction. Everything downstream
(the runner, the RESULTS.md writer) takes an :class:`ExperimentSpec` and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from rerank_bench.errors import ConfigError
from rerank_bench.evaluation.metrics import metric_key

__all__ = ["Condition", "ExperimentSpec", "Tolerance", "find_spec", "load_spec"]

_SPEC_KEYS = {
    "name",
    "description",
    "mlflow_experiment",
    "baseline",
    "metrics",
    "test",
    "correction",
    "alpha",
    "tolerance",
    "common_overrides",
    "conditions",
    "showcase",
    "showcase_depth",
    "subsets",
    "cost",
}
_CONDITION_KEYS = {"name", "display", "overrides", "expected", "tolerance"}


@dataclass(frozen=True)
class Tolerance:
    """How far a reproduced value may be from the expected one.

    Attributes:
        ok: ``|got - expected| <= ok`` is OK.
        okish: ``<= okish`` is OKISH (e.g. nondeterministic kernels); beyond is FAIL.
    """

    ok: float = 1e-4
    okish: float = 2e-4


@dataclass(frozen=True)
class Condition:
    """One row of an experiment: a system, as Hydra overrides, with its expected values.

    Attributes:
        name: identifier (row key, MLflow tag ``repro_condition``).
        display: label in tables.
        overrides: Hydra override strings.
        expected: dataset -> metric key -> expected value (``None``: not known yet, recorded).
        tolerance: allowed deviation.
    """

    name: str
    display: str
    overrides: tuple[str, ...]
    expected: Mapping[str, Mapping[str, float | None]]
    tolerance: Tolerance


@dataclass(frozen=True)
class ExperimentSpec:
    """A paper-style table to reproduce.

    Attributes:
        name: the experiment's name (its folder name).
        path: the spec file.
        description: the question the table answers.
        mlflow_experiment: MLflow experiment the runs are logged in.
        conditions: rows, in display order.
        baseline: condition that significance is tested against, if any, or several
            (a list in the YAML: each row is tested against the baselines listed before it,
            corrected over the whole table; see :class:`~rerank_bench.reporting.tables.TableSpec`).
        metrics: table columns (metric keys); defaults to the expected metrics.
        test: significance test for the table (``ttest`` or ``fisher``).
        correction: multiple-comparison correction (``holm``, ``bonferroni``, ``none``).
        alpha: significance level.
        common_overrides: Hydra overrides placed before each condition's own (a condition's own
            value for the same key wins), so the settings every row shares are written once.
        showcase: dataset -> query ids whose top documents RESULTS.md shows for every system.
        showcase_depth: how many top documents it shows.
        subsets: dataset -> subset label -> file of query ids (one per line; ``pkg:`` paths
            allowed): RESULTS.md adds each condition's mean metrics on each subset.
        cost: RESULTS.md adds each run's serving cost as columns
            (:data:`~rerank_bench.serving.COST_METRICS`) and the quality/cost frontier
            (``frontier.png`` beside it).
    """

    name: str
    path: Path
    description: str
    mlflow_experiment: str
    conditions: tuple[Condition, ...]
    baseline: str | tuple[str, ...] | None = None
    metrics: tuple[str, ...] = ()
    test: str = "ttest"
    correction: str = "holm"
    alpha: float = 0.05
    common_overrides: tuple[str, ...] = ()
    showcase: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    showcase_depth: int = 3
    subsets: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    cost: bool = False

    def condition(self, name: str) -> Condition:
        """The condition called ``name``.

        Raises:
            ConfigError: no such condition; the message lists them.
        """
        for condition in self.conditions:
            if condition.name == name:
                return condition
        names = [c.name for c in self.conditions]
        raise ConfigError(f"{self.path}: no condition {name!r}; conditions are {names}.")


def find_spec(name: str, root: str | Path | None = None) -> Path:
    """The spec file of an experiment given by name, folder or file.

    Args:
        name: ``dl19_reference``, ``experiments/dl19_reference`` or a ``spec.yaml`` path.
        root: folder holding experiment folders; default ``./experiments``, else the one beside
            the package (a source checkout).

    Raises:
        ConfigError: not found; the message lists the experiments that exist.
    """
    return find_experiment_file(name, "spec.yaml", "experiment spec", root)


def find_experiment_file(
    name: str, filename: str, what: str, root: str | Path | None = None
) -> Path:
    """``<experiment>/<filename>`` of an experiment given by name, folder or file.

    Raises:
        ConfigError: not found; the message lists the experiments that have such a file.
    """
    direct = Path(name)
    if direct.is_file():
        return direct
    if (direct / filename).is_file():
        return direct / filename
    roots = (
        [Path(root)] if root else [Path("experiments"), Path(__file__).parents[2] / "experiments"]
    )
    for folder in roots:
        if (folder / name / filename).is_file():
            return folder / name / filename
    known = sorted({p.parent.name for folder in roots for p in folder.glob(f"*/{filename}")})
    raise ConfigError(
        f"no {what} {name!r} (looked for {name}/{filename} under "
        f"{[str(r) for r in roots]}); experiments with one: {known}."
    )


def load_spec(path: str | Path) -> ExperimentSpec:
    """Read and validate ``spec.yaml``.

    Raises:
        ConfigError: the file is missing or not YAML, a key is unknown or missing, a value has
            the wrong type, or names repeat; the message names the file and the key.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: spec file not found.")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc}).") from None
    where = _Where(path)
    data = where.mapping(raw, "", _SPEC_KEYS, required={"conditions"})
    name = where.string(data.get("name", path.parent.name), "name")
    default_tol = where.tolerance(data.get("tolerance"), "tolerance", Tolerance())
    items = data["conditions"]
    if not isinstance(items, list) or not items:
        raise ConfigError(f"{path}: conditions: expected a non-empty list of conditions.")
    conditions = tuple(
        where.condition(item, f"conditions[{i}]", default_tol) for i, item in enumerate(items)
    )
    names = [c.name for c in conditions]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ConfigError(f"{path}: conditions: names must be unique, repeated: {repeated}.")
    baseline = data.get("baseline")
    if baseline is not None and not isinstance(baseline, str):
        baseline = tuple(where.strings(baseline, "baseline"))
    for one in (baseline,) if isinstance(baseline, str) else baseline or ():
        if one not in names:
            raise ConfigError(f"{path}: baseline: {one!r} is not a condition; use one of {names}.")
    test = where.choice(data.get("test", "ttest"), "test", ("ttest", "fisher"))
    correction = where.choice(
        data.get("correction", "holm"), "correction", ("holm", "bonferroni", "none")
    )
    alpha = where.number(data.get("alpha", 0.05), "alpha")
    if not 0 < alpha < 1:
        raise ConfigError(f"{path}: alpha: expected a level in (0, 1), found {alpha}.")
    metrics = tuple(metric_key(m) for m in where.strings(data.get("metrics", []), "metrics"))
    if not metrics:
        metrics = tuple(
            dict.fromkeys(m for c in conditions for ds in c.expected.values() for m in ds)
        )
    return ExperimentSpec(
        name=name,
        path=path,
        description=where.string(data.get("description", ""), "description"),
        mlflow_experiment=where.string(data.get("mlflow_experiment", name), "mlflow_experiment"),
        conditions=conditions,
        baseline=baseline,
        metrics=metrics,
        test=test,
        correction=correction,
        alpha=alpha,
        common_overrides=where.overrides(data.get("common_overrides", []), "common_overrides"),
        showcase={
            str(dataset): tuple(where.strings(ids, f"showcase.{dataset}"))
            for dataset, ids in where.mapping(
                data.get("showcase", {}), "showcase", set(data.get("showcase") or {})
            ).items()
        },
        showcase_depth=int(where.number(data.get("showcase_depth", 3), "showcase_depth")),
        subsets={
            str(dataset): {
                str(label): where.string(file, f"subsets.{dataset}.{label}")
                for label, file in where.mapping(
                    files, f"subsets.{dataset}", set(files or {})
                ).items()
            }
            for dataset, files in where.mapping(
                data.get("subsets", {}), "subsets", set(data.get("subsets") or {})
            ).items()
        },
        cost=where.boolean(data.get("cost", False), "cost"),
    )


@dataclass(frozen=True)
class _Where:
    """Validation helpers whose errors name the spec file and the key."""

    path: Path

    def fail(self, key: str, message: str) -> ConfigError:
        return ConfigError(f"{self.path}: {key}: {message}")

    def mapping(
        self,
        value: Any,
        key: str,
        allowed: set[str],
        required: frozenset[str] | set[str] = frozenset(),
    ) -> dict[str, Any]:
        label = key or "top level"
        if not isinstance(value, dict):
            raise self.fail(label, f"expected a mapping, found {type(value).__name__}.")
        unknown = sorted(set(value) - allowed)
        if unknown:
            raise self.fail(label, f"unknown key(s) {unknown}; allowed: {sorted(allowed)}.")
        missing = sorted(required - set(value))
        if missing:
            raise self.fail(label, f"missing required key(s) {missing}.")
        return value

    def string(self, value: Any, key: str) -> str:
        if not isinstance(value, str):
            raise self.fail(key, f"expected a string, found {value!r}.")
        return value

    def strings(self, value: Any, key: str) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, f"expected a list of strings, found {value!r}.")
        return list(value)

    def overrides(self, value: Any, key: str) -> tuple[str, ...]:
        overrides = tuple(self.strings(value, key))
        for override in overrides:
            if "=" not in override:
                raise self.fail(key, f"{override!r} is not a Hydra override (key=value).")
        return overrides

    def boolean(self, value: Any, key: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(key, f"expected true or false, found {value!r}.")
        return value

    def number(self, value: Any, key: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(key, f"expected a number, found {value!r}.")
        return float(value)

    def choice(self, value: Any, key: str, allowed: Sequence[str]) -> str:
        if value not in allowed:
            raise self.fail(key, f"expected one of {list(allowed)}, found {value!r}.")
        return str(value)

    def tolerance(self, value: Any, key: str, default: Tolerance) -> Tolerance:
        if value is None:
            return default
        if isinstance(value, dict):
            data = self.mapping(value, key, {"ok", "okish"}, required={"ok"})
            ok = self.number(data["ok"], f"{key}.ok")
            okish = self.number(data.get("okish", 2 * ok), f"{key}.okish")
        else:
            ok = self.number(value, key)
            okish = 2 * ok
        if ok < 0 or okish < ok:
            raise self.fail(key, f"expected 0 <= ok <= okish, found ok={ok}, okish={okish}.")
        return Tolerance(ok, okish)

    def condition(self, value: Any, key: str, default_tol: Tolerance) -> Condition:
        data = self.mapping(value, key, _CONDITION_KEYS, required={"name", "expected"})
        name = self.string(data["name"], f"{key}.name")
        expected_raw = self.mapping(
            data["expected"], f"{key}.expected", set(data["expected"] or {})
        )
        if not expected_raw:
            raise self.fail(f"{key}.expected", "expected at least one dataset: {metric: value}.")
        expected: dict[str, dict[str, float | None]] = {}
        for dataset, metrics in expected_raw.items():
            where = f"{key}.expected.{dataset}"
            block = self.mapping(metrics, where, set(metrics or {}))
            if not block:
                raise self.fail(where, "expected at least one metric: value (null to record).")
            expected[str(dataset)] = {
                metric_key(str(m)): None if v is None else self.number(v, f"{where}.{m}")
                for m, v in block.items()
            }
        return Condition(
            name=name,
            display=self.string(data.get("display", name), f"{key}.display"),
            overrides=self.overrides(data.get("overrides", []), f"{key}.overrides"),
            expected=expected,
            tolerance=self.tolerance(data.get("tolerance"), f"{key}.tolerance", default_tol),
        )
