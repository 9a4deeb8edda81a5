"""Train the tiny stage of ``test_training`` in a real process, optionally SIGKILLed mid-epoch.

``python _killed_training.py <model> <folder> <kill_at>``: trains stage ``rank`` in ``<folder>``
(resuming from its checkpoint if there is one); with ``kill_at`` > 0 the process kills itself
with SIGKILL at the end of that optimiser step, after the last checkpoint and before the next:
a kill the training cannot see coming, at a step the test chooses.
"""

import os
import signal
import sys
from pathlib import Path

from test_training import _chain, _data, _stage

from rerank_bench.training.callbacks import RankingValidationCallback
from rerank_bench.training.stage import train_stage


def _kill_at(step: int) -> None:
    original = RankingValidationCallback.on_train_batch_end

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):  # type: ignore[no-untyped-def]
        original(self, trainer, pl_module, outputs, batch, batch_idx)
        if trainer.global_step == step:
            os.kill(os.getpid(), signal.SIGKILL)

    RankingValidationCallback.on_train_batch_end = on_train_batch_end  # type: ignore[method-assign]


if __name__ == "__main__":
    model, folder, kill_at = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    if kill_at:
        _kill_at(kill_at)
    chain = _chain({"rank": _stage(model, max_steps=16, val_every_n_steps=4)})
    train_stage("rank", chain.stages["rank"], chain, _data(), folder, {})
