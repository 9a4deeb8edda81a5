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

__all__ = ["CONFIG_MODULE", "JOB_TOKEN_RESOLVER", "compose_config", "config_composer",
           "register_resolvers"]

CONFIG_MODULE = "rerank_bench.conf"

JOB_TOKEN_RESOLVER = "rb.job_token"
"""``${rb.job_token:}``: a random token, one per composed config, in every job folder's name."""


def _job_token() -> str:
    import secrets

    return secrets.token_hex(3)


def register_resolvers() -> None:
    """Register the resolvers ``conf/`` uses; call before Hydra composes it.

    Why a job token: job folders were named to the second (``${now:%H-%M-%S}``), so two jobs
    started in the same second wrote into one folder and MLflow runs logged each other's run
    files. The token is cached in the config (``use_cache``), so every read of ``hydra.run.dir``
    in a job gives the same folder, and Hydra copies the cache into each job of a sweep, so the
    jobs of one ``--multirun`` share their sweep folder (also under a process-based launcher).
    """
    from omegaconf import OmegaConf

    if not OmegaConf.has_resolver(JOB_TOKEN_RESOLVER):
        OmegaConf.register_new_resolver(JOB_TOKEN_RESOLVER, _job_token, use_cache=True)


@contextmanager
def config_composer() -> Iterator[Callable[[Sequence[str]], DictConfig]]:
    """Hydra initialised once, for composing many configs (every cell of a spec, every recipe):
    yields ``compose(overrides) -> DictConfig``."""
    from hydra import compose, initialize_config_module

    register_resolvers()
    with initialize_config_module(config_module=CONFIG_MODULE, version_base="1.3"):
        yield lambda overrides: compose(config_name="config", overrides=list(overrides))


def compose_config(overrides: Sequence[str] = ()) -> DictConfig:
    """The composed config (``conf/config.yaml``) with Hydra ``overrides`` applied."""
    with config_composer() as compose:
        return compose(overrides)
