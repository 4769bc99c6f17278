"""Servers under test as their own OS processes: start on a free port, wait for /readyz, stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from bench import BenchError

if TYPE_CHECKING:
    from types import TracebackType

HOST = "127.0.0.1"
PACKAGE_ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
READY_POLL_S = 0.01


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


class ServerProcess:
    """`argv` run as a child process (output to `log_path`); a context manager that waits until ready."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], port: int, log_path: Path) -> None:
        self.name = name
        self.port = port
        self._argv = argv
        self._env = env
        self._log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None
        self.ready_s = 0.0  # from spawning the process to its first 200 on /readyz

    @property
    def pid(self) -> int:
        """The server's process id (valid once started)."""
        assert self._process is not None, "server not started"
        return self._process.pid

    @property
    def graphql_url(self) -> str:
        """Where the server answers GraphQL requests."""
        return f"http://{HOST}:{self.port}/graphql"

    def __enter__(self) -> Self:
        started = time.monotonic()
        with self._log_path.open("wb") as log:
            self._process = subprocess.Popen(
                self._argv, env=self._env, cwd=PACKAGE_ROOT, stdout=log, stderr=subprocess.STDOUT
            )
        try:
            self._wait_ready()
        except BaseException:
            self._stop()
            raise
        self.ready_s = time.monotonic() - started
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop()

    def _wait_ready(self) -> None:
        assert self._process is not None
        url = f"http://{HOST}:{self.port}/readyz"
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise BenchError(
                    f"{self.name} exited with {self._process.returncode} at start{self._log_tail()}"
                )
            try:
                with urllib.request.urlopen(url, timeout=1) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(READY_POLL_S)
        raise BenchError(f"{self.name} not ready after {READY_TIMEOUT_S:.0f} s{self._log_tail()}")

    def _stop(self) -> None:
        if self._process is None or self._process.poll() is not None:
            return
        self._process.send_signal(signal.SIGINT)
        try:
            self._process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def _log_tail(self) -> str:
        lines = self._log_path.read_text(errors="replace").splitlines()[-20:]
        return ":\n" + "\n".join(lines) if lines else ""


class GatewayProcess(ServerProcess):
    """The gateway, and the SQLite file it serves (None on PostgreSQL)."""

    def __init__(self, database: Path | None, *args: Any) -> None:
        super().__init__(*args)
        self.database = database


CACHE_OFF = {"GATEWAY_RESPONSE_CACHE_MB": "0"}
"""The settings of a gateway that executes every query (no answer served from memory)."""


def gateway(
    workdir: Path,
    database: Path | None = None,
    url: str | None = None,
    name: str = "gateway",
    settings: dict[str, str] | None = None,
) -> GatewayProcess:
    """`orders-gateway serve` (from this virtualenv) on the database at `url`, else on the SQLite file
    `database`, by default a fresh one in `workdir`; `name` tells its log apart from other gateways';
    `settings` are `GATEWAY_` variables beyond the defaults."""
    file = None if url else database or workdir / "orders.db"
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("GATEWAY_")}
    env |= {
        "GATEWAY_DATABASE_URL": url or f"sqlite+aiosqlite:///{file}",
        "GATEWAY_HOST": HOST,
        "GATEWAY_PORT": str(port),
        **(settings or {}),
    }
    executable = Path(sys.executable).with_name("orders-gateway")
    argv = [str(executable), "serve"]
    log = workdir / f"{name}-{file.stem if file else 'postgres'}.log"
    return GatewayProcess(file, name, argv, env, port, log)
