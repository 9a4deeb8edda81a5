"""Configured paths to file-system paths: ``pkg:`` paths, ``~``, globs, and a message when
missing.

Why one module: every source reads paths from a config, and all of them must find data shipped
inside the package from any working directory, and say which config key to fix when a file is
not there.
"""

from __future__ import annotations

import glob
import importlib.resources
import re
from collections.abc import Sequence
from pathlib import Path

from rerank_bench.errors import ConfigError, DataFormatError

__all__ = ["PACKAGE_PREFIX", "as_list", "existing_path", "existing_paths", "resolve_path"]

PACKAGE_PREFIX = "pkg:"

_GLOB = re.compile(r"[*?[]")


def resolve_path(value: str | Path) -> Path:
    """Turn a configured path into a file-system path (nothing is opened).

    ``pkg:<package>/<relative path>`` names a file shipped inside an installed package
    (``pkg:rerank_bench.data/helpdesk``), so built-in data is found from any working directory;
    ``~`` is expanded.

    Raises:
        ConfigError: the package of a ``pkg:`` path cannot be imported.
    """
    text = str(value)
    if not text.startswith(PACKAGE_PREFIX):
        return Path(text).expanduser()
    package, _, relative = text[len(PACKAGE_PREFIX) :].partition("/")
    try:
        root = Path(str(importlib.resources.files(package)))
    except (ModuleNotFoundError, TypeError) as exc:
        raise ConfigError(
            f"cannot resolve {text!r}: package {package!r} is not importable ({exc}). "
            "Write pkg:<importable.package>/<path inside it>."
        ) from None
    return root / relative if relative else root


def existing_path(value: str | Path, key: str) -> Path:
    """``value`` as a path that exists, or an error naming the config key and the data root."""
    path = resolve_path(value)
    if not path.exists():
        raise DataFormatError(
            path,
            None,
            f"not found (dataset.{key}; relative paths start at {Path.cwd()}).",
            f"fix dataset.{key}, or set RERANK_BENCH_DATA (or paths.data) to the folder that "
            "holds the shared collections.",
        )
    return path


def as_list(value: str | Sequence[str]) -> list[str]:
    """A config value that may be one path or a list of them, as a list (one path: one item)."""
    return [value] if isinstance(value, str | Path) else [str(item) for item in value]


def existing_paths(value: str | Sequence[str], key: str) -> list[Path]:
    """Every path a config value names: one path, a list, and glob patterns (``docs/*.txt``,
    ``**`` recursive), a pattern giving its matches in sorted order; a path named twice counts
    once.

    Why globs: collections ship a corpus in several files (LISA's ``LISA0.001``,
    ``LISA0.501``...), and listing them on the command line is the error-prone part.

    Raises:
        DataFormatError: a path that does not exist or a pattern that matches nothing, naming
            ``dataset.<key>``.
    """
    paths: list[Path] = []
    for item in as_list(value):
        pattern = resolve_path(item)
        if not _GLOB.search(str(pattern)):
            paths.append(existing_path(pattern, key))
            continue
        matches = sorted(glob.glob(str(pattern), recursive=True))
        if not matches:
            raise DataFormatError(
                pattern,
                None,
                f"matches no file (dataset.{key}; relative paths start at {Path.cwd()}).",
                f"fix the pattern in dataset.{key}.",
            )
        paths.extend(Path(match) for match in matches)
    return list(dict.fromkeys(paths))
