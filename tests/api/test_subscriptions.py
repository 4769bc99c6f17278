"""`orderEvents` over real WebSockets: live events, filters, replay then live without gap or duplicate."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

import app.events.stream
from app.backends.local import persistence
from app.domain.commands import Actor
from app.server import GATEWAY
from schema.types.order import Order
from tests.api.test_event_log import event_log, head
from tests.api.test_order_mutations import APPROVE, HISTORY, UPDATE
from tests.conftest import Gateway
from tests.support.subscriptions import LEGACY, TRANSPORT, Socket, subscription, wait_for_subscribers

NOTE = "mutation($id: ID!, $message: String!) { addOrderHistory(orderId: $id, input: {message: $message}) { userErrors { code } } }"
FULL = "id type orderId occurredAt order { id status revision note } historyEntry { kind message }"


@pytest.fixture
async def sockets(gateway: Gateway) -> AsyncIterator[list[Socket]]:
    """Sockets a test opens; closed after it, once the hub has let go of their subscribers."""
    opened: list[Socket] = []
    yield opened
    for socket in opened:
        await socket.close()
    await wait_for_subscribers(gateway.app, 0)


async def listen(
    gateway: Gateway,
    sockets: list[Socket],
    protocol: str = TRANSPORT,
    fields: str = "id type orderId",
    **variables: Any,
) -> Socket:
    """A socket subscribed to `orderEvents`; returns once the subscription is live."""
    before = gateway.app[GATEWAY].events.hub.subscribers
    socket = await Socket.open(gateway.http, gateway.url, protocol)
    sockets.append(socket)
    await socket.subscribe("1", subscription(fields), variables)
    await wait_for_subscribers(gateway.app, before + 1)
    return socket


@pytest.mark.parametrize("protocol", [TRANSPORT, LEGACY])
async def test_changes_arrive_live_on_both_protocols(
    gateway: Gateway, sockets: list[Socket], protocol: str
) -> None:
    socket = await listen(gateway, sockets, protocol, FULL)
    order = await gateway.create(status="INITIALIZED", note="leave at the door")
    approved = (await gateway.query(APPROVE, {"id": order["id"]}))["approveOrder"]["order"]
    events = await socket.events(2)
    assert [(e["type"], e["orderId"], e["historyEntry"]["kind"]) for e in events] == [
        ("ORDER_CREATED", order["id"], "ORDER_CREATED"),
        ("ORDER_APPROVED", order["id"], "ORDER_APPROVED"),
    ]
    assert events[1]["order"] == {
        "id": order["id"],
        "status": "APPROVED",
        "revision": 2,
        "note": "leave at the door",
    }
    assert events[0]["occurredAt"] == order["createdAt"]
    assert events[1]["occurredAt"] == approved["updatedAt"]
    logged = await event_log(gateway, filter={"orderIds": [order["id"]]})
    assert [e["id"] for e in events] == [edge["cursor"] for edge in logged["edges"]]


async def test_each_event_shows_the_order_as_it_is_now(gateway: Gateway, sockets: list[Socket]) -> None:
    # One WebSocket keeps one context for all its events: a loader cached per connection would show the
    # order as it was at the first event.
    order = await gateway.create()
    socket = await listen(
        gateway, sockets, fields="order { revision note }", filter={"orderIds": [order["id"]]}
    )
    for note in ("one", "two", "three"):
        changed = (await gateway.query(UPDATE, {"id": order["id"], "input": {"note": note}}))["updateOrder"]
        [event] = await socket.events(1)
        assert event["order"] == {"revision": changed["order"]["revision"], "note": note}


async def test_without_after_only_live_events(gateway: Gateway, sockets: list[Socket]) -> None:
    await gateway.create()
    socket = await listen(gateway, sockets)
    order = await gateway.create(status="INITIALIZED")
    [event] = await socket.events(1)
    assert (event["type"], event["orderId"]) == ("ORDER_CREATED", order["id"])


async def test_filters_apply_on_the_server(gateway: Gateway, sockets: list[Socket]) -> None:
    a = await gateway.create(status="INITIALIZED")
    b = await gateway.create(status="INITIALIZED")
    socket = await listen(
        gateway, sockets, filter={"orderIds": [a["id"], b["id"]], "types": ["ORDER_APPROVED"]}
    )
    await gateway.create()  # another order: filtered out
    await gateway.query(HISTORY, {"id": a["id"], "message": "a note"})  # ORDER_UPDATED: filtered out
    await gateway.query(APPROVE, {"id": b["id"]})
    await gateway.query(APPROVE, {"id": a["id"]})
    # Events arrive in log order, so anything filtered in by mistake would come before these two.
    events = await socket.events(2)
    assert [(e["type"], e["orderId"]) for e in events] == [
        ("ORDER_APPROVED", b["id"]),
        ("ORDER_APPROVED", a["id"]),
    ]


async def test_after_replays_the_stored_events_then_goes_live(
    gateway: Gateway, sockets: list[Socket]
) -> None:
    order = await gateway.create(status="INITIALIZED")
    for message in ("one", "two"):
        await gateway.query(HISTORY, {"id": order["id"], "message": message})
    stored = (await event_log(gateway, filter={"orderIds": [order["id"]]}))["edges"]
    socket = await listen(
        gateway, sockets, fields="id historyEntry { message }", filter={"orderIds": [order["id"]]},
        after=stored[0]["cursor"],
    )  # fmt: skip
    await gateway.query(HISTORY, {"id": order["id"], "message": "three"})
    events = await socket.events(3)
    assert [e["historyEntry"]["message"] for e in events] == ["one", "two", "three"]
    assert [e["id"] for e in events[:2]] == [edge["cursor"] for edge in stored[1:]]


@pytest.mark.parametrize(
    ("after", "code"), [("bG9jYWw6T3JkZXJFdmVudDo5OTk5OTk", "NOT_FOUND"), ("nonsense", "INVALID")]
)
@pytest.mark.parametrize("protocol", [TRANSPORT, LEGACY])
async def test_a_bad_cursor_is_an_error_message(
    gateway: Gateway, sockets: list[Socket], protocol: str, after: str, code: str
) -> None:
    socket = await Socket.open(gateway.http, gateway.url, protocol)
    sockets.append(socket)
    await socket.subscribe("1", subscription(), {"after": after})
    message = await socket.receive()
    assert message["type"] == "error"
    errors = message["payload"] if protocol == TRANSPORT else [message["payload"]]
    assert errors[0]["extensions"] == {"code": code, "field": ["after"]}
    await socket.subscribe("2", subscription())  # the connection stays usable
    await wait_for_subscribers(gateway.app, 1)


async def test_no_gap_and_no_duplicate_while_events_are_written_during_catch_up(
    gateway: Gateway, sockets: list[Socket], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.events.stream, "REPLAY_PAGE", 7)  # many pages, so catching up takes a while
    start = await head(gateway)
    orders = [await gateway.create(status="INITIALIZED") for _ in range(3)]
    for i in range(30):
        await gateway.query(NOTE, {"id": orders[i % 3]["id"], "message": f"before {i}"})
    written = 0

    async def write(worker: int) -> None:
        nonlocal written
        for i in range(40):
            await gateway.query(NOTE, {"id": orders[worker]["id"], "message": f"during {i}"})
            written += 1

    writers = [asyncio.create_task(write(w)) for w in range(3)]
    await asyncio.sleep(0.05)
    socket = await Socket.open(gateway.http, gateway.url)
    sockets.append(socket)
    at_subscribe = written
    await socket.subscribe("1", subscription("id"), {"after": start})
    await wait_for_subscribers(gateway.app, 1)
    at_live = written
    await asyncio.gather(*writers)
    assert at_subscribe < at_live < written == 120  # writes went on during the catch-up and after it
    expected: list[str] = []
    cursor = start
    while page := (await event_log(gateway, after=cursor, first=500))["edges"]:
        expected += [edge["cursor"] for edge in page]
        cursor = page[-1]["cursor"]
    received = [e["id"] for e in await socket.events(len(expected))]
    assert received == expected
    assert len(expected) == 3 + 30 + 120


async def test_subscribers_of_one_change_share_one_read_of_the_order(
    gateway: Gateway, sockets: list[Socket]
) -> None:
    order = await gateway.create()
    fields = "id order { revision lineItems { id } history { id } }"

    async def statements_for_one_change(subscribers: int) -> int:
        # Each subscriber's own filter (another order id each): no two share an execution, only the reads.
        opened = [
            await listen(gateway, sockets, fields=fields, filter={"orderIds": [order["id"], f"other-{i}"]})
            for i in range(subscribers)
        ]
        before = gateway.statements
        await gateway.query(HISTORY, {"id": order["id"], "message": "hello"})
        for socket in opened:
            [event] = await socket.events(1)
            assert len(event["order"]["history"]) > 2
        spent = gateway.statements - before
        for socket in opened:
            await socket.close()
            sockets.remove(socket)
        await wait_for_subscribers(gateway.app, 0)
        return spent

    assert await statements_for_one_change(1) == await statements_for_one_change(25)


async def test_subscribers_of_one_operation_share_one_execution_per_event(
    gateway: Gateway, sockets: list[Socket], monkeypatch: pytest.MonkeyPatch
) -> None:
    order = await gateway.create()
    executions: list[str] = []
    from_domain = Order.from_domain

    def counted(found: Any) -> Order:
        executions.append(found.id)
        return from_domain(found)

    monkeypatch.setattr(Order, "from_domain", counted)
    mine = {"filter": {"orderIds": [order["id"]]}}
    groups = [
        [await listen(gateway, sockets, fields="id order { id }", **mine) for _ in range(10)],
        [await listen(gateway, sockets, fields="id order { id }") for _ in range(3)],  # other variables
        [await listen(gateway, sockets, fields="order { id revision }", **mine) for _ in range(2)],
    ]
    await gateway.app[GATEWAY].service.add_history(order["id"], "hello", Actor())  # no GraphQL involved
    for group in groups:
        received = [(await socket.events(1))[0] for socket in group]
        assert all(event == received[0] for event in received)
        assert received[0]["order"]["id"] == order["id"]
    assert received[0]["order"]["revision"] == order["revision"] + 1
    assert executions == [order["id"]] * 3  # one per distinct operation and variables, not one per socket


@pytest.mark.parametrize("protocol", [TRANSPORT, LEGACY])
async def test_a_shared_result_reaches_each_subscription_under_its_own_id(
    gateway: Gateway, sockets: list[Socket], protocol: str
) -> None:
    first, second = await gateway.create(), await gateway.create()
    one, two = [await Socket.open(gateway.http, gateway.url, protocol) for _ in range(2)]
    sockets += [one, two]
    before = gateway.app[GATEWAY].events.hub.subscribers
    query, mine = subscription("orderId"), {"filter": {"orderIds": [first["id"]]}}
    await one.subscribe("a", query, mine)
    await one.subscribe('b "quoted" \\ é', query, mine)  # an id that JSON must escape
    await one.subscribe("c", query)  # other variables: every order, a result of its own
    await two.subscribe("a", query, mine)
    await wait_for_subscribers(gateway.app, before + 4)
    await gateway.query(NOTE, {"id": second["id"], "message": "to c only"})
    await gateway.query(NOTE, {"id": first["id"], "message": "to all"})

    async def received(socket: Socket, count: int) -> dict[str, list[str]]:
        by_id: dict[str, list[str]] = {}
        for _ in range(count):
            message = await socket.receive()
            assert set(message) == {"id", "type", "payload"}
            assert message["type"] == ("next" if protocol == TRANSPORT else "data")
            assert set(message["payload"]) == {"data", "extensions"}
            assert message["payload"]["extensions"]["cost"]["requested"] == 1
            by_id.setdefault(message["id"], []).append(message["payload"]["data"]["orderEvents"]["orderId"])
        return by_id

    assert await received(one, 4) == {
        "a": [first["id"]],
        'b "quoted" \\ é': [first["id"]],
        "c": [second["id"], first["id"]],
    }
    assert await received(two, 1) == {"a": [first["id"]]}


async def test_a_subscriber_leaving_mid_execution_does_not_spoil_the_others(
    gateway: Gateway, sockets: list[Socket], monkeypatch: pytest.MonkeyPatch
) -> None:
    order = await gateway.create()
    service = gateway.app[GATEWAY].service
    loading, release = asyncio.Event(), asyncio.Event()
    orders_by_ids = service.orders_by_ids

    async def slow(ids: Any) -> Any:
        loading.set()
        await release.wait()
        return await orders_by_ids(ids)

    mine = {"filter": {"orderIds": [order["id"]]}}
    leaving = await listen(gateway, sockets, fields="id order { id }", **mine)
    staying = await listen(gateway, sockets, fields="id order { id }", **mine)
    monkeypatch.setattr(service, "orders_by_ids", slow)
    await service.add_history(order["id"], "hello", Actor())
    await asyncio.wait_for(loading.wait(), 5)  # the shared execution waits for the order
    await leaving.close()
    sockets.remove(leaving)
    await wait_for_subscribers(gateway.app, 1)
    release.set()
    [event] = await staying.events(1)
    assert event["order"] == {"id": order["id"]}


async def test_each_operation_on_one_socket_reads_afresh(gateway: Gateway, sockets: list[Socket]) -> None:
    order = await gateway.create()
    socket = await Socket.open(gateway.http, gateway.url)
    sockets.append(socket)
    read = "query($id: ID!) { order(id: $id) { note lineItems { quantity } } }"
    for op_id, note in (("1", None), ("2", "first"), ("3", "second")):
        if note is not None:
            await gateway.query(UPDATE, {"id": order["id"], "input": {"note": note}})
        await socket.subscribe(op_id, read, {"id": order["id"]})  # a query over the socket
        assert (await socket.next_payload())["data"]["order"]["note"] == note
        assert (await socket.receive())["type"] == "complete"


async def test_a_change_that_rolls_back_reaches_no_subscriber(
    gateway: Gateway, sockets: list[Socket], monkeypatch: pytest.MonkeyPatch
) -> None:
    order = await gateway.create()
    socket = await listen(
        gateway, sockets, fields="id historyEntry { message }", filter={"orderIds": [order["id"]]}
    )
    write_records = persistence._write_records

    async def then_fail(*args: Any) -> None:
        await write_records(*args)
        raise RuntimeError("disk full")

    monkeypatch.setattr(persistence, "_write_records", then_fail)
    _, body = await gateway.post({"query": NOTE, "variables": {"id": order["id"], "message": "never kept"}})
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    monkeypatch.undo()
    await gateway.query(NOTE, {"id": order["id"], "message": "kept"})
    [event] = await socket.events(1)
    assert event["historyEntry"] == {"message": "kept"}
