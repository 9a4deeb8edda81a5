"""Experiment specs: schema validation, verdicts, and reproduce through the real pipeline."""

from __future__ import annotations

from pathlib import Path

import pytest

from rerank_bench.cli import main
from rerank_bench.errors import ConfigError
from rerank_bench.experiments import (
    Tolerance,
    find_spec,
    load_spec,
    plan,
    reproduce,
    verdict,
    write_results,
)
from rerank_bench.reporting.runs import RunStore

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
            "conditions: [{name: a, overrides: [dataset], expected: {d: {m: 1}}}]",
            "not a Hydra override",
        ),
        ("conditions: [{name: a, expected: {d: {m: 1}}}\n", "not valid YAML"),
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


def test_verdicts_fail_on_gains_too() -> None:
    tol = Tolerance(ok=0.001, okish=0.005)
    assert verdict(0.5, 0.5004, tol) == "OK"
    assert verdict(0.5, 0.497, tol) == "OKISH"
    assert verdict(0.5, 0.503, tol) == "OKISH"
    assert verdict(0.5, 0.52, tol) == "FAIL"  # an unexplained gain is a change of behaviour
    assert verdict(0.5, 0.48, tol) == "FAIL"
    assert verdict(None, 0.48, tol) == "NEW"
    assert verdict(0.5, None, tol) == "FAIL"


def test_reproduce_runs_resumes_and_writes_results(tmp_path: Path, env: str) -> None:
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
    assert "- commit: `" in results and "cores; torch" in results
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
