"""SIGTERM lets the requests in flight finish; the process logs one JSON object per line, without secrets."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import time

import aiohttp
import orjson
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import CREATE, order_input
from tests.support.processes import GatewayProcess, gateway_process

BOGUS_TOKEN = "og_0123456789abcdef_not-a-real-secret"


async def in_flight(http: aiohttp.ClientSession, gateway: GatewayProcess) -> float:
    async with http.get(gateway.url + "/metrics") as response:
        text = await response.text()
    [family] = [f for f in text_string_to_metric_families(text) if f.name == "gateway_requests_in_flight"]
    return family.samples[0].value


async def refuses_connections(http: aiohttp.ClientSession, gateway: GatewayProcess) -> bool:
    try:
        async with http.get(gateway.url + "/healthz"):
            return False
    except aiohttp.ClientConnectionError:
        return True


async def test_a_request_in_flight_at_sigterm_gets_its_response(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "orders.db"
    async with (
        gateway_process(f"sqlite+aiosqlite:///{path}", log_format="json") as gateway,
        aiohttp.ClientSession() as http,
    ):
        async with http.post(
            gateway.url + "/graphql",
            json={"query": "{ orderStatuses { id } }"},
            headers={"Authorization": f"Bearer {BOGUS_TOKEN}", "X-Request-Id": "refused-1"},
        ) as response:
            assert response.status == 401

        # Another writer holds SQLite's write lock, so the mutation waits inside the gateway.
        writer = sqlite3.connect(path, isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")
        body = {"query": CREATE, "variables": {"input": order_input()}}

        async def create() -> tuple[int, dict]:  # type: ignore[type-arg]
            async with (
                aiohttp.ClientSession() as own,
                own.post(gateway.url + "/graphql", json=body, headers={"X-Request-Id": "slow-1"}) as response,
            ):
                return response.status, await response.json()

        mutation = asyncio.create_task(create())
        deadline = time.monotonic() + 5
        while await in_flight(http, gateway) < 1:
            assert time.monotonic() < deadline, "the mutation never reached the gateway"
            await asyncio.sleep(0.02)

        gateway.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 5
        while not await refuses_connections(http, gateway):  # it stops listening at once ...
            assert time.monotonic() < deadline, "the gateway kept accepting connections"
            await asyncio.sleep(0.02)
        await asyncio.sleep(1)
        assert not mutation.done()  # ... yet the mutation is still being served
        writer.execute("COMMIT")
        writer.close()

        status, answer = await asyncio.wait_for(mutation, 10)
        assert status == 200, answer
        assert answer["data"]["createOrder"]["userErrors"] == [], answer
        assert await asyncio.wait_for(gateway.process.wait(), 15) == 0
        output = await gateway.output()

    lines = [orjson.loads(line) for line in output.splitlines()]  # every line is one JSON object
    assert all({"time", "level", "logger", "message", "request_id"} <= line.keys() for line in lines)
    access = {line["request_id"]: line for line in lines if line["logger"] == "orders_gateway.access"}
    assert access["slow-1"]["status"] == 200
    assert (access["slow-1"]["operation"], access["slow-1"]["outcome"]) == ("createOrder", "ok")
    assert access["refused-1"]["status"] == 401
    refusal = [line for line in lines if line["logger"] == "orders_gateway.auth"]
    assert refusal and refusal[0]["request_id"] == "refused-1"  # stamped from the request's context
    assert "not-a-real-secret" not in output and "Bearer" not in output
