"""The poller and the `new-order` callback: Retailys changes become events in the durable log, once each."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from app.backends.system import mapping
from app.config import Settings
from app.domain import ids
from tests.conftest import Gateway, new_database, start_gateway
from tests.system.conftest import GatewayFactory, first_poll_done, system_of
from tests.system.emulator import Emulator


@pytest.fixture(scope="module")
def system_store(store: str) -> str:
    """The event log and the poller's state run on SQLite and on PostgreSQL."""
    return store


@pytest.fixture(scope="module")
async def gateway(make_gateway: GatewayFactory) -> Gateway:
    """A gateway whose every poll also re-reads the orders it watches (tests poll by hand)."""
    started = await make_gateway(system_rescan_s=0.001)
    await first_poll_done(started)
    return started


def public(raw: dict[str, object]) -> str:
    return ids.encode("system", "Order", str(raw["id"]))


async def wait_for_types(gateway: Gateway, order_id: str, wanted: list[str], seconds: float = 3) -> None:
    for _ in range(int(seconds / 0.05)):
        if await gateway.event_types(order_id) == wanted:
            return
        await asyncio.sleep(0.05)
    assert await gateway.event_types(order_id) == wanted


async def test_new_and_changed_orders_become_events_once(gateway: Gateway, emulator: Emulator) -> None:
    poller = system_of(gateway).poller
    raw = emulator.add_order(
        items=[{"id": 1, "name": "A", "count": 1, "price": {"base_price": 10.0, "vat": 0}}]
    )
    await poller.poll_once()
    assert await gateway.event_types(public(raw)) == ["ORDER_CREATED", "ORDER_APPROVED"]
    assert await poller.poll_once() == []
    raw["paid"], raw["date_paid"] = 10.0, raw["date_order"]
    raw["note"] = "gift wrap"
    await poller.poll_once()
    await poller.poll_once()
    raw["sent"] = True
    raw["done"] = True
    await poller.poll_once()
    raw["canceled"] = True
    await poller.poll_once()
    assert await gateway.event_types(public(raw)) == [
        "ORDER_CREATED",
        "ORDER_APPROVED",
        "ORDER_UPDATED",
        "TRANSACTIONS_UPDATED",
        "FULFILLMENTS_UPDATED",
        "ORDER_COMPLETED",
        "ORDER_CANCELED",
    ]
    reads = len(emulator.requests)
    log = await gateway.field(
        "query($f: OrderEventFilter) { orderEventLog(filter: $f) { edges { node { type order { number status } } } } }",
        f={"orderIds": [public(raw)]},
    )
    assert log["edges"][-1]["node"] == {
        "type": "ORDER_CANCELED",
        "order": {"number": str(raw["id"]), "status": "CANCELED"},
    }
    assert len(emulator.requests) == reads  # the poll's reads serve the events' orders


async def test_changes_made_through_the_gateway_are_logged_at_once_and_not_again(
    gateway: Gateway, emulator: Emulator
) -> None:
    fields = {"source": "system", "currency": "CZK", "buyer": {"email": "ev@example.com"}}
    created = await gateway.create("ev-1", **fields)
    assert (await gateway.create("ev-1", **fields))["id"] == created["id"]  # the key, on either store
    assert await gateway.event_types(created["id"]) == ["ORDER_CREATED", "ORDER_APPROVED"]
    sent = await gateway.field(
        "mutation($id: ID!) { markOrderSent(id: $id) { userErrors { code } } }", id=created["id"]
    )
    assert sent == {"userErrors": []}
    paid = await gateway.field(
        "mutation($id: ID!) { markOrderPaid(id: $id) { userErrors { code } } }", id=created["id"]
    )
    assert paid == {"userErrors": []}
    noted = await gateway.field(
        'mutation($id: ID!) { addOrderHistory(orderId: $id, input: {message: "hi"}) { userErrors { code } } }',
        id=created["id"],
    )
    assert noted == {"userErrors": []}
    await system_of(gateway).poller.poll_once()
    await system_of(gateway).poller.poll_once()
    assert await gateway.event_types(created["id"]) == [
        "ORDER_CREATED",
        "ORDER_APPROVED",
        "FULFILLMENTS_UPDATED",
        "TRANSACTIONS_UPDATED",
        "ORDER_UPDATED",
    ]


async def test_a_restart_resumes_without_replaying(
    gateway: Gateway, make_gateway: GatewayFactory, emulator: Emulator
) -> None:
    raw = emulator.add_order()
    await system_of(gateway).poller.poll_once()
    before = await gateway.event_types(public(raw))
    restarted = await make_gateway(system_rescan_s=0.001)
    await first_poll_done(restarted)
    poller = system_of(restarted).poller
    await poller.poll_once()
    assert await restarted.event_types(public(raw)) == before == ["ORDER_CREATED", "ORDER_APPROVED"]
    raw["delivered"] = raw["sent"] = True
    await poller.poll_once()
    assert await restarted.event_types(public(raw)) == [*before, "FULFILLMENTS_UPDATED"]


async def test_the_interval_is_configurable(make_gateway: GatewayFactory, emulator: Emulator) -> None:
    polling = await make_gateway(system_poll_s=0.1)
    raw = emulator.add_order()
    await wait_for_types(polling, public(raw), ["ORDER_CREATED", "ORDER_APPROVED"])
    await system_of(polling).poller.stop()


async def test_the_callback_is_registered_once_and_wakes_the_poller(
    make_gateway: GatewayFactory, emulator: Emulator
) -> None:
    url = "https://shop.example/webhooks/system"
    idle = await make_gateway(system_callback_url=url)
    await first_poll_done(idle)
    again = await make_gateway(system_callback_url=url)
    await first_poll_done(again)
    registered = [e for e in emulator.events.values() if e["path"] == url]
    assert [(e["event"], e["method"]) for e in registered] == [("new-order", "POST")]
    raw = emulator.add_order()
    async with idle.http.post(
        f"{idle.url}/webhooks/system", json={"event": "new-order", "id": raw["id"]}
    ) as answer:
        assert answer.status == 202
    await wait_for_types(idle, public(raw), ["ORDER_CREATED", "ORDER_APPROVED"], seconds=2)
    assert again is not idle


async def test_the_webhook_is_404_without_the_backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, gateway: Gateway
) -> None:
    url = await new_database("sqlite", request, tmp_path_factory)
    runner, base = await start_gateway(Settings(database_url=url, port=0))
    try:
        async with gateway.http.post(f"{base}/webhooks/system") as answer:
            assert answer.status == 404
    finally:
        await runner.cleanup()


async def test_a_cancel_with_a_reason_is_one_event(gateway: Gateway, emulator: Emulator) -> None:
    created = await gateway.create(
        source="system", currency="CZK", lineItems=[{"productName": "Mug", "quantity": 1, "price": "10"}]
    )
    canceled = await gateway.field(
        'mutation($id: ID!) { cancelOrder(id: $id, reason: "out of stock") { userErrors { code } } }',
        id=created["id"],
    )
    assert canceled == {"userErrors": []}
    assert emulator.history[-1][1]["record"] == {"name": "out of stock", "status": "canceled"}
    await system_of(gateway).poller.poll_once()
    assert await gateway.event_types(created["id"]) == ["ORDER_CREATED", "ORDER_APPROVED", "ORDER_CANCELED"]


async def test_between_rescans_a_poll_asks_only_for_orders_from_its_cursor(
    make_gateway: GatewayFactory, emulator: Emulator
) -> None:
    cheap = await make_gateway(system_rescan_s=3600)
    await first_poll_done(cheap)
    poller = system_of(cheap).poller
    now = datetime.now(UTC)
    oldest = emulator.add_order(date_order=(now - timedelta(seconds=0.2)).isoformat())
    older = emulator.add_order(date_order=(now - timedelta(seconds=0.1)).isoformat())
    await poller.poll_once()
    newer = emulator.add_order()
    oldest["paid"] = 1.0
    await poller.poll_once()
    asked = emulator.calls("GET", "/System/Orders")[-1].query
    assert asked["from"] == mapping.wire_time(mapping.parse_time(older["date_order"]))  # type: ignore[arg-type]
    assert await cheap.event_types(public(newer)) == ["ORDER_CREATED", "ORDER_APPROVED"]
    assert "TRANSACTIONS_UPDATED" not in await cheap.event_types(public(oldest))  # until the next rescan


async def test_an_order_dated_ahead_does_not_hide_later_ones(
    make_gateway: GatewayFactory, emulator: Emulator
) -> None:
    cheap = await make_gateway(system_rescan_s=3600)
    await first_poll_done(cheap)
    poller = system_of(cheap).poller
    ahead = emulator.add_order(date_order=(datetime.now(UTC) + timedelta(hours=1)).isoformat())
    await poller.poll_once()
    later = emulator.add_order()
    await poller.poll_once()
    assert await cheap.event_types(public(ahead)) == ["ORDER_CREATED", "ORDER_APPROVED"]
    assert await cheap.event_types(public(later)) == ["ORDER_CREATED", "ORDER_APPROVED"]
