"""A ``memory`` stage: remember the training questions' labels; no gradient.

Why a stage: the log-memory baseline learns from the same labels as a fine-tuned model and must be
judged the same way: selected on the same dev set, cached by the same key, fused by the same
machinery. Its "training" embeds nothing yet (the re-ranker embeds the questions with the memory's
encoder when it scores); it writes the memory and validates it on dev.
"""

from __future__ import annotations

import logging
from pathlib import Path

from rerank_bench.evaluation.metrics import evaluate_run
from rerank_bench.models.resolve import ResolvedModel
from rerank_bench.reranking.memory import LogMemoryReranker, Memory
from rerank_bench.training.callbacks import ValidationSummary, detect_collapse, run_spread
from rerank_bench.training.datamodule import RerankDataModule
from rerank_bench.training.settings import StageSettings

__all__ = ["fit_memory"]

log = logging.getLogger(__name__)


def fit_memory(
    stage: StageSettings, encoder: ResolvedModel, datamodule: RerankDataModule, folder: Path
) -> ValidationSummary:
    """Write the memory of ``datamodule``'s training questions to ``folder`` and validate it.

    Args:
        stage: ``neighbours`` and ``query_max_length`` (the questions' token budget).
        encoder: the bi-encoder that finds neighbours (its name is saved, so the memory can be
            read on another machine where the alias resolves elsewhere).
        datamodule: the chain's training questions, labels and dev set.
        folder: the model folder to write.
    """
    datamodule.setup("fit")
    budget = stage.query_max_length or stage.max_length
    memory = Memory.build(encoder.name, stage.neighbours, budget, datamodule.train_queries,
                          datamodule.train_labels)
    memory.save(folder)
    dev = datamodule.dev_candidates
    reranker = LogMemoryReranker(model=str(folder), depth=max(map(len, dev.values()), default=1))
    run = reranker.rerank(datamodule.corpus, datamodule.dev_queries, dev)
    rel_level = datamodule.dataset.rel_level
    summary = ValidationSummary(metric="ndcg@10")
    summary.first_stage = evaluate_run(datamodule.dev_qrels, dev, ["ndcg@10"],
                                       rel_level=rel_level).mean["ndcg@10"]
    summary.best = evaluate_run(datamodule.dev_qrels, run, ["ndcg@10"],
                                rel_level=rel_level).mean["ndcg@10"]
    summary.best_step = 0
    summary.history = [[0, summary.best, run_spread(run)]]
    detect_collapse(summary)
    log.info("memory of %d questions (k=%d): dev ndcg@10 %.4f (first stage %.4f)",
             len(memory.questions), memory.neighbours, summary.best, summary.first_stage)
    return summary
