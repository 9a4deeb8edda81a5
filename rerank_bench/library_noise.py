"""Library output that tells the user nothing, silenced where our code triggers it, and only there.

Why: a fine-tuning job printed a few hundred lines that were not about the job: a torch
deprecation warning Lightning triggers in its own code (re-shown whenever anything resets the
warning registry), transformers' "Writing model shards" bar after every save of the best model,
Lightning's hardware census, tips and advertisements, and warnings whose advice does not apply
(see :data:`_POINTLESS_WARNINGS`). Each silencer is a context manager around our own call (a
save, a fit), matches one message and its origin, and restores what it changed, so the libraries'
real warnings and anything outside those calls still reach the user.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterator

__all__ = ["ignore_launcher_schema_notice", "quiet_hf_progress", "quiet_mlflow_downloads",
           "quiet_training"]

_LEAF_SPEC = r"`isinstance\(treespec, LeafSpec\)` is deprecated"
"""torch's FutureWarning about its pytree API, raised in Lightning's ``_pytree`` module: a
maintainer's to-do, not the user's (Lightning has to change, not the caller)."""

_POINTLESS_WARNINGS = (
    # the collator tokenises a batch in milliseconds; workers would not speed up training
    r"The '\w+' does not have many workers",
    # curves are logged every log_every_n_steps steps across epochs, however short an epoch is
    r"The number of training batches \(\d+\) is smaller than the logging interval",
)
"""Lightning ``PossibleUserWarning``s whose advice does not apply to how a stage trains."""

_CHATTER = (
    "GPU available:",  # the hardware census: the trainer settings chose the device
    "TPU available:",
    "💡 Tip:",  # advertisements for Lightning's cloud products
    "Loading `train_dataloader` to estimate number of stepping batches",
    "Restoring states from the checkpoint path at",  # the stage logs "resuming training from"
    "Restored all states from the checkpoint at",
)
"""Starts of the INFO lines of Lightning's ``rank_zero_info`` that say nothing about the job."""


class _DropChatter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(_CHATTER)


@contextlib.contextmanager
def quiet_training() -> Iterator[None]:
    """Lightning's noise (above) off while a stage's trainer is built and fits."""
    from pytorch_lightning.utilities.rank_zero import rank_zero_module
    from pytorch_lightning.utilities.warnings import PossibleUserWarning

    chatter: logging.Logger = rank_zero_module.log  # where rank_zero_info writes
    drop = _DropChatter()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_LEAF_SPEC, category=FutureWarning,
                                module=r"pytorch_lightning\.utilities\._pytree")
        for message in _POINTLESS_WARNINGS:
            warnings.filterwarnings("ignore", message=message, category=PossibleUserWarning)
        chatter.addFilter(drop)
        try:
            yield
        finally:
            chatter.removeFilter(drop)


@contextlib.contextmanager
def quiet_hf_progress() -> Iterator[None]:
    """transformers' progress bars off while our code saves or loads a model: ``save_pretrained``
    draws a "Writing model shards" bar for a one-shard model at every save of the best
    checkpoint, ``from_pretrained`` a "Loading weights" bar at every load."""
    from transformers.utils import logging as hf_logging

    was_on = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_on:
            hf_logging.enable_progress_bar()


@contextlib.contextmanager
def quiet_mlflow_downloads() -> Iterator[None]:
    """MLflow's artifact progress bar off while our code downloads a run's model: it redraws one
    line per file of the folder (six for a fine-tuned cross-encoder) in every log."""
    import os

    key = "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"
    before = os.environ.get(key)
    os.environ[key] = "false"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = before


_LAUNCHER_SCHEMA = (
    r"\s*'hydra/launcher/\w+' is validated against ConfigStore schema with the same name"
)
"""Hydra's deprecation notice for ``conf/hydra/launcher/<name>.yaml``: our launcher files carry
every key of the plugin's schema of the same name on purpose (so a typo in an override is
refused), and the notice's migration (renaming the schema) is the plugin's to do."""


def ignore_launcher_schema_notice() -> None:
    """Hydra's schema-matching notice off for this process: called when ``rerank-bench run``'s
    module loads, which is also when a process launcher's worker (joblib, submitit) unpickles
    the job, so the workers' composition of the same config stays as quiet as the command's.
    A process-wide filter, unlike the context managers above: the notice is raised in each
    worker by Hydra's own code, around none of our calls."""
    warnings.filterwarnings("ignore", message=_LAUNCHER_SCHEMA, category=UserWarning)
