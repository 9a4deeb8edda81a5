"""Reproduce a spec: run (or reuse) each (condition, dataset) cell and check its numbers.

Why: a number in a paper is only as good as the command that re-makes it. ``rerank-bench
reproduce <name>`` re-runs the spec's conditions through the pipeline and says OK, OKISH or FAIL
per cell, like Pyserini's two-click reproductions, but with an exit code that fails CI and with an
out-of-tolerance *gain* counted as a failure too (an unexplained improvement is a change of
behaviour).

Runs are resumable, but never across a code change: a finished run is reused only when its
*reuse key* matches, and the key covers what was run (the overrides), on which data (see
:func:`data_fingerprint`) and by which code (package version and git commit). A run made at a
working tree with uncommitted changes (commit ``...-dirty``) is never reused: its code cannot be
named. ``reuse_any_commit=True`` drops the code from the match for a user who knows a change is
irrelevant to these numbers; ``force=True`` re-runs everything.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from rerank_bench.errors import ConfigError
from rerank_bench.experiments.spec import Condition, ExperimentSpec, Tolerance
from rerank_bench.tracking.names import CONDITION_TAG

if TYPE_CHECKING:
    from omegaconf import DictConfig

    from rerank_bench.reporting.runs import RunRecord

__all__ = [
    "CONDITION_TAG",
    "CONFIG_HASH_TAG",
    "EXPERIMENT_TAG",
    "REUSE_KEY_TAG",
    "Cell",
    "Check",
    "CodeVersion",
    "ReproReport",
    "data_fingerprint",
    "describe_reuse",
    "plan",
    "reproduce",
    "verdict",
]

CONFIG_HASH_TAG = "repro_config_hash"
REUSE_KEY_TAG = "repro_reuse_key"
EXPERIMENT_TAG = "repro_experiment"
_DIRTY = "-dirty"


class RunResultLike(Protocol):
    """What :func:`rerank_bench.pipeline.run_overrides` returns (the parts used here)."""

    run_id: str
    system: str
    metrics: dict[str, float]


Runner = Callable[[list[str]], RunResultLike]


@dataclass(frozen=True)
class CodeVersion:
    """The code that makes (or made) a run, as the pipeline tags it.

    Attributes:
        version: the installed ``rerank-bench`` version (tag ``rerank_bench_version``).
        commit: the git commit of the source tree (tag ``git_commit``), with ``-dirty`` when the
            tree had uncommitted changes; ``unknown`` outside a git checkout, where the version
            alone names the code.
    """

    version: str
    commit: str

    @property
    def dirty(self) -> bool:
        """Whether the tree had uncommitted changes, so the commit does not name the code."""
        return self.commit.endswith(_DIRTY)

    @classmethod
    def current(cls) -> CodeVersion:
        """The code running now (the same values :func:`rerank_bench.tracking.start_run` tags)."""
        from rerank_bench.tracking import git_commit

        try:
            version = importlib.metadata.version("rerank-bench")
        except importlib.metadata.PackageNotFoundError:
            version = "unknown"
        return cls(version=version, commit=git_commit())


@dataclass(frozen=True)
class Cell:
    """One job of a reproduction: a condition on one dataset.

    Attributes:
        condition: the condition.
        dataset: the dataset config name.
        overrides: the full Hydra overrides (without tracking ones).
        config_hash: hash of ``overrides`` and the data fingerprint: the same job on the same data.
        reuse_key: hash of ``config_hash`` and the code version; a finished run with it is reused.
    """

    condition: Condition
    dataset: str
    overrides: tuple[str, ...]
    config_hash: str
    reuse_key: str


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

    def values(self) -> tuple[str, str, str]:
        """Expected, got and their difference as printed (the console line and RESULTS.md)."""
        exp = "—" if self.expected is None else f"{self.expected:.4f}"
        got = "missing" if self.got is None else f"{self.got:.4f}"
        diff = (
            "" if self.got is None or self.expected is None else f"{self.got - self.expected:+.4f}"
        )
        return exp, got, diff

    def line(self) -> str:
        """One printable line: verdict, cell, expected, got, difference."""
        exp, got, diff = self.values()
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
        code: the code that reproduced (reused cells may come from other code, see their runs).
    """

    spec: ExperimentSpec
    checks: tuple[Check, ...]
    run_ids: Mapping[tuple[str, str], str]
    reused: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    tracking_uri: str = ""
    code: CodeVersion = field(default_factory=CodeVersion.current)

    @property
    def failed(self) -> bool:
        """Whether any check failed."""
        return any(check.verdict == "FAIL" for check in self.checks)


def data_fingerprint(config: DictConfig) -> dict[str, Any]:
    """What a composed config says about its data, cheaply: no dataset is loaded.

    The absolute data root (``paths.data``, from ``RERANK_BENCH_DATA``) and the resolved dataset
    node (its name, files, splits, relevance level). Moving the data or pointing a dataset at
    other files changes it; editing a file in place does not (hashing the bytes would mean reading
    every corpus), so replace changed data under a new path. Data shipped in the package
    (``pkg:`` paths, the helpdesk) is covered by the git commit.
    """
    from omegaconf import OmegaConf

    return {
        "data_root": str(Path(str(config.paths.data)).resolve()),
        "dataset": OmegaConf.to_container(config.dataset, resolve=True),
    }


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode("utf-8")).hexdigest()[:16]


def _jobs(spec: ExperimentSpec, condition: str | None) -> list[tuple[Condition, str, list[str]]]:
    """(condition, dataset, full overrides) of each cell, in spec order."""
    chosen = [spec.condition(condition)] if condition else list(spec.conditions)
    jobs = []
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
            jobs.append(
                (cond, dataset, overrides if selected else [*overrides, f"dataset={dataset}"])
            )
    return jobs


def plan(
    spec: ExperimentSpec, condition: str | None = None, code: CodeVersion | None = None
) -> list[Cell]:
    """The (condition, dataset) cells to run, in spec order, with their hashes.

    A condition runs once per dataset of its ``expected`` block, with ``dataset=<name>``
    appended unless its overrides already select that dataset. Each cell's overrides are
    composed with Hydra (not run) for its data fingerprint, resolved, and checked against the
    classes the pipeline would build (:func:`~rerank_bench.config_checks.check_targets`: an
    unknown ``+`` key, a ``???`` left unset), so a condition that could not run fails here,
    before any cell has run, with ``--dry-run`` too.

    Args:
        spec: the experiment.
        condition: plan only this condition.
        code: the code the reuse keys name; default :meth:`CodeVersion.current`.

    Raises:
        ConfigError: an unknown condition, overrides that select another dataset, or overrides
            that do not compose or name keys and values the pipeline cannot build from.
    """
    from hydra.errors import HydraException
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    from rerank_bench.config import config_composer
    from rerank_bench.config_checks import check_targets, composition_fix

    code = code or CodeVersion.current()
    cells = []
    with config_composer() as compose:
        for cond, dataset, overrides in _jobs(spec, condition):
            where = f"{spec.path}: condition {cond.name!r} on {dataset!r}"
            try:
                config = compose(overrides)
                OmegaConf.to_container(config, resolve=True)  # interpolations resolve too
            except (HydraException, OmegaConfBaseException) as exc:
                fix = composition_fix(exc, compose, overrides)
                raise ConfigError(
                    f"{where} does not compose: {fix}"
                    if fix
                    else f"{where} does not compose: {exc}. Fix its overrides (or the spec's "
                    "common_overrides)."
                ) from None
            try:
                check_targets(config, overrides)
            except ConfigError as exc:
                raise ConfigError(f"{where}: {exc}") from None
            data = data_fingerprint(config)
            config_hash = _digest({"overrides": overrides, "data": data})
            reuse_key = _digest(
                {"config": config_hash, "version": code.version, "commit": code.commit}
            )
            cells.append(Cell(cond, dataset, tuple(overrides), config_hash, reuse_key))
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
    reuse_any_commit: bool = False,
    parent_run_id: str | None = None,
) -> ReproReport:
    """Run (or reuse) every cell of ``spec`` and check it against the expected values.

    Args:
        spec: the experiment.
        tracking_uri: the MLflow store; passed to the pipeline as ``tracking.uri``.
        runner: runs one job from overrides; default :func:`rerank_bench.pipeline.run_overrides`.
        condition: run only this condition.
        force: re-run every cell, reusing nothing.
        on_check: called with each check as soon as it is known (for live output).
        reuse_any_commit: reuse a finished run of the same job on the same data made by any
            clean commit or package version (not only the running code's).
        parent_run_id: nest the cells that run under this (open) run, which the caller closes;
            ``None``: a parent run of the reproduction's own, opened when a cell first runs.

    Returns:
        The report; :attr:`ReproReport.failed` tells whether any check failed.

    Raises:
        ValueError: both ``force`` and ``reuse_any_commit``.
    """
    from rerank_bench.reporting.runs import RunStore

    if force and reuse_any_commit:
        raise ValueError("force re-runs every cell; reuse_any_commit would reuse some: pick one.")
    if runner is None:
        from rerank_bench.pipeline import run_overrides

        runner = run_overrides
    code = CodeVersion.current()
    checks: list[Check] = []
    run_ids: dict[tuple[str, str], str] = {}
    reused: set[tuple[str, str]] = set()
    parent = _Parent(tracking_uri, spec, parent_run_id)
    with parent:
        for cell in plan(spec, condition, code):
            key = (cell.condition.name, cell.dataset)
            record = None if force else _reusable(tracking_uri, spec, cell, code, reuse_any_commit)
            if record is None:
                result = runner([*cell.overrides, *_tracking_overrides(tracking_uri, spec, cell),
                                 f"tracking.parent_run_id={parent.run_id()}"])
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
    return ReproReport(spec, tuple(checks), run_ids, frozenset(reused), tracking_uri, code)


class _Parent:
    """The reproduction's parent run, opened when its first cell runs (a reproduction that
    reuses every cell makes none) and closed FINISHED, or FAILED when a cell raised; or the
    caller's parent, which the caller closes."""

    def __init__(self, tracking_uri: str, spec: ExperimentSpec, given: str | None) -> None:
        from rerank_bench.tracking.writer import resolve_tracking_uri

        self.tracking_uri, self.spec = resolve_tracking_uri(tracking_uri), spec
        self._id: str | None = given
        self._owned = given is None

    def run_id(self) -> str:
        if self._id is None:
            from rerank_bench.reporting.runs import default_artifact_root
            from rerank_bench.tracking.parents import open_parent

            self._id = open_parent(self.tracking_uri, self.spec.mlflow_experiment,
                                   default_artifact_root(), f"reproduce {self.spec.name}",
                                   {EXPERIMENT_TAG: self.spec.name})
        return self._id

    def __enter__(self) -> _Parent:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if self._id is not None and self._owned:
            from rerank_bench.tracking.parents import close_parent

            close_parent(self.tracking_uri, self._id, failed=kind is not None)


def _tracking_overrides(tracking_uri: str, spec: ExperimentSpec, cell: Cell) -> list[str]:
    """Where a cell's run goes and what it is called and tagged (not part of its reuse key)."""
    tags = {
        CONFIG_HASH_TAG: cell.config_hash,
        REUSE_KEY_TAG: cell.reuse_key,
        CONDITION_TAG: cell.condition.name,
        EXPERIMENT_TAG: spec.name,
    }
    return [
        f"tracking.uri='{tracking_uri}'",
        f"tracking.experiment='{spec.mlflow_experiment}'",
        f"tracking.run_name='{_quoted(cell.condition.display)}'",
        *(f"+tracking.tags.{k}='{v}'" for k, v in tags.items()),
    ]


def _quoted(text: str) -> str:
    """``text`` for a single-quoted Hydra override value (display names hold spaces, ``>>``,
    commas and parentheses)."""
    return text.replace("\\", "\\\\").replace("'", "\\'")


def _reusable(
    tracking_uri: str, spec: ExperimentSpec, cell: Cell, code: CodeVersion, any_commit: bool
) -> RunRecord | None:
    """The newest finished run that may stand in for ``cell``, or ``None``.

    Same code: the run's reuse key matches and it was made at the running commit, which must be
    clean (the commit is checked again because the key was computed before the run, and a tree
    edited meanwhile tags the run ``-dirty``). Any commit: the config hash matches. Either way a
    run made at a dirty tree, or without a ``git_commit`` tag, is never reused.
    """
    from rerank_bench.reporting.runs import RunStore

    if code.dirty and not any_commit:
        return None
    tag, value = (
        (CONFIG_HASH_TAG, cell.config_hash) if any_commit else (REUSE_KEY_TAG, cell.reuse_key)
    )
    try:
        runs = RunStore(tracking_uri).search(spec.mlflow_experiment, f"tags.{tag} = '{value}'")
    except ConfigError:  # no store or no experiment yet: nothing to reuse
        return None
    fit = [
        run
        for run in runs
        if not run.tags.get("git_commit", _DIRTY).endswith(_DIRTY)
        and (any_commit or run.tags.get("git_commit") == code.commit)
    ]
    return fit[-1] if fit else None


def describe_reuse(code: CodeVersion, force: bool, reuse_any_commit: bool) -> str:
    """One line saying which finished runs a reproduction by ``code`` may reuse, and why."""
    if force:
        return "reuse: none (--force): every cell runs."
    if reuse_any_commit:
        return (
            "reuse: finished runs of the same overrides on the same data, made at any clean "
            f"commit (--reuse-any-commit); running code {code.version} at {code.commit}."
        )
    if code.dirty:
        return (
            f"reuse: none: the tree has uncommitted changes ({code.commit}), so its runs cannot "
            "be matched to code later. Commit to make them reusable, or pass --reuse-any-commit "
            "to reuse runs of a clean commit."
        )
    return f"reuse: finished runs made by this code ({code.version} at {code.commit}) only."
