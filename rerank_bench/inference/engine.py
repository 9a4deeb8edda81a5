"""The inference loop every neural ranker shares: tokenise once, batch by length, run, collect.

Why one engine: the cross-encoder, the bi-encoder and SPLADE differ only in what they do with a
padded batch (a logit, a pooled vector, a max-pooled vocabulary vector). Sorting, token-budget
batching, ``torch.inference_mode``, precision, multi-device work sharing and progress reporting are
written once here, so a speed-up or a fix reaches every ranker, and the training code can score
pairs with an in-memory model through :func:`score_pairs`.
"""

from __future__ import annotations

import copy
import functools
import inspect
import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal

import numpy as np
import torch

from rerank_bench.errors import ConfigError
from rerank_bench.inference.allocator import keep_freed_buffers
from rerank_bench.inference.batching import pad_batch, token_budget_batches
from rerank_bench.inference.calibration import CalibrationPairs, load_calibration
from rerank_bench.inference.device import autocast, resolve_devices
from rerank_bench.inference.first_token import first_token_model
from rerank_bench.inference.settings import InferenceSettings, Side
from rerank_bench.inference.static_int8 import StaticInt8, static_int8
from rerank_bench.inference.tokenize import Encoded, TextEncoder, TruncationTally
from rerank_bench.progress import Progress

__all__ = [
    "Pooling", "RunStats", "calibration_inputs", "encode_texts", "pool", "run_batched",
    "score_pairs",
]

log = logging.getLogger(__name__)

Step = Callable[[Any, dict[str, torch.Tensor]], torch.Tensor]
"""(model, padded inputs on the device) -> one output row per input."""
Sink = Callable[[np.ndarray, np.ndarray], None]
"""(input indices, float32 outputs) for each finished batch."""
Pooling = Literal["mean", "cls"]


class RunStats:
    """Items, real (unpadded) tokens and seconds of one :func:`run_batched` call."""

    def __init__(self, items: int, tokens: int, seconds: float) -> None:
        self.items = items
        self.tokens = tokens
        self.seconds = seconds

    def describe(self, unit: str) -> str:
        """One log line with throughput."""
        rate = self.items / self.seconds if self.seconds > 0 else float("inf")
        tok_rate = self.tokens / self.seconds if self.seconds > 0 else float("inf")
        return (
            f"{self.items} {unit}s in {self.seconds:.1f} s ({rate:.1f} {unit}s/s, "
            f"{tok_rate:.0f} tokens/s)"
        )


def run_batched(
    model: Any,
    step: Step,
    encoded: Encoded,
    pad_id: int,
    settings: InferenceSettings,
    sink: Sink,
    desc: str = "scoring",
    unit: str = "pair",
    first_token: bool = False,
    progress: Progress | None = None,
    calibration: Encoded | None = None,
) -> RunStats:
    """Run ``step`` over every input of ``encoded`` in length-sorted, token-budget batches.

    With several devices the model is replicated (the caller's model goes to the first device) and
    one worker per device takes batches in turn; PyTorch releases the GIL inside kernels, so the
    devices run concurrently without pickling the model or re-loading it per process. On the CPU,
    freed activation buffers are kept for reuse (:func:`keep_freed_buffers`).

    Args:
        model: a torch module in eval mode.
        step: what to compute on one padded batch.
        encoded: the tokenised inputs.
        pad_id: the tokenizer's padding id.
        settings: batching, precision and device.
        sink: receives ``(indices, outputs)`` per batch, outputs as float32 numpy.
        desc: progress bar label.
        unit: what one input is called in the progress bar and logs.
        first_token: ``step`` reads the model's last layer at the first token only (a
            cross-encoder head, CLS pooling): that layer is computed for it alone where the
            architecture allows (:func:`first_token_model`).
        progress: the display of the stage this call is part of, advanced per batch; ``None``:
            this call is a stage of its own, with its own display (``desc``, ``unit``,
            ``settings.show_progress``).
        calibration: inputs like ``encoded`` (held out from it) that ``precision=int8-static``
            fixes its activation ranges on (:func:`calibration_inputs`).

    Returns:
        Throughput figures (logged at DEBUG: the stage's display reports the work).
    """
    if progress is None:
        with Progress(desc, unit, settings.show_progress).stage(len(encoded.ids)) as own:
            return run_batched(model, step, encoded, pad_id, settings, sink, desc=desc,
                               unit=unit, first_token=first_token, progress=own,
                               calibration=calibration)
    devices = resolve_devices(settings.device)
    if any(d.type == "cpu" for d in devices):
        keep_freed_buffers()
    lengths = encoded.lengths()
    batches = token_budget_batches(lengths, settings.batch_tokens, settings.max_batch_size)
    forward_args = inspect.signature(model.forward).parameters
    keep = {"input_ids", "attention_mask"} | (
        {"token_type_ids"} if "token_type_ids" in forward_args else set()
    )
    run_step = step
    if settings.precision == "int8-static":
        replicas: list[Any] = [_static_int8(model, step, devices, calibration, pad_id, keep,
                                            settings, first_token)]
        run_step = _call_graph
    else:
        replicas = [_replica(model, d, settings.precision, first=i == 0)
                    for i, d in enumerate(devices)]
        if first_token:
            replicas = [first_token_model(replica) for replica in replicas]
    lock = threading.Lock()

    def work(worker: int) -> None:
        device, replica = devices[worker], replicas[worker]
        with torch.inference_mode():
            for index in batches[worker :: len(devices)]:
                inputs = {
                    k: v.to(device, non_blocking=True)
                    for k, v in pad_batch(encoded, index, pad_id).items()
                    if k in keep
                }
                with autocast(device, _autocast_precision(device, settings.precision)):
                    out = run_step(replica, inputs)
                values = out.float().cpu().numpy()
                with lock:
                    sink(index, values)
                    progress.advance(len(index))

    started = time.perf_counter()
    progress.begin()
    if len(devices) == 1:
        work(0)
    else:
        with ThreadPoolExecutor(max_workers=len(devices)) as pool_:
            for future in [pool_.submit(work, i) for i in range(len(devices))]:
                future.result()
    stats = RunStats(len(lengths), int(lengths.sum()), time.perf_counter() - started)
    log.debug("%s: %s", desc, stats.describe(unit))
    return stats


def _replica(model: Any, device: torch.device, precision: str, first: bool) -> Any:
    """The model to run on ``device``: the caller's own (first device) or a copy.

    bf16 on the CPU runs a bf16 copy of the weights instead of autocast: autocast re-casts
    activations around every op, and on this CPU the plain bf16 model was ~1.6x faster than fp32
    where autocast gained ~1.2-1.4x, for the same score error (~5e-4 on sigmoid scores).
    """
    if precision == "bf16" and device.type == "cpu":
        return copy.deepcopy(model).to(device=device, dtype=torch.bfloat16)
    if precision == "int8":
        if device.type != "cpu":
            raise ConfigError("precision=int8 runs on the CPU only. Fix: use bf16 on GPUs.")
        return _quantized(model)
    return model.to(device) if first else copy.deepcopy(model).to(device)


def _static_int8(model: Any, step: Step, devices: list[torch.device],
                 calibration: Encoded | None, pad_id: int, keep: set[str],
                 settings: InferenceSettings, first_token: bool) -> StaticInt8:
    if devices != [torch.device("cpu")]:
        raise ConfigError("precision=int8-static runs on the CPU only. Fix: set "
                          "inference.device=cpu, or use bf16 on GPUs.")
    if calibration is None:
        raise ConfigError("precision=int8-static needs calibration inputs, and this stage gave "
                          "none. Fix: use precision=int8 or bf16 here.")

    def padded() -> list[dict[str, torch.Tensor]]:
        batches = token_budget_batches(calibration.lengths(), settings.batch_tokens,
                                       settings.max_batch_size)
        return [{k: v for k, v in pad_batch(calibration, index, pad_id).items() if k in keep}
                for index in batches]

    return static_int8(model, step, calibration, padded, first_token)


def _call_graph(graph: StaticInt8, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
    return graph(inputs)


def calibration_inputs(
    settings: InferenceSettings, encode: Callable[[CalibrationPairs], Encoded]
) -> Encoded | None:
    """What ``run_batched(calibration=...)`` needs: ``encode`` applied to the settings'
    calibration pairs under ``precision=int8-static``, else ``None`` (nothing is read)."""
    if settings.precision != "int8-static":
        return None
    return encode(load_calibration(settings.calibration))


def _quantized(model: Any) -> Any:
    """A copy of ``model`` with int8 weights in every linear layer (activations quantized on the
    fly per batch): ~2.5x fp32 on this CPU (AVX-512 VNNI). Weights are quantized per output
    channel, which halved the score error of per-tensor scales (~3e-3 on MiniLM logits) at the
    same speed. :data:`~rerank_bench.inference.settings.INT8_SCHEME` names this scheme in cache
    keys."""
    import warnings

    from torch.ao.quantization import per_channel_dynamic_qconfig

    with warnings.catch_warnings():  # eager-mode quantization is deprecated in favour of torchao
        warnings.simplefilter("ignore")
        return torch.ao.quantization.quantize_dynamic(
            copy.deepcopy(model).to("cpu"), {torch.nn.Linear: per_channel_dynamic_qconfig},
            dtype=torch.qint8,
        )


def _autocast_precision(device: torch.device, precision: str) -> str:
    """On the CPU these precisions run a model of their own (a bf16 copy, quantized layers, an
    OpenVINO graph), so nothing is autocast around it."""
    own_model = ("bf16", "int8", "int8-static")
    return "fp32" if precision in own_model and device.type == "cpu" else precision


@functools.cache  # one step object per activation: int8-static graphs are cached by step
def _relevance_step(activation: Literal["none", "sigmoid"]) -> Step:
    def step(model: Any, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
        logits = model(**inputs).logits.float()
        if logits.shape[-1] == 1:
            scores = logits[:, 0]
            return torch.sigmoid(scores) if activation == "sigmoid" else scores
        if logits.shape[-1] == 2:
            return logits[:, 1] - logits[:, 0]
        raise ConfigError(
            f"a relevance model must output 1 logit or 2 classes, found {logits.shape[-1]}. "
            f"Fix: use a cross-encoder with num_labels 1 or 2."
        )

    return step


def score_pairs(
    model: Any,
    tokenizer: Any,
    queries: Sequence[str],
    docs: Sequence[str],
    settings: InferenceSettings,
    activation: Literal["none", "sigmoid"] = "none",
    desc: str = "cross-encoder",
    truncation: TruncationTally | None = None,
    progress: Progress | None = None,
) -> np.ndarray:
    """Score aligned (query, passage) pairs with an in-memory sequence-classification model.

    One-logit models return the logit (``activation="none"``) or its sigmoid (what
    ``sentence_transformers.CrossEncoder.predict`` returns by default for them). Two-class models
    return ``logit[1] - logit[0]``: the log-odds of ``softmax(logits)[1]``, so the same ranking as
    ``CrossEncoder.predict(..., apply_softmax=True)[:, 1]`` without float32 saturation ties.

    Args:
        model: an ``AutoModelForSequenceClassification`` (moved to ``settings.device``).
        tokenizer: its tokenizer (fast backend).
        queries: query texts.
        docs: passage texts, aligned with ``queries``.
        settings: truncation, batching, precision, device.
        activation: see above; ignored for two-class models.
        desc: progress bar label.
        truncation: where a caller that scores in pieces adds up truncation, to log it once per
            stage (:class:`~rerank_bench.inference.tokenize.CountsTruncation`); ``None`` logs this
            call's truncation here.
        progress: the display of the stage these pairs are part of (see :func:`run_batched`).

    Returns:
        float32 scores, one per pair, in input order.
    """
    encoder = TextEncoder(tokenizer, settings.max_length, settings.query_max_length)
    encoded = encoder.encode_pairs(queries, docs)
    if truncation is not None:
        truncation.add_pairs(encoded.stats)
    elif encoded.ids:
        log.info("%s: %s", desc, encoded.stats.describe())
    scores = np.zeros(len(queries), dtype=np.float32)

    def sink(index: np.ndarray, values: np.ndarray) -> None:
        scores[index] = values

    calibration = calibration_inputs(
        settings, lambda pairs: encoder.encode_pairs(pairs.queries, pairs.passages))
    run_batched(model, _relevance_step(activation), encoded, encoder.pad_id, settings, sink, desc,
                first_token=True, progress=progress, calibration=calibration)
    return scores


def pool(
    hidden: torch.Tensor, mask: torch.Tensor, pooling: Pooling, normalize: bool
) -> torch.Tensor:
    """Pool token vectors ``[batch, tokens, dim]`` into one vector per input.

    ``mean`` averages the unmasked tokens (as sentence-transformers' Pooling does); ``cls`` takes
    the first token. ``normalize`` scales each vector to unit L2 norm, so dot product = cosine.
    """
    if pooling == "mean":
        weights = mask.unsqueeze(-1).to(hidden.dtype)
        vectors = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
    elif pooling == "cls":
        vectors = hidden[:, 0]
    else:
        raise ConfigError(f"pooling must be 'mean' or 'cls', got {pooling!r}.")
    return torch.nn.functional.normalize(vectors, p=2, dim=1) if normalize else vectors


def encode_texts(
    model: Any,
    tokenizer: Any,
    texts: Sequence[str],
    settings: InferenceSettings,
    pooling: Pooling = "mean",
    normalize: bool = True,
    prefix: str = "",
    desc: str = "encoding",
    encoder: TextEncoder | None = None,
    progress: Progress | None = None,
    truncation: TruncationTally | None = None,
    side: Side = "doc",
) -> np.ndarray:
    """Embed texts with a bi-encoder (``AutoModel``): ``[len(texts), dim]`` float32.

    Args:
        model: the encoder (moved to ``settings.device``).
        tokenizer: its tokenizer.
        texts: the texts (empty strings are allowed).
        settings: ``max_length`` applies to each text; ``query_max_length`` is unused.
        pooling: ``mean`` or ``cls``.
        normalize: L2-normalise the vectors.
        prefix: prepended to each text (``"query: "`` for e5, an instruction for bge queries).
        desc: progress bar label.
        encoder: a prepared :class:`TextEncoder` (saves re-building it per chunk).
        progress: the display of the stage these texts are part of (see :func:`run_batched`).
        truncation: where a caller that encodes in pieces adds up truncation, as ``side`` texts
            (queries or passages), to log it once; ``None`` logs this call's cut texts here.
        side: what the texts are, for ``truncation``.
    """
    if pooling not in ("mean", "cls"):
        raise ConfigError(f"pooling must be 'mean' or 'cls', got {pooling!r}.")
    encoder = encoder or TextEncoder(tokenizer, settings.max_length, None)
    encoded = encoder.encode_texts(texts, prefix=prefix)
    if truncation is not None:
        truncation.add_texts(encoded.stats, side)
    elif encoded.stats.truncated_docs:
        log.info("%s: %s", desc, encoded.stats.describe())
    dim = int(model.config.hidden_size)
    vectors = np.zeros((len(texts), dim), dtype=np.float32)

    def sink(index: np.ndarray, values: np.ndarray) -> None:
        vectors[index] = values

    calibration = calibration_inputs(
        settings, lambda pairs: encoder.encode_texts(pairs.texts(side), prefix=prefix))
    run_batched(model, _pooling_step(pooling, normalize), encoded, encoder.pad_id, settings,
                sink, desc, unit="text", first_token=pooling == "cls", progress=progress,
                calibration=calibration)
    return vectors


@functools.cache  # one step object per pooling: int8-static graphs are cached by step
def _pooling_step(pooling: Pooling, normalize: bool) -> Step:
    def step(replica: Any, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
        hidden = replica(**inputs).last_hidden_state
        return pool(hidden.float(), inputs["attention_mask"], pooling, normalize)

    return step
