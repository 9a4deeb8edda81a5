"""What a killed training needs to continue as if it had never stopped.

Why: resumed from its step-84 checkpoint, a training matched the uninterrupted one up to step 84
and then diverged (dev 0.5367 vs 0.4967 at step 168), because Lightning restored the weights,
optimiser and scheduler but not the rest of what decides the run:

* the data order: Lightning restarts a half-done epoch from its first batch unless the loader is
  resumable (its ``state_dict`` protocol); :class:`ResumableLoader` yields exactly the batches the
  killed run had not trained on, in the same order;
* the random number generators (dropout draws from torch's global one):
  :class:`RandomStateCallback` saves Python's, NumPy's and torch's (CPU and CUDA) with every
  checkpoint and restores them just before the first resumed step;
* the curves: Lightning's CSV logger deletes ``metrics.csv`` when its folder is not empty and
  flushes every 100 steps; :class:`ResumableCSVLogger` keeps the killed run's rows and writes
  every row as it is logged (steps replayed after the checkpoint give the same values; readers
  keep the last value of a step).

Negative sampling needs nothing here: group ``i`` of epoch ``e`` is drawn from its own generator
seeded by ``(seed, e, i)`` (see :class:`~rerank_bench.training.datamodule.GroupDataset`).
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytorch_lightning as pl
import torch
from lightning_fabric.loggers.logger import rank_zero_experiment
from pytorch_lightning.callbacks import Callback
from pytorch_lightning.loggers import CSVLogger
from pytorch_lightning.loggers.csv_logs import ExperimentWriter
from torch.utils.data import BatchSampler, DataLoader, Sampler

__all__ = [
    "EpochOrder",
    "RandomStateCallback",
    "ResumableCSVLogger",
    "ResumableLoader",
    "SkippingBatches",
]


class EpochOrder(Sampler[int]):
    """The shuffled order of one epoch's groups: a function of the seed and epoch alone.

    A ``RandomSampler`` draws a new permutation each time it is iterated, and Lightning iterates
    a reloaded loader twice from the second epoch on (once to prefetch, once when the epoch
    starts) but once when it resumes; so the order depended on whether the run was resumed.
    Here every iteration replays the draws from a fresh generator: the permutation an
    uninterrupted run of earlier versions used (after the base-seed draw of one loader iterator
    in the first epoch, of two from the second on), so recorded results keep their meaning.

    Args:
        size: how many groups.
        seed: the generator's seed for this epoch.
        epoch: the epoch (0-based).
    """

    def __init__(self, size: int, seed: int, epoch: int) -> None:
        self.size, self.seed, self.epoch = size, seed, epoch

    def __len__(self) -> int:
        return self.size

    def __iter__(self) -> Iterator[int]:
        generator = torch.Generator().manual_seed(self.seed)
        for _ in range(2 if self.epoch > 0 else 1):  # the base seed of each loader iterator
            torch.empty((), dtype=torch.int64).random_(generator=generator)
        yield from torch.randperm(self.size, generator=generator).tolist()


class SkippingBatches(Sampler[list[int]]):
    """The batches of one epoch; after a resume, the first :attr:`skip` of them are passed over.

    The skipped batches are still drawn from the sampler, so its order (a permutation from the
    epoch's seeded generator) is the one the killed run used.
    """

    def __init__(self, sampler: Sampler[int], batch_size: int) -> None:
        self.batches = BatchSampler(sampler, batch_size, drop_last=False)
        self.skip = 0

    def __len__(self) -> int:
        return len(self.batches)

    def __iter__(self) -> Iterator[list[int]]:
        batches = iter(self.batches)
        skip, self.skip = self.skip, 0
        for _ in range(skip):
            next(batches, None)
        yield from batches


class ResumableLoader(DataLoader[Any]):
    """A training DataLoader that Lightning saves in checkpoints and restores on resume.

    Its length stays the epoch's full number of batches (Lightning counts the done ones itself);
    after :meth:`load_state_dict` it yields only those the checkpoint had not trained on.

    Args:
        dataset: the epoch's groups.
        batches: the epoch's batches.
        epoch: the epoch it serves (a state saved in another epoch is not applied).
        done: how many of this epoch's batches the trainer has processed (read when a
            checkpoint is saved).
        **kwargs: other DataLoader arguments (collate_fn, num_workers, generator).
    """

    def __init__(self, dataset: Any, batches: SkippingBatches, epoch: int,
                 done: Callable[[], int], **kwargs: Any) -> None:
        super().__init__(dataset, batch_sampler=batches, **kwargs)
        self.epoch = epoch
        self._done = done

    def state_dict(self) -> dict[str, int]:
        """The epoch and the batches of it already trained on."""
        return {"epoch": self.epoch, "batches": int(self._done())}

    def load_state_dict(self, state: dict[str, int]) -> None:
        """Skip the batches a checkpoint of this epoch had trained on."""
        if int(state.get("epoch", -1)) == self.epoch:
            sampler = self.batch_sampler
            assert isinstance(sampler, SkippingBatches)
            sampler.skip = int(state["batches"])


class RandomStateCallback(Callback):
    """Saves the global random states with each checkpoint; restores them on resume.

    They are restored at ``on_train_start``, after Lightning has rebuilt everything and just
    before the first resumed step, so nothing between the restore and that step draws from them.
    States are stored as plain lists and tensors (checkpoints may be loaded ``weights_only``).
    """

    def __init__(self) -> None:
        self._pending: dict[str, Any] | None = None

    def state_dict(self) -> dict[str, Any]:
        version, internal, gauss = random.getstate()
        name, keys, pos, has_gauss, cached = cast(tuple, np.random.get_state(legacy=True))
        state: dict[str, Any] = {
            "python": [version, list(internal), gauss],
            "numpy": [name, keys.tolist(), pos, has_gauss, cached],
            "torch": torch.get_rng_state(),
        }
        if torch.cuda.is_available():
            state["cuda"] = torch.cuda.get_rng_state_all()
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self._pending = state_dict

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if self._pending is None:
            return
        state, self._pending = self._pending, None
        version, internal, gauss = state["python"]
        random.setstate((version, tuple(internal), gauss))
        name, keys, pos, has_gauss, cached = state["numpy"]
        np.random.set_state((name, np.asarray(keys, dtype=np.uint32), pos, has_gauss, cached))
        torch.set_rng_state(state["torch"])
        if "cuda" in state and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["cuda"])


class _KeptWriter(ExperimentWriter):
    """Lightning's CSV writer, keeping (not deleting) the rows of the run it resumes."""

    def _check_log_dir_exists(self) -> None:
        path = Path(self.metrics_file_path)
        if path.is_file():
            with path.open(newline="", encoding="utf-8") as handle:
                self.metrics_keys = sorted(next(csv.reader(handle), []))


class ResumableCSVLogger(CSVLogger):
    """``<folder>/curves/metrics.csv``, every row written when logged, kept across a resume.

    Args:
        folder: the stage's folder.
        resume: keep the rows already there (the training resumes from a checkpoint).
    """

    def __init__(self, folder: Path, resume: bool) -> None:
        super().__init__(str(folder), name="curves", version="", flush_logs_every_n_steps=1)
        self._resume = resume

    @property
    @rank_zero_experiment
    def experiment(self) -> Any:
        if self._experiment is None:
            self._fs.makedirs(self.root_dir, exist_ok=True)
            writer = _KeptWriter if self._resume else ExperimentWriter
            self._experiment = writer(log_dir=self.log_dir)
        return self._experiment
