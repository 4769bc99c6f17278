"""Serving: health, readiness, GraphiQL, and requests that must fail as GraphQL errors, never as 500s."""

from __future__ import annotations

import logging

import aiohttp
import pytest

from app.config import Settings
from app.server import GATEWAY
from tests.conftest import Gateway, start_gateway


async def test_health_and_readiness(gateway: Gateway) -> None:
    for path, expected in (("/healthz", {"status": "ok"}), ("/readyz", {"status": "ready"})):
        async with gateway.http.get(gateway.url + path) as response:
            assert response.status == 200
            assert await response.json() == expected


async def test_readyz_fails_while_the_database_does_not_answer(tmp_path) -> None:  # type: ignore[no-untyped-def]
    not_a_database = tmp_path  # a directory: SQLite cannot open it
    runner, url = await start_gateway(
        Settings(database_url=f"sqlite+aiosqlite:///{not_a_database}", auto_migrate=False, port=0)
    )
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(url + "/readyz") as response:
                assert response.status == 503
            async with http.get(url + "/healthz") as response:
                assert response.status == 200
    finally:
        await runner.cleanup()


async def test_graphiql_is_served_on_get(gateway: Gateway) -> None:
    async with gateway.http.get(gateway.url + "/graphql", headers={"Accept": "text/html"}) as response:
        assert response.status == 200
        assert "graphiql" in (await response.text()).lower()


async def test_request_id_is_echoed_or_made(gateway: Gateway) -> None:
    async with gateway.http.get(gateway.url + "/healthz", headers={"X-Request-Id": "abc-123"}) as response:
        assert response.headers["X-Request-Id"] == "abc-123"
    async with gateway.http.get(gateway.url + "/healthz", headers={"X-Request-Id": "bad id!"}) as response:
        assert len(response.headers["X-Request-Id"]) == 16


async def test_huge_body_is_a_graphql_error(gateway: Gateway) -> None:
    body = {"query": "{ orderStatuses { id } }", "variables": {"pad": "x" * (1024 * 1024 + 10)}}
    status, answer = await gateway.post(body)
    assert status == 413
    assert answer["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_malformed_json_is_a_graphql_error(gateway: Gateway) -> None:
    async with gateway.http.post(
        gateway.url + "/graphql", data=b"{nope", headers={"Content-Type": "application/json"}
    ) as response:
        assert response.status == 400
        body = await response.json()
    assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("{ orders(first: 5) { nodes { id } ", None),
        ("{ noSuchField }", None),
        ("query($n: Int!) { orders(first: $n) { totalCount } }", {"n": "many"}),
        (
            'mutation { createOrder(input: {currency: "EUR", lineItems: []}, idempotencyKey: 5) { order { id } } }',
            None,
        ),
        ('{ orders(filter: {createdAfter: "yesterday"}) { totalCount } }', None),
        (
            'mutation { refundPayment(orderId: "x", paymentId: "y", amount: 1.5) { userErrors { code } } }',
            None,
        ),
    ],
)
async def test_bad_documents_get_errors_not_500(gateway: Gateway, query: str, variables: dict | None) -> None:
    errors = await gateway.errors(query, variables)
    assert all("Traceback" not in e["message"] for e in errors)


async def test_queries_deeper_than_the_limit_are_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # The schema has no cycles, so the default limit (12) is proven through a lower configured one.
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'o.db'}", max_query_depth=4, port=0)
    runner, url = await start_gateway(settings)
    try:
        async with aiohttp.ClientSession() as http:
            client = Gateway(url, runner.app, http)
            await client.query("{ orders { nodes { lineItems { id } } } }")
            errors = await client.errors(
                "{ orders { edges { node { fulfillments { lineItems { quantity } } } } } }"
            )
    finally:
        await runner.cleanup()
    assert "exceeds maximum operation depth" in errors[0]["message"]


async def test_unexpected_exceptions_are_masked_and_logged(gateway: Gateway, caplog, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    service = gateway.app[GATEWAY].service

    async def broken(*args: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(service, "statuses", broken)
    with caplog.at_level(logging.ERROR):
        status, body = await gateway.post({"query": "{ orderStatuses { id } }"}, {"X-Request-Id": "req-42"})
    assert status == 200
    error = body["errors"][0]
    assert "secret" not in error["message"]
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-42"}
    assert any("req-42" in r.getMessage() and r.exc_info for r in caplog.records)
    assert "secret internals" in caplog.text
    monkeypatch.undo()
    assert (await gateway.query("{ orderStatuses { id } }"))["orderStatuses"] == []
