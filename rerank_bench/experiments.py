"""Experiment specs as data, their reproduction, and the RESULTS.md they leave behind.

Why: a number in a paper is only as good as the command that re-makes it. Each
``experiments/<name>/spec.yaml`` lists conditions (Hydra overrides) with the values they are
expected to reach; ``rerank-bench reproduce <name>`` re-runs them through the pipeline and says OK,
OKISH or FAIL per cell, like Pyserini's two-click reproductions, but with an exit code that fails
CI and with an out-of-tolerance *gain* counted as a failure too (an unexplained improvement is a
change of behaviour). Row order, display names, tolerances and the RESULTS.md table all come from
the one spec, so they cannot drift apart.

Runs are resumable: each (condition, dataset) cell is tagged in MLflow with a hash of its
overrides, and a later ``reproduce`` reuses a finished run with the same hash instead of running
it again (``force=True`` re-runs).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import importlib.metadata
import json
import os
import platform
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import yaml

from rerank_bench.data.io import atomic_write
from rerank_bench.errors import ConfigError
from rerank_bench.evaluation.metrics import metric_key

__all__ = [
    "CONFIG_HASH_TAG",
    "Cell",
    "Check",
    "Condition",
    "ExperimentSpec",
    "ReproReport",
    "Tolerance",
    "find_spec",
    "load_spec",
    "machine_info",
    "plan",
    "reproduce",
    "results_markdown",
    "verdict",
    "write_results",
]

CONFIG_HASH_TAG = "repro_config_hash"
CONDITION_TAG = "repro_condition"
EXPERIMENT_TAG = "repro_experiment"
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
}
_CONDITION_KEYS = {"name", "display", "overrides", "expected", "tolerance"}


class RunResultLike(Protocol):
    """What :func:`rerank_bench.pipeline.run_overrides` returns (the parts used here)."""

    run_id: str
    system: str
    metrics: dict[str, float]


Runner = Callable[[list[str]], RunResultLike]


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
        baseline: condition that significance is tested against, if any.
        metrics: table columns (metric keys); defaults to the expected metrics.
        test: significance test for the table (``ttest`` or ``fisher``).
        correction: multiple-comparison correction (``holm``, ``bonferroni``, ``none``).
        alpha: significance level.
        common_overrides: overrides applied before each condition's own.
        showcase: dataset -> query ids whose top documents RESULTS.md shows for every system.
        showcase_depth: how many top documents it shows.
        subsets: dataset -> subset label -> file of query ids (one per line; ``pkg:`` paths
            allowed): RESULTS.md adds each condition's mean metrics on each subset.
    """

    name: str
    path: Path
    description: str
    mlflow_experiment: str
    conditions: tuple[Condition, ...]
    baseline: str | None = None
    metrics: tuple[str, ...] = ()
    test: str = "ttest"
    correction: str = "holm"
    alpha: float = 0.05
    common_overrides: tuple[str, ...] = ()
    showcase: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    showcase_depth: int = 3
    subsets: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

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


@dataclass(frozen=True)
class Cell:
    """One job of a reproduction: a condition on one dataset.

    Attributes:
        condition: the condition.
        dataset: the dataset config name.
        overrides: the full Hydra overrides (without tracking ones).
        config_hash: hash of ``overrides``; a finished run with it is reused.
    """

    condition: Condition
    dataset: str
    overrides: tuple[str, ...]
    config_hash: str


@dataclass(frozen=True)
class Check:
    """One expected value compared with the reproduced one.

    Attributes:
        condition: condition name.
        dataset: dataset name.
        metric: metric key.
        expected: recorded value (``None``: first recording).
        got: reproduced value (``None``: the run did not log it).
        verdict: ``OK``, ``OKISH``, ``FAIL`` or ``NEW``.
        tolerance: the tolerance applied.
        run_id: the MLflow run checked.
    """

    condition: str
    dataset: str
    metric: str
    expected: float | None
    got: float | None
    verdict: str
    tolerance: Tolerance
    run_id: str = ""

    def line(self) -> str:
        """One printable line: verdict, cell, expected, got, difference."""
        exp = "—" if self.expected is None else f"{self.expected:.4f}"
        got = "missing" if self.got is None else f"{self.got:.4f}"
        diff = (
            f"{self.got - self.expected:+.4f}"
            if self.got is not None and self.expected is not None
            else ""
        )
        return (
            f"{self.verdict:<5} {self.condition:<24} {self.dataset:<10} {self.metric:<16} "
            f"expected {exp:>7}  got {got:>7}  {diff}"
        )


@dataclass(frozen=True)
class ReproReport:
    """The outcome of reproducing a spec.

    Attributes:
        spec: the spec.
        checks: every expected value compared.
        run_ids: (condition, dataset) -> MLflow run id.
        reused: (condition, dataset) cells whose finished run was reused.
        tracking_uri: the MLflow store.
    """

    spec: ExperimentSpec
    checks: tuple[Check, ...]
    run_ids: Mapping[tuple[str, str], str]
    reused: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    tracking_uri: str = ""

    @property
    def failed(self) -> bool:
        """Whether any check failed."""
        return any(check.verdict == "FAIL" for check in self.checks)


# ---- loading -----------------------------------------------------------------------------


def find_spec(name: str, root: str | Path | None = None) -> Path:
    """The spec file of an experiment given by name, folder or file.

    Args:
        name: ``dl19_reference``, ``experiments/dl19_reference`` or a ``spec.yaml`` path.
        root: folder holding experiment folders; default ``./experiments``, else the one beside
            the package (a source checkout).

    Raises:
        ConfigError: not found; the message lists the experiments that exist.
    """
    direct = Path(name)
    if direct.is_file():
        return direct
    if (direct / "spec.yaml").is_file():
        return direct / "spec.yaml"
    roots = (
        [Path(root)]
        if root
        else [Path("experiments"), Path(__file__).parent.parent / "experiments"]
    )
    for folder in roots:
        if (folder / name / "spec.yaml").is_file():
            return folder / name / "spec.yaml"
    known = sorted({p.parent.name for folder in roots for p in folder.glob("*/spec.yaml")})
    raise ConfigError(
        f"no experiment spec {name!r} (looked for {name}/spec.yaml under "
        f"{[str(r) for r in roots]}); experiments: {known}."
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
    if baseline is not None and baseline not in names:
        raise ConfigError(f"{path}: baseline: {baseline!r} is not a condition; use one of {names}.")
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
        common_overrides=tuple(where.strings(data.get("common_overrides", []), "common_overrides")),
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
        overrides = tuple(self.strings(data.get("overrides", []), f"{key}.overrides"))
        for override in overrides:
            if "=" not in override:
                raise self.fail(
                    f"{key}.overrides", f"{override!r} is not a Hydra override (key=value)."
                )
        return Condition(
            name=name,
            display=self.string(data.get("display", name), f"{key}.display"),
            overrides=overrides,
            expected=expected,
            tolerance=self.tolerance(data.get("tolerance"), f"{key}.tolerance", default_tol),
        )


# ---- planning and running ----------------------------------------------------------------


def plan(spec: ExperimentSpec, condition: str | None = None) -> list[Cell]:
    """The (condition, dataset) cells to run, in spec order.

    A condition runs once per dataset of its ``expected`` block, with ``dataset=<name>``
    appended unless its overrides already select that dataset.

    Raises:
        ConfigError: an unknown condition, or overrides that select another dataset.
    """
    chosen = [spec.condition(condition)] if condition else list(spec.conditions)
    cells = []
    for cond in chosen:
        overrides = [*spec.common_overrides, *cond.overrides]
        selected = [o.split("=", 1)[1] for o in overrides if o.split("=", 1)[0] == "dataset"]
        for dataset in cond.expected:
            if selected and selected[-1] != dataset:
                raise ConfigError(
                    f"{spec.path}: condition {cond.name!r} sets dataset={selected[-1]} but "
                    f"expects values on {dataset!r}. Fix: drop dataset= from its overrides (it "
                    "is added per expected dataset) or key expected by that dataset."
                )
            full = overrides if selected else [*overrides, f"dataset={dataset}"]
            digest = hashlib.sha256(json.dumps(full).encode("utf-8")).hexdigest()[:16]
            cells.append(Cell(cond, dataset, tuple(full), digest))
    return cells


def verdict(expected: float | None, got: float | None, tolerance: Tolerance) -> str:
    """``OK``, ``OKISH`` or ``FAIL`` (either direction); ``NEW`` with nothing expected."""
    if got is None:
        return "FAIL"
    if expected is None:
        return "NEW"
    diff = abs(got - expected)
    if diff <= tolerance.ok + 1e-12:
        return "OK"
    if diff <= tolerance.okish + 1e-12:
        return "OKISH"
    return "FAIL"


def reproduce(
    spec: ExperimentSpec,
    tracking_uri: str,
    runner: Runner | None = None,
    condition: str | None = None,
    force: bool = False,
    on_check: Callable[[Check], None] | None = None,
) -> ReproReport:
    """Run (or reuse) every cell of ``spec`` and check it against the expected values.

    Args:
        spec: the experiment.
        tracking_uri: the MLflow store; passed to the pipeline as ``tracking.uri``.
        runner: runs one job from overrides; default :func:`rerank_bench.pipeline.run_overrides`.
        condition: run only this condition.
        force: re-run cells even when a finished run with the same config hash exists.
        on_check: called with each check as soon as it is known (for live output).

    Returns:
        The report; :attr:`ReproReport.failed` tells whether any check failed.
    """
    from rerank_bench.reporting.runs import RunStore

    if runner is None:
        from rerank_bench.pipeline import run_overrides

        runner = run_overrides
    checks: list[Check] = []
    run_ids: dict[tuple[str, str], str] = {}
    reused: set[tuple[str, str]] = set()
    for cell in plan(spec, condition):
        key = (cell.condition.name, cell.dataset)
        record = None if force else _existing(tracking_uri, spec, cell)
        if record is None:
            tags = {
                CONFIG_HASH_TAG: cell.config_hash,
                CONDITION_TAG: cell.condition.name,
                EXPERIMENT_TAG: spec.name,
            }
            overrides = [
                *cell.overrides,
                f"tracking.uri='{tracking_uri}'",
                f"tracking.experiment='{spec.mlflow_experiment}'",
                *(f"+tracking.tags.{k}='{v}'" for k, v in tags.items()),
            ]
            result = runner(overrides)
            record = RunStore(tracking_uri).get(result.run_id)
        else:
            reused.add(key)
        run_ids[key] = record.run_id
        for metric, expected in cell.condition.expected[cell.dataset].items():
            got = record.metric(metric)
            check = Check(
                cell.condition.name,
                cell.dataset,
                metric,
                expected,
                got,
                verdict(expected, got, cell.condition.tolerance),
                cell.condition.tolerance,
                record.run_id,
            )
            checks.append(check)
            if on_check is not None:
                on_check(check)
    return ReproReport(spec, tuple(checks), run_ids, frozenset(reused), tracking_uri)


def _existing(tracking_uri: str, spec: ExperimentSpec, cell: Cell) -> Any:
    """The newest finished run of ``cell`` in the store, or ``None``."""
    from rerank_bench.reporting.runs import RunStore

    try:
        store = RunStore(tracking_uri)
        runs = store.search(
            spec.mlflow_experiment, f"tags.{CONFIG_HASH_TAG} = '{cell.config_hash}'"
        )
    except ConfigError:  # no store or no experiment yet: nothing to reuse
        return None
    return runs[-1] if runs else None


# ---- RESULTS.md ----------------------------------------------------------------------------


def machine_info() -> dict[str, str]:
    """CPU model, cores, torch and Python versions, platform and date (UTC) of this machine."""
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        torch_version = importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        torch_version = "not installed"
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "torch": torch_version,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def results_markdown(report: ReproReport) -> str:
    """The RESULTS.md text: paper table, checks, MLflow run ids, commit and machine."""
    from rerank_bench.reporting.runs import RunStore
    from rerank_bench.reporting.tables import build_table
    from rerank_bench.tracking import git_commit

    spec = report.spec
    store = RunStore(report.tracking_uri)
    runs = [store.get(run_id) for run_id in report.run_ids.values()]
    by_id = {run.run_id: run for run in runs}
    # Rows are conditions: key each run by the condition it was run for.
    keyed = [
        _with_condition(by_id[run_id], condition)
        for (condition, _), run_id in report.run_ids.items()
    ]
    table = build_table(
        keyed,
        store.per_query,
        rows=f"tags.{CONDITION_TAG}",
        metrics=spec.metrics,
        baseline=spec.baseline if spec.baseline in {k[0] for k in report.run_ids} else None,
        test=spec.test,  # type: ignore[arg-type]
        correction=spec.correction,  # type: ignore[arg-type]
        alpha=spec.alpha,
        row_order=[c.name for c in spec.conditions],
        row_labels={c.name: c.display for c in spec.conditions},
        caption=" ".join(spec.description.split()),
        row_header="System",
    )
    machine = machine_info()
    lines = [
        f"# {spec.name}: results",
        "",
        "Written by `rerank-bench reproduce " + spec.name + "`; do not edit by hand.",
        "",
        f"- commit: `{git_commit()}`",
        f"- machine: {machine['cpu']}, {machine['cores']} cores; torch {machine['torch']}, "
        f"Python {machine['python']}, {machine['platform']}",
        f"- date: {machine['date']}",
        f"- MLflow: `{report.tracking_uri}`, experiment `{spec.mlflow_experiment}`",
        "",
        "## Table",
        "",
        table.to_markdown().rstrip(),
        "",
        "## Checks against the expected values",
        "",
        "| Condition | Dataset | Metric | Expected | Got | Δ | Tolerance (ok / okish) | Verdict |",
        "| :-- | :-- | :-- | --: | --: | --: | --: | :-- |",
    ]
    for check in report.checks:
        exp = "—" if check.expected is None else f"{check.expected:.4f}"
        got = "missing" if check.got is None else f"{check.got:.4f}"
        diff = (
            f"{check.got - check.expected:+.4f}"
            if check.got is not None and check.expected is not None
            else ""
        )
        tol = f"{check.tolerance.ok:g} / {check.tolerance.okish:g}"
        lines.append(
            f"| {check.condition} | {check.dataset} | {check.metric} | {exp} | {got} | {diff} "
            f"| {tol} | {check.verdict} |"
        )
    for dataset, files in spec.subsets.items():
        lines += ["", f"## By query subset: {dataset}", ""]
        lines.append(_subset_table(report, store, dataset, files).rstrip())
    for dataset, query_ids in spec.showcase.items():
        lines += ["", f"## Top {spec.showcase_depth} per system: {dataset}", ""]
        lines.append(_showcase(report, store, dataset, query_ids).rstrip())
    lines += [
        "",
        "## MLflow runs",
        "",
        "| Condition | Dataset | Run id | |",
        "| :-- | :-- | :-- | :-- |",
    ]
    for (condition, dataset), run_id in report.run_ids.items():
        note = "reused" if (condition, dataset) in report.reused else "ran"
        lines.append(f"| {condition} | {dataset} | `{run_id}` | {note} |")
    return "\n".join(lines) + "\n"


def _subset_table(
    report: ReproReport, store: Any, dataset: str, files: Mapping[str, str]
) -> str:
    """Mean metrics of every condition on each query subset (and on all queries), from the
    per-query values the runs logged; a subset's size is the number of its queries evaluated."""
    from rerank_bench.data.io import read_lines
    from rerank_bench.data.sources import resolve_path

    subsets = {
        label: {line.strip() for _, line in read_lines(resolve_path(path)) if line.strip()}
        for label, path in files.items()
    }
    cells = [(c, run_id) for (c, d), run_id in report.run_ids.items() if d == dataset]
    display = {c.name: c.display for c in report.spec.conditions}
    metric = report.spec.metrics[0]
    header, rows = None, []
    for condition, run_id in cells:
        values = store.per_query(run_id).metric(metric) or {}
        groups = {"all": set(values), **{k: v & set(values) for k, v in subsets.items()}}
        if header is None:
            header = [f"{label} ({len(ids)})" for label, ids in groups.items()]
            header += [f"not {label} ({len(values) - len(groups[label])})" for label in subsets]
        means = [_mean(values, ids) for ids in groups.values()]
        means += [_mean(values, set(values) - groups[label]) for label in subsets]
        rows.append(f"| {display[condition]} | " + " | ".join(means) + " |")
    if header is None:
        return f"No run on {dataset!r}."
    return "\n".join(
        [
            f"{metric} by query subset (query counts in parentheses).",
            "",
            "| System | " + " | ".join(header) + " |",
            "| :-- |" + " --: |" * len(header),
            *rows,
        ]
    )


def _mean(values: Mapping[str, float], ids: set[str]) -> str:
    return f"{sum(values[q] for q in ids) / len(ids):.4f}" if ids else "—"


def _showcase(report: ReproReport, store: Any, dataset_name: str, query_ids: Sequence[str]) -> str:
    """Each condition's top documents for the showcase queries, from the run files it logged.

    The dataset is rebuilt from the first run's logged ``config.yaml``, so the titles and
    judgments are those of the data the runs evaluated.
    """
    from hydra.utils import instantiate
    from omegaconf import OmegaConf

    from rerank_bench.reporting.showcase import load_logged_run, showcase_markdown

    display = {c.name: c.display for c in report.spec.conditions}
    cells = [(c, run_id) for (c, d), run_id in report.run_ids.items() if d == dataset_name]
    if not cells:
        return f"No run on {dataset_name!r}; the showcase needs one."
    config = OmegaConf.create(store.artifact_text(cells[0][1], "config.yaml"))
    source = instantiate(config.dataset)
    systems = [
        (display[c], load_logged_run(store.artifact_text(run_id, "run.trec")))
        for c, run_id in cells
    ]
    return showcase_markdown(
        source.load(), source.eval_split, systems, query_ids, report.spec.showcase_depth
    )


def _with_condition(run: Any, condition: str) -> Any:
    from dataclasses import replace

    return replace(run, tags={**run.tags, CONDITION_TAG: condition})


def write_results(report: ReproReport, path: str | Path | None = None) -> Path:
    """Write RESULTS.md (atomically) beside the spec, or at ``path``."""
    target = Path(path) if path is not None else report.spec.path.parent / "RESULTS.md"
    text = results_markdown(report)
    with atomic_write(target) as handle:
        handle.write(text)
    return target
