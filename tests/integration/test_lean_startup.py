"""What a gateway serving its embedded store loads: only what that store and HTTP need (idle memory).

Each case starts the app in a fresh interpreter (a subprocess) and lists the modules it imported: on a new
database, on one at the head revision and on one a migration behind (which a child process migrates).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app.backends.local.migrations import upgrade

STARTS_THE_APP = """
import asyncio, sys
from aiohttp import web
from app.config import Settings
from app.server import create_app

async def serve_once(url: str) -> None:
    runner = web.AppRunner(create_app(Settings(database_url=url)))
    await runner.setup()  # runs the start-up: migrating, building the gateway, opening the store
    await runner.cleanup()

asyncio.run(serve_once(sys.argv[1]))
print(" ".join(sys.modules))
"""
UPSTREAM_ONLY = ["httpx", "anyio", "h11", "jwt", "cryptography", "aiolimiter", "app.backends.wix"]
MIGRATIONS_ONLY = ["alembic", "mako", "app.backends.local.migrations"]
POSTGRESQL_ONLY = ["asyncpg", "sqlalchemy.dialects.postgresql", "app.backends.local.notifications"]


def started_modules(database: Path) -> set[str]:
    """The modules a fresh interpreter holds after starting (and stopping) the app on `database`."""
    done = subprocess.run(
        [sys.executable, "-c", STARTS_THE_APP, f"sqlite+aiosqlite:///{database}"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


@pytest.fixture(scope="module")
def modules(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str]]:
    """The modules of a start on each kind of store (the new one is at head for the second start)."""
    new = tmp_path_factory.mktemp("lean") / "orders.db"
    behind = tmp_path_factory.mktemp("lean") / "orders.db"
    upgrade(f"sqlite+aiosqlite:///{behind}", "0006")
    return {
        "new": started_modules(new),
        "at head": started_modules(new),
        "behind": started_modules(behind),
    }


@pytest.mark.parametrize("store", ["new", "at head", "behind"])
@pytest.mark.parametrize(
    "module", [*UPSTREAM_ONLY, "app.backends.system", *MIGRATIONS_ONLY, *POSTGRESQL_ONLY]
)
def test_serving_the_embedded_store_leaves_unused_parts_unimported(
    modules: dict[str, set[str]], store: str, module: str
) -> None:
    assert module not in modules[store]


def test_what_serve_reads_before_its_imports_needs_only_the_standard_library() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import sys, app.backends.local.revision; print(' '.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    )
    tops = {name.split(".")[0] for name in done.stdout.split() if not name.startswith("_")}  # site's hooks
    assert tops - sys.stdlib_module_names == {"app"}
