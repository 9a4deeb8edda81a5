"""One experiment, end to end: dataset -> first stage -> (fit) -> re-rank -> evaluate -> MLflow.

The pipeline only wires stages that the config names; what a stage does lives in its class, so a
new retriever or re-ranker is one class and one YAML file, with no change here.
"""

from __future__ import annotations

import json
import logging
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import mlflow
import numpy as np
from hydra.core.hydra_config import HydraConfig
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from rerank_bench.cache import CacheDir
from rerank_bench.data.io import atomic_write, read_trec_run, write_trec_run
from rerank_bench.data.records import Corpus, Dataset, Queries, Run
from rerank_bench.distributed import ddp_worker_run_id
from rerank_bench.errors import ConfigError, DdpWorkerDone, DryRunStop
from rerank_bench.evaluation.metrics import Evaluation, evaluate_run, metric_key, query_set_id
from rerank_bench.reporting.run_summary import summary_table
from rerank_bench.reranking.base import FitContext, Reranker, Trainable
from rerank_bench.retrieval.base import Retriever
from rerank_bench.tracking import (
    PER_QUERY_ARTIFACT,
    log_params_once,
    resolve_tracking_uri,
    start_run,
)

__all__ = ["RUN_ID_FILE", "RunResult", "run", "run_overrides", "seed_everything", "system_name"]

log = logging.getLogger(__name__)

RUN_ID_FILE = "mlflow_run_id"
"""Written into the job folder when its MLflow run starts: a re-run in that folder resumes it."""


@dataclass
class RunResult:
    """What one experiment produced.

    Attributes:
        run_id: the MLflow run.
        system: display name of the system.
        metrics: ranx metric name -> mean value of the final ranking.
        evaluation: full evaluation (per-query values) of the final ranking.
        first_stage: evaluation of the first stage alone.
        output_dir: the job folder with run files and the table.
        table: the Markdown table printed at the end.
        timings: stage -> seconds.
    """

    run_id: str
    system: str
    metrics: dict[str, float]
    evaluation: Evaluation
    first_stage: Evaluation
    output_dir: Path
    table: str
    timings: dict[str, float] = field(default_factory=dict)


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and, when a stage uses it, torch, so a config reproduces its numbers.

    torch is seeded only if already imported (stages import it when they need it): a BM25 run then
    starts without paying torch's import time.
    """
    random.seed(seed)
    np.random.seed(seed)
    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(seed)


def system_name(retriever: Retriever, reranker: Reranker | None, override: str | None) -> str:
    """``bm25``, ``bm25>>cross_encoder``...: the row label of a system in tables."""
    if override:
        return override
    return f"{retriever.name}>>{reranker.name}" if reranker is not None else retriever.name


def _output_dir(cfg: DictConfig) -> Path:
    if HydraConfig.initialized():
        return Path(HydraConfig.get().runtime.output_dir)
    stamp = time.strftime("%Y-%m-%d/%H-%M-%S")
    return Path(cfg.paths.home) / "outputs" / f"{stamp}_{cfg.dataset.name}"


def _first_stage(
    retriever: Retriever, corpus: Corpus, queries: Queries, k: int, cache: CacheDir
) -> tuple[Run, float]:
    """Retrieve, or replay a cached run made with the same settings on the same data.

    Returns the run and the seconds it took when it was computed (cached with it), so tables show
    real latencies even when a sweep replays the run.
    """
    key = {
        "retriever": retriever.cache_key(),
        "corpus": corpus.fingerprint(),
        "queries": query_set_id(f"{q}\t{t}" for q, t in queries.items()),
        "k": k,
    }

    def build(folder: Path) -> None:
        start = time.perf_counter()
        run = retriever.retrieve(corpus, queries, k)
        seconds = time.perf_counter() - start
        write_trec_run(run, folder / "run.trec", tag=retriever.name)
        (folder / "timing.json").write_text(json.dumps({"seconds": seconds}), "utf-8")

    folder = cache.get_or_build("runs", key, build)
    seconds = json.loads((folder / "timing.json").read_text("utf-8"))["seconds"]
    run = read_trec_run(folder / "run.trec") if (folder / "run.trec").stat().st_size else {}
    return run, seconds


def _unfinished_run(out: Path, uri: str) -> str | None:
    """The MLflow run that an interrupted job in ``out`` started, to be continued, or ``None``.

    A job folder re-used after a crash or kill (``hydra.run.dir=<folder>``) holds its run id; the
    run is resumed unless it finished, so training curves continue where the checkpoint left off
    instead of being split across two runs.
    """
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    path = out / RUN_ID_FILE
    if not path.is_file():
        return None
    run_id = path.read_text("utf-8").strip()
    try:
        status = MlflowClient(tracking_uri=uri).get_run(run_id).info.status
    except MlflowException:
        log.warning("%s names run %s, which is not in %s; starting a new run", path, run_id, uri)
        return None
    return None if status == "FINISHED" else run_id


def run(cfg: DictConfig) -> RunResult:
    """Run the experiment that ``cfg`` (the composed Hydra config) describes.

    Raises:
        DdpWorkerDone: in a ``ddp`` worker process, after its share of training.
    """
    seed_everything(int(cfg.seed))
    parent_run = ddp_worker_run_id()
    if parent_run is not None:
        _train_as_ddp_worker(cfg, parent_run)
    source = instantiate(cfg.dataset)
    retriever: Retriever = instantiate(cfg.retriever)
    reranker: Reranker | None = instantiate(cfg.reranker) if cfg.reranker.get("_target_") else None
    system = system_name(retriever, reranker, cfg.system)
    out = _output_dir(cfg)
    out.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}

    started = start = time.perf_counter()
    dataset = source.load()
    timings["load"] = time.perf_counter() - start
    split = dataset.split(source.eval_split)
    rel_level = cfg.eval.rel_level if cfg.eval.rel_level is not None else dataset.rel_level
    uri = resolve_tracking_uri(cfg.tracking.uri)
    tags = {
        "dataset": dataset.name,
        "split": split.name,
        "retriever": retriever.name,
        "reranker": reranker.name if reranker is not None else "none",
        "system": system,
        "seed": str(cfg.seed),
        "query_set": query_set_id(split.qrels),
        **cfg.tracking.tags,
    }
    resolved = cast(dict, OmegaConf.to_container(cfg, resolve=True))
    with start_run(
        uri,
        cfg.tracking.experiment,
        system,
        tags,
        resolved,
        cfg.tracking.artifact_location,
        resume_run_id=_unfinished_run(out, uri),
    ) as active:
        run_id = active.info.run_id
        with atomic_write(out / RUN_ID_FILE) as handle:
            handle.write(run_id + "\n")
        log_params_once({"fingerprint.retriever": json.dumps(retriever.cache_key())})
        context = _fit_context(cfg, out, source, dataset, retriever, run_id, uri)
        try:
            first, final = _run_stages(retriever, reranker, context, split.queries, cfg, timings)
        except DryRunStop as stop:
            mlflow.log_metrics({k: float(v) for k, v in stop.estimate.items()})
            mlflow.set_tag("dry_run", "true")
            mlflow.end_run()  # an estimate is a finished run, not a failed one
            raise
        metrics = list(cfg.eval.metrics)
        judged_only = bool(cfg.eval.judged_only)
        base_eval = evaluate_run(split.qrels, first, metrics, rel_level, judged_only)
        final_eval = evaluate_run(split.qrels, final, metrics, rel_level, judged_only)
        timings["total"] = time.perf_counter() - started

        rows = [(retriever.name, base_eval)]
        if reranker is not None:
            rows.append((system, final_eval))
        n_pairs = sum(min(len(d), getattr(reranker, "depth", 0)) for d in first.values())
        extra = {"first stage": f"{timings['first_stage']:.1f}s for {len(split.queries)} queries"}
        if "rerank" in timings:
            extra["re-rank"] = f"{timings['rerank']:.1f}s ({n_pairs} pairs)"
        table = summary_table(dataset.name, split.name, rows, extra)
        _log_results(out, first, final, final_eval, base_eval, reranker is not None, table, cfg)
        _log_metrics(final_eval, base_eval, timings, n_pairs, len(split.queries), reranker)

    return RunResult(
        run_id, system, dict(final_eval.mean), final_eval, base_eval, out, table, timings
    )


def _train_as_ddp_worker(cfg: DictConfig, parent_run: str) -> None:
    """Rank > 0 of a ``ddp`` training: train beside rank 0, then stop without reporting.

    Lightning re-runs the command line in the same Hydra folder for every extra device. The worker
    rebuilds the same dataset, first stage and re-ranker, joins training (Lightning logs from rank
    0 only, into ``parent_run``) and raises :class:`DdpWorkerDone`: no MLflow run, no run files.
    """
    source = instantiate(cfg.dataset)
    retriever: Retriever = instantiate(cfg.retriever)
    reranker = instantiate(cfg.reranker) if cfg.reranker.get("_target_") else None
    if not isinstance(reranker, Trainable):
        raise ConfigError("a DDP worker process was started for a re-ranker that does not train.")
    uri = resolve_tracking_uri(cfg.tracking.uri)
    out, dataset = _output_dir(cfg), source.load()
    reranker.fit(_fit_context(cfg, out, source, dataset, retriever, parent_run, uri))
    raise DdpWorkerDone("DDP worker finished training")


def _fit_context(
    cfg: DictConfig,
    out: Path,
    source: Any,  # the instantiated dataset config (a DatasetSource)
    dataset: Dataset,
    retriever: Retriever,
    run_id: str,
    uri: str,
) -> FitContext:
    """What a trainable re-ranker gets: the data, its splits, the first stage, folder and run."""
    return FitContext(
        dataset=dataset,
        train_split=source.train_split,
        dev_split=source.dev_split,
        first_stage=retriever,
        output_dir=out,
        mlflow_run_id=run_id,
        tracking_uri=uri,
        seed=int(cfg.seed),
    )


def _run_stages(
    retriever: Retriever,
    reranker: Reranker | None,
    context: FitContext,
    queries: Queries,
    cfg: DictConfig,
    timings: dict[str, float],
) -> tuple[Run, Run]:
    """First stage (cached), then fit and re-rank if a re-ranker is configured; log API costs."""
    dataset = context.dataset
    cache = CacheDir(Path(cfg.paths.cache))
    first, timings["first_stage"] = _first_stage(
        retriever, dataset.corpus, queries, int(cfg.k), cache
    )
    _log_costs(retriever)
    if reranker is None:
        return first, first
    log_params_once({"fingerprint.reranker": json.dumps(reranker.cache_key())})
    if isinstance(reranker, Trainable):
        start = time.perf_counter()
        reranker.fit(context)
        timings["train"] = time.perf_counter() - start
    start = time.perf_counter()
    final = reranker.rerank(dataset.corpus, queries, first)
    timings["rerank"] = time.perf_counter() - start
    _log_costs(reranker)
    return first, final


def _log_costs(stage: object) -> None:
    """Log what a paid stage (API embeddings, API re-ranking) spent: tokens, requests, USD."""
    summary = getattr(stage, "cost_summary", None)
    if callable(summary):
        mlflow.log_metrics({k: float(v) for k, v in summary().items()})


def _log_metrics(
    final: Evaluation,
    base: Evaluation,
    timings: dict[str, float],
    n_pairs: int,
    n_queries: int,
    reranker: Reranker | None,
) -> None:
    values = {metric_key(m): v for m, v in final.mean.items()}
    if reranker is not None:
        values.update({f"first_stage_{metric_key(m)}": v for m, v in base.mean.items()})
    values.update({f"time_{stage}_s": s for stage, s in timings.items()})
    if timings.get("first_stage"):
        values["queries_per_s_first_stage"] = n_queries / timings["first_stage"]
    stats = reranker.score_stats() if reranker is not None else None
    scored = n_pairs if stats is None else stats[0]
    if stats is not None:
        values["rerank_pairs_scored"], values["rerank_pairs_cached"] = stats
    if timings.get("rerank") and scored:  # pairs served by the score cache are not throughput
        values["pairs_per_s_rerank"] = scored / timings["rerank"]
    values["n_queries"] = final.n_queries
    values["n_unanswered"] = final.n_unanswered
    mlflow.log_metrics(values)


def _log_results(
    out: Path,
    first: Run,
    final: Run,
    final_eval: Evaluation,
    base_eval: Evaluation,
    reranked: bool,
    table: str,
    cfg: DictConfig,
) -> None:
    """Write run files, per-query metrics, config and table atomically, then log them."""
    write_trec_run(final, out / "run.trec", tag=str(cfg.system or "rerank-bench"))
    if reranked:
        write_trec_run(first, out / "first_stage.trec", tag="first_stage")
    per_query = {
        "metrics": list(final_eval.metrics),
        "rel_level": final_eval.rel_level,
        "conventions": final_eval.conventions,
        "per_query": final_eval.per_query,
        "first_stage_per_query": base_eval.per_query,
    }
    with atomic_write(out / PER_QUERY_ARTIFACT) as handle:
        json.dump(per_query, handle)
    with atomic_write(out / "config.yaml") as handle:
        handle.write(OmegaConf.to_yaml(cfg, resolve=True))
    with atomic_write(out / "results.md") as handle:
        handle.write(table + "\n")
    for name in ("run.trec", "first_stage.trec", PER_QUERY_ARTIFACT, "config.yaml", "results.md"):
        if (out / name).exists():
            mlflow.log_artifact(str(out / name))


def run_overrides(overrides: list[str]) -> RunResult:
    """Compose the packaged config with Hydra overrides and run it (for tests and ``reproduce``)."""
    from hydra import compose, initialize_config_module

    with initialize_config_module(config_module="rerank_bench.conf", version_base="1.3"):
        cfg = compose(config_name="config", overrides=overrides)
    return run(cfg)
