"""Reads stay flat in store size: SQLite's plan for each statement that reads orders goes through an index.

Every statement the gateway runs for `order(id)`, for `orders` filtered by buyer email, status, date range,
text, customer and tracking number, and for their `totalCount`, is explained (`EXPLAIN QUERY PLAN`, with its own parameters): none
may scan the orders table. An unfiltered page walks the creation-time index and stops at its size; an
unfiltered count reads the stored count.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from sqlalchemy import event

from app.config import Settings
from app.server import GATEWAY
from tests.conftest import Gateway, start_gateway

Statement = tuple[str, Any]


@dataclass
class Explained(Gateway):
    """A gateway on a SQLite file, and the statements it ran since `statements_run` was last cleared."""

    database: Path
    statements_run: list[Statement]

    def plans(self) -> list[tuple[str, list[str]]]:
        """Each statement run that reads orders, with its plan's lines."""
        found = []
        with sqlite3.connect(self.database) as db:
            for sql, parameters in self.statements_run:
                if "orders" in sql and sql.lstrip().upper().startswith("SELECT"):
                    plan = [row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {sql}", parameters)]
                    found.append((sql, plan))
        return found


@pytest_asyncio.fixture(scope="module")
async def explained(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Explained]:
    database = tmp_path_factory.mktemp("plans") / "orders.db"
    runner, url = await start_gateway(Settings(database_url=f"sqlite+aiosqlite:///{database}", port=0))
    statements: list[Statement] = []

    def record(conn: Any, cursor: Any, sql: str, parameters: Any, context: Any, many: bool) -> None:
        statements.append((sql, parameters))

    for engine in runner.app[GATEWAY].database.engines:
        event.listen(engine, "before_cursor_execute", record)
    async with aiohttp.ClientSession() as http:
        yield Explained(url, runner.app, http, database, statements)
    await runner.cleanup()


READS = {
    "buyer email": '{ orders(filter: {buyerEmail: "ann@example.com"}) { totalCount nodes { id } } }',
    "status": "{ orders(filter: {status: [INITIALIZED, APPROVED]}) { totalCount nodes { id } } }",
    "date range": (
        '{ orders(filter: {createdAfter: "2020-01-01T00:00:00Z", createdBefore: "2100-01-01T00:00:00Z"}) '
        "{ totalCount nodes { id } } }"
    ),
    "text": '{ orders(filter: {query: "teapo ann"}) { totalCount nodes { id } } }',
    "customer": '{ orders(filter: {customerId: "cust-plans"}) { totalCount nodes { id } } }',
    "tracking number": '{ orders(filter: {trackingNumber: "TRK-PLANS"}) { totalCount nodes { id } } }',
    "text and status": '{ orders(filter: {query: "mug", status: [INITIALIZED, APPROVED]}) { totalCount nodes { id } } }',
}


TRACK = """mutation($id: ID!) { addOrderTracking(orderId: $id,
  input: {trackingNumber: "TRK-PLANS", shippingProvider: "ups"}) { userErrors { code } } }"""


def _scans_orders(plan: list[str]) -> bool:
    return any(line.startswith(("SCAN orders", "SCAN fulfillments")) for line in plan)


async def test_order_by_id_and_filtered_lists_read_orders_through_indexes(explained: Explained) -> None:
    lines = [{"productName": "Blue Teapot", "quantity": 1, "price": "20.00"}]
    buyer = {"email": "ann@example.com", "firstName": "Ann", "customerId": "cust-plans"}
    first = await explained.create(buyer=buyer, lineItems=lines)
    await explained.query(TRACK, {"id": first["id"]})
    for _ in range(3):
        await explained.create()
    queries = {
        "order(id)": (f'{{ order(id: "{first["id"]}") {{ id lineItems {{ id }} payments {{ id }} }} }}', 1),
        **{name: (query, None) for name, query in READS.items()},
    }
    for name, (query, _) in queries.items():
        explained.statements_run.clear()
        data = await explained.query(query)
        plans = explained.plans()
        assert plans, name
        for sql, plan in plans:
            assert not _scans_orders(plan), (name, sql, plan)
        if name != "order(id)":
            orders = data["orders"]
            assert orders["totalCount"] == len(orders["nodes"]) >= 1, name


async def test_text_search_finds_orders_by_the_start_of_any_word(explained: Explained) -> None:
    lines = [{"productName": "Green Kettle", "quantity": 1, "price": "30.00"}]
    kettle = await explained.create(
        buyer={"email": "bo.ng@shop.example", "lastName": "Ngata"}, lineItems=lines
    )
    for query, found in (
        ("kett", True),
        ("green kettle", True),
        ("ngat", True),
        ("shop", True),
        ("ettle", False),
    ):
        data = await explained.query(
            "query($q: String) { orders(filter: {query: $q}) { nodes { id } } }", {"q": query}
        )
        assert (kettle["id"] in [node["id"] for node in data["orders"]["nodes"]]) is found, query


async def test_an_unfiltered_page_walks_the_creation_index_and_its_count_reads_no_order(
    explained: Explained,
) -> None:
    before = await explained.query("{ orders { totalCount } }")
    await explained.create()
    explained.statements_run.clear()
    data = await explained.query("{ orders(first: 2) { totalCount nodes { id } } }")
    assert data["orders"]["totalCount"] == before["orders"]["totalCount"] + 1
    plans = explained.plans()
    assert [plan for sql, plan in plans if "count(" in sql] == []  # the count read the counter
    [(sql, plan)] = plans
    assert plan == ["SCAN orders USING INDEX ix_orders_created"], plan
    assert "LIMIT" in sql
