"""Start and stop the MLflow UI on the project's store, bound to 127.0.0.1 on a free port.

Why: browsing runs should be one command that opens the same store the pipeline writes to,
never exposes it beyond this machine, and never leaves a server behind. The server runs in its
own process group so that stopping it also stops its workers.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Self

from rerank_bench.errors import ConfigError
from rerank_bench.reporting.runs import default_artifact_root, default_tracking_uri
from rerank_bench.tracking.writer import mask_password

__all__ = ["MlflowUI", "free_port"]


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class MlflowUI:
    """``mlflow server`` on one store, as a context manager.

    Args:
        tracking_uri: backend store; default the project's (see ``default_tracking_uri``).
        artifact_root: default artifact root; default ``$RERANK_BENCH_HOME/mlartifacts``.
        port: port to listen on; 0 picks a free one.
        host: interface; 127.0.0.1 keeps the store private to this machine.
    """

    def __init__(
        self,
        tracking_uri: str | None = None,
        artifact_root: str | None = None,
        port: int = 0,
        host: str = "127.0.0.1",
    ) -> None:
        from rerank_bench.tracking import resolve_tracking_uri

        self.tracking_uri = resolve_tracking_uri(tracking_uri or default_tracking_uri())
        root = Path(artifact_root or default_artifact_root()).resolve()
        self.artifact_root = str(root)
        self.host = host
        self.port = port or free_port(host)
        self._process: subprocess.Popen[bytes] | None = None
        self._log = tempfile.TemporaryFile()

    @property
    def url(self) -> str:
        """The address the UI answers on."""
        return f"http://{self.host}:{self.port}"

    @property
    def _probe_url(self) -> str:
        """The address :meth:`wait_ready` asks from this machine."""
        return self.url

    def _options(self) -> list[str]:
        """The options of ``mlflow server`` after ``--host`` and ``--port``."""
        return ["--default-artifact-root", self.artifact_root, "--workers", "1"]

    def start(self) -> None:
        """Launch the server (returns at once; see :meth:`wait_ready`).

        The store's URI goes in the environment (``MLFLOW_BACKEND_STORE_URI``), not on the command
        line, which ``ps`` shows to every user of the machine: a database URI holds a password.
        """
        if "://" not in self.artifact_root:
            Path(self.artifact_root).mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
            "MLFLOW_BACKEND_STORE_URI": self.tracking_uri,
        }
        command = [sys.executable, "-m", "mlflow", "server", "--host", self.host,
                   "--port", str(self.port), *self._options()]
        self._process = subprocess.Popen(
            command,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Block until the server answers ``/health``.

        Raises:
            ConfigError: the server exited or did not answer within ``timeout`` seconds; the
                message ends with its log.
        """
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                raise ConfigError(f"the MLflow server stopped while starting:\n{self._tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self._probe_url}/health", timeout=2.0).status_code == 200:
                    return
            time.sleep(0.3)
        self.stop()
        raise ConfigError(f"the MLflow server did not answer within {timeout:g} s:\n{self._tail()}")

    def wait(self) -> int:
        """Block until the server exits; its exit code."""
        return self._process.wait() if self._process is not None else 0

    def serve(self, message: str, timeout: float = 60.0) -> None:
        """Start, print ``message`` once the server answers, and serve until Ctrl-C.

        SIGTERM (``kill``, systemd, ``docker stop``) stops it the same way, workers included: the
        server runs in its own process group, which a signal to this process does not reach.
        Call from the main thread (signal handlers are installed there).

        Raises:
            ConfigError: see :meth:`wait_ready`.
        """
        previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
        try:
            with self:
                self.wait_ready(timeout)
                print(message, flush=True)
                self.wait()
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)

    def stop(self, grace: float = 10.0) -> None:
        """Stop the server and its workers (SIGTERM, then SIGKILL after ``grace`` seconds)."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=grace)

    def _tail(self, size: int = 3000) -> str:
        """The end of the server's log, passwords of URIs masked."""
        self._log.seek(0)
        return mask_password(self._log.read().decode("utf-8", "replace")[-size:])

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        self._log.close()
