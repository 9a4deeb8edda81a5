"""The dataset registry: every packaged ``conf/dataset/*.yaml``, by name, loadable from Python.

Why: a notebook should get the very dataset that ``rerank-bench run dataset=<name>`` evaluates
(the same files, split names and relevance level), without Hydra's command line. The registry is
the config group itself, not a second list: a name is a file of ``rerank_bench.conf/dataset``,
composed with the rest of the packaged config as the command composes it (so ``${paths.data}``
and ``RERANK_BENCH_DATA`` resolve the same way), and a new dataset is one YAML file, no code.
The same composition says where each dataset's files are looked for and whether they are there
(:func:`dataset_locations`), so ``rerank-bench datasets`` and a run agree on the paths.
"""

from __future__ import annotations

import importlib.resources
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Literal, cast

from rerank_bench.config import CONFIG_MODULE, compose_config, config_composer
from rerank_bench.data.records import Dataset
from rerank_bench.data.sources.base import DatasetSource
from rerank_bench.data.sources.irds import IRDS_PREFIX
from rerank_bench.data.sources.paths import as_list, resolve_path
from rerank_bench.errors import ConfigError

__all__ = [
    "DataLocation",
    "data_root",
    "dataset_config",
    "dataset_locations",
    "irds_home",
    "list_datasets",
    "load_dataset",
]

_GROUP = "dataset"

_FILE_KEYS = ("path", "corpus", "queries", "qrels", "logs")
"""Dataset settings that name files or folders: one path, a list, or split -> path."""
_IRDS_KEYS = ("splits",)
"""Dataset settings that map splits to ir_datasets ids (``irds:<id>``)."""
_BEIR_KEY = "beir"
"""The setting of a BEIR collection read through ir_datasets by name (``irds:beir/<name>``)."""
_NESTED_KEYS = ("base",)
"""Settings holding another dataset's config (weak supervision built from it)."""
_UNSET = "???"


def list_datasets() -> list[str]:
    """The names :func:`load_dataset` (and ``dataset=<name>`` on the command line) accept."""
    folder = importlib.resources.files(CONFIG_MODULE) / _GROUP
    return sorted(f.name[: -len(".yaml")] for f in folder.iterdir() if f.name.endswith(".yaml"))


def dataset_config(name: str) -> Traversable:
    """The packaged config file of dataset ``name``.

    Raises:
        ConfigError: no such dataset; the message lists the ones there are.
    """
    known = list_datasets()
    if name not in known:
        raise ConfigError(
            f"no dataset {name!r}; available: {', '.join(known)}. Fix: pass one of "
            f"them, or add conf/{_GROUP}/{name}.yaml."
        )
    return importlib.resources.files(CONFIG_MODULE) / _GROUP / f"{name}.yaml"


def load_dataset(name: str, /, **overrides: Any) -> Dataset:
    """Load dataset ``name`` as ``rerank-bench run dataset=<name> dataset.<key>=<value>`` does.

    Args:
        name: a registry name (:func:`list_datasets`).
        **overrides: settings of the dataset's config to change, with YAML's values (strings,
            numbers, lists, mappings; paths are taken as strings), e.g.
            ``load_dataset("local", corpus="docs.jsonl", queries="topics.tsv", qrels="qrels.txt")``
            or ``load_dataset("beir", beir="nfcorpus")``; ``name=`` renames the dataset (its
            tables label), as ``dataset.name=`` does.

    Returns:
        The loaded, validated dataset; its splits carry the configured relevance level.

    Raises:
        ConfigError: an unknown dataset or setting, or a required setting (``???``) not given.
        DataFormatError: a file is missing or malformed.
    """
    from hydra.utils import instantiate
    from omegaconf import OmegaConf

    dataset_config(name)  # an unknown name fails here, listing the known ones
    node = compose_config([f"{_GROUP}={name}"])[_GROUP]
    settings = [str(key) for key in node if not str(key).startswith("_")]
    for key, value in overrides.items():
        if key not in settings:
            raise ConfigError(
                f"dataset {name!r} has no setting {key!r}; its settings: {', '.join(settings)}."
            )
        node[key] = os.fspath(value) if isinstance(value, os.PathLike) else value
    missing = sorted(key.removeprefix(f"{_GROUP}.") for key in OmegaConf.missing_keys(node))
    if missing:
        needed = ", ".join(f"{key}=..." for key in missing)
        raise ConfigError(f"dataset {name!r} needs {needed}: load_dataset({name!r}, {needed}).")
    return cast(DatasetSource, instantiate(node)).load()


@dataclass(frozen=True)
class DataLocation:
    """One place a dataset reads from, and whether its files are there.

    Attributes:
        key: the dataset setting that names it (``corpus``, ``splits.test``, ``base.path``).
        kind: ``file`` (a file or folder), ``irds`` (an ir_datasets id: ``where`` is the id,
            ``cache`` the folder ir_datasets keeps it in), or ``unset`` (a ``???`` setting, given
            on the command line).
        where: the resolved path, or the ``irds:`` id.
        present: the file or folder exists; for an id, ir_datasets' cache holds files for it.
        cache: for an ``irds`` location, the folder under :func:`irds_home` it is cached in.
    """

    key: str
    kind: Literal["file", "irds", "unset"]
    where: str
    present: bool
    cache: Path | None = None


def data_root() -> Path:
    """Where the shared collections are looked for: ``paths.data`` as a run composes it
    (``RERANK_BENCH_DATA``, else ``../shared/data`` from the working directory)."""
    return Path(str(compose_config()["paths"]["data"])).resolve()


def irds_home() -> Path:
    """ir_datasets' cache folder (``IR_DATASETS_HOME``, default ``~/.ir_datasets``), found
    without importing ir_datasets (importing it creates a folder per collection it knows)."""
    return Path(os.environ.get("IR_DATASETS_HOME") or Path.home() / ".ir_datasets")


def dataset_locations() -> dict[str, tuple[DataLocation, ...]]:
    """Where each dataset's files are looked for, and which are there.

    Each dataset is composed as ``rerank-bench run dataset=<name>`` composes it, so the paths are
    the ones a run would open (``${paths.data}`` resolved from ``RERANK_BENCH_DATA``). Nothing is
    read and ir_datasets is not imported: an id counts as present when ir_datasets' cache holds
    files in its folder (``<IR_DATASETS_HOME>/<collection>/<subset>``, its layout), otherwise
    ir_datasets fetches it on first use.
    """
    from omegaconf import OmegaConf

    chosen = list_datasets()
    found: dict[str, tuple[DataLocation, ...]] = {}
    with config_composer() as compose:
        for name in chosen:
            node = OmegaConf.to_container(compose([f"{_GROUP}={name}"])[_GROUP], resolve=True)
            found[name] = tuple(_locations(cast(dict[str, Any], node)))
    return found


def _locations(node: Mapping[str, Any], prefix: str = "") -> Iterator[DataLocation]:
    for key, value in node.items():
        where = f"{prefix}{key}"
        if key in _NESTED_KEYS and isinstance(value, Mapping):
            yield from _locations(value, f"{where}.")
        elif value == _UNSET:
            yield DataLocation(where, "unset", f"dataset.{where}=...", False)
        elif key in _FILE_KEYS:
            for sub, path in _entries(where, value):
                resolved = resolve_path(path)
                yield DataLocation(sub, "file", str(resolved), resolved.exists())
        elif key in _IRDS_KEYS and isinstance(value, Mapping):
            for split, irds_id in value.items():
                yield _irds_location(f"{where}.{split}", str(irds_id))
        elif key == _BEIR_KEY and not node.get("splits"):
            yield _irds_location(where, f"beir/{value}")


def _entries(key: str, value: Any) -> Iterator[tuple[str, str]]:
    """``(setting, path)`` of a file setting: one path, a list, or split -> path."""
    if isinstance(value, Mapping):
        for split, path in value.items():
            yield f"{key}.{split}", str(path)
    elif value is not None:
        yield from ((key, path) for path in as_list(value))


def _irds_location(key: str, irds_id: str) -> DataLocation:
    bare = irds_id.removeprefix(IRDS_PREFIX)
    cache = irds_home().joinpath(*bare.split("/")[:2])
    present = cache.is_dir() and any(p.is_file() for p in cache.rglob("*"))
    return DataLocation(key, "irds", IRDS_PREFIX + bare, present, cache)
