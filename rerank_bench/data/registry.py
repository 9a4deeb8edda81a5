"""The dataset registry: every packaged ``conf/dataset/*.yaml``, by name, loadable from Python.

Why: a notebook should get the very dataset that ``rerank-bench run dataset=<name>`` evaluates
(the same files, split names and relevance level), without Hydra's command line. The registry is
the config group itself, not a second list: a name is a file of ``rerank_bench.conf/dataset``,
composed with the rest of the packaged config as the command composes it (so ``${paths.data}``
and ``RERANK_BENCH_DATA`` resolve the same way), and a new dataset is one YAML file, no code.
"""

from __future__ import annotations

import importlib.resources
import os
from importlib.resources.abc import Traversable
from typing import Any, cast

from rerank_bench.config import CONFIG_MODULE, compose_config
from rerank_bench.data.records import Dataset
from rerank_bench.data.sources.base import DatasetSource
from rerank_bench.errors import ConfigError

__all__ = ["dataset_config", "list_datasets", "load_dataset"]

_GROUP = "dataset"


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
