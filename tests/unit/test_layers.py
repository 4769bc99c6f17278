"""The dependency direction of DESIGN.md, checked on the source: a wrong import fails the suite."""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def imports_of(folder: str) -> dict[str, set[str]]:
    """Every module imported by each file under `folder` (top-level and nested imports alike)."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / folder).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[str(path.relative_to(ROOT))] = names
    return found


def offenders(folder: str, allowed: Callable[[str], bool]) -> list[str]:
    return sorted(
        f"{file}: {name}" for file, names in imports_of(folder).items() for name in names if not allowed(name)
    )


def test_the_domain_imports_only_the_standard_library_and_itself() -> None:
    def allowed(name: str) -> bool:
        top = name.split(".")[0]
        return name.startswith("app.domain") or (top in sys.stdlib_module_names and top != "app")

    assert offenders("app/domain", allowed) == []


@pytest.mark.parametrize(
    "forbidden", ["app.backends", "sqlmodel", "sqlalchemy", "httpx", "aiosqlite", "asyncpg"]
)
def test_the_graphql_layer_never_reaches_storage_or_upstreams(forbidden: str) -> None:
    assert offenders("schema", lambda name: not name.startswith(forbidden)) == []


def test_only_the_composition_roots_import_the_graphql_layer() -> None:
    roots = {"app/server.py", "app/cli.py"}
    bad = [
        line
        for line in offenders("app", lambda name: not name.startswith("schema"))
        if line.split(":")[0] not in roots
    ]
    assert bad == []


def test_the_service_and_backends_do_not_import_each_others_concretes() -> None:
    assert offenders("app/backends", lambda name: not name.startswith(("app.orders", "schema"))) == []
    service = imports_of("app")["app/orders.py"]
    assert not {name for name in service if name.startswith("app.backends.local")}
