"""The public surface: every package's ``__all__`` pinned, every name in it importable, and
``import rerank_bench`` light.

Why pinned: a notebook or a script written against ``from rerank_bench.x import y`` breaks when a
name moves; with the lists spelled out here, changing the surface is a visible, reviewed edit of
this file rather than a side effect. Why light: the package is imported by every command and
notebook, and the library names (:func:`rerank_bench.load_dataset`...) are imported on first use,
so importing it must not cost torch, MLflow, ranx or Hydra.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import rerank_bench

PACKAGE = Path(rerank_bench.__file__).parent

# rerank_bench/conf (a link to the Hydra config tree, YAML only) is not walked: it is no code.
PUBLIC: dict[str, list[str]] = {
    "rerank_bench": [
        "ConfigError", "DataFormatError", "RerankBenchError", "__version__", "compare", "evaluate",
        "list_datasets", "load_dataset", "run_experiment",
    ],
    "rerank_bench._entry": ["RUN_SCRIPT"],
    "rerank_bench.cli": ["main"],
    "rerank_bench.data": [
        "BeirSource", "Corpus", "CranfieldSource", "Dataset", "DatasetSource", "Doc",
        "IrDatasetsBeirSource", "IrDatasetsSource", "Labels", "LocalSource", "Qrel", "Qrels",
        "Queries", "Query", "Run", "ScoredDoc", "Split", "atomic_write",
        "check_qrels_against_queries", "check_run_against_corpus", "dataset_stats", "pairs",
        "ranking", "read_corpus", "read_cranfield_qrels", "read_jsonl", "read_lines", "read_qrels",
        "read_queries", "read_smart_queries", "read_trec_qrels", "read_trec_run",
        "read_trec_topics", "read_tsv_qrels", "resolve_path", "sniff_format", "top",
        "write_trec_qrels", "write_trec_run",
    ],
    "rerank_bench.data.formats": [
        "CORPUS_FORMATS", "QRELS_FORMATS", "QUERY_FORMATS", "SmartRecord", "iter_jsonl_docs",
        "iter_smart_docs", "iter_smart_records", "iter_trec_docs", "iter_tsv_docs", "read_corpus",
        "read_cranfield_qrels", "read_jsonl_queries", "read_qrels", "read_queries",
        "read_smart_queries", "read_trec_topics", "read_tsv_queries", "sniff_format",
    ],
    "rerank_bench.data.helpdesk": [
        "HELPDESK_DIR", "HELPDESK_LOG_PATH", "HELPDESK_PATH", "HelpdeskSource",
    ],
    "rerank_bench.data.sources": [
        "IRDS_PREFIX", "PACKAGE_PREFIX", "BeirSource", "CranfieldSource", "DatasetSource",
        "IrDatasetsBeirSource", "IrDatasetsSource", "LocalSource", "dataset_stats", "make_split",
        "resolve_path",
    ],
    "rerank_bench.evaluation": [
        "Calibration", "DEFAULT_METRICS", "Evaluation", "FloatGainNDCG", "PlattScaling",
        "ReliabilityBin", "evaluate", "evaluate_run", "fit_platt", "float_gain_ndcg",
        "measure_calibration", "metric_key", "paired_scores", "plot_reliability", "query_set_id",
        "run_calibration", "sigmoid", "with_rel_level",
    ],
    "rerank_bench.experiments": [
        "CONDITION_TAG", "CONFIG_HASH_TAG", "EXPERIMENT_TAG", "REUSE_KEY_TAG", "Cell", "Check",
        "CodeVersion", "Condition", "ExperimentSpec", "ReproReport", "Tolerance",
        "data_fingerprint", "describe_reuse", "find_spec", "load_spec", "machine_info",
        "machine_line", "plan", "reproduce", "results_markdown", "verdict", "write_results",
    ],
    "rerank_bench.feedback": [
        "LABEL_METHODS", "Click", "DebiasedCTRLabels", "ExplicitFeedbackLabels",
        "FeedbackLabelSource", "LabelAgreement", "LabelMethod", "LogStats", "QueryGrouper",
        "ReciprocalRankLabels", "SearchFeedback", "SearchLogEntry", "SmoothedCTRLabels",
        "UserModel", "binarise", "collect_stats", "estimate_position_bias", "label_agreement",
        "make_label_method", "normalize_query", "read_log", "satisfying_click", "simulate_entries",
        "simulate_log", "to_grades", "write_log",
    ],
    "rerank_bench.inference": [
        "RANKER_DEFAULTS", "Encoded", "InferenceSettings", "NpyStreamWriter", "Precision",
        "RunStats", "ScoreCache", "Side", "TextEncoder", "TruncationStats", "cached_scores",
        "calibration_inputs", "embed_corpus", "encode_texts", "open_checked", "pool",
        "run_batched", "save_checked", "score_pairs",
    ],
    "rerank_bench.models": [
        "PACKAGE_ALIASES", "LazyModel", "ResolvedModel", "SegmentCosineCrossEncoder", "load_model",
        "load_tokenizer", "resolve_model",
    ],
    "rerank_bench.reporting": [],
    "rerank_bench.reporting.tables": [
        "DEFAULT_EFFICIENCY", "DEFAULT_METRICS", "Cell", "Column", "PerQueryLoader", "Table",
        "TableSpec", "build_table", "compare", "metric_label", "table_from_cells", "tabulate",
    ],
    "rerank_bench.reranking": [
        "ApiReranker", "BiEncoderReranker", "CrossEncoderReranker", "LogMemoryReranker", "Reranker",
        "SpladeReranker",
    ],
    "rerank_bench.retrieval": [
        "ApiEmbeddingRetriever", "BM25Retriever", "DenseEncoder", "DenseRetriever",
        "FusionRetriever", "Retriever", "RunFileRetriever",
    ],
    "rerank_bench.retrieval.api": [
        "PROVIDERS", "ApiBatchTooLargeError", "ApiCache", "ApiClient", "ApiEmbedder", "ApiError",
        "ApiKey", "ApiRequestError", "ApiResponseError", "ApiRetryError", "ClientSettings",
        "Connection", "CostMeter", "DryRunStop", "EmbedSettings", "EmbeddingSpace", "Prices",
        "Provider", "RerankSpace", "get_provider",
    ],
    "rerank_bench.tracking": [
        "PER_QUERY_ARTIFACT", "flatten", "git_commit", "log_params_once", "package_versions",
        "redact", "resolve_tracking_uri", "start_run",
    ],
    "rerank_bench.training": [
        "ChainResult", "DevSet", "ListwiseDistillationLoss", "LocalizedContrastiveLoss",
        "MarginMSELoss", "PairwiseHingeLoss", "PointwiseBCELoss", "RankNetLoss", "RankingLoss",
        "StageSettings", "TrainChain", "TrainedModel", "TrainerSettings", "TrainingData",
        "train_chain",
    ],
}

HEAVY = ("torch", "transformers", "mlflow", "ranx", "hydra", "bm25s", "ir_datasets", "httpx")


def _packages() -> list[str]:
    inits = PACKAGE.rglob("__init__.py")
    return sorted(".".join(init.parent.relative_to(PACKAGE.parent).parts) for init in inits)


def test_every_package_is_pinned() -> None:
    assert _packages() == sorted(PUBLIC)


@pytest.mark.parametrize("package", sorted(PUBLIC))
def test_all_is_pinned_and_importable(package: str) -> None:
    module = importlib.import_module(package)
    assert module.__all__ == PUBLIC[package]
    missing = [name for name in module.__all__ if not hasattr(module, name)]
    assert not missing, f"{package}.__all__ names what it does not define: {missing}"


def test_the_library_functions_are_the_ones_they_stand_for() -> None:
    from rerank_bench.data.registry import load_dataset
    from rerank_bench.evaluation.metrics import evaluate
    from rerank_bench.reporting.tables import compare

    assert (rerank_bench.load_dataset, rerank_bench.evaluate, rerank_bench.compare) == (
        load_dataset, evaluate, compare
    )
    assert {"compare", "evaluate", "load_dataset"} <= set(dir(rerank_bench))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        rerank_bench.nope  # noqa: B018


def test_importing_the_packages_imports_no_heavy_library() -> None:
    light = "rerank_bench, rerank_bench.retrieval, rerank_bench.reranking, rerank_bench.evaluation"
    code = f"import sys, {light}\nprint(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "[]"
