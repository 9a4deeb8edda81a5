"""Load a resolved model and its tokenizer with transformers, failing with a clear message.

Why separate from resolution: resolving is cheap (paths and hashes) and is all a cache lookup
needs; loading costs seconds and memory, so stages call it only when they have work to do.
"""

from __future__ import annotations

from typing import Any, Literal

from rerank_bench.errors import ModelResolutionError
from rerank_bench.library_noise import quiet_hf_progress
from rerank_bench.models.heads import SegmentCosineCrossEncoder, saved_head
from rerank_bench.models.resolve import ResolvedModel

__all__ = ["ModelTask", "load_model", "load_tokenizer"]

ModelTask = Literal["encoder", "sequence-classification", "masked-lm"]


def load_tokenizer(resolved: ResolvedModel) -> Any:
    """Load the fast (Rust) tokenizer of ``resolved``.

    Raises:
        ModelResolutionError: the tokenizer cannot be loaded or has no fast backend (our
            tokenisation builds pairs on the Rust ``tokenizers`` backend).
    """
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(str(resolved.path))
    except (OSError, ValueError, TypeError) as exc:
        raise ModelResolutionError(
            f"cannot load a tokenizer from {resolved.path} ({exc}). Fix: save one there with "
            f"AutoTokenizer.from_pretrained(<base>).save_pretrained(folder)."
        ) from exc
    if getattr(tokenizer, "backend_tokenizer", None) is None:
        raise ModelResolutionError(
            f"the tokenizer in {resolved.path} has no fast (tokenizers) backend; rerank-bench "
            f"needs one. Fix: save a tokenizer.json (a fast tokenizer) next to the weights."
        )
    return tokenizer


def load_model(resolved: ResolvedModel, task: ModelTask, allow_new_weights: bool = False) -> Any:
    """Load the weights of ``resolved`` for ``task``, in eval mode on the CPU.

    Args:
        resolved: the model folder.
        task: ``encoder`` (AutoModel, for bi-encoders), ``sequence-classification``
            (cross-encoders) or ``masked-lm`` (SPLADE).
        allow_new_weights: accept weights the folder lacks (e.g. a fresh classification head
            before fine-tuning). Off for scoring: a randomly initialised head gives random scores
            that the fingerprint (a hash of the files) cannot tell apart between runs.

    Raises:
        ModelResolutionError: transformers cannot build the model from the folder, or (unless
            ``allow_new_weights``) some weights would be randomly initialised.
    """
    from transformers import (
        AutoConfig,
        AutoModel,
        AutoModelForMaskedLM,
        AutoModelForSequenceClassification,
    )

    if task == "sequence-classification":
        try:
            head = saved_head(AutoConfig.from_pretrained(str(resolved.path)))
        except (OSError, ValueError) as exc:
            raise ModelResolutionError(
                f"cannot read the config of {resolved.name!r} in {resolved.path} ({exc})."
            ) from exc
        if head == "segment_cosine":
            with quiet_hf_progress():
                return SegmentCosineCrossEncoder.from_pretrained(resolved.path).eval()
    factory = {
        "encoder": AutoModel,
        "sequence-classification": AutoModelForSequenceClassification,
        "masked-lm": AutoModelForMaskedLM,
    }[task]
    try:
        with quiet_hf_progress():
            model, info = factory.from_pretrained(str(resolved.path), output_loading_info=True)
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise ModelResolutionError(
            f"cannot load {resolved.name!r} from {resolved.path} as a {task} model ({exc}). "
            f"Fix: check that the folder holds a model of that kind."
        ) from exc
    missing = sorted(info.get("missing_keys", ()))
    if missing and not allow_new_weights:
        raise ModelResolutionError(
            f"{resolved.name!r} ({resolved.path}) has no trained weights for "
            f"{', '.join(missing[:4])} as a {task} model: they would be random. Fix: use a "
            f"model trained for this task (e.g. a fine-tuned cross-encoder), or fine-tune first."
        )
    return model.eval()
