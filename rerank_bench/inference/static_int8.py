"""``precision=int8-static``: one calibrated int8 OpenVINO graph of a model and its scoring step.

Why OpenVINO and why the step inside the graph: dynamic int8 (``precision=int8``) re-measures
every activation's range per batch and keeps the attention, the layer norms and the head in
fp32; static int8 fixes the ranges once, on held-out calibration inputs, so every matrix product
runs in int8 with no range pass, and OpenVINO fuses what is left. Converting the step with the
model (the cross-encoder's logit, SPLADE's max-pooling, a bi-encoder's pooling) keeps the
reduction in the same fused graph. NNCF's transformer preset quantises with SmoothQuant, which
moves activation outliers into the weights: on MiniLM-L6 cross-encoder pairs (SciFact, 256
tokens, Zen 4 with AVX-512 VNNI) it ran 5.1x our fp32, 1.9x our bf16 and 1.14x
sentence-transformers' own OpenVINO static int8, within 0.002 nDCG@10 of fp32 on every model
checked (benchmarks/README.md has the figures and the precision check).

Each (model, step, calibration) is converted and quantised once per process (MiniLM-L6: ~20 s);
the graph is CPU-only and runs with the inputs the eager step would get.
"""

from __future__ import annotations

import hashlib
import logging
import time
import warnings
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from rerank_bench.errors import ConfigError
from rerank_bench.inference.first_token import first_token_model
from rerank_bench.inference.tokenize import Encoded

__all__ = ["SCHEME", "StaticInt8", "static_int8"]

log = logging.getLogger(__name__)

SCHEME = "openvino + nncf static int8, transformer preset (smoothquant)"
"""How ``precision=int8-static`` quantises; part of its scores' cache key with the versions of
both libraries (:func:`scheme`), so another scheme or release never reuses its scores."""

Step = Callable[[Any, dict[str, torch.Tensor]], torch.Tensor]

_compiled: weakref.WeakKeyDictionary[Any, dict[tuple[Any, bool, str], StaticInt8]] = (
    weakref.WeakKeyDictionary()
)


def scheme() -> str:
    """:data:`SCHEME` with the installed OpenVINO and NNCF versions and the precision the
    remaining (not int8) operations compute in on this CPU: OpenVINO's default, bf16 where the CPU
    has it natively. Pinning f32 instead was no more exact on MiniLM-L6 (mean score error 8.7e-4
    against 8.8e-4) and 7% slower; naming it keeps scores from CPUs that differ apart."""
    ov, nncf = _libraries()
    computes = ov.Core().get_property("CPU", "INFERENCE_PRECISION_HINT")
    return (f"{SCHEME}; openvino {ov.__version__.split('-')[0]}, nncf {nncf.__version__}; "
            f"other operations in {computes.get_type_name()}")


class StaticInt8:
    """A compiled int8 graph: padded inputs (torch, on the CPU) to the step's output."""

    def __init__(self, compiled: Any, names: Sequence[str]) -> None:
        self._compiled = compiled
        self._names = tuple(names)

    def __call__(self, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
        feed = {name: inputs[name].numpy() for name in self._names}
        return torch.from_numpy(np.asarray(self._compiled(feed)[0]))


class _StepModule(torch.nn.Module):
    """``step(model, inputs)`` as a module with named tensor inputs, for tracing."""

    def __init__(self, model: Any, step: Step, names: Sequence[str]) -> None:
        super().__init__()
        self.model = model
        self.step = step
        self.names = tuple(names)

    def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
        return self.step(self.model, dict(zip(self.names, tensors, strict=True)))


def static_int8(model: Any, step: Step, calibration: Encoded,
                batches: Callable[[], Sequence[dict[str, torch.Tensor]]],
                first_token: bool = False) -> StaticInt8:
    """The int8 graph of ``step`` over ``model``, calibrated on the padded ``batches()`` of
    ``calibration``.

    Cached per model object, step and calibration tokens, so the many calls of one stage (the
    chunks of a re-ranking, both sides of SPLADE) convert and quantise once each, and a call that
    finds its graph pads nothing. ``first_token``: the graph computes the last layer at the first
    token only (:func:`first_token_model`).
    """
    if not calibration.ids:
        raise ConfigError("precision=int8-static needs calibration inputs; none were given.")
    digest = hashlib.sha256()
    for ids, types in zip(calibration.ids, calibration.type_ids, strict=True):
        digest.update(ids.tobytes() + b"|" + types.tobytes() + b";")
    key = (step, first_token, digest.hexdigest())
    per_model = _compiled.setdefault(model, {})
    if key not in per_model:
        source = first_token_model(model) if first_token else model
        per_model[key] = _build(source, step, batches())
    return per_model[key]


def _build(model: Any, step: Step, calibration: Sequence[dict[str, torch.Tensor]]
           ) -> StaticInt8:
    ov, nncf = _libraries()
    names = tuple(calibration[0])
    started = time.perf_counter()
    module = _StepModule(model.to("cpu"), step, names).eval()
    example = tuple(calibration[0][name] for name in names)
    with warnings.catch_warnings(), torch.no_grad():  # tracing warns about shape-dependent code
        warnings.simplefilter("ignore")
        graph = ov.convert_model(module, example_input=example,
                                 input=[([-1, -1], ov.Type.i64) for _ in names])
    for port, name in zip(graph.inputs, names, strict=True):
        port.get_tensor().set_names({name})
    samples = [{name: batch[name].numpy() for name in names} for batch in calibration]
    logging.getLogger("nncf").setLevel(logging.WARNING)
    quantised = nncf.quantize(graph, nncf.Dataset(samples), model_type=nncf.ModelType.TRANSFORMER,
                              subset_size=len(samples))
    compiled = ov.Core().compile_model(quantised, "CPU")
    log.info("int8-static: %s converted and quantised on %d calibration batches in %.1f s",
             type(model).__name__, len(samples), time.perf_counter() - started)
    return StaticInt8(compiled, names)


def _libraries() -> tuple[Any, Any]:
    try:
        import nncf
        import openvino
    except ImportError:
        raise ConfigError("precision=int8-static runs on OpenVINO. Fix: pip install "
                          "'rerank-bench[int8-static]' (openvino and nncf).") from None
    return openvino, nncf
