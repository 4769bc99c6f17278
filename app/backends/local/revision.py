"""The store's head revision, and migrating a SQLite file behind it in a child process started early.

Only the standard library here: `orders-gateway serve` calls `start_migration` before it imports the
server, so that `orders-gateway migrate` runs while the server's own imports do.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

HEAD = "0007"  # the newest revision under migrations/versions (a test pins it to Alembic's head)
_SQLITE_FILE = re.compile(r"sqlite(?:\+\w+)?:///([^?]+)(?:\?.*)?")


class MigrationFailed(RuntimeError):
    """`orders-gateway migrate` did not bring the database to the head revision."""


def migrate_command(url: str, environment: Mapping[str, str]) -> tuple[list[str], dict[str, str]]:
    """The argv and environment of `orders-gateway migrate` on `url`, run with this interpreter."""
    return [sys.executable, "-m", "app.cli", "migrate"], {**environment, "GATEWAY_DATABASE_URL": url}


def sqlite_behind_head(url: str) -> bool:
    """True when `url` names a SQLite file that holds tables, but not at `HEAD`."""
    match = _SQLITE_FILE.fullmatch(url)
    if match is None or match[1] == ":memory:" or not Path(match[1]).is_file():
        return False
    with closing(sqlite3.connect(match[1])) as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "alembic_version" not in tables:
            return bool(tables)
        return db.execute("SELECT version_num FROM alembic_version").fetchall() != [(HEAD,)]


def start_migration(url: str, environment: Mapping[str, str]) -> subprocess.Popen[bytes] | None:
    """`orders-gateway migrate` started on `url` when it is a SQLite file behind `HEAD`, else None."""
    if not sqlite_behind_head(url):
        return None
    argv, env = migrate_command(url, environment)
    return subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL)
