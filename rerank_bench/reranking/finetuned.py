"""A cross-encoder fine-tuned on the dataset's own training split, then used as a re-ranker.

Why its own re-ranker: the thesis of rerank-bench is that domain fine-tuning beats a pre-trained
ranker, so a fine-tuned system must be one config choice (``reranker=finetuned``) that trains
inside the same experiment (and MLflow run) it is evaluated in, or reuses a model trained earlier
(a folder or ``runs:/<run_id>/model``) so sweeps do not retrain. Optional interpolation with the
first stage is tuned on the dev split only, never on the evaluated split, and gets its own name.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from rerank_bench.cache import CacheDir, stable_hash
from rerank_bench.data.io import atomic_write
from rerank_bench.data.records import Corpus, Queries, Run
from rerank_bench.errors import ConfigError, ModelResolutionError
from rerank_bench.evaluation.metrics import evaluate_run
from rerank_bench.reranking.base import FitContext, Reranker, merge_reranked
from rerank_bench.reranking.cross_encoder import CrossEncoderReranker
from rerank_bench.training.fit import TrainSettings, fit_cross_encoder, training_datamodule

__all__ = ["FineTunedReranker", "interpolate_runs"]

log = logging.getLogger(__name__)

DEFAULT_WEIGHTS = tuple(round(0.1 * i, 1) for i in range(11))


def _minmax(scores: dict[str, float]) -> dict[str, float]:
    values = np.fromiter(scores.values(), dtype=float)
    low, span = float(values.min()), float(values.max() - values.min())
    if span <= 0:
        return dict.fromkeys(scores, 0.0)
    return {doc_id: (value - low) / span for doc_id, value in scores.items()}


def interpolate_runs(reranked: Run, first_stage: Run, weight: float) -> Run:
    """``w * norm(reranker) + (1 - w) * norm(first stage)`` over each query's re-ranked docs.

    Scores are min-max normalised per query over the re-ranked documents, so the weight means the
    same thing whatever the scales of the two systems.
    """
    fused: Run = {}
    for qid, docs in reranked.items():
        ce = _minmax(docs)
        base = _minmax({d: first_stage.get(qid, {}).get(d, 0.0) for d in docs})
        fused[qid] = {d: weight * ce[d] + (1 - weight) * base[d] for d in docs}
    return fused


class FineTunedReranker(Reranker):
    """Fine-tune a cross-encoder (or reuse one), then re-rank with it.

    Args:
        train: the training recipe (the ``train`` config group); ignored when ``model`` is set.
        model: reuse a trained model instead of training: a folder or ``runs:/<run_id>/model``.
        depth: documents re-ranked per query.
        name: system name; ``_interp`` is appended when ``interpolate`` is on.
        interpolate: fuse with the first stage's scores, weight tuned on the dev split.
        weights: candidate interpolation weights of the re-ranker.
        max_length, query_max_length: truncation at re-ranking time (``None``: as in training).
        batch_tokens, precision, device, cache_dir, show_progress: scoring settings (see
            :class:`~rerank_bench.reranking.cross_encoder.CrossEncoderReranker`).
    """

    name = "finetuned"

    def __init__(
        self,
        train: TrainSettings | None = None,
        model: str | None = None,
        depth: int = 100,
        name: str = "finetuned",
        interpolate: bool = False,
        weights: Sequence[float] = DEFAULT_WEIGHTS,
        max_length: int | None = None,
        query_max_length: int | None = None,
        batch_tokens: int = 16_384,
        precision: str = "fp32",
        device: str = "auto",
        cache_dir: str | None = None,
        show_progress: bool = False,
    ) -> None:
        super().__init__(depth)
        if train is None and model is None:
            raise ConfigError(
                "reranker=finetuned needs a training recipe (train=default) or a trained model "
                "(reranker.model=<folder> or runs:/<run_id>/model)."
            )
        if interpolate and (not weights or any(not 0 <= w <= 1 for w in weights)):
            raise ConfigError(f"reranker.weights must be values in [0, 1], got {list(weights)}.")
        self.train = train
        self.model_ref = model
        self.interpolate = interpolate
        self.weights = tuple(float(w) for w in weights)
        self.name = f"{name}_interp" if interpolate and not name.endswith("interp") else name
        self.max_length = max_length or (train.max_length if train else 256)
        self.query_max_length = query_max_length or (train.query_max_length if train else 64)
        self.scoring = {
            "batch_tokens": batch_tokens,
            "precision": precision,
            "device": device,
            "cache_dir": cache_dir,
            "show_progress": show_progress,
        }
        self.model_path: Path | None = None
        self.weight: float | None = None
        self._scorer: CrossEncoderReranker | None = None

    def cache_key(self) -> dict[str, Any]:
        """The model reference or recipe, truncation and interpolation (works before fit)."""
        key: dict[str, Any] = {
            "type": "finetuned",
            "max_length": self.max_length,
            "query_max_length": self.query_max_length,
            "interpolate": self.interpolate,
        }
        if self.model_ref is not None:
            key["model"] = self.model_ref
        elif self.train is not None:
            key["recipe"] = self.train.describe()
        if self._scorer is not None:
            key["fingerprint"] = self._scorer.model.resolved.fingerprint
        return key

    # -- training ---------------------------------------------------------------------------------

    def fit(self, context: FitContext) -> None:
        """Train on ``context`` (or fetch the reused model), then tune interpolation on dev."""
        if self.model_ref is not None:
            self.model_path = self._reuse(self.model_ref, context)
        elif self.train is not None:
            self.model_path = fit_cross_encoder(self._training_context(context), self.train)
        else:
            raise ConfigError("reranker=finetuned has neither a train recipe nor a model.")
        self._scorer = CrossEncoderReranker(
            model=str(self.model_path),
            depth=self.depth,
            max_length=self.max_length,
            query_max_length=self.query_max_length,
            activation="none",
            name=self.name,
            **self.scoring,  # type: ignore[arg-type]
        )
        if self.interpolate:
            self.weight = self._tune_weight(context)

    def _training_context(self, context: FitContext) -> FitContext:
        """Train in a cache folder keyed by recipe and data, not in the job's folder.

        So a sweep over depth, interpolation or first-stage settings of evaluation trains each
        distinct model once, and a re-run (or a killed job run again) continues or reuses the
        training instead of repeating it. Without a cache the job folder is used.
        """
        cache_dir = self.scoring["cache_dir"]
        if cache_dir is None or self.train is None:
            return context
        dataset = context.dataset
        splits = [context.train_split, *([context.dev_split] if context.dev_split else [])]
        key = {
            "recipe": self.train.fingerprint(),
            "dataset": dataset.name,
            "corpus": dataset.corpus.fingerprint(),
            "splits": {name: stable_hash(dataset.split(name).qrels, 16) for name in splits},
            "first_stage": context.first_stage.cache_key(),
            "seed": context.seed,
        }
        folder = CacheDir(str(cache_dir)).path_for("finetuned", key)
        folder.mkdir(parents=True, exist_ok=True)
        if not (folder / "key.json").is_file():
            with atomic_write(folder / "key.json") as handle:
                handle.write(json.dumps(key, indent=2, sort_keys=True, default=str))
        log.info("training folder (shared by every job with this recipe and data): %s", folder)
        return replace(context, output_dir=folder)

    @staticmethod
    def _reuse(reference: str, context: FitContext) -> Path:
        if reference.startswith("runs:/"):
            import mlflow

            target = Path(context.output_dir) / "reused_model"
            try:
                path = mlflow.artifacts.download_artifacts(
                    artifact_uri=reference, dst_path=str(target), tracking_uri=context.tracking_uri
                )
            except Exception as exc:  # MLflow raises several types for a missing run/artifact
                raise ModelResolutionError(
                    f"cannot fetch {reference!r} from the MLflow store {context.tracking_uri} "
                    f"({exc}). Fix: check the run id (a run of reranker=finetuned logs `model`)."
                ) from exc
            return Path(path)
        folder = Path(reference).expanduser()
        if not (folder / "config.json").is_file():
            raise ModelResolutionError(
                f"reranker.model={reference!r} is not a model folder (no config.json). Fix: point "
                f"it at a training's `training/model` folder or use runs:/<run_id>/model."
            )
        return folder

    def _tune_weight(self, context: FitContext) -> float:
        """Pick the interpolation weight with the best dev nDCG@10 (dev split, never test)."""
        from rerank_bench.models.loading import load_tokenizer
        from rerank_bench.models.resolve import resolve_model

        settings = self.train or TrainSettings(base_model=str(self.model_path))
        tokenizer = load_tokenizer(resolve_model(str(self.model_path)))
        dm = training_datamodule(
            context,
            settings,
            tokenizer,
            teacher=None,
            dev_depth=max(settings.dev_depth, min(self.depth, 100)),
            max_length=self.max_length,
        )
        dm.setup("fit")
        reranked = self._rerank_scores(context.dataset.corpus, dm.dev_queries, dm.dev_candidates)
        results = {}
        for weight in self.weights:
            fused = merge_reranked(
                dm.dev_candidates, interpolate_runs(reranked, dm.dev_candidates, weight)
            )
            results[weight] = evaluate_run(
                dm.dev_qrels, fused, ["ndcg@10"], context.dataset.rel_level
            ).mean["ndcg@10"]
        best = max(results, key=lambda w: (results[w], w))
        log.info(
            "interpolation weight tuned on %d dev queries: %.1f (dev ndcg@10 %s)",
            len(dm.dev_queries),
            best,
            {w: round(v, 4) for w, v in results.items()},
        )
        first_stage = evaluate_run(
            dm.dev_qrels, dm.dev_candidates, ["ndcg@10"], context.dataset.rel_level
        ).mean["ndcg@10"]
        if context.mlflow_run_id is not None:
            from mlflow.tracking import MlflowClient

            run_id = context.mlflow_run_id
            client = MlflowClient(tracking_uri=context.tracking_uri)
            client.log_metric(run_id, "interpolation_weight", best)
            client.log_metric(run_id, "interpolation_dev_ndcg_at_10", results[best])
            # The run's system is the interpolation: its collapse verdict is the interpolation's
            # (a model weak alone can still add to the first stage), the model's is kept apart.
            run = client.get_run(run_id)
            model_collapsed = run.data.tags.get("status_collapse")
            if model_collapsed is not None:
                client.set_tag(run_id, "model_alone_collapsed", model_collapsed)
            collapsed = results[best] <= first_stage + 1e-9
            client.set_tag(run_id, "status_collapse", str(collapsed).lower())
            if collapsed:
                client.set_tag(
                    run_id,
                    "collapse_reason",
                    f"interpolation adds nothing on dev: best dev ndcg@10 {results[best]:.4f} "
                    f"(weight {best}) vs the first stage's {first_stage:.4f}",
                )
            elif run.data.tags.get("collapse_reason"):
                client.delete_tag(run_id, "collapse_reason")
        return best

    # -- re-ranking -------------------------------------------------------------------------------

    def _require_scorer(self) -> CrossEncoderReranker:
        if self._scorer is None:
            raise ConfigError(
                "FineTunedReranker used before fit(); the pipeline calls fit(FitContext) first."
            )
        return self._scorer

    def score_stats(self) -> tuple[int, int] | None:
        """The scoring cross-encoder's ``(pairs scored, pairs from the cache)``."""
        return None if self._scorer is None else self._scorer.score_stats()

    def score(self, queries: Sequence[str], docs: Sequence[str]) -> np.ndarray:
        """Raw logits of the fine-tuned model for aligned pairs."""
        return self._require_scorer().score(queries, docs)

    def _rerank_scores(self, corpus: Corpus, queries: Queries, run: Run) -> Run:
        """The model's scores of each query's top ``depth`` (no merging)."""
        qids, dids = [], []
        for qid, docs in run.items():
            for doc_id, _ in sorted(docs.items(), key=lambda kv: (-kv[1], kv[0]))[: self.depth]:
                qids.append(qid)
                dids.append(doc_id)
        scores = self.score([queries[q] for q in qids], corpus.texts(dids))
        out: Run = {}
        for qid, doc_id, value in zip(qids, dids, scores, strict=True):
            out.setdefault(qid, {})[doc_id] = float(value)
        return out

    def rerank(self, corpus: Corpus, queries: Queries, run: Run) -> Run:
        """Re-rank ``run``; with interpolation, fuse with the first stage at the tuned weight."""
        if not self.interpolate:
            return super().rerank(corpus, queries, run)
        if self.weight is None:
            raise ConfigError("interpolation weight not tuned; call fit(FitContext) first.")
        reranked = self._rerank_scores(corpus, queries, run)
        return merge_reranked(run, interpolate_runs(reranked, run, self.weight))
