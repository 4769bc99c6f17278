"""The data baseline (`python -m bench.rawsql`): a bare aiohttp handler that runs the raw SQL reads of a
read scenario, with the gateway's driver on the gateway's database, and replies with the gateway's
response bytes. What it costs is what reading those rows costs, with no GraphQL and no mapping.

As the gateway does, it reads with the standard library's `sqlite3` on the event loop's thread, each
statement alone (SQLite runs a lone statement as its own transaction): the page (or the order), then one
statement per nested list for all its orders at once, and the count when the scenario asks for it.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import web

from bench.server import HOST, ServerProcess, free_port

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

    from bench.graphql import Captured

CHILD_TABLES = {
    "lineItems": ("line_items", "position"),
    "payments": ("payments", "position"),
    "fulfillments": ("fulfillments", "position"),
    "history": ("order_history", "revision, ordinal"),
}


class Reads:
    """One `sqlite3` connection to the database, read on the loop's thread."""

    def __init__(self, database: Path) -> None:
        self._database = database
        self._conn: sqlite3.Connection | None = None

    async def open(self) -> None:
        self._conn = sqlite3.connect(self._database, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")

    async def close(self) -> None:
        if self._conn is not None:
            self._conn.close()

    async def rows(self, sql: str, parameters: tuple[Any, ...] = ()) -> list[Any]:
        assert self._conn is not None
        return self._conn.execute(sql, parameters).fetchall()

    async def children(self, lists: list[str], order_ids: list[str]) -> None:
        marks = ",".join("?" * len(order_ids))
        for name in lists:
            table, order_by = CHILD_TABLES[name]
            await self.rows(
                f"SELECT t.*, o.currency FROM {table} t JOIN orders o ON o.id = t.order_id "
                f"WHERE t.order_id IN ({marks}) ORDER BY {order_by}",
                tuple(order_ids),
            )


def _lists_in(query: str) -> list[str]:
    """The nested lists a scenario's query selects (by their field names)."""
    return [name for name in CHILD_TABLES if f"{name} {{" in query]


def reader(query: str) -> Callable[[Reads, dict[str, Any]], Awaitable[None]]:
    """The reads one request of `query` needs: a page of `orders(first: N)` or one `order(id:)`."""
    lists = _lists_in(query)
    counted = "totalCount" in query

    async def order(reads: Reads, variables: dict[str, Any]) -> None:
        found = await reads.rows("SELECT * FROM orders WHERE id = ?", (variables["id"],))
        await reads.children(lists, [row[0] for row in found])

    async def page(reads: Reads, variables: dict[str, Any]) -> None:
        first = int(query.split("orders(first: ", 1)[1].split(")", 1)[0])
        found = await reads.rows(
            "SELECT * FROM orders ORDER BY created_at DESC, id DESC LIMIT ?", (first + 1,)
        )
        await reads.children(lists, [row[0] for row in found[:first]])
        if counted:
            await reads.rows("SELECT count(*) FROM orders")

    return order if "order(id: $id)" in query else page


def create_app(database: Path, query: str, body: bytes, content_type: str) -> web.Application:
    """POST /graphql runs the reads of `query` (with the request's variables) and answers `body`."""
    reads = Reads(database)
    read = reader(query)

    async def graphql(request: web.Request) -> web.Response:
        variables = orjson.loads(await request.read()).get("variables") or {}
        await read(reads, variables)
        return web.Response(body=body, headers={"Content-Type": content_type})

    async def readyz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ready"})

    async def pool(app: web.Application) -> AsyncIterator[None]:
        await reads.open()
        yield
        await reads.close()

    app = web.Application()
    app.cleanup_ctx.append(pool)
    app.router.add_post("/graphql", graphql)
    app.router.add_get("/readyz", readyz)
    return app


def rawsql_baseline(workdir: Path, database: Path, query: str, captured: Captured) -> ServerProcess:
    """The raw SQL baseline for a read scenario's `query`, as its own process."""
    body_file = workdir / "rawsql-body.json"
    body_file.write_bytes(captured.body)
    query_file = workdir / "rawsql-query.graphql"
    query_file.write_text(query)
    port = free_port()
    argv = [sys.executable, "-m", "bench.rawsql", str(port), str(database), str(query_file), str(body_file)]
    argv.append(captured.content_type)
    return ServerProcess("raw SQL baseline", argv, dict(os.environ), port, workdir / "rawsql.log")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.rawsql", description=__doc__)
    parser.add_argument("port", type=int)
    parser.add_argument("database", type=Path)
    parser.add_argument("query_file", type=Path)
    parser.add_argument("body_file", type=Path)
    parser.add_argument("content_type")
    args = parser.parse_args()
    query, body = args.query_file.read_text(), args.body_file.read_bytes()
    app = create_app(args.database, query, body, args.content_type)
    web.run_app(app, host=HOST, port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
