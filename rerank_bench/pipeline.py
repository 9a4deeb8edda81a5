"""One experiment: dataset -> first stage -> [train chain] -> re-rank -> fuse -> evaluate.

The pipeline only wires stages that the config names; what a stage does lives in its class, so a
new retriever or re-ranker is one class and one YAML file, with no change here. A re-ranker whose
``model`` is ``null`` scores with the model that the run's ``train`` chain produces (trained, or
reused from the training cache); the MLflow run is opened once the chain is trained, and the
tracking writer logs what every stage returned.
"""

from __future__ import annotations

import json
import logging
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import mlflow
import numpy as np
from hydra.core.hydra_config import HydraConfig
from hydra.utils import get_class, instantiate
from omegaconf import DictConfig, OmegaConf

from rerank_bench.cache import CacheDir
from rerank_bench.data.io import atomic_write, read_trec_run, require_finite, write_trec_run
from rerank_bench.data.records import Corpus, Dataset, Queries, Run, Split, ranking
from rerank_bench.errors import ConfigError, DryRunStop
from rerank_bench.evaluation.metrics import (
    Evaluation,
    evaluate,
    evaluate_run,
    metric_key,
    query_set_id,
)
from rerank_bench.experiments.reuse import JOB_KEY_TAG, finished_job, job_key, reuse_wanted
from rerank_bench.inference.calibration import held_out_calibration
from rerank_bench.inference.tokenize import TruncationTally
from rerank_bench.reporting.run_summary import summary_table
from rerank_bench.reporting.runs import RunRecord, RunStore
from rerank_bench.reranking.base import Reranker, merge_reranked
from rerank_bench.retrieval.base import Retriever
from rerank_bench.retrieval.tuned_fusion import DEFAULT_WEIGHTS, restrict, tune_fusion
from rerank_bench.tracking import log_params_once, resolve_tracking_uri, start_run
from rerank_bench.tracking import names as tracked
from rerank_bench.tracking.inputs import log_dataset
from rerank_bench.tracking.training import (
    log_collapse,
    log_curves,
    log_fusion,
    log_model,
    log_stage,
)
from rerank_bench.tracking.writer import mask_password

__all__ = [
    "FIRST_STAGE",
    "REUSED_RUN_FILE",
    "RUN_ID_FILE",
    "RunResult",
    "run",
    "run_overrides",
    "seed_everything",
    "system_name",
]

log = logging.getLogger(__name__)

REUSED_RUN_FILE = "reused_mlflow_run_id"
"""Written into the job folder of a job that reused a finished run (``tracking.reuse``)."""

RUN_ID_FILE = "mlflow_run_id"
"""Written into the job folder when its MLflow run starts: a re-run in that folder resumes it."""

FIRST_STAGE = "first_stage"
"""The fusion member that stands for the first stage's own scores (``fuse=[first_stage]``)."""


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
        reused: a finished run of the same job was reused (``tracking.reuse``); nothing ran.
    """

    run_id: str
    system: str
    metrics: dict[str, float]
    evaluation: Evaluation
    first_stage: Evaluation
    output_dir: Path
    table: str
    timings: dict[str, float] = field(default_factory=dict)
    reused: bool = False


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and, when a stage uses it, torch, so a config reproduces its numbers.

    torch is seeded only if already imported (stages import it when they need it): a BM25 run then
    starts without paying torch's import time.
    """
    random.seed(seed)
    np.random.seed(seed)
    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(seed)


def system_name(
    retriever: Retriever, reranker: Reranker | None, override: str | None,
    fused: tuple[str, ...] = (),
) -> str:
    """``bm25``, ``bm25>>cross_encoder``, ``bm25>>finetuned+bm25``: a system's row label."""
    if override:
        return override
    if reranker is None:
        return retriever.name
    members = "".join(f"+{retriever.name if m == FIRST_STAGE else m}" for m in fused)
    return f"{retriever.name}>>{reranker.name}{members}"


def _output_dir(cfg: DictConfig) -> Path:
    """The job folder: Hydra's (named with a per-job token), or a new one for a composed config.

    A composed config (``run_overrides``: ``reproduce``, tests, notebooks) has no Hydra folder;
    its folder is created here under a unique name, so two jobs of one second never share it.
    """
    if HydraConfig.initialized():
        return Path(HydraConfig.get().runtime.output_dir)
    day = Path(cfg.paths.home) / "outputs" / time.strftime("%Y-%m-%d")
    day.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%H-%M-%S")
    return Path(tempfile.mkdtemp(prefix=f"{stamp}_", suffix=f"_{cfg.dataset.name}", dir=day))


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
        require_finite(run, f"first stage {retriever.name}")
        write_trec_run(run, folder / "run.trec", tag=retriever.name)
        (folder / "timing.json").write_text(json.dumps({"seconds": seconds}), "utf-8")

    folder = cache.get_or_build("runs", key, build)
    seconds = json.loads((folder / "timing.json").read_text("utf-8"))["seconds"]
    run = read_trec_run(folder / "run.trec") if (folder / "run.trec").stat().st_size else {}
    return run, seconds


def _unfinished_run(out: Path, uri: str) -> str | None:
    """The MLflow run that an interrupted job in ``out`` started, to be continued, or ``None``.

    A job folder re-used after a crash or kill (``hydra.run.dir=<folder>``) holds its run id; the
    run is resumed unless it finished.
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
        log.warning("%s names run %s, which is not in %s; starting a new run", path, run_id,
                    mask_password(uri))
        return None
    return None if status == "FINISHED" else run_id


def _trains(node: DictConfig) -> bool:
    """Does the re-ranker config ask for the model of the run's training chain?"""
    target = node.get("_target_")
    if not target or "model" not in node or node.model is not None:
        return False
    return getattr(get_class(target), "model_kind", None) is not None


@dataclass
class _Training:
    """The trained chain of this run and the stage the re-ranker scores with."""

    result: Any  # training.chain.ChainResult (training imports torch: loaded only when used)
    scored: Any  # training.stage.TrainedModel
    precision: str  # what the chain trained in on this machine (train.trainer.precision: auto)


def _train(cfg: DictConfig, source: Any, dataset: Dataset, retriever: Retriever) -> _Training:
    from rerank_bench.inference.device import training_precision
    from rerank_bench.training.chain import train_chain
    from rerank_bench.training.settings import TrainChain
    from rerank_bench.training.stage import TrainingData

    if cfg.get("train") is None:
        raise ConfigError(
            f"reranker={cfg.reranker.get('name')} has model: null, which means the model of this "
            f"run's training recipe, but no recipe is set. Fix: add train=<recipe> (conf/train/), "
            f"or set reranker.model=<folder> or runs:/<run_id>/model."
        )
    chain: TrainChain = instantiate(cfg.train)
    data = TrainingData(dataset, source.train_split, source.dev_split, retriever, int(cfg.seed))
    if source.train_split is None:
        raise ConfigError(f"dataset {dataset.name!r} names no train_split to train on.")
    result = train_chain(chain, data, cfg.paths.cache)
    wanted = getattr(get_class(cfg.reranker._target_), "model_kind", None)
    if cfg.get("score_with"):
        scored = result.get(cfg.score_with)
    else:  # the last stage of the kind this re-ranker scores with
        scored = next((m for m in reversed(list(result.models.values())) if m.kind == wanted),
                      result.final)
    if scored.kind != wanted:
        raise ConfigError(
            f"reranker={cfg.reranker.get('name')} scores with a {wanted} model, but train stage "
            f"{scored.stage!r} trains a {scored.kind}. Fix: pick a recipe (train=...) or a "
            f"stage (score_with=<name>) of that kind."
        )
    return _Training(result, scored,
                     training_precision(chain.trainer.precision, chain.trainer.accelerator))


def _reranker(cfg: DictConfig, training: _Training | None, out: Path, uri: str,
              calibration: Callable[[], str | None] | None = None) -> Reranker | None:
    """The configured re-ranker over its model: the training's, a ``runs:/`` download, or as
    configured; the token budgets its config leaves null are those the model was trained with,
    and ``int8-static`` with no calibration file calibrates on ``calibration()`` (``None``: the
    built-in pairs)."""
    from rerank_bench.reranking.trained import inference_budgets, recorded_budgets

    node = cfg.reranker
    if not node.get("_target_"):
        return None
    configured = node.get("inference") or {}
    filled: dict[str, Any] = {}
    if (configured.get("precision") == "int8-static" and configured.get("calibration") is None
            and calibration is not None):
        filled["calibration"] = calibration()
    model = node.get("model")
    trained: tuple[int, int | None] | None = None
    if training is not None:
        scored = training.scored
        model, trained = str(scored.path), (scored.max_length, scored.query_max_length)
    elif isinstance(model, str) and model.startswith("runs:/"):
        from rerank_bench.tracking.writer import download_model

        model = str(download_model(model, uri, out))
    overrides: dict[str, Any] = {}
    if isinstance(model, str):
        if trained is None and Path(model).is_dir():
            trained = recorded_budgets(model)
        kind = getattr(get_class(node._target_), "model_kind", None)
        filled.update(inference_budgets(configured, kind, trained))
        overrides["model"] = model
    if filled:
        overrides["inference"] = filled
    return cast(Reranker, instantiate(node, **overrides))


def run(cfg: DictConfig) -> RunResult:
    """Run the experiment that ``cfg`` (the composed Hydra config) describes."""
    seed_everything(int(cfg.seed))
    source = instantiate(cfg.dataset)
    retriever: Retriever = instantiate(cfg.retriever)
    out = _output_dir(cfg)
    out.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    uri = resolve_tracking_uri(cfg.tracking.uri)
    key = job_key(cfg)
    if reuse_wanted(str(cfg.tracking.get("reuse", "sweeps")), _in_sweep()):
        reused = finished_job(uri, cfg.tracking.experiment, key)
        if reused is not None:
            return _reused_result(reused, uri, out)

    started = start = time.perf_counter()
    dataset = source.load()
    timings["load"] = time.perf_counter() - start
    split = dataset.split(source.eval_split)
    cache = CacheDir(Path(cfg.paths.cache))
    try:
        first, timings["first_stage"] = _first_stage(
            retriever, dataset.corpus, split.queries, int(cfg.k), cache
        )
    except DryRunStop as stop:  # a paid first stage's estimate is a finished run of its own
        tags = {"dataset": dataset.name, "split": split.name, "system": retriever.name}
        with _open_run(cfg, uri, retriever.name, tags):
            _log_dry_run(stop)
        raise
    training = None
    if _trains(cfg.reranker):
        start = time.perf_counter()
        training = _train(cfg, source, dataset, retriever)
        timings["train"] = time.perf_counter() - start
    reranker = _reranker(cfg, training, out, uri, lambda: held_out_calibration(
        dataset, (source.train_split, source.dev_split), cache.root / "calibration"))
    fused = tuple(cfg.get("fuse") or ())
    if fused and (reranker is None or training is None):
        raise ConfigError(
            "fuse=[...] tunes fusion weights on the dev set of the run's training; it needs a "
            "re-ranker that scores with a trained model (reranker.model: null and train=...)."
        )
    # fusion members (None: the first stage's own scores), built once for fusion and serving
    members = [_member(m, training, retriever) for m in fused] if training is not None else []
    system = system_name(retriever, reranker, cfg.system, fused)
    rel_level = cfg.eval.rel_level if cfg.eval.rel_level is not None else split.rel_level
    tags = {
        "dataset": dataset.name,
        "split": split.name,
        "retriever": retriever.name,
        "reranker": reranker.name if reranker is not None else "none",
        "system": system,
        "seed": str(cfg.seed),
        "query_set": query_set_id(split.qrels),
        JOB_KEY_TAG: key,
    }
    with _open_run(cfg, uri, system, tags, resume_run_id=_unfinished_run(out, uri)) as active:
        run_id = active.info.run_id
        with atomic_write(out / RUN_ID_FILE) as handle:
            handle.write(run_id + "\n")
        log_params_once({"fingerprint.retriever": json.dumps(retriever.cache_key())})
        location = cfg.dataset.get("path")
        log_dataset(dataset, split, location, "evaluation")
        if training is not None and source.train_split:
            log_dataset(dataset, dataset.split(source.train_split), location, "training")
        _log_costs(retriever)
        if training is not None:
            _log_training(training, cfg.tracking)
        final, rerank_stats = first, None
        if reranker is not None:
            log_params_once({"fingerprint.reranker": json.dumps(reranker.cache_key())})
            try:
                final, rerank_stats = _rerank(reranker, dataset, split.queries, first,
                                              training, fused, members, cfg, timings)
            except DryRunStop as stop:
                _log_dry_run(stop)
                mlflow.end_run()  # an estimate is a finished run, not a failed one
                raise
            _log_costs(reranker)
            _log_truncation(reranker)
            require_finite(final, f"re-ranker {system}")  # before anything is evaluated
        metrics = list(cfg.eval.metrics)
        judged_only = bool(cfg.eval.judged_only)
        base_eval = evaluate(split, first, metrics, judged_only=judged_only, rel_level=rel_level)
        final_eval = evaluate(split, final, metrics, judged_only=judged_only, rel_level=rel_level)
        timings["total"] = time.perf_counter() - started

        rows = [(retriever.name, base_eval)]
        if reranker is not None:
            rows.append((system, final_eval))
        n_pairs = sum(min(len(d), reranker.depth) for d in first.values()) if reranker else 0
        extra = {"first stage": f"{timings['first_stage']:.1f}s for {len(split.queries)} queries"}
        if "train" in timings:
            extra["training"] = f"{timings['train']:.1f}s"
        if "rerank" in timings:
            extra["re-rank"] = f"{timings['rerank']:.1f}s ({n_pairs} pairs)"
        notes = _notes(cfg, source, split, training, reranker)
        table = summary_table(dataset.name, split.name, rows, extra, notes)
        if notes:
            mlflow.set_tag(tracked.NOTES_TAG, "; ".join(notes)[:5000])
        _log_results(out, first, final, final_eval, base_eval, reranker is not None, table, cfg)
        if cfg.tracking.get("plots", True) and (reranker is not None or training is not None):
            _log_plots(out / "plots", system, retriever.name, final_eval, base_eval, training,
                       reranker is not None)
        _log_metrics(final_eval, base_eval, timings, n_pairs, len(split.queries), reranker,
                     rerank_stats)
        _log_serving(cfg, retriever, reranker, members, dataset.corpus, split.queries, first)

    return RunResult(
        run_id, system, dict(final_eval.mean), final_eval, base_eval, out, table, timings
    )


def _notes(
    cfg: DictConfig, source: Any, split: Split, training: _Training | None,
    reranker: Reranker | None,
) -> list[str]:
    """What a reader of this run's table must know: the data's own notes (ids that match only
    once normalised), an unstated relevance level on graded qrels, and what the token budgets
    cut at training and at scoring time."""
    notes = list(split.notes)
    top = max((grade for docs in split.qrels.values() for grade in docs.values()), default=0)
    if cfg.eval.rel_level is None and source.rel_level is None and top > 1:
        note = (f"the qrels grade 0..{top} and dataset.rel_level is not set, so MRR, P, recall "
                f"and MAP count grade >= 1; set dataset.rel_level (2 is trec_eval -l 2)")
        log.warning(note)
        notes.append(note)
    if training is not None:
        for stage, trained in training.result.models.items():
            if trained.summary.truncation:
                tally = TruncationTally(**trained.summary.truncation)
                notes.append(f"training {stage}: {tally.shares()}")
    counted = getattr(reranker, "truncation_tally", None)
    if callable(counted) and counted().docs_seen:
        notes.append(f"re-ranking: {counted().shares()}")
    return notes


def _in_sweep() -> bool:
    """Whether this job is one of a ``--multirun`` sweep."""
    from hydra.types import RunMode

    return HydraConfig.initialized() and HydraConfig.get().mode == RunMode.MULTIRUN


def _reused_result(record: RunRecord, uri: str, out: Path) -> RunResult:
    """The result of a finished run of the same job, read back from the store (nothing re-run).

    The job folder gets a note naming the run it reused, so a folder never looks like a job
    that produced nothing.
    """
    store = RunStore(uri)
    payload = json.loads(store.artifact_text(record.run_id, tracked.PER_QUERY_ARTIFACT))
    table = store.artifact_text(record.run_id, tracked.TABLE_ARTIFACT).rstrip("\n")
    final, first = (
        Evaluation(
            tuple(payload["metrics"]),
            {m: float(np.mean(list(values.values()))) if values else 0.0
             for m, values in per_query.items()},
            per_query,
            payload["rel_level"],
            len(next(iter(per_query.values()), {})),
            conventions=payload.get("conventions", {}),
        )
        for per_query in (payload["per_query"], payload["first_stage_per_query"])
    )
    with atomic_write(out / REUSED_RUN_FILE) as handle:
        handle.write(record.run_id + "\n")
    log.info("reusing finished MLflow run %s of the same job (same config, data and commit; "
             "tracking.reuse=never runs it again)", record.run_id)
    return RunResult(record.run_id, record.system, dict(final.mean), final, first, out, table,
                     reused=True)


def _log_training(training: _Training, tracking: DictConfig) -> None:
    """Curves and summaries of every stage; the scored model (also as an MLflow model, unless
    ``tracking.mlflow_model`` is false); its collapse verdict."""
    for stage, trained in training.result.models.items():
        log_curves(stage, trained.curves)
        summary = trained.summary
        log_stage(stage, trained.kind, trained.folder, trained.path, summary.best,
                  summary.first_stage, summary.seconds, summary.collapsed, trained.reused,
                  summary.truncation, summary.continuous)
    minutes = sum(trained.summary.seconds for trained in training.result.models.values()) / 60
    mlflow.log_metric("train_minutes", minutes)  # the recorded time, also of a cached training
    mlflow.set_tag("train_precision", training.precision)
    scored = training.scored
    log_collapse(scored.summary.collapsed, scored.summary.collapse_reason)
    log_model(scored.path)
    if tracking.get("mlflow_model", True):
        from rerank_bench.tracking.pyfunc import log_pyfunc

        log_pyfunc(scored.path, scored.kind, scored.max_length, scored.query_max_length,
                   tracking.get("register_model"))


def _rerank(
    reranker: Reranker,
    dataset: Dataset,
    queries: Queries,
    first: Run,
    training: _Training | None,
    fused: tuple[str, ...],
    members: list[Reranker | None],
    cfg: DictConfig,
    timings: dict[str, float],
) -> tuple[Run, tuple[int, int] | None]:
    """Re-rank ``first``; with ``fused`` members (``members``: their re-rankers, ``None`` for
    the first stage), fuse at weights tuned on the training's dev.

    Returns:
        The run, and ``(pairs scored, pairs read from the score cache)`` by the timed re-ranking
        alone (``None`` for a re-ranker without a score cache): the dev scoring of fusion
        tuning, after it, is not part of ``timings["rerank"]`` and must not count as throughput.
    """
    before = reranker.score_stats()
    start = time.perf_counter()
    reranked = reranker.rerank(dataset.corpus, queries, first)
    timings["rerank"] = time.perf_counter() - start
    after = reranker.score_stats()  # a cache opens on the first call: None before it
    scored_before, cached_before = before or (0, 0)
    stats = None if after is None else (after[0] - scored_before, after[1] - cached_before)
    if not fused or training is None:
        return reranked, stats
    start = time.perf_counter()
    dev = training.scored.dev
    dev_runs = [_scores(reranker, dataset.corpus, dev.queries, dev.candidates)]
    dev_runs += [_scores(m, dataset.corpus, dev.queries, dev.candidates) for m in members]
    weights = cfg.get("fusion_weights") or DEFAULT_WEIGHTS
    tuned = tune_fusion(dev.qrels, dev_runs, dev.rel_level, list(weights))
    first_dev = evaluate_run(dev.qrels, dev.candidates, ["ndcg@10"],
                             rel_level=dev.rel_level).mean["ndcg@10"]
    names = [reranker.name, *fused]
    log_fusion(names, list(tuned.weights), tuned.dev_score, first_dev)
    log.info("fusion of %s tuned on %d dev queries: weights %s, dev ndcg@10 %.4f (first stage "
             "%.4f)", names, len(dev.queries), tuned.weights, tuned.dev_score, first_dev)
    collapsed = tuned.dev_score <= first_dev + 1e-9
    reason = (f"fusion adds nothing on dev: best dev ndcg@10 {tuned.dev_score:.4f} (weights "
              f"{tuned.weights}) vs the first stage's {first_dev:.4f}") if collapsed else ""
    log_collapse(collapsed, reason, model_alone=training.scored.summary.collapsed)
    candidates = {q: dict(ranking(docs)[: reranker.depth]) for q, docs in first.items()}
    test_runs = [restrict(reranked, candidates)]
    test_runs += [_scores(m, dataset.corpus, queries, candidates) for m in members]
    timings["fusion"] = time.perf_counter() - start
    return merge_reranked(first, tuned.apply(test_runs)), stats


def _member(name: str, training: _Training, retriever: Retriever) -> Reranker | None:
    """A fusion member: ``None`` for the first stage's own scores, else a stage's re-ranker."""
    if name == FIRST_STAGE:
        return None
    from rerank_bench.reranking.trained import reranker_for

    trained = training.result.get(name)
    return reranker_for(trained.kind, str(trained.path), trained.max_length,
                        trained.query_max_length)


def _scores(member: Reranker | None, corpus: Corpus, queries: Queries, candidates: Run) -> Run:
    """A member's scores of each query's re-ranked documents (the first stage's own for None)."""
    if member is None:
        return candidates
    reranked = member.rerank(corpus, queries, candidates)
    return {q: {d: reranked[q][d] for d in docs} for q, docs in candidates.items()}


def _open_run(
    cfg: DictConfig, uri: str, system: str, tags: dict[str, str], resume_run_id: str | None = None
) -> AbstractContextManager[mlflow.ActiveRun]:
    """The MLflow run of this job: named ``tracking.run_name`` (default: its system), tagged (plus
    ``tracking.tags``), with the resolved config as its parameters."""
    name = cfg.tracking.get("run_name") or system
    return start_run(uri, cfg.tracking.experiment, name, {**tags, **cfg.tracking.tags},
                     cast(dict, OmegaConf.to_container(cfg, resolve=True)),
                     cfg.tracking.artifact_location, resume_run_id=resume_run_id,
                     parent_run_id=cfg.tracking.get("parent_run_id"),
                     system_metrics=bool(cfg.tracking.get("system_metrics", False)))


def _log_dry_run(stop: DryRunStop) -> None:
    """An API stage's estimate (tokens, requests, USD) in place of results."""
    mlflow.log_metrics({k: float(v) for k, v in stop.estimate.items()})
    mlflow.set_tag("dry_run", "true")


def _log_costs(stage: object) -> None:
    """Log what a paid stage (API embeddings, API re-ranking) spent: tokens, requests, USD."""
    summary = getattr(stage, "cost_summary", None)
    if callable(summary):
        mlflow.log_metrics({k: float(v) for k, v in summary().items()})


def _log_plots(folder: Path, system: str, first_stage: str, final: Evaluation,
               base: Evaluation, training: _Training | None, reranked: bool) -> None:
    """The run's own plots as artifacts (``plots/``): per-query wins and losses against the first
    stage, each training stage's curves with the first stage's dev score as a reference, and its
    reliability diagram on continuous dev labels where it has one."""
    from rerank_bench.reporting.plots import plot_per_query_difference, plot_training_curves
    from rerank_bench.tracking.training import read_curves
    from rerank_bench.training.continuous import RELIABILITY_FILE

    metric = final.metrics[0]
    if reranked:
        plot_per_query_difference(final.per_query[metric], base.per_query[metric],
                                  folder / "per_query_vs_first_stage.png", metric_key(metric),
                                  (system, first_stage))
    if training is not None:
        curves: dict[str, dict[str, list[tuple[int, float]]]] = {}
        reference: dict[str, float] = {}
        for stage, trained in training.result.models.items():
            read = read_curves(trained.curves)
            for key in ("train/loss", "val/ndcg_at_10"):
                if read.get(key):
                    curves.setdefault(key, {})[stage] = sorted(read[key].items())
            if trained.summary.first_stage is not None:
                reference["val/ndcg_at_10"] = trained.summary.first_stage
            reliability = trained.folder / RELIABILITY_FILE
            if reliability.is_file():
                folder.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(reliability, folder / f"reliability_{stage}.png")
        if curves:
            plot_training_curves(curves, folder / "training_curves.png", reference=reference)
    if folder.is_dir():
        mlflow.log_artifacts(str(folder), "plots")


def _log_serving(
    cfg: DictConfig, retriever: Retriever, reranker: Reranker | None,
    members: list[Reranker | None], corpus: Corpus, queries: Queries, first: Run,
) -> None:
    """The system's serving cost (:mod:`rerank_bench.serving`): ``serving.queries`` test queries
    timed one at a time through the first stage, the re-ranker and its fusion members."""
    from rerank_bench.serving import serving_cost

    rerankers = [r for r in (reranker, *members) if r is not None]
    cost = serving_cost(retriever, rerankers, corpus, queries, first, int(cfg.k),
                        int(cfg.serving.queries), int(cfg.serving.warmup))
    mlflow.log_metrics(cost.metrics())
    mlflow.set_tags(cost.tags())
    if cost.latencies_ms:
        log.info("serving: %d queries one at a time on %s, p50 %.1f ms, p95 %.1f ms",
                 len(cost.latencies_ms), cost.machine, cost.percentile_ms(50),
                 cost.percentile_ms(95))


def _log_truncation(stage: object) -> None:
    """Log how many queries and documents a model's window cut (one summary per stage)."""
    summary = getattr(stage, "truncation_summary", None)
    if callable(summary):
        mlflow.log_metrics({k: float(v) for k, v in summary().items()})


def _log_metrics(
    final: Evaluation,
    base: Evaluation,
    timings: dict[str, float],
    n_pairs: int,
    n_queries: int,
    reranker: Reranker | None,
    stats: tuple[int, int] | None,
) -> None:
    """Effectiveness, timings and throughput; ``stats``: ``(pairs scored, pairs cached)`` by
    the timed re-ranking (:func:`_rerank`), so that cached pairs never count as throughput."""
    values = {metric_key(m): v for m, v in final.mean.items()}
    if reranker is not None:
        values.update({f"first_stage_{metric_key(m)}": v for m, v in base.mean.items()})
    values.update({f"time_{stage}_s": s for stage, s in timings.items()})
    if timings.get("first_stage"):
        values["queries_per_s_first_stage"] = n_queries / timings["first_stage"]
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
    write_trec_run(final, out / tracked.RUN_ARTIFACT, tag=str(cfg.system or "rerank-bench"))
    if reranked:
        write_trec_run(first, out / tracked.FIRST_STAGE_RUN_ARTIFACT, tag="first_stage")
    per_query = {
        "metrics": list(final_eval.metrics),
        "rel_level": final_eval.rel_level,
        "conventions": final_eval.conventions,
        "per_query": final_eval.per_query,
        "first_stage_per_query": base_eval.per_query,
    }
    with atomic_write(out / tracked.PER_QUERY_ARTIFACT) as handle:
        json.dump(per_query, handle)
    with atomic_write(out / tracked.CONFIG_ARTIFACT) as handle:  # a database URI's password masked
        handle.write(mask_password(OmegaConf.to_yaml(cfg, resolve=True)))
    with atomic_write(out / tracked.TABLE_ARTIFACT) as handle:
        handle.write(table + "\n")
    for name in tracked.ARTIFACTS:
        if (out / name).exists():
            mlflow.log_artifact(str(out / name))


def run_overrides(overrides: list[str]) -> RunResult:
    """Compose the packaged config with Hydra overrides and run it (for tests and ``reproduce``)."""
    from rerank_bench.config import compose_config

    return run(compose_config(overrides))
