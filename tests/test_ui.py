"""`rerank-bench ui`: a real MLflow server on 127.0.0.1 that answers, then stops."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from _tracking_helpers import log_run, store_uri

from rerank_bench.reporting.ui import MlflowUI


def test_ui_serves_the_store_and_stops(tmp_path: Path) -> None:
    uri, artifacts = store_uri(tmp_path)
    log_run(uri, artifacts, "browse-me", "bm25", "scifact", {"ndcg@10": {"q1": 0.5}})
    with MlflowUI(uri, artifacts) as ui:
        ui.wait_ready(timeout=90)
        assert ui.url.startswith("http://127.0.0.1:")
        assert httpx.get(f"{ui.url}/health", timeout=5).status_code == 200
        found = httpx.get(
            f"{ui.url}/api/2.0/mlflow/experiments/get-by-name",
            params={"experiment_name": "browse-me"},
            timeout=10,
        )
        assert found.status_code == 200
        process = ui._process
        assert process is not None
    assert process.poll() is not None  # stopped with its process group
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{ui.url}/health", timeout=2)


@pytest.mark.slow
def test_ui_command_prints_the_address(tmp_path: Path) -> None:
    uri, artifacts = store_uri(tmp_path)
    log_run(uri, artifacts, "e", "bm25", "scifact", {"ndcg@10": {"q1": 0.5}})
    command = [
        sys.executable,
        "-c",
        "from rerank_bench.cli import main; raise SystemExit(main())",
        "ui",
        "--tracking-uri",
        uri,
        "--artifact-root",
        artifacts,
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        line = ""
        while time.monotonic() < deadline and "MLflow UI:" not in line:
            line = process.stdout.readline() if process.stdout else ""
            if not line and process.poll() is not None:
                break
        assert "MLflow UI: http://127.0.0.1:" in line
        url = line.split()[2]
        assert httpx.get(f"{url}/health", timeout=5).status_code == 200
    finally:
        os.killpg(process.pid, signal.SIGINT)
        assert process.wait(timeout=30) == 0
