"""`rerank-bench ui` in a real headless browser (Debian's chromium) on a store a tiny
`reproduce` made: the conditions' display names and the headline metric are on the pages.

MLflow's UI is a single-page app that fetches runs after it loads; chromium's virtual time budget
lets it settle before the DOM is dumped. Screenshots are written beside the test's files (and,
with ``RERANK_BENCH_TEST_ARTIFACTS`` set, copied there) for a person to look at.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest
from mlflow.tracking import MlflowClient

from rerank_bench.experiments import load_spec, reproduce
from rerank_bench.reporting.ui import MlflowUI

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="no chromium (.ci/run installs it)"),
]

SPEC = """\
name: tiny_ui
description: two BM25 settings on the helpdesk, for the browser test
mlflow_experiment: tiny_ui
conditions:
  - name: bm25
    display: BM25 with default k1
    expected: {helpdesk: {ndcg_at_10: null}}
  - name: bm25_k1
    display: BM25 with k1 of two
    overrides: [retriever.k1=2.0]
    expected: {helpdesk: {ndcg_at_10: null}}
"""


def _page(url: str, screenshot: Path) -> str:
    """The page's DOM once the app has fetched and drawn its data; a screenshot beside it."""
    common = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu",
              "--virtual-time-budget=20000", "--window-size=1600,1000"]
    subprocess.run([*common, f"--screenshot={screenshot}", url], capture_output=True,
                   timeout=180, check=True)
    artifacts = os.environ.get("RERANK_BENCH_TEST_ARTIFACTS")
    if artifacts:
        Path(artifacts).mkdir(parents=True, exist_ok=True)
        shutil.copy(screenshot, Path(artifacts) / screenshot.name)
    return subprocess.run([*common, "--dump-dom", url], capture_output=True, text=True,
                          timeout=180, check=True).stdout


def test_the_ui_shows_each_condition_and_the_headline_metric(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data_root: Path
) -> None:
    home = tmp_path / "state"
    monkeypatch.setenv("RERANK_BENCH_HOME", str(home))
    monkeypatch.setenv("RERANK_BENCH_DATA", str(data_root))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    spec_path = tmp_path / "experiments" / "tiny_ui" / "spec.yaml"
    spec_path.parent.mkdir(parents=True)
    spec_path.write_text(SPEC, encoding="utf-8")
    uri = f"sqlite:///{home / 'mlflow.db'}"
    report = reproduce(load_spec(spec_path), uri)
    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name("tiny_ui")
    assert experiment is not None
    runs = {client.get_run(i).info.run_name: i for i in report.run_ids.values()}
    assert set(runs) == {"BM25 with default k1", "BM25 with k1 of two"}
    parent = client.get_run(next(iter(runs.values()))).data.tags["mlflow.parentRunId"]
    base = f"#/experiments/{experiment.experiment_id}"
    shots = tmp_path / "screenshots"
    shots.mkdir()
    with MlflowUI(uri, str(home / "mlartifacts")) as ui:
        ui.wait_ready(timeout=120)
        # the runs table opens on training runs, with the headline metric as a column
        columns = quote('["metrics.`ndcg_at_10`"]')
        table = _page(f"{ui.url}/{base}/runs?selectedColumns={columns}", shots / "runs.png")
        assert "ndcg_at_10" in table and "reproduce tiny_ui" in table
        # the reproduction's parent run lists its conditions by their display names
        nested = _page(f"{ui.url}/{base}/runs/{parent}", shots / "parent.png")
        assert all(name in nested for name in runs)
        for name, run_id in runs.items():  # and each condition's run shows its metric
            page = _page(f"{ui.url}/{base}/runs/{run_id}", shots / f"{run_id}.png")
            assert name in page and "ndcg_at_10" in page
    assert all(p.stat().st_size > 10_000 for p in shots.iterdir())
