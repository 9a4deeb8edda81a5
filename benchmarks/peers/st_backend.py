"""sentence-transformers' CrossEncoder on its ONNX or OpenVINO backend, timed on given pairs.

Why a script of its own, run by another interpreter: the backends' own stacks (optimum-onnx wants
transformers < 4.58; optimum-intel pins transformers 5.5) cannot be installed beside our
transformers 5.25, so each lives in its own virtual environment (``make bench-peers``:
``.venv-onnx``, ``.venv-openvino``, pinned in ``benchmarks/peers/*.txt``) and
``bench_cross_encoder.py`` runs this file there, once to export and quantise, once to measure.
It imports nothing of rerank_bench but the stdlib-only :mod:`rerank_bench.machine`.

What it does is what sentence-transformers' efficiency docs describe for cross-encoders:

- ``fp32``: ``CrossEncoder(folder, backend=...)``, which exports the model to ONNX or OpenVINO;
- ``int8`` on ONNX: ``export_dynamic_quantized_onnx_model(model, "avx512_vnni", folder)``;
- ``int8`` on OpenVINO: static post-training quantisation (``OVQuantizer`` with the default
  ``OVQuantizationConfig``, 300 calibration samples), the steps of
  ``export_static_quantized_openvino_model``. That function calibrates on GLUE SST-2 fetched from
  the hub, which cannot be had offline, and on single sentences; here it calibrates on the given
  calibration pairs (SciFact *train* queries with their BM25 passages, never the measured pairs),
  tokenised as pairs: as generous to the peer as we can be.

Usage (by bench_cross_encoder.py)::

    PY st_backend.py export  --backend openvino --precision int8 --folder F --calibration C.json
    PY st_backend.py measure --backend openvino --precision int8 --folder F --pairs P.json \
        --out scores.npy    # prints one JSON line: seconds, peak_mb, inference precision
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from rerank_bench.machine import peak_mb  # noqa: E402  (stdlib only)

WARMUP = 32
CALIBRATION_SAMPLES = 300
INT8_FILES = {"onnx": "onnx/model_qint8_avx512_vnni.onnx",
              "openvino": "openvino/openvino_model_qint8_quantized.xml"}
"""Where sentence-transformers' own export functions put each backend's int8 model."""


def _load(backend: str, precision: str, folder: str, max_length: int):  # noqa: ANN202
    from sentence_transformers import CrossEncoder

    kwargs = {"model_kwargs": {"file_name": INT8_FILES[backend]}} if precision == "int8" else {}
    return CrossEncoder(folder, backend=backend, max_length=max_length, device="cpu", **kwargs)


def export(backend: str, precision: str, folder: str, calibration: str | None,
           max_length: int) -> None:
    """Write the backend's model files into ``folder`` (a copy of the model, made for this)."""
    model = _load(backend, "fp32", folder, max_length)
    model.save_pretrained(folder)  # the fp32 export, so that measuring does not export again
    if precision != "int8":
        return
    if backend == "onnx":
        from sentence_transformers import export_dynamic_quantized_onnx_model

        export_dynamic_quantized_onnx_model(model, "avx512_vnni", folder)
        return
    from datasets import Dataset
    from optimum.intel.openvino import OVConfig, OVQuantizationConfig, OVQuantizer

    pairs = json.loads(Path(calibration or "").read_text(encoding="utf-8"))[:CALIBRATION_SAMPLES]
    features = model.tokenizer([q for q, _ in pairs], [d for _, d in pairs], truncation=True,
                               max_length=max_length, padding="max_length")
    config = OVConfig(quantization_config=OVQuantizationConfig(num_samples=len(pairs)))
    quantized = Path(folder) / "openvino_int8"
    OVQuantizer.from_pretrained(model.model).quantize(
        Dataset.from_dict(dict(features)), save_directory=str(quantized), ov_config=config)
    target = Path(folder) / INT8_FILES["openvino"]
    for suffix in (".xml", ".bin"):
        (quantized / "openvino" / f"openvino_model{suffix}").replace(target.with_suffix(suffix))


def measure(backend: str, precision: str, folder: str, pairs_file: str, out: str,
            max_length: int, batch_size: int) -> None:
    """Score the pairs after a warm-up; print the seconds, this process's peak MB and the
    precision the backend actually computes in (OpenVINO picks bf16 on bf16-capable CPUs)."""
    import numpy as np

    pairs = [tuple(p) for p in json.loads(Path(pairs_file).read_text(encoding="utf-8"))]
    model = _load(backend, precision, folder, max_length)
    model.predict(pairs[:WARMUP], batch_size=batch_size, show_progress_bar=False)
    started = time.perf_counter()
    scores = model.predict(pairs, batch_size=batch_size, show_progress_bar=False)
    seconds = time.perf_counter() - started
    np.save(out, np.asarray(scores, dtype=np.float32))
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb(),
                      "computes_in": _computes_in(backend)}))


def _computes_in(backend: str) -> str:
    if backend != "openvino":
        return "as exported"
    import openvino

    return str(openvino.Core().get_property("CPU", "INFERENCE_PRECISION_HINT").get_type_name())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=("export", "measure"))
    parser.add_argument("--backend", choices=("onnx", "openvino"), required=True)
    parser.add_argument("--precision", choices=("fp32", "int8"), required=True)
    parser.add_argument("--folder", required=True, help="a copy of the cross-encoder's folder")
    parser.add_argument("--calibration", help="JSON list of [query, passage] (int8 OpenVINO)")
    parser.add_argument("--pairs", help="JSON list of [query, passage] to score")
    parser.add_argument("--out", help="where the scores go (.npy)")
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()
    if args.step == "export":
        export(args.backend, args.precision, args.folder, args.calibration, args.max_length)
    else:
        measure(args.backend, args.precision, args.folder, args.pairs, args.out,
                args.max_length, args.batch_size)


if __name__ == "__main__":
    main()
