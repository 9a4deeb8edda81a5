"""Dataset sources: the objects ``conf/dataset/*.yaml`` instantiate, one per way data arrives.

Why: the pipeline should not know whether a collection is a BEIR folder, a set of TREC or SMART
files, or an ir_datasets id. Each config names a source class (``_target_``) with its paths and
split names; the pipeline calls :meth:`DatasetSource.load` and gets a
:class:`~rerank_bench.data.records.Dataset`. Constructors only store settings (no file is opened
when a config is composed or the package imported); :meth:`DatasetSource.load` reads everything
once, validates it, and memoizes the result on the instance.

Conventions every source follows:

* A split holds the topics that have judgments in that split's qrels (as trec_eval scores only
  judged topics); topics without judgments are dropped and their number logged.
* Qrels that judge a topic missing from the topics file are an error (that topic would score
  zero and silently lower every mean). Judged documents missing from the corpus are normal for
  pooled collections (the DL19 pool): they are counted and logged, never an error.
* Every configured split (``eval_split``, ``train_split``, ``dev_split``) must exist, checked at
  load time with a :class:`~rerank_bench.errors.ConfigError` listing the available ones.

One module per job, each source in its own; configs keep naming the classes by this package
(``_target_: rerank_bench.data.sources.BeirSource``):

* :mod:`~rerank_bench.data.sources.base`: :class:`DatasetSource`, what every source does;
* :mod:`~rerank_bench.data.sources.paths`: configured paths (``pkg:``, ``~``) to files;
* :mod:`~rerank_bench.data.sources.splits`: a split from topics and qrels, checked;
* :mod:`~rerank_bench.data.sources.stats`: the counts that describe a loaded dataset;
* :mod:`~rerank_bench.data.sources.beir`, :mod:`~rerank_bench.data.sources.local`,
  :mod:`~rerank_bench.data.sources.cranfield`, :mod:`~rerank_bench.data.sources.irds`: the
  sources.
"""

from __future__ import annotations

from rerank_bench.data.sources.base import DatasetSource
from rerank_bench.data.sources.beir import BeirSource
from rerank_bench.data.sources.cranfield import CranfieldSource
from rerank_bench.data.sources.irds import IRDS_PREFIX, IrDatasetsBeirSource, IrDatasetsSource
from rerank_bench.data.sources.local import LocalSource
from rerank_bench.data.sources.paths import PACKAGE_PREFIX, resolve_path
from rerank_bench.data.sources.splits import make_split
from rerank_bench.data.sources.stats import dataset_stats

__all__ = [
    "IRDS_PREFIX",
    "PACKAGE_PREFIX",
    "BeirSource",
    "CranfieldSource",
    "DatasetSource",
    "IrDatasetsBeirSource",
    "IrDatasetsSource",
    "LocalSource",
    "dataset_stats",
    "make_split",
    "resolve_path",
]
