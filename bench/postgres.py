"""A PostgreSQL server for `make bench DB=postgres`: the `pgserver` binaries, in the bench's work folder.

It runs on a unix socket in that folder and stops with the bench; each run measures a fresh database.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from bench import BenchError

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@contextmanager
def database(workdir: Path) -> Iterator[str]:
    """Starts a PostgreSQL server under `workdir`; yields the gateway's URL of its `postgres` database."""
    try:
        import pgserver  # a dev dependency: installed by `make bench` with the rest
    except ImportError as exc:
        raise BenchError("DB=postgres needs the pgserver package (pip install -e '.[dev]')") from exc
    try:
        server = pgserver.get_server(workdir / "pgdata", cleanup_mode="stop")
        socket_dir = parse_qs(urlsplit(server.get_uri()).query)["host"][0]
    except Exception as exc:
        raise BenchError(f"cannot start PostgreSQL (pgserver): {exc!r}") from exc
    try:
        yield f"postgresql+asyncpg://postgres@/postgres?host={socket_dir}"
    finally:
        server.cleanup()
