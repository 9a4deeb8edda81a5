"""rerank-bench: measure whether re-rankers, pre-trained or fine-tuned on domain data, help.

The public surface is small: run an experiment with :func:`rerank_bench.pipeline.run` (or the
``rerank-bench`` command), read data with :mod:`rerank_bench.data`, evaluate with
:func:`rerank_bench.evaluation.evaluate`. Importing the package loads no data and no model.
"""

from rerank_bench.errors import ConfigError, DataFormatError, RerankBenchError

__all__ = ["ConfigError", "DataFormatError", "RerankBenchError", "__version__"]
__version__ = "0.1.0"
