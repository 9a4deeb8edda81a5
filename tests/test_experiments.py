"""Experiment specs: schema validation, verdicts, and reproduce through the real pipeline."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from rerank_bench.cli import main
from rerank_bench.errors import ConfigError
from rerank_bench.experiments import (
    REUSE_KEY_TAG,
    CodeVersion,
    Tolerance,
    find_spec,
    load_spec,
    plan,
    reproduce,
    verdict,
    write_results,
)
from rerank_bench.reporting.runs import RunStore

REPO_SPECS = sorted((Path(__file__).resolve().parent.parent / "experiments").glob("*/spec.yaml"))
CLEAN = "0123456789abcdef0123456789abcdef01234567"

TINY_SPEC = """
name: tiny
description: BM25 replayed vs BM25 computed on ten DL19 topics.
baseline: replay
metrics: [ndcg_at_10, recall_at_100]
tolerance: 0.0001
showcase: {dl19_tiny: ["19335"]}
showcase_depth: 2
subsets: {dl19_tiny: {picked: SUBSET}}
conditions:
  - name: replay
    display: BM25 run file
    overrides:
      - retriever=run_file
      - retriever.path=${paths.data}/msmarco-trec-dl/fixture-tiny/run.bm25.top20.trec
      - retriever.name=replay
    expected: {dl19_tiny: {ndcg_at_10: EXPECTED}}
  - name: bm25s
    display: bm25s
    overrides: [retriever=bm25]
    expected: {dl19_tiny: {ndcg@10: null}}
"""


@pytest.fixture()
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data_root: Path) -> str:
    monkeypatch.setenv("RERANK_BENCH_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("RERANK_BENCH_DATA", str(data_root))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return f"sqlite:///{tmp_path / 'state' / 'mlflow.db'}"


def _at_commit(monkeypatch: pytest.MonkeyPatch, commit: str) -> None:
    """Pretend the source tree is at ``commit``: both the reuse key and the run's tag see it."""
    from rerank_bench import tracking

    def fake() -> str:
        return commit

    monkeypatch.setattr(tracking, "git_commit", fake)  # what the reuse key reads
    # what start_run tags the run with, wherever it is defined
    monkeypatch.setattr(sys.modules[tracking.start_run.__module__], "git_commit", fake)


def _spec(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "experiments" / "tiny" / "spec.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_dl19_reference_spec_is_valid(repo_root: Path) -> None:
    spec = load_spec(find_spec("dl19_reference", repo_root / "experiments"))
    assert [c.name for c in spec.conditions] == [
        "bm25",
        "bm25_rm3",
        "tasb",
        "splade_pp_ed",
        "ada2",
        "repllama",
        "bm25_splade",
        "bm25_minilm",
    ]
    expected = {c.name: c.expected["dl19"]["ndcg_at_10"] for c in spec.conditions}
    assert expected["bm25"] == 0.5058 and expected["splade_pp_ed"] == 0.7308
    assert expected["tasb"] == 0.7210 and expected["ada2"] == 0.7035
    assert spec.baseline == "bm25" and spec.conditions[0].tolerance == Tolerance(1e-4, 5e-4)
    cells = plan(spec)
    assert all(c.overrides[-1] == "dataset=dl19" for c in cells)
    assert len({c.config_hash for c in cells}) == 8


def test_a_spec_names_several_baselines_in_order(tmp_path: Path) -> None:
    conditions = ", ".join(f"{{name: {n}, expected: {{d: {{m: 1}}}}}}" for n in "abc")
    spec = load_spec(_spec(tmp_path, f"baseline: [b, a]\nconditions: [{conditions}]"))
    assert spec.baseline == ("b", "a")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("conditions: []", "conditions: expected a non-empty list"),
        (
            "conditoins: []\nconditions: [{name: a, expected: {d: {m: 1}}}]",
            r"top level: unknown key\(s\) \['conditoins'\]",
        ),
        (
            "conditions: [{name: a, expected: {d: {m: high}}}]",
            r"conditions\[0\]\.expected\.d\.m: expected a number, found 'high'",
        ),
        ("conditions: [{name: a}]", r"conditions\[0\]: missing required key\(s\) \['expected'\]"),
        (
            "conditions: [{name: a, expected: {d: {m: 1}}, tolerance: -1}]",
            r"conditions\[0\]\.tolerance: expected 0 <= ok",
        ),
        (
            "conditions: [{name: a, expected: {d: {m: 1}}}, {name: a, expected: {d: {m: 1}}}]",
            r"repeated: \['a'\]",
        ),
        (
            "baseline: b\nconditions: [{name: a, expected: {d: {m: 1}}}]",
            "baseline: 'b' is not a condition",
        ),
        (
            "baseline: [a, b]\nconditions: [{name: a, expected: {d: {m: 1}}}]",
            "baseline: 'b' is not a condition",
        ),
        (
            "baseline: 3\nconditions: [{name: a, expected: {d: {m: 1}}}]",
            "baseline: expected a list of strings, found 3",
        ),
        (
            "conditions: [{name: a, overrides: [dataset], expected: {d: {m: 1}}}]",
            "not a Hydra override",
        ),
        (
            "common_overrides: [retriever]\nconditions: [{name: a, expected: {d: {m: 1}}}]",
            "common_overrides: 'retriever' is not a Hydra override",
        ),
        ("conditions: [{name: a, expected: {d: {m: 1}}}\n", "not valid YAML"),
        ("cost: 3\nconditions: [{name: a, expected: {d: {m: 1}}}]", "cost: expected true or false"),
    ],
)
def test_schema_errors_name_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = _spec(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as info:
        load_spec(path)
    assert str(path) in str(info.value)


def test_condition_dataset_must_agree_with_expected(tmp_path: Path) -> None:
    spec = load_spec(
        _spec(tmp_path, "conditions: [{name: a, overrides: [dataset=x], expected: {y: {m: 1}}}]")
    )
    with pytest.raises(ConfigError, match="sets dataset=x but expects values on 'y'"):
        plan(spec)


def test_common_overrides_come_first_and_a_condition_overrides_them(tmp_path: Path) -> None:
    text = """
common_overrides: [retriever=bm25, k=50]
conditions:
  - {name: a, overrides: [k=20], expected: {dl19_tiny: {ndcg_at_10: null}}}
  - {name: b, expected: {dl19_tiny: {ndcg_at_10: null}}}
"""
    spec = load_spec(_spec(tmp_path, text))
    a, b = plan(spec)
    assert a.overrides == ("retriever=bm25", "k=50", "k=20", "dataset=dl19_tiny")
    assert b.overrides == ("retriever=bm25", "k=50", "dataset=dl19_tiny")
    assert a.config_hash != b.config_hash


def test_a_condition_that_does_not_compose_fails_the_plan(tmp_path: Path) -> None:
    text = "conditions: [{name: a, overrides: [reranker=nope], expected: {dl19_tiny: {m: 1}}}]"
    with pytest.raises(ConfigError, match="condition 'a' on 'dl19_tiny' does not compose"):
        plan(load_spec(_spec(tmp_path, text)))


TYPO_SPEC = """
conditions:
  - {name: plain, overrides: [retriever=bm25], expected: {helpdesk: {ndcg_at_10: null}}}
  - {name: typo, overrides: [retriever=bm25, OVERRIDE], expected: {helpdesk: {ndcg_at_10: null}}}
"""


@pytest.mark.parametrize(
    ("override", "fix"),
    [
        ("+retriever.k=1", "k is a top-level setting: use k=1"),
        ("+retriever.nam=bm25", "did you mean retriever.name? Use retriever.name=bm25"),
        ("retriever.nam=bm25", "did you mean retriever.name? Use retriever.name=bm25"),
        ("retriever.path=x.trec", "Fix: remove retriever.path=x.trec"),
    ],
)
def test_an_override_the_pipeline_could_not_build_fails_the_plan(
    tmp_path: Path, override: str, fix: str
) -> None:
    path = _spec(tmp_path, TYPO_SPEC.replace("OVERRIDE", override))
    with pytest.raises(ConfigError) as info:
        plan(load_spec(path))
    message = str(info.value)
    assert message.startswith(f"{path}: condition 'typo' on 'helpdesk'")
    assert repr(override) in message and fix in message


def test_a_value_left_unset_fails_the_plan(tmp_path: Path) -> None:
    text = TYPO_SPEC.replace("retriever=bm25, OVERRIDE", "retriever=run_file")
    with pytest.raises(ConfigError, match="condition 'typo'.*retriever.path has no value"):
        plan(load_spec(_spec(tmp_path, text)))


def test_reproduce_refuses_a_bad_condition_before_running_any_cell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RERANK_BENCH_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    path = _spec(tmp_path, TYPO_SPEC.replace("OVERRIDE", "+retriever.k=1"))
    assert main(["reproduce", str(path.parent), "--dry-run"]) == 2
    assert "'+retriever.k=1'" in capsys.readouterr().err
    uri = f"sqlite:///{tmp_path / 'state' / 'mlflow.db'}"
    assert main(["reproduce", str(path.parent), "--tracking-uri", uri]) == 2
    captured = capsys.readouterr()
    assert "use k=1" in captured.err
    assert "NEW" not in captured.out  # the good condition before it did not run either
    assert not (tmp_path / "state" / "mlflow.db").exists()


def test_reuse_key_covers_overrides_data_and_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = load_spec(_spec(tmp_path, TINY_SPEC.replace("EXPECTED", "null")))
    (cell, *_) = plan(spec, "replay", CodeVersion("1.0", CLEAN))
    same = plan(spec, "replay", CodeVersion("1.0", CLEAN))[0]
    assert (same.config_hash, same.reuse_key) == (cell.config_hash, cell.reuse_key)
    for code in (CodeVersion("1.1", CLEAN), CodeVersion("1.0", "f" * 40)):
        other = plan(spec, "replay", code)[0]
        assert other.config_hash == cell.config_hash and other.reuse_key != cell.reuse_key
    monkeypatch.setenv("RERANK_BENCH_DATA", str(tmp_path))  # another data root
    moved = plan(spec, "replay", CodeVersion("1.0", CLEAN))[0]
    assert moved.config_hash != cell.config_hash and moved.reuse_key != cell.reuse_key


@pytest.mark.parametrize("path", REPO_SPECS, ids=[p.parent.name for p in REPO_SPECS])
def test_every_condition_of_every_spec_composes(path: Path) -> None:
    """Compose (and resolve) each cell of each spec on disk with Hydra, as the pipeline does,
    and check it against the classes it names, without running it: a spec naming a config
    option or key that does not exist fails here, in seconds, rather than after the cells
    before it have run (and the check itself never refuses a spec that runs)."""
    from omegaconf import OmegaConf

    from rerank_bench.config import config_composer
    from rerank_bench.config_checks import check_targets

    spec = load_spec(path)
    failures = []
    with config_composer() as compose:
        for condition in spec.conditions:
            for dataset in condition.expected:
                overrides = [*spec.common_overrides, *condition.overrides, f"dataset={dataset}"]
                try:
                    cfg = compose(overrides)
                    OmegaConf.to_container(cfg, resolve=True)
                    check_targets(cfg, overrides)
                except Exception as exc:  # report every failing cell at once
                    failures.append(
                        f"{spec.name}: condition {condition.name!r} on {dataset}: {exc}"
                    )
    assert not failures, "\n".join(failures)


def test_verdicts_fail_on_gains_too() -> None:
    tol = Tolerance(ok=0.001, okish=0.005)
    assert verdict(0.5, 0.5004, tol) == "OK"
    assert verdict(0.5, 0.497, tol) == "OKISH"
    assert verdict(0.5, 0.503, tol) == "OKISH"
    assert verdict(0.5, 0.52, tol) == "FAIL"  # an unexplained gain is a change of behaviour
    assert verdict(0.5, 0.48, tol) == "FAIL"
    assert verdict(None, 0.48, tol) == "NEW"
    assert verdict(0.5, None, tol) == "FAIL"


def test_reproduce_runs_resumes_and_writes_results(
    tmp_path: Path, env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _at_commit(monkeypatch, CLEAN)
    subset = tmp_path / "picked.txt"
    subset.write_text("19335\n", encoding="utf-8")
    text = TINY_SPEC.replace("SUBSET", str(subset))
    spec = load_spec(_spec(tmp_path, text.replace("EXPECTED", "null")))
    first = reproduce(spec, env)
    assert [c.verdict for c in first.checks] == ["NEW", "NEW"]
    assert not first.failed and not first.reused
    value = first.checks[0].got
    assert value is not None and 0.3 < value < 0.9
    run = RunStore(env).get(first.run_ids[("replay", "dl19_tiny")])
    assert run.tags["repro_condition"] == "replay" and run.tags["repro_experiment"] == "tiny"
    assert run.tags["repro_config_hash"] == plan(spec)[0].config_hash
    assert run.tags[REUSE_KEY_TAG] == plan(spec)[0].reuse_key and run.tags["git_commit"] == CLEAN
    assert run.run_name == spec.condition("replay").display  # the condition's display name
    client = RunStore(env).client
    parents = {client.get_run(i).data.tags["mlflow.parentRunId"] for i in first.run_ids.values()}
    (parent,) = [client.get_run(i) for i in parents]  # both cells nested under one run
    assert parent.info.run_name == "reproduce tiny" and parent.info.status == "FINISHED"

    # The recorded value now checks OK, and nothing is re-run: finished runs are reused.
    spec = load_spec(_spec(tmp_path, text.replace("EXPECTED", f"{value:.6f}")))
    again = reproduce(spec, env)
    assert again.checks[0].verdict == "OK"
    assert again.run_ids == first.run_ids
    assert again.reused == {("replay", "dl19_tiny"), ("bm25s", "dl19_tiny")}
    forced = reproduce(spec, env, condition="replay", force=True)
    assert forced.run_ids[("replay", "dl19_tiny")] != first.run_ids[("replay", "dl19_tiny")]

    results = write_results(again).read_text(encoding="utf-8")
    assert results.startswith("# tiny: results")
    assert "| BM25 run file |" in results and "| bm25s |" in results
    assert first.run_ids[("bm25s", "dl19_tiny")] in results
    assert f"- written at commit: `{CLEAN}`" in results and "cores; torch" in results
    # each row names its own run, commit and start date
    runs = results.split("## MLflow runs")[1]
    bm25s = first.run_ids[("bm25s", "dl19_tiny")]
    row = next(line for line in runs.splitlines() if bm25s in line)
    assert row.startswith(f"| bm25s | dl19_tiny | `{bm25s}` | `{CLEAN[:12]}` | 20")
    assert row.endswith(" UTC | reused |")
    assert "| replay | dl19_tiny | ndcg_at_10 |" in results and "| OK |" in results
    # each system's top 2 for the showcase query, with the judged grade of each document
    assert "## Top 2 per system: dl19_tiny" in results
    assert '### 19335: "anthropological definition of environment"' in results
    # means on a query subset and on the rest, from the per-query values each run logged
    subsets = results.split("## By query subset: dl19_tiny")[1].split("##")[0]
    assert "| System | all (10) | picked (1) | not picked (9) |" in subsets
    per_query = RunStore(env).per_query(first.run_ids[("replay", "dl19_tiny")])
    picked = per_query.metric("ndcg_at_10")["19335"]  # type: ignore[index]
    assert f"| BM25 run file | {value:.4f} | {picked:.4f} |" in subsets
    showcase = results.split("## Top 2 per system")[1]
    row = next(line for line in showcase.splitlines() if line.startswith("| BM25 run file |"))
    assert row.count("(") == 2 and "unjudged" not in row.split("|")[2]


def test_a_spec_with_cost_records_each_serving_cost_and_the_frontier(
    tmp_path: Path, env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rerank_bench.machine import describe

    _at_commit(monkeypatch, CLEAN)
    text = TINY_SPEC.replace("SUBSET", str(tmp_path / "none.txt")).replace("EXPECTED", "null")
    text = text.replace("subsets: {dl19_tiny: {picked: " + str(tmp_path / "none.txt") + "}}\n", "")
    text += "cost: true\ncommon_overrides: [serving.queries=3]\n"
    path = _spec(tmp_path, text)
    results = write_results(reproduce(load_spec(path), env)).read_text(encoding="utf-8")
    table = results.split("## Table")[1].split("##")[0]
    assert "p50 ms/query" in table and "p95 ms/query" in table and "peak MB" in table
    assert f"measured it on {describe()}" in table
    assert "## Quality against serving cost" in results and "(frontier.png)" in results
    assert (path.parent / "frontier.png").stat().st_size > 10_000


def test_reuse_needs_the_same_clean_commit(
    tmp_path: Path, env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = load_spec(_spec(tmp_path, TINY_SPEC.replace("EXPECTED", "null")))

    def run_id(**kwargs: bool) -> str:
        return reproduce(spec, env, condition="replay", **kwargs).run_ids[("replay", "dl19_tiny")]

    _at_commit(monkeypatch, "a" * 40)
    at_a = run_id()
    assert run_id() == at_a  # same code: reused
    _at_commit(monkeypatch, "b" * 40)
    at_b = run_id()
    assert at_b != at_a  # the code changed: the old number is not reused
    _at_commit(monkeypatch, "c" * 40)
    assert run_id(reuse_any_commit=True) == at_b  # the newest clean run of any commit
    _at_commit(monkeypatch, "c" * 40 + "-dirty")
    dirty = run_id()
    assert dirty not in (at_a, at_b) and run_id() != dirty  # a dirty tree reuses nothing
    assert run_id(reuse_any_commit=True) == at_b  # and its runs are never reused
    with pytest.raises(ValueError, match="pick one"):
        run_id(force=True, reuse_any_commit=True)


def test_reproduce_cli_exits_1_on_a_fail(
    tmp_path: Path, env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _spec(tmp_path, TINY_SPEC.replace("EXPECTED", "0.99"))
    code = main(["reproduce", str(path.parent), "--condition", "replay", "--tracking-uri", env])
    out = capsys.readouterr().out
    assert code == 1
    assert "FAIL  replay" in out and "expected  0.9900" in out and "1 FAIL (tiny)" in out
    assert not (path.parent / "RESULTS.md").exists()  # partial runs do not overwrite results
    assert main(["reproduce", str(path.parent), "--dry-run"]) == 0
    assert "dataset=dl19_tiny" in capsys.readouterr().out
    assert main(["reproduce", "no_such_experiment"]) == 2
    assert "no experiment spec 'no_such_experiment'" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # --force reuses nothing, --reuse-any-commit more
        main(["reproduce", str(path.parent), "--force", "--reuse-any-commit"])
    assert "not allowed with argument" in capsys.readouterr().err


@pytest.mark.slow
def test_dl19_reference_reproduces(
    repo_root: Path, tmp_path: Path, env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    results = tmp_path / "RESULTS.md"
    code = main(
        [
            "reproduce",
            str(repo_root / "experiments" / "dl19_reference"),
            "--tracking-uri",
            env,
            "--results",
            str(results),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "8 OK (dl19_reference)" in out
    assert "| SPLADE++ ED | <u>0.7308</u>†" in results.read_text(encoding="utf-8")
