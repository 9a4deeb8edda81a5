"""The packaged Hydra config, composed outside a Hydra application.

Why one function: tests, ``reproduce``, the library surface (``run_experiment``,
``load_dataset``) and the log builder all compose ``conf/`` with overrides, the way
``rerank-bench run`` does; spelling Hydra's initialisation once keeps them on the same config
module and version base.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # hydra loads lazily: importing rerank_bench stays light
    from omegaconf import DictConfig

__all__ = ["CONFIG_MODULE", "compose_config", "config_composer"]

CONFIG_MODULE = "rerank_bench.conf"


@contextmanager
def config_composer() -> Iterator[Callable[[Sequence[str]], DictConfig]]:
    """Hydra initialised once, for composing many configs (every cell of a spec, every recipe):
    yields ``compose(overrides) -> DictConfig``."""
    from hydra import compose, initialize_config_module

    with initialize_config_module(config_module=CONFIG_MODULE, version_base="1.3"):
        yield lambda overrides: compose(config_name="config", overrides=list(overrides))


def compose_config(overrides: Sequence[str] = ()) -> DictConfig:
    """The composed config (``conf/config.yaml``) with Hydra ``overrides`` applied."""
    with config_composer() as compose:
        return compose(overrides)
