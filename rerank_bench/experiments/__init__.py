"""Experiment specs as data, their reproduction, and the RESULTS.md they leave behind.

Each ``experiments/<name>/spec.yaml`` lists conditions (Hydra overrides) with the values they are
expected to reach; row order, display names, tolerances and the RESULTS.md table all come from
that one spec, so they cannot drift apart. Three jobs, one module each:

* :mod:`~rerank_bench.experiments.spec`: the schema and its loading (:func:`load_spec`);
* :mod:`~rerank_bench.experiments.runner`: planning, running and reusing finished runs
  (:func:`reproduce`), keyed by overrides, data and code;
* :mod:`~rerank_bench.experiments.results`: the RESULTS.md writer (:func:`write_results`).
"""

from rerank_bench.experiments.results import (
    machine_info,
    machine_line,
    results_markdown,
    write_results,
)
from rerank_bench.experiments.runner import (
    CONDITION_TAG,
    CONFIG_HASH_TAG,
    EXPERIMENT_TAG,
    REUSE_KEY_TAG,
    Cell,
    Check,
    CodeVersion,
    ReproReport,
    data_fingerprint,
    describe_reuse,
    plan,
    reproduce,
    verdict,
)
from rerank_bench.experiments.spec import (
    Condition,
    ExperimentSpec,
    Tolerance,
    find_spec,
    load_spec,
)

__all__ = [
    "CONDITION_TAG",
    "CONFIG_HASH_TAG",
    "EXPERIMENT_TAG",
    "REUSE_KEY_TAG",
    "Cell",
    "Check",
    "CodeVersion",
    "Condition",
    "ExperimentSpec",
    "ReproReport",
    "Tolerance",
    "data_fingerprint",
    "describe_reuse",
    "find_spec",
    "load_spec",
    "machine_info",
    "machine_line",
    "plan",
    "reproduce",
    "results_markdown",
    "verdict",
    "write_results",
]
