"""Listing Retailys orders: cursor pages over page/per_page, the filters Retailys has, and the rest refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.domain import ids
from tests.conftest import Gateway
from tests.system.emulator import Emulator

PAGE = """query($filter: OrderFilter, $first: Int, $after: String) {
  orders(filter: $filter, first: $first, after: $after) {
    nodes { id number lineItems { productName } payments { amount } fulfillments { id } }
    pageInfo { hasNextPage endCursor } totalCount } }"""
START = datetime(2026, 1, 1, tzinfo=UTC)


def seed(emulator: Emulator, count: int) -> list[int]:
    """`count` orders an hour apart, oldest first, each with one item; returns their ids newest first."""
    made = []
    for i in range(count):
        item = {"id": 90000 + i, "name": f"Item {i}", "count": 1, "price": {"base_price": 10.0, "vat": 21.0}}
        made.append(
            emulator.add_order(date_order=(START + timedelta(hours=i)).isoformat(), items=[item])["id"]
        )
    return made[::-1]


async def test_first_100_costs_one_upstream_page_per_page(gateway: Gateway, emulator: Emulator) -> None:
    newest_first = seed(emulator, 230)
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        before = len(emulator.requests)
        data = await gateway.field(PAGE, filter={"source": "system"}, first=100, after=after)
        calls = emulator.requests[before:]
        assert [(c.method, c.path) for c in calls] == [("GET", "/System/Orders")]
        assert calls[0].query["per_page"] == "100" and calls[0].query["expanded"] == "true"
        assert all(node["lineItems"] for node in data["nodes"])
        assert data["totalCount"] == 230
        seen += [node["number"] for node in data["nodes"]]
        pages += 1
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
    assert pages == 3
    assert seen == [str(n) for n in newest_first]


async def test_small_and_uneven_pages_still_cover_the_list(gateway: Gateway, emulator: Emulator) -> None:
    numbers = []
    after = None
    for first in (3, 7, 30, 100, 100, 100):
        data = await gateway.field(PAGE, filter={"source": "system"}, first=first, after=after)
        assert len(data["nodes"]) <= first
        numbers += [node["number"] for node in data["nodes"]]
        after = data["pageInfo"]["endCursor"]
        if not data["pageInfo"]["hasNextPage"]:
            break
    assert len(numbers) == len(set(numbers)) == len(emulator.orders)
    per_pages = {int(c.query["per_page"]) for c in emulator.calls("GET", "/System/Orders")}
    assert min(per_pages) >= 10 and max(per_pages) <= 250


async def test_filters_become_query_parameters(gateway: Gateway, emulator: Emulator) -> None:
    statuses = await gateway.field('{ orderStatuses(source: "system") { id name } }')
    packed = next(s["id"] for s in statuses if s["name"] == "Packed")
    target = emulator.add_order(
        date_order="2025-06-01T10:00:00+02:00", status_id=2, done=True, customer={"id": 501}
    )
    emulator.add_order(
        date_order="2025-06-01T11:00:00+02:00", status_id=2, canceled=True, customer={"id": 501}
    )
    query = """query($filter: OrderFilter) { orders(filter: $filter, first: 50) { nodes { number status } totalCount } }"""
    data = await gateway.field(
        query,
        filter={
            "source": "system",
            "customStatusId": packed,
            "status": ["COMPLETED"],
            "customerId": "501",
            "createdAfter": "2025-05-31T00:00:00Z",
            "createdBefore": "2025-06-02T00:00:00Z",
        },
    )
    assert data == {"nodes": [{"number": str(target["id"]), "status": "COMPLETED"}], "totalCount": 1}
    call = emulator.calls("GET", "/System/Orders")[-1].query
    assert {k: call[k] for k in ("status_id", "done", "canceled", "customer_id", "from", "to")} == {
        "status_id": "2",
        "done": "true",
        "canceled": "false",
        "customer_id": "501",
        "from": "2025-05-31T00:00:00+00:00",
        "to": "2025-06-02T00:00:00+00:00",
    }
    canceled = await gateway.field(
        query, filter={"source": "system", "status": ["CANCELED"], "customerId": "501"}
    )
    assert [n["status"] for n in canceled["nodes"]] == ["CANCELED"]
    before = len(emulator.requests)
    nothing = await gateway.field(query, filter={"source": "system", "status": ["INITIALIZED"]})
    assert nothing == {"nodes": [], "totalCount": 0} and len(emulator.requests) == before


async def test_filters_and_sorts_retailys_lacks_are_unsupported_by_name(gateway: Gateway) -> None:
    errors = await gateway.errors(
        'query { orders(filter: {source: "system", buyerEmail: "a@b.cz", query: "mug"}) { nodes { id } } }'
    )
    assert errors[0]["extensions"]["code"] == "UNSUPPORTED_BY_BACKEND"
    assert "buyerEmail, query" in errors[0]["message"]
    errors = await gateway.errors(
        'query { orders(filter: {source: "system", status: [APPROVED, CANCELED]}) { nodes { id } } }'
    )
    assert errors[0]["extensions"]["code"] == "UNSUPPORTED_BY_BACKEND"
    errors = await gateway.errors(
        'query { orders(filter: {source: "system"}, sort: {field: TOTAL}) { nodes { id } } }'
    )
    assert errors[0]["extensions"]["code"] == "UNSUPPORTED_BY_BACKEND"
    errors = await gateway.errors(
        'query { orders(filter: {source: "system"}, after: "bm9wZQ") { nodes { id } } }'
    )
    assert errors[0]["extensions"]["code"] == "INVALID"


async def test_orders_by_ids_and_unknown_ids(gateway: Gateway, emulator: Emulator) -> None:
    raw = emulator.add_order()
    found = await gateway.field(
        "query($ids: [ID!]!) { ordersByIds(ids: $ids) { number } }",
        ids=[
            ids.encode("system", "Order", "999999"),  # which Retailys does not have
            ids.encode("system", "Order", str(raw["id"])),
        ],
    )
    assert found == [None, {"number": str(raw["id"])}]
