"""Names a package exports but imports on first use (PEP 562 module ``__getattr__``).

Why: ``import rerank_bench`` and ``import rerank_bench.retrieval`` must load no data, no model and
no heavy library (torch for the neural stages, ranx's numba kernels, MLflow, Hydra: seconds
each), yet ``from rerank_bench.retrieval import BM25Retriever`` should work. A package says where
each of its public names lives; the module holding a name is imported when the name is first
read, and the value is then kept in the package like an ordinary import.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, homes: Mapping[str, Sequence[str]]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of a package whose names load on first use.

    Use in a package's ``__init__``, beside its ``__all__`` (and ``TYPE_CHECKING`` imports, so
    type checkers see the real types)::

        __getattr__, __dir__ = lazy_exports(
            __name__, {"rerank_bench.retrieval.bm25": ["BM25Retriever"]}
        )

    Args:
        package: the package's ``__name__``.
        homes: module -> the names it defines that the package exports.

    Returns:
        ``(__getattr__, __dir__)`` for the package's namespace.
    """
    where = {name: module for module, names in homes.items() for name in names}

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)  # later reads are plain attribute reads
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *where})

    return __getattr__, __dir__
