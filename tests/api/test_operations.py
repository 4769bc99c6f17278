"""Operations over real sockets: /metrics, CORS, and log lines that carry request ids and no secrets."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import orjson
import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.config import Settings
from app.logs import JsonFormatter, RequestIdFilter
from tests.conftest import Gateway, KeyedGateway, start_gateway
from tests.support.subscriptions import Socket, subscription, wait_for_subscribers

NAMED = "query Statuses { orderStatuses { id } }"


async def scrape(gateway: Gateway, **headers: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics by name and labels."""
    async with gateway.http.get(gateway.url + "/metrics", headers=headers) as response:
        assert response.status == 200, await response.text()
        assert response.headers["Content-Type"].startswith("text/plain")
        text = await response.text()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def requests_of(samples: dict, operation: str, outcome: str) -> float:
    return samples.get(("gateway_requests_total", (("operation", operation), ("outcome", outcome))), 0)


async def test_requests_are_counted_by_operation_and_outcome(gateway: Gateway) -> None:
    before = await scrape(gateway)
    await gateway.query(NAMED)
    await gateway.query(NAMED)
    await gateway.query("{ orders(first: 1) { totalCount } orderStatuses { id } }")
    await gateway.errors("{ noSuchField }")
    status, body = await gateway.post(
        {"query": 'mutation M { approveOrder(id: "nope") { userErrors { code } } }'}
    )
    assert status == 200 and body["data"]["approveOrder"]["userErrors"], body
    after = await scrape(gateway)

    def grew(operation: str, outcome: str) -> float:
        return requests_of(after, operation, outcome) - requests_of(before, operation, outcome)

    assert grew("Statuses", "ok") == 2
    assert grew("orderStatuses,orders", "ok") == 1
    assert grew("other", "rejected") == 1
    assert grew("M", "user_error") == 1
    query_latency = ("gateway_request_duration_seconds_count", (("operation_type", "query"),))
    assert after[query_latency] - before.get(query_latency, 0) == 3


async def test_each_request_observes_its_own_sql_statements(gateway: Gateway) -> None:
    order = await gateway.create()
    query = "query($id: ID!) { order(id: $id) { id lineItems { id } } }"
    spent = gateway.statements
    await gateway.query(query, {"id": order["id"]})
    one = gateway.statements - spent  # what one such request costs
    assert one > 0

    # Concurrent requests each observe their own statements, not those of the others running meanwhile.
    before = await scrape(gateway)
    # Each body differs (a comment), so none is answered from the response cache without running.
    await asyncio.gather(*(gateway.query(f"{query} # {i}", {"id": order["id"]}) for i in range(20)))
    after = await scrape(gateway)

    def grew(name: str, **labels: str) -> float:
        key = (f"gateway_sql_statements_per_request_{name}", tuple(sorted(labels.items())))
        return after[key] - before[key]

    assert (grew("count"), grew("sum")) == (20, 20 * one)
    bounds = sorted(
        float(labels[0][1]) for name, labels in after if name.endswith("_bucket") and "sql" in name
    )
    assert grew("bucket", le=str(min(b for b in bounds if b >= one))) == 20
    assert grew("bucket", le=str(max(b for b in bounds if b < one))) == 0
    assert after[("gateway_upstream_calls_per_request_sum", ())] == 0  # every order is local for now


async def test_open_subscriptions_and_event_lag(gateway: Gateway) -> None:
    open_subscriptions = ("gateway_open_subscriptions", ())
    before = await scrape(gateway)
    socket = await Socket.open(gateway.http, gateway.url)
    await socket.subscribe("1", subscription())
    await wait_for_subscribers(gateway.app, 1)
    assert (await scrape(gateway))[open_subscriptions] == before[open_subscriptions] + 1
    await gateway.create()
    await socket.events(1)
    lag = await scrape(gateway)
    assert lag[("gateway_event_lag_seconds_count", ())] > before[("gateway_event_lag_seconds_count", ())]
    assert lag[("gateway_event_lag_seconds_sum", ())] < 5
    await socket.close()
    await wait_for_subscribers(gateway.app, 0)
    assert (await scrape(gateway))[open_subscriptions] == before[open_subscriptions]


async def test_operation_labels_are_bounded(gateway: Gateway) -> None:
    for i in range(250):
        await gateway.query(f"query Op{i} {{ __typename }}")
    operations = {labels[0][1] for name, labels in await scrape(gateway) if name == "gateway_requests_total"}
    assert "Op249" not in operations
    assert len(operations) <= 201


async def test_metrics_need_the_admin_scope_once_keys_exist(keyed_gateway: KeyedGateway) -> None:
    async with keyed_gateway.http.get(keyed_gateway.url + "/metrics") as response:
        assert response.status == 401
    headers = keyed_gateway.as_client("without admin")
    async with keyed_gateway.http.get(keyed_gateway.url + "/metrics", headers=headers) as response:
        assert response.status == 403
    await scrape(keyed_gateway, **keyed_gateway.as_client("only admin"))


async def test_metrics_can_be_turned_off(tmp_path) -> None:  # type: ignore[no-untyped-def]
    runner, url = await start_gateway(
        Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'o.db'}", metrics=False, port=0)
    )
    try:
        async with aiohttp.ClientSession() as http, http.get(url + "/metrics") as response:
            assert response.status == 404
    finally:
        await runner.cleanup()


PREFLIGHT = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"}


@pytest.mark.parametrize("configured", ["https://shop.example, https://admin.example", "*"])
async def test_cors_for_configured_origins(tmp_path, configured: str) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'o.db'}", cors_origins=configured, port=0
    )
    runner, url = await start_gateway(settings)
    allowed = "*" if configured == "*" else "https://admin.example"
    try:
        async with aiohttp.ClientSession() as http:
            origin = {"Origin": "https://admin.example"}
            async with http.options(url + "/graphql", headers=origin | PREFLIGHT) as response:
                assert response.status == 204
                assert response.headers["Access-Control-Allow-Origin"] == allowed
                assert "POST" in response.headers["Access-Control-Allow-Methods"]
                for header in ("Authorization", "Content-Type", "apollographql-client-name", "X-Request-Id"):
                    assert header in response.headers["Access-Control-Allow-Headers"]
                assert int(response.headers["Access-Control-Max-Age"]) > 0
            body = {"query": "{ orderStatuses { id } }"}
            async with http.post(url + "/graphql", json=body, headers=origin) as response:
                assert response.status == 200
                assert response.headers["Access-Control-Allow-Origin"] == allowed
                assert "X-Request-Id" in response.headers["Access-Control-Expose-Headers"]
                assert ("Origin" in response.headers.getall("Vary", [])) == (configured != "*")
            stranger = {"Origin": "https://evil.example"}
            async with http.post(url + "/graphql", json=body, headers=stranger) as response:
                assert ("Access-Control-Allow-Origin" in response.headers) == (configured == "*")
    finally:
        await runner.cleanup()


async def test_no_cors_headers_without_configured_origins(gateway: Gateway) -> None:
    origin = {"Origin": "https://shop.example"}
    async with gateway.http.options(gateway.url + "/graphql", headers=origin | PREFLIGHT) as response:
        assert response.status != 204
        assert "Access-Control-Allow-Origin" not in response.headers
    async with gateway.http.post(
        gateway.url + "/graphql", json={"query": "{ orderStatuses { id } }"}, headers=origin
    ) as response:
        assert response.status == 200
        assert "Access-Control-Allow-Origin" not in response.headers


async def test_access_log_carries_the_request_id_and_no_authorization(
    keyed_gateway: KeyedGateway, caplog: pytest.LogCaptureFixture
) -> None:
    token = keyed_gateway.tokens["all"]
    headers = keyed_gateway.as_client("all") | {"X-Request-Id": "ops-log-1"}
    with caplog.at_level(logging.INFO):
        await keyed_gateway.query(NAMED, **headers)
        status, _ = await keyed_gateway.post({"query": NAMED}, {"Authorization": "Bearer og_bogus_secret"})
    assert status == 401
    formatter = JsonFormatter()
    for record in caplog.records:
        RequestIdFilter().filter(record)
    lines = [orjson.loads(formatter.format(record)) for record in caplog.records]
    [access] = [e for e in lines if e["logger"] == "orders_gateway.access" and e["request_id"] == "ops-log-1"]
    assert (access["method"], access["path"], access["status"]) == ("POST", "/graphql", 200)
    assert (access["operation"], access["outcome"]) == ("Statuses", "ok")
    assert access["duration_ms"] > 0
    refused = [e for e in lines if e["logger"] == "orders_gateway.access" and e["status"] == 401]
    assert refused and refused[0]["outcome"] == "unauthenticated"
    text = "\n".join(orjson.dumps(line).decode() for line in lines)
    for secret in (token, token.rsplit("_", 1)[1], "bogus_secret"):
        assert secret not in text


def test_json_lines_carry_the_traceback_as_a_field() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord(
            "orders_gateway.x", logging.ERROR, __file__, 1, "failed %s", ("here",), None
        )
        import sys

        record.exc_info = sys.exc_info()
    RequestIdFilter().filter(record)
    entry = orjson.loads(JsonFormatter().format(record))
    assert (entry["level"], entry["logger"], entry["message"], entry["request_id"]) == (
        "ERROR",
        "orders_gateway.x",
        "failed here",
        "-",
    )
    assert entry["time"].endswith("+00:00")
    assert "ValueError: boom" in entry["exception"] and "Traceback" in entry["exception"]
