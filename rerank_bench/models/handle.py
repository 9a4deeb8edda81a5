"""A model named in config, resolved and loaded only when first needed.

Why: Hydra builds every stage object when a job starts, and the pipeline asks for cache keys
before deciding whether any work is needed. Resolving (paths, fingerprint) is cheap and happens on
the first ``cache_key()``; loading weights costs seconds and happens only when something must be
computed, so a fully cached run never loads a model.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

from rerank_bench.models.loading import ModelTask, load_model, load_tokenizer
from rerank_bench.models.resolve import ResolvedModel, resolve_model

__all__ = ["LazyModel"]


class LazyModel:
    """A model name with lazy resolution and loading.

    Args:
        name: folder, package alias or hub id (see :func:`resolve_model`).
        task: what head to load (``encoder``, ``sequence-classification``, ``masked-lm``).
        revision: hub revision, for hub ids.
    """

    def __init__(self, name: str, task: ModelTask, revision: str | None = None) -> None:
        self.name = name
        self.task = task
        self.revision = revision
        self._lock = threading.Lock()
        self._loaded: tuple[Any, Any] | None = None

    @functools.cached_property
    def resolved(self) -> ResolvedModel:
        """The resolved model (raises :class:`ModelResolutionError` if it cannot be found)."""
        return resolve_model(self.name, revision=self.revision)

    def key(self) -> dict[str, str]:
        """Identity of the weights for cache keys: the name and fingerprint, not the path."""
        return {"name": self.name, "fingerprint": self.resolved.fingerprint}

    def load(self) -> tuple[Any, Any]:
        """``(model, tokenizer)``, loaded once."""
        with self._lock:
            if self._loaded is None:
                resolved = self.resolved
                self._loaded = (load_model(resolved, self.task), load_tokenizer(resolved))
            return self._loaded
