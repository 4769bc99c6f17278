"""Repeated reads answered from memory (schema/response_cache.py): only while the store is unchanged,
still charged to the caller's bucket, never across what a key may see, and never on PostgreSQL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import aiohttp
import pytest

from app.config import Settings
from app.domain.access import Scope
from tests.conftest import (
    Gateway,
    KeyedGateway,
    bearer,
    issue_keys,
    new_database,
    order_input,
    start_gateway,
)

ORDER = "query($id: ID!) { order(id: $id) { id note status lineItems { productName } history { message } } }"
PAGE = "{ orders(first: 5) { nodes { id buyer { email } } } }"
CREATE = "mutation($input: CreateOrderInput!) { createOrder(input: $input) { order { id } } }"


async def answer(gateway: Gateway, query: str, variables: dict[str, object]) -> tuple[dict[str, object], int]:
    """The data of the query, and the SQL statements it cost."""
    before = gateway.statements
    data = await gateway.query(query, variables)
    return data, gateway.statements - before


async def test_a_repeated_query_runs_no_sql_while_nothing_changed_on_sqlite_only(
    gateway: Gateway, store: str
) -> None:
    order = await gateway.create(note="first")
    first, ran = await answer(gateway, ORDER, {"id": order["id"]})
    assert ran > 0
    again, ran_again = await answer(gateway, ORDER, {"id": order["id"]})
    assert again == first
    # PostgreSQL has no data version that proves an answer fresh: it runs every time.
    assert ran_again == (0 if store == "sqlite" else ran)


async def test_any_commit_makes_the_next_answer_fresh(gateway: Gateway) -> None:
    order = await gateway.create(note="before")
    await gateway.query(ORDER, {"id": order["id"]})
    await gateway.query(ORDER, {"id": order["id"]})  # answered from memory on SQLite
    change = 'mutation($id: ID!) { addOrderHistory(orderId: $id, input: {message: "packed"}) { userErrors { code } } }'
    await gateway.query(change, {"id": order["id"]})
    data = await gateway.query(ORDER, {"id": order["id"]})
    assert [entry["message"] for entry in data["order"]["history"]][-1:] == ["packed"]


async def test_a_commit_by_another_process_makes_the_next_answer_fresh(tmp_path: Path) -> None:
    path = tmp_path / "orders.db"
    runner, url = await start_gateway(Settings(database_url=f"sqlite+aiosqlite:///{path}", port=0))
    try:
        async with aiohttp.ClientSession() as http:
            gateway = Gateway(url, runner.app, http)
            order = await gateway.create(note="mine")
            await gateway.query(ORDER, {"id": order["id"]})
            kept, ran = await answer(gateway, ORDER, {"id": order["id"]})
            assert (kept["order"]["note"], ran) == ("mine", 0)
            with sqlite3.connect(path) as other:  # a writer the gateway knows nothing of
                other.execute("UPDATE orders SET note = 'theirs' WHERE id = ?", (order["id"],))
            fresh = await gateway.query(ORDER, {"id": order["id"]})
    finally:
        await runner.cleanup()
    assert fresh["order"]["note"] == "theirs"


async def test_a_key_without_the_scope_is_refused_though_another_key_s_answer_is_kept(
    keyed_gateway: KeyedGateway,
) -> None:
    body = {"query": PAGE}
    for _ in range(2):
        status, allowed = await keyed_gateway.post(body, keyed_gateway.as_client("all"))
        assert status == 200 and "errors" not in allowed, allowed
    status, refused = await keyed_gateway.post(body, keyed_gateway.as_client(f"without {Scope.ORDERS_READ}"))
    assert refused["data"] is None
    assert [error["extensions"]["code"] for error in refused["errors"]] == ["FORBIDDEN"]


async def test_a_kept_answer_is_charged_like_a_run_one(
    store: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # A bucket of 60 points that refills 1 a second; a page of 5 orders with buyers costs 11.
    database = await new_database(store, request, tmp_path_factory)
    tokens = await issue_keys(database, {"reader": set(Scope), "writer": set(Scope)})
    settings = Settings(
        database_url=database, port=0, rate_limit_capacity=60, rate_limit_per_second=1, max_query_cost=60
    )
    runner, url = await start_gateway(settings)
    try:
        async with aiohttp.ClientSession() as http:
            gateway = Gateway(url, runner.app, http)
            for _ in range(5):
                created = order_input(buyer={"email": "kept@example.com"})
                await gateway.query(CREATE, {"input": created}, **bearer(tokens["writer"]))  # costs 2
            answers, ran = [], []
            for _ in range(6):
                before = gateway.statements
                answers.append(await gateway.post({"query": PAGE}, bearer(tokens["reader"])))
                ran.append(gateway.statements - before)
    finally:
        await runner.cleanup()
    assert [status for status, _ in answers] == [200] * 5 + [429]
    costs = [body["extensions"]["cost"] for _, body in answers[:5]]
    assert {(cost["requested"], cost["actual"]) for cost in costs} == {(11, 11)}
    assert [cost["remaining"] for cost in costs] == [49, 38, 27, 16, 5]
    assert answers[5][1]["errors"][0]["extensions"]["code"] == "THROTTLED"
    if store == "sqlite":  # the answers charged cost as little SQL as the refusal: the key's lookup
        assert ran[1:5] == [ran[5]] * 4 and ran[0] > ran[5]


async def test_an_answer_with_an_error_is_never_kept(gateway: Gateway) -> None:
    await gateway.create()
    partial = '{ orders(first: 5) { nodes { id } } orderByNumber(number: "1", source: "nowhere") { id } }'
    ran = []
    for _ in range(2):
        before = gateway.statements
        _, body = await gateway.post({"query": partial})
        ran.append(gateway.statements - before)
        assert body["errors"] and body["data"]["orders"]["nodes"], body
    assert ran[1] == ran[0] > 0  # the repeat ran its reads again
