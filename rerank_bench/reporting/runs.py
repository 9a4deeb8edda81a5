"""Read runs, their per-query metrics and their training curves back from MLflow.

Why: a table is a query over MLflow runs (DESIGN.md). Everything downstream (tables, significance,
plots, the notebook) works on the plain :class:`RunRecord` and :class:`PerQuery` records built
here, so only this module talks to the MLflow client when reading, and the conventions of the
tracking contract (tag names, the ``per_query.json`` artifact, sanitised metric keys) are
interpreted in one place.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from rerank_bench.errors import ConfigError, DataFormatError, EvaluationError
from rerank_bench.evaluation.metrics import metric_key
from rerank_bench.tracking.names import CONDITION_TAG, KIND_TAG

__all__ = [
    "FIRST_STAGE_SUFFIX",
    "PER_QUERY_ARTIFACT",
    "PerQuery",
    "RunRecord",
    "RunStore",
    "default_artifact_root",
    "default_tracking_uri",
    "first_stage_records",
    "parse_per_query",
    "resolve_metric",
]

PER_QUERY_ARTIFACT = "per_query.json"
_RUN_ATTRIBUTES = ("run_id", "run_name", "status")


def default_tracking_uri() -> str:
    """The project's store, resolved as ``conf/tracking/default.yaml`` does.

    ``MLFLOW_TRACKING_URI`` wins; otherwise ``sqlite:///$RERANK_BENCH_HOME/mlflow.db`` with
    ``RERANK_BENCH_HOME`` defaulting to ``.rerank-bench`` (relative to the working directory).
    """
    uri = os.environ.get("MLFLOW_TRACKING_URI")
    if uri:
        return uri
    home = os.environ.get("RERANK_BENCH_HOME", ".rerank-bench")
    return f"sqlite:///{home}/mlflow.db"


def default_artifact_root() -> str:
    """The artifact folder next to the default store (``$RERANK_BENCH_HOME/mlartifacts``)."""
    return str(Path(os.environ.get("RERANK_BENCH_HOME", ".rerank-bench")) / "mlartifacts")


def resolve_metric(available: Iterable[str], name: str) -> str | None:
    """Find the logged key of a metric asked for by ranx name or key.

    ``ndcg@10`` and ``ndcg_at_10`` both resolve to ``ndcg_at_10``. A binary metric asked for
    without a relevance level (``recall_at_100``) resolves to the one logged with a level
    (``recall_at_100_l2``) when exactly one such key exists.

    Returns:
        The logged key, or ``None`` when there is none (or several candidates).
    """
    keys = set(available)
    key = metric_key(name)
    if key in keys:
        return key
    candidates = [k for k in keys if k.startswith(f"{key}_l") and k[len(key) + 2 :].isdigit()]
    return candidates[0] if len(candidates) == 1 else None


@dataclass(frozen=True)
class RunRecord:
    """One finished MLflow run, as read back for reporting.

    Attributes:
        run_id: MLflow run id.
        run_name: the run name (the system name by convention).
        experiment_id: MLflow experiment id.
        status: MLflow status (``FINISHED``...).
        start_time: start time in milliseconds since the epoch.
        tags: the run's tags.
        params: the flattened resolved config.
        metrics: last logged value of each metric.
        artifact_uri: where the run's artifacts live.
    """

    run_id: str
    run_name: str
    experiment_id: str
    status: str
    start_time: int
    tags: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, str] = field(default_factory=dict)
    metrics: Mapping[str, float] = field(default_factory=dict)
    artifact_uri: str = ""

    @property
    def system(self) -> str:
        """The system name: tag ``system``, else the run name."""
        return self.tags.get("system") or self.run_name

    @property
    def condition(self) -> str:
        """The spec condition that made the run (tag ``repro_condition``), else the run name."""
        return self.tags.get(CONDITION_TAG) or self.run_name

    @property
    def dataset(self) -> str | None:
        """Tag ``dataset``."""
        return self.tags.get("dataset")

    @property
    def seed(self) -> str | None:
        """Tag ``seed``, else param ``seed``."""
        return self.tags.get("seed") or self.params.get("seed")

    @property
    def query_set(self) -> str | None:
        """Tag ``query_set``: a hash of the evaluated query ids."""
        return self.tags.get("query_set")

    def field(self, key: str) -> str | None:
        """The value of a grouping key: ``system``, ``condition``, a run attribute, a tag, then a
        param.

        ``tags.x`` and ``params.x`` select the source explicitly.
        """
        if key == "system":
            return self.system
        if key == "condition":
            return self.condition
        if key in _RUN_ATTRIBUTES:
            return str(getattr(self, key))
        if key.startswith("tags."):
            return self.tags.get(key[5:])
        if key.startswith("params."):
            return self.params.get(key[7:])
        if key in self.tags:
            return self.tags[key]
        return self.params.get(key)

    def metric(self, name: str) -> float | None:
        """The run-level value of a metric asked for by ranx name or key, or ``None``."""
        key = resolve_metric(self.metrics, name)
        return None if key is None else float(self.metrics[key])


@dataclass(frozen=True)
class PerQuery:
    """The per-query metrics a run logged in ``per_query.json``.

    Attributes:
        run_id: the run they belong to.
        rel_level: relevance threshold of the binary metrics, if recorded.
        scores: metric key (sanitised) -> query id -> value.
    """

    run_id: str
    rel_level: int | None
    scores: Mapping[str, Mapping[str, float]]

    def metric(self, name: str) -> Mapping[str, float] | None:
        """Per-query values of a metric asked for by ranx name or key, or ``None``.

        A key with a relevance suffix (``recall_at_100_l2``) also finds the values stored
        without it when the file's ``rel_level`` is that level, and the other way round.
        """
        key = resolve_metric(self.scores, name)
        if key is not None:
            return self.scores[key]
        base, _, level = metric_key(name).rpartition("_l")
        if base and level.isdigit() and self.rel_level == int(level) and base in self.scores:
            return self.scores[base]
        return None

    @property
    def query_ids(self) -> frozenset[str]:
        """The query ids of the first metric (every metric covers the same queries)."""
        for values in self.scores.values():
            return frozenset(values)
        return frozenset()


def parse_per_query(payload: Any, source: str, run_id: str = "") -> PerQuery:
    """Validate and convert the JSON of a ``per_query.json`` artifact.

    Raises:
        DataFormatError: the payload does not follow the tracking contract.
    """
    fix = 'write {"metrics": [...], "rel_level": N, "per_query": {metric: {qid: value}}}.'
    if not isinstance(payload, dict) or not isinstance(payload.get("per_query"), dict):
        raise DataFormatError(source, None, "expected an object with a 'per_query' object.", fix)
    scores: dict[str, dict[str, float]] = {}
    for metric, values in payload["per_query"].items():
        if not isinstance(values, dict):
            raise DataFormatError(
                source, None, f"per_query[{metric!r}] is not an object of query id -> value.", fix
            )
        try:
            scores[metric_key(str(metric))] = {str(q): float(v) for q, v in values.items()}
        except (TypeError, ValueError):
            raise DataFormatError(
                source, None, f"per_query[{metric!r}] holds a value that is not a number.", fix
            ) from None
    rel_level = payload.get("rel_level")
    if rel_level is not None and not isinstance(rel_level, int):
        raise DataFormatError(source, None, f"rel_level {rel_level!r} is not an integer.", fix)
    return PerQuery(run_id=run_id, rel_level=rel_level, scores=scores)


FIRST_STAGE_SUFFIX = "#first_stage"
"""Ends the id of a :func:`first_stage_records` record: ``<run id>#first_stage``."""

_FIRST_STAGE_PREFIX = "first_stage_"
_FIRST_STAGE_TAGS = ("dataset", "split", "query_set", "seed")


def first_stage_records(runs: Sequence[RunRecord]) -> list[RunRecord]:
    """The first stage of each re-ranking run, as a run of its own (system: the retriever).

    Why: every re-ranking run evaluates its first stage too (``first_stage_*`` metrics and
    per-query values), so a store holding only fine-tuning runs still has its BM25 row;
    ``--baseline bm25`` tests against it. One record per dataset, split, query set, retriever
    settings and seed (the newest run's): the same first stage under ten re-rankers is one row.
    """
    chosen: dict[tuple[str | None, ...], RunRecord] = {}
    for run in sorted(runs, key=lambda r: r.start_time):
        retriever = run.tags.get("retriever")
        metrics = {key[len(_FIRST_STAGE_PREFIX):]: value for key, value in run.metrics.items()
                   if key.startswith(_FIRST_STAGE_PREFIX)}
        if not retriever or run.tags.get("reranker", "none") == "none" or not metrics:
            continue
        if "queries_per_s_first_stage" in run.metrics:
            metrics["queries_per_s_first_stage"] = run.metrics["queries_per_s_first_stage"]
        tags = {key: run.tags[key] for key in _FIRST_STAGE_TAGS if key in run.tags}
        tags.update(system=retriever, retriever=retriever, reranker="none")
        key = (*(tags.get(k) for k in _FIRST_STAGE_TAGS), retriever,
               run.params.get("fingerprint.retriever"))
        chosen[key] = replace(run, run_id=run.run_id + FIRST_STAGE_SUFFIX, run_name=retriever,
                              tags=tags, params={}, metrics=metrics)
    return list(chosen.values())


class RunStore:
    """Read access to one MLflow tracking store (a sqlite file or a server).

    Per-query files are downloaded once per run and kept in memory, so building several tables
    from the same runs reads each artifact once.

    Args:
        tracking_uri: the store; ``None`` uses :func:`default_tracking_uri`.
    """

    def __init__(self, tracking_uri: str | None = None) -> None:
        from mlflow.tracking import MlflowClient  # mlflow is slow to import; only when used

        self.tracking_uri = tracking_uri or default_tracking_uri()
        if self.tracking_uri.startswith("sqlite:///"):
            db = Path(self.tracking_uri[len("sqlite:///") :])
            if not db.is_file():
                raise ConfigError(
                    f"no MLflow store at {db} (tracking URI {self.tracking_uri}). Fix: run an "
                    "experiment first (`rerank-bench run ...`), or point --tracking-uri / "
                    "MLFLOW_TRACKING_URI / RERANK_BENCH_HOME at an existing store."
                )
        self.client = MlflowClient(tracking_uri=self.tracking_uri)
        self._per_query: dict[str, PerQuery] = {}

    def experiment_id(self, name: str) -> str:
        """The id of the experiment called ``name``.

        Raises:
            ConfigError: no such experiment; the message lists the ones that exist.
        """
        experiment = self.client.get_experiment_by_name(name)
        if experiment is None:
            names = sorted(e.name for e in self.client.search_experiments())
            raise ConfigError(
                f"MLflow experiment {name!r} does not exist in {self.tracking_uri}; "
                f"experiments there: {names}. Fix: pass one of them to --experiment."
            )
        return str(experiment.experiment_id)

    def search(
        self,
        experiments: str | Sequence[str],
        filter_string: str | None = None,
        statuses: Sequence[str] = ("FINISHED",),
        datasets: Sequence[str] = (),
    ) -> list[RunRecord]:
        """Runs of the named experiments that match an MLflow filter, oldest first.

        Args:
            experiments: one or several experiment names.
            filter_string: an MLflow search filter, e.g. ``"tags.dataset = 'scifact'"``.
            datasets: keep runs on these datasets only (tag ``dataset``); empty: all. MLflow's
                filters have no ``or``, so several datasets cannot be one filter.
            statuses: run statuses to keep (unfinished and failed runs are left out by default).
                Parent runs of sweeps and reproductions (tag ``run_kind=parent``) hold no
                results and are always left out.

        Raises:
            ConfigError: an unknown experiment or an invalid filter.
        """
        from mlflow.exceptions import MlflowException

        names = [experiments] if isinstance(experiments, str) else list(experiments)
        ids = [self.experiment_id(name) for name in names]
        records: list[RunRecord] = []
        token: str | None = None
        while True:
            try:
                page = self.client.search_runs(
                    ids,
                    filter_string=filter_string or "",
                    max_results=1000,
                    order_by=["attributes.start_time ASC"],
                    page_token=token,
                )
            except MlflowException as exc:
                either = (" MLflow filters have no `or`: for several datasets use --dataset a,b."
                          if " or " in f" {(filter_string or '').lower()} " else "")
                raise ConfigError(
                    f"MLflow rejected the filter {filter_string!r}: {exc.message}.{either} Fix: "
                    "use the MLflow search syntax, e.g. \"tags.dataset = 'scifact'\"."
                ) from None
            records.extend(_record(run) for run in page if run.info.status in statuses
                           and run.data.tags.get(KIND_TAG) != "parent"
                           and (not datasets or run.data.tags.get("dataset") in datasets))
            token = page.token
            if not token:
                break
        return records

    def run(self, run_id: str) -> RunRecord:
        """One run by id: its metrics, params and tags as a :class:`RunRecord`.

        Its per-query values are :meth:`per_query` (``store.per_query(record).metric("ndcg@10")``),
        read on demand: a record stays small and needs no artifact.

        Raises:
            ConfigError: the store has no run with that id.
        """
        from mlflow.exceptions import MlflowException

        try:
            found = self.client.get_run(run_id)
        except MlflowException as exc:
            if exc.error_code != "RESOURCE_DOES_NOT_EXIST":
                raise
            raise ConfigError(
                f"no run {run_id!r} in {self.tracking_uri}. Fix: copy a run id from "
                "`rerank-bench ui`, a table's CSV (run_ids) or RunStore.search(...)."
            ) from None
        return _record(found)

    def get(self, run_id: str) -> RunRecord:
        """:meth:`run` under its former name, for callers that still use it."""
        return self.run(run_id)

    def per_query(self, run: RunRecord | str) -> PerQuery:
        """The per-query metrics logged by ``run`` (its ``per_query.json`` artifact).

        Raises:
            EvaluationError: the run has no such artifact (significance needs it).
            DataFormatError: the artifact does not follow the tracking contract.
        """
        run_id = run if isinstance(run, str) else run.run_id
        cached = self._per_query.get(run_id)
        if cached is not None:
            return cached
        uri = None if isinstance(run, str) else run.artifact_uri
        logged_by = run_id.removesuffix(FIRST_STAGE_SUFFIX)
        text = self.artifact_text(logged_by, PER_QUERY_ARTIFACT, uri)
        source = f"run {logged_by}: {PER_QUERY_ARTIFACT}"
        try:
            payload = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataFormatError(source, exc.lineno, f"invalid JSON ({exc.msg}).") from None
        if logged_by != run_id and isinstance(payload, dict):  # a first_stage_records record
            payload = {**payload, "per_query": payload.get("first_stage_per_query")}
        per_query = parse_per_query(payload, source, run_id)
        self._per_query[run_id] = per_query
        return per_query

    def artifact_text(self, run_id: str, path: str, artifact_uri: str | None = None) -> str:
        """The text of one artifact of a run.

        Artifacts in a local folder (the default store) are read in place; others are downloaded.

        Raises:
            EvaluationError: the run has no artifact at ``path``.
        """
        from mlflow.exceptions import MlflowException

        if artifact_uri is None:
            artifact_uri = self.client.get_run(run_id).info.artifact_uri or ""
        local_root = _local_path(artifact_uri)
        if local_root is not None:
            file = local_root / path
            if file.is_file():
                return file.read_text(encoding="utf-8")
            raise EvaluationError(
                f"run {run_id} has no artifact {path!r} (looked for {file}). Per-query analysis "
                "needs the artifacts the pipeline logs; re-run that condition."
            )
        with tempfile.TemporaryDirectory(prefix="rerank-bench-artifact-") as tmp:
            try:
                local = self.client.download_artifacts(run_id, path, tmp)
            except (MlflowException, OSError) as exc:
                raise EvaluationError(
                    f"run {run_id} has no artifact {path!r} ({exc}). Per-query analysis needs "
                    "the artifacts the pipeline logs; re-run that condition."
                ) from None
            return Path(local).read_text(encoding="utf-8")

    def history(self, run_id: str, key: str) -> list[tuple[int, float]]:
        """``(step, value)`` of every logged value of a metric, ordered by step."""
        values = self.client.get_metric_history(run_id, key)
        return sorted((int(m.step), float(m.value)) for m in values)

    def log_artifact(self, run_id: str, path: str | Path, artifact_path: str | None = None) -> None:
        """Attach a local file (a plot, a table) to an existing run."""
        self.client.log_artifact(run_id, str(path), artifact_path)


def _local_path(artifact_uri: str) -> Path | None:
    """The folder of a ``file:`` (or plain path) artifact URI, else ``None``."""
    if artifact_uri.startswith("file://"):
        from urllib.parse import unquote, urlparse

        return Path(unquote(urlparse(artifact_uri).path))
    if artifact_uri.startswith("/"):
        return Path(artifact_uri)
    return None


def _record(run: Any) -> RunRecord:
    info, data = run.info, run.data
    return RunRecord(
        run_id=info.run_id,
        run_name=info.run_name or data.tags.get("mlflow.runName", ""),
        experiment_id=str(info.experiment_id),
        status=info.status,
        start_time=int(info.start_time or 0),
        tags={k: v for k, v in data.tags.items() if not k.startswith("mlflow.")},
        params=dict(data.params),
        metrics={k: float(v) for k, v in data.metrics.items()},
        artifact_uri=info.artifact_uri or "",
    )
