"""Errors raised by rerank-bench.

Every error a user can trigger derives from :class:`RerankBenchError` and says what was expected,
what was found and how to fix it, so that a failed run never ends in a bare traceback or, worse,
a silently wrong number.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "ConfigError",
    "DataFormatError",
    "DocNotFoundError",
    "DryRunStop",
    "EvaluationError",
    "ModelResolutionError",
    "RerankBenchError",
    "ScoreError",
]


class RerankBenchError(Exception):
    """Base class of every error rerank-bench raises on purpose."""


class ConfigError(RerankBenchError):
    """A configuration value is missing, unknown or inconsistent."""


class DataFormatError(RerankBenchError):
    """A data file is malformed.

    Args:
        path: the file that failed to parse.
        line_no: 1-based line number of the offending line, or ``None`` for whole-file problems.
        reason: what was expected and what was found.
        fix: what the user should do about it.
    """

    def __init__(self, path: str | Path, line_no: int | None, reason: str, fix: str = "") -> None:
        self.path = str(path)
        self.line_no = line_no
        self.reason = reason
        self.fix = fix
        where = f"{self.path}:{line_no}" if line_no is not None else self.path
        message = f"{where}: {reason}"
        if fix:
            message += f" Fix: {fix}"
        super().__init__(message)


class DocNotFoundError(RerankBenchError, KeyError):
    """A document id is not in the corpus."""

    def __init__(self, doc_id: str, where: str = "the corpus") -> None:
        self.doc_id = doc_id
        super().__init__(f"document id {doc_id!r} is not in {where}")

    def __str__(self) -> str:  # KeyError would quote the whole message again
        return str(self.args[0])


class EvaluationError(RerankBenchError):
    """Qrels and runs cannot be evaluated together as asked."""


class ModelResolutionError(RerankBenchError):
    """A model name could not be resolved to weights on this machine."""


class ScoreError(RerankBenchError, ValueError):
    """A stage produced a score that cannot be ranked (NaN or infinite).

    Not a data-file error: the scores came from code (a retriever, a re-ranker, a fusion), so the
    message names the query and document and points at the stage rather than at a file line.
    """


class DryRunStop(RerankBenchError):
    """A stage estimated what it would spend instead of spending it (``dry_run=true``).

    The pipeline logs :attr:`estimate` to MLflow (tag ``dry_run=true``); no score is reported.

    Attributes:
        estimate: metric name -> value (estimated tokens, requests, USD), MLflow-loggable.
    """

    def __init__(self, what: str, estimate: dict[str, float]) -> None:
        self.estimate = dict(estimate)
        shown = ", ".join(f"{key}={value:g}" for key, value in sorted(self.estimate.items()))
        super().__init__(
            f"dry run of {what}: no request was sent. Estimate: {shown}. "
            "Fix: set dry_run=false to run for real."
        )
