"""A shared MLflow tracking server: runs in a database, artifacts proxied through the server.

Why: the embedded sqlite store (and its artifact folder) lives on one machine; a team, or jobs on
several machines, need one store they all write to. ``mlflow server`` on a database
(``postgresql://...``) serialises their writes; with ``--serve-artifacts`` a client uploads and
downloads artifacts through the server (``mlflow-artifacts:/`` locations), so no client needs the
server's disk or cloud credentials. Clients only set ``tracking.uri=http://host:port`` (or
``MLFLOW_TRACKING_URI``); nothing changes for users without a server.

The database URI (it holds a password) reaches the server through its environment, never its
command line, and is printed with the password masked.
"""

from __future__ import annotations

import importlib.util
import os
import socket
from pathlib import Path
from urllib.parse import urlparse

from rerank_bench.errors import ConfigError
from rerank_bench.reporting.runs import default_artifact_root
from rerank_bench.reporting.ui import MlflowUI
from rerank_bench.tracking.writer import mask_password

__all__ = ["BACKEND_ENV", "TrackingServer"]

BACKEND_ENV = "MLFLOW_BACKEND_STORE_URI"
"""MLflow's own variable for the backend store: the URI without a password on the command line."""
_ANY_INTERFACE = ("0.0.0.0", "::", "")
_DRIVERS = {
    "psycopg": ("psycopg", "psycopg[binary]"),
    "psycopg2": ("psycopg2", "psycopg2-binary"),
    "pymysql": ("pymysql", "pymysql"),
    "mysqldb": ("MySQLdb", "mysqlclient"),
}
"""SQLAlchemy's driver name -> its module and the package that installs it. A bare
``postgresql://`` means psycopg (3) since SQLAlchemy 2.1, psycopg2 before it."""


def _check_driver(uri: str) -> None:
    """Refuse a database URI whose driver is not installed, before a server dies on it.

    Raises:
        ConfigError: naming the package to install, or the ``+driver`` form of the URI.
    """
    if not urlparse(uri).scheme.startswith(("postgresql", "mysql")):
        return
    from sqlalchemy.engine import make_url

    driver = make_url(uri).get_dialect().driver
    module, package = _DRIVERS.get(driver, (driver, driver))
    if importlib.util.find_spec(module) is None:
        raise ConfigError(
            f"the backend store {mask_password(uri)} needs the database driver {module!r}: "
            f"pip install '{package}', or name an installed driver in the URI "
            f"(postgresql+psycopg2://... with psycopg2-binary)"
        )


class TrackingServer(MlflowUI):
    """``mlflow server`` for a team, as a context manager (see :class:`MlflowUI`).

    Args:
        backend_store_uri: the database
            (``postgresql+psycopg2://user:password@host:5432/mlflow``); default
            ``$MLFLOW_BACKEND_STORE_URI``. A sqlite URI works for a server of one machine.
        artifacts_destination: where the server keeps the artifacts it proxies: a folder of the
            server's machine or a URI (``s3://bucket/path``); default
            ``$RERANK_BENCH_HOME/mlartifacts``.
        port: port to listen on (fixed by default so the clients' URI stays the same).
        host: interface; ``0.0.0.0`` (the default) lets other machines connect.
        workers: server worker processes (concurrent requests of parallel jobs).
        allowed_hosts: ``Host`` headers the server accepts (MLflow's ``--allowed-hosts``); default
            MLflow's (localhost, private addresses) plus this machine's name when listening on
            every interface, so the URI printed for clients is accepted.

    Raises:
        ConfigError: no backend store, or its database driver is not installed.
    """

    def __init__(
        self,
        backend_store_uri: str | None = None,
        artifacts_destination: str | None = None,
        port: int = 5000,
        host: str = "0.0.0.0",
        workers: int = 4,
        allowed_hosts: str | None = None,
    ) -> None:
        uri = backend_store_uri or os.environ.get(BACKEND_ENV, "")
        if not uri:
            raise ConfigError(
                "no backend store: pass --backend-store-uri "
                "postgresql+psycopg2://user:password@host/db or set "
                f"{BACKEND_ENV} (which keeps the password off the command line)"
            )
        _check_driver(uri)
        super().__init__(uri, None, port, host)
        destination = artifacts_destination or default_artifact_root()
        self.artifact_root = destination if "://" in destination else str(
            Path(destination).resolve()
        )
        self.workers = workers
        self.allowed_hosts = allowed_hosts

    @property
    def url(self) -> str:
        """The tracking URI clients set: this machine's name when listening on every interface."""
        host = socket.getfqdn() if self.host in _ANY_INTERFACE else self.host
        return f"http://{host}:{self.port}"

    @property
    def _probe_url(self) -> str:
        host = "127.0.0.1" if self.host in _ANY_INTERFACE else self.host
        return f"http://{host}:{self.port}"

    @property
    def backend(self) -> str:
        """The backend store's URI, password masked (for printing)."""
        return mask_password(self.tracking_uri)

    def _options(self) -> list[str]:
        # new experiments get mlflow-artifacts:/ locations, which clients reach through the server
        options = ["--serve-artifacts", "--default-artifact-root", "mlflow-artifacts:/",
                   "--artifacts-destination", self.artifact_root, "--workers", str(self.workers)]
        hosts = self.allowed_hosts or self._default_allowed_hosts()
        return [*options, "--allowed-hosts", hosts] if hosts else options

    def _default_allowed_hosts(self) -> str | None:
        """MLflow's default ``Host`` headers plus this machine's names, when listening on every
        interface (MLflow's default alone refuses ``http://<hostname>:port``)."""
        if self.host not in _ANY_INTERFACE:
            return None
        from mlflow.server.security_utils import get_default_allowed_hosts

        names = {socket.gethostname(), socket.getfqdn()}
        return ",".join([*get_default_allowed_hosts(), *sorted(f"{n}{p}" for n in names
                                                              for p in ("", ":*"))])
