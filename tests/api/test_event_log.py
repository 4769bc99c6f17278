"""`orderEventLog` over HTTP: every change is an event, written with the change; paging, cursors, filters."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from app.backends.local import persistence
from app.domain.commands import Actor, CreateOrder, LineItemDraft
from app.server import GATEWAY
from tests.api.test_order_mutations import (
    ADD_LINE,
    APPROVE,
    CANCEL,
    COMPLETE,
    DEFINE,
    HISTORY,
    REMOVE_LINE,
    SET_STATUS,
    UPDATE,
    UPDATE_LINE,
)
from tests.conftest import Gateway, Requests

LOG = """query($filter: OrderEventFilter, $after: String, $first: Int) {
  orderEventLog(filter: $filter, after: $after, first: $first) {
    edges { cursor node { id type orderId occurredAt historyEntry { id kind } order { id revision } } }
    pageInfo { hasNextPage endCursor }
  }
}"""


async def event_log(gateway: Requests, **variables: Any) -> dict[str, Any]:
    return (await gateway.query(LOG, variables))["orderEventLog"]  # type: ignore[no-any-return]


async def head(gateway: Requests) -> str | None:
    """The cursor of the newest event in the log."""
    cursor, page = None, {"pageInfo": {"hasNextPage": True}}
    while page["pageInfo"]["hasNextPage"]:
        page = await event_log(gateway, after=cursor, first=500)
        cursor = page["pageInfo"]["endCursor"] or cursor
    return cursor


async def events_since(gateway: Requests, cursor: str | None) -> list[dict[str, Any]]:
    return [edge["node"] for edge in (await event_log(gateway, after=cursor, first=500))["edges"]]


# ------------------------------------------------------------------------------ every change is an event


async def _initialized(gateway: Gateway) -> dict[str, Any]:
    return await gateway.create(status="INITIALIZED")


async def _approved(gateway: Gateway) -> dict[str, Any]:
    return await gateway.create()


CHANGES: list[tuple[str, Any, str, dict[str, Any], list[tuple[str, str]]]] = [
    ("approveOrder", _initialized, APPROVE, {}, [("ORDER_APPROVED", "ORDER_APPROVED")]),
    ("cancelOrder", _approved, CANCEL, {"reason": "out of stock"}, [("ORDER_CANCELED", "ORDER_CANCELED")]),
    ("completeOrder", _approved, COMPLETE, {}, [("ORDER_COMPLETED", "ORDER_COMPLETED")]),
    ("updateOrder", _approved, UPDATE, {"input": {"note": "ring twice"}}, [("ORDER_UPDATED", "ORDER_UPDATED")]),
    ("addLineItem", _approved, ADD_LINE, {"input": {"productName": "Tea", "quantity": 1, "price": "3.00"}},
     [("ORDER_UPDATED", "LINE_ITEMS_CHANGED")]),
    ("addOrderHistory", _approved, HISTORY, {"message": "called the buyer"}, [("ORDER_UPDATED", "NOTE")]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "make", "mutation", "variables", "expected"), CHANGES, ids=[c[0] for c in CHANGES]
)
async def test_each_change_writes_exactly_the_contracts_events(
    gateway: Gateway,
    name: str,
    make: Any,
    mutation: str,
    variables: dict[str, Any],
    expected: list[tuple[str, str]],
) -> None:
    order = await make(gateway)
    before = await head(gateway)
    result = (await gateway.query(mutation, {"id": order["id"], **variables}))[name]
    assert result["userErrors"] == []
    await assert_events(gateway, before, result["order"], expected)


async def test_create_initialized_emits_created(gateway: Gateway) -> None:
    before = await head(gateway)
    order = await gateway.create(status="INITIALIZED")
    await assert_events(gateway, before, order, [("ORDER_CREATED", "ORDER_CREATED")])


async def test_create_approved_emits_created_then_approved(gateway: Gateway) -> None:
    before = await head(gateway)
    order = await gateway.create(status="APPROVED")
    await assert_events(
        gateway, before, order, [("ORDER_CREATED", "ORDER_CREATED"), ("ORDER_APPROVED", "ORDER_APPROVED")]
    )


async def test_status_and_line_changes_emit_order_updated(gateway: Gateway) -> None:
    status_id = (await gateway.query(DEFINE, {"name": "Packed"}))["defineOrderStatus"]["status"]["id"]
    order = await gateway.create(
        lineItems=[{"productName": n, "quantity": 1, "price": "1.00"} for n in ("Mug", "Tea")]
    )
    line_id = order["lineItems"][0]["id"]
    for mutation, variables, kind in [
        (SET_STATUS, {"status": status_id}, "STATUS_CHANGED"),
        (SET_STATUS, {"status": None}, "STATUS_CHANGED"),
        (UPDATE_LINE, {"line": line_id, "input": {"quantity": 5}}, "LINE_ITEMS_CHANGED"),
        (REMOVE_LINE, {"line": line_id}, "LINE_ITEMS_CHANGED"),
    ]:
        before = await head(gateway)
        result = next(iter((await gateway.query(mutation, {"id": order["id"], **variables})).values()))
        assert result["userErrors"] == []
        await assert_events(gateway, before, result["order"], [("ORDER_UPDATED", kind)])


async def assert_events(
    gateway: Gateway, before: str | None, order: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    """The log after `before` holds exactly `expected` (type, history kind), all of `order`, each linked
    to the history entry the change wrote, the newest entries of the order."""
    events = await events_since(gateway, before)
    assert [(e["type"], e["historyEntry"]["kind"]) for e in events] == expected
    assert {e["orderId"] for e in events} == {order["id"]}
    assert [e["historyEntry"]["id"] for e in events] == [h["id"] for h in order["history"][-len(expected) :]]
    assert all(e["order"] == {"id": order["id"], "revision": order["revision"]} for e in events)


REFUSED = [
    (APPROVE, {}, "INVALID_TRANSITION"),  # the order is APPROVED already
    (UPDATE, {"input": {"note": "x"}, "rev": 7}, "REVISION_MISMATCH"),
    (ADD_LINE, {"input": {"productName": "Tea", "quantity": 0, "price": "1.00"}}, "INVALID"),
    (SET_STATUS, {"status": "bm9uZQ"}, "NOT_FOUND"),
    (HISTORY, {"message": " "}, "INVALID"),
]


@pytest.mark.parametrize(("mutation", "variables", "code"), REFUSED)
async def test_a_refused_change_writes_no_event(
    gateway: Gateway, mutation: str, variables: dict[str, Any], code: str
) -> None:
    order = await gateway.create()
    before = await head(gateway)
    result = next(iter((await gateway.query(mutation, {"id": order["id"], **variables})).values()))
    assert [e["code"] for e in result["userErrors"]] == [code]
    assert await events_since(gateway, before) == []


async def test_a_change_that_rolls_back_leaves_no_event(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    order = await gateway.create()
    before = await head(gateway)
    write_records = persistence._write_records

    async def then_fail(*args: Any) -> None:
        await write_records(*args)  # the history and event rows are written, then the transaction fails
        raise RuntimeError("disk full")

    monkeypatch.setattr(persistence, "_write_records", then_fail)
    _, body = await gateway.post(
        {"query": HISTORY, "variables": {"id": order["id"], "message": "never kept"}}
    )
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    monkeypatch.undo()
    assert await events_since(gateway, before) == []
    read = await gateway.query("query($id: ID!) { order(id: $id) { revision } }", {"id": order["id"]})
    assert read["order"]["revision"] == order["revision"]


# ------------------------------------------------------------------------------------ paging and cursors


async def test_pages_walk_the_log_oldest_first_with_cursors_equal_to_ids(gateway: Gateway) -> None:
    orders = [await gateway.create(status="INITIALIZED") for _ in range(5)]
    wanted = {"orderIds": [o["id"] for o in orders]}
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = await event_log(gateway, filter=wanted, after=cursor, first=2)
        assert all(edge["cursor"] == edge["node"]["id"] for edge in page["edges"])
        seen += [edge["node"] for edge in page["edges"]]
        cursor = page["pageInfo"]["endCursor"]
        assert cursor == page["edges"][-1]["cursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
    assert [e["orderId"] for e in seen] == [o["id"] for o in orders]
    assert len({e["id"] for e in seen}) == 5
    times = [e["occurredAt"] for e in seen]
    assert times == sorted(times)
    empty = await event_log(gateway, filter=wanted, after=cursor)
    assert empty == {"edges": [], "pageInfo": {"hasNextPage": False, "endCursor": None}}


async def test_ids_are_stable_and_the_whole_log_is_one_sequence(gateway: Gateway) -> None:
    await gateway.create()
    await gateway.create()
    first = await event_log(gateway, first=3)
    again = await event_log(gateway, first=3)
    assert first == again
    second = await event_log(gateway, after=first["edges"][0]["cursor"], first=2)
    assert [e["cursor"] for e in second["edges"]] == [e["cursor"] for e in first["edges"][1:]]


@pytest.mark.parametrize("first", [0, -1, 501])
async def test_first_is_1_to_500(gateway: Gateway, first: int) -> None:
    errors = await gateway.errors(LOG, {"first": first})
    assert errors[0]["extensions"] == {"code": "INVALID", "field": ["first"]}


async def test_500_is_the_largest_page(gateway: Gateway) -> None:
    assert (await event_log(gateway, first=500))["edges"]


@pytest.mark.parametrize(
    ("cursor", "code"),
    [
        ("bG9jYWw6T3JkZXJFdmVudDo5OTk5OTk", "NOT_FOUND"),  # a well-formed cursor of no stored event
        ("garbage!", "INVALID"),
        ("bG9jYWw6T3JkZXI6MTIz", "INVALID"),  # an order id
        ("bG9jYWw6T3JkZXJFdmVudDotMQ", "INVALID"),  # "local:OrderEvent:-1"
    ],
)
async def test_an_unknown_cursor_is_an_error(gateway: Gateway, cursor: str, code: str) -> None:
    errors = await gateway.errors(LOG, {"after": cursor})
    assert errors[0]["extensions"] == {"code": code, "field": ["after"]}


# ------------------------------------------------------------------------------------------------ filters


async def test_filters_by_order_and_type_on_the_server(gateway: Gateway) -> None:
    a = await gateway.create(status="INITIALIZED")
    b = await gateway.create()
    await gateway.query(APPROVE, {"id": a["id"]})
    both = [a["id"], b["id"]]

    async def types(**filter: Any) -> list[tuple[str, str]]:
        page = await event_log(gateway, filter=filter)
        return [(e["node"]["orderId"], e["node"]["type"]) for e in page["edges"]]

    assert await types(orderIds=[a["id"]]) == [(a["id"], "ORDER_CREATED"), (a["id"], "ORDER_APPROVED")]
    assert await types(orderIds=both, types=["ORDER_APPROVED"]) == [
        (b["id"], "ORDER_APPROVED"),
        (a["id"], "ORDER_APPROVED"),
    ]
    assert await types(orderIds=both, types=["ORDER_CANCELED", "ORDER_CREATED"]) == [
        (a["id"], "ORDER_CREATED"),
        (b["id"], "ORDER_CREATED"),
    ]
    assert await types(orderIds=[]) == []
    assert await types(orderIds=both, types=[]) == []
    assert await types(orderIds=["not-an-id"]) == []


async def test_more_than_500_order_ids_is_refused(gateway: Gateway) -> None:
    errors = await gateway.errors(LOG, {"filter": {"orderIds": [str(i) for i in range(501)]}})
    assert errors[0]["extensions"] == {"code": "LIMIT_EXCEEDED", "field": ["filter", "orderIds"]}


# ------------------------------------------------------------------------------------------------ batching

PAGE = """query($first: Int) { orderEventLog(first: $first) {
  edges { node { id historyEntry { kind } order { id lineItems { id } customStatus { name } } } }
} }"""


async def test_a_page_of_500_events_costs_what_a_page_of_1_costs(gateway: Gateway) -> None:
    service = gateway.app[GATEWAY].service
    order = CreateOrder(currency="EUR", line_items=(LineItemDraft("Mug", 1, Decimal("2.50")),))
    stored = len((await event_log(gateway, first=500))["edges"])
    for _ in range(0, 500 - stored, 2):  # each order: ORDER_CREATED and ORDER_APPROVED
        await service.create_order(order, None, Actor())

    async def statements(first: int) -> int:
        before = gateway.statements
        data = await gateway.query(PAGE, {"first": first})
        assert len(data["orderEventLog"]["edges"]) == first
        assert all(e["node"]["historyEntry"] for e in data["orderEventLog"]["edges"])
        return gateway.statements - before

    # One read per kind (orders in batches of 100 ids), each a BEGIN and a SELECT: without the loaders it
    # would be hundreds.
    assert await statements(1) <= 10
    assert await statements(500) <= 20
