"""Reading orders: by id, number and ids, and the filtered, sorted, keyset-paginated list."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.api.test_order_mutations import ADD_LINE, REMOVE_LINE, UPDATE
from tests.conftest import Gateway

LINES = "query($id: ID!) { order(id: $id) { lineItems { id productName } } }"
LIST = """query($f: OrderFilter, $s: OrderSort, $first: Int, $after: String) {
  orders(filter: $f, sort: $s, first: $first, after: $after) {
    totalCount nodes { id number } edges { cursor node { id } } pageInfo { hasNextPage endCursor }
  }
}"""


async def listing(gateway: Gateway, **variables: Any) -> dict[str, Any]:
    return (await gateway.query(LIST, variables))["orders"]  # type: ignore[no-any-return]


async def numbers(gateway: Gateway, **variables: Any) -> list[str]:
    return [n["number"] for n in (await listing(gateway, **variables))["nodes"]]


@pytest.fixture(scope="module")
async def shop(gateway: Gateway) -> dict[str, dict[str, Any]]:
    """A few distinct orders to filter on (this module's gateway holds nothing else)."""
    made = {
        "ann": await gateway.create(
            buyer={"email": "Ann.Lee@Example.com", "firstName": "Ann", "lastName": "Lee"},
            lineItems=[{"productName": "Blue Mug", "quantity": 1, "price": "10.00"}],
        ),
        "bob": await gateway.create(
            buyer={"email": "bob@example.com", "firstName": "Bob", "lastName": "Stone"},
            lineItems=[{"productName": "Green Teapot", "quantity": 2, "price": "30.00"}],
            status="INITIALIZED",
            externalId="ext-7",
        ),
        "cy": await gateway.create(
            buyer={"email": "cy@example.com", "firstName": "Cy", "lastName": "Young"},
            lineItems=[{"productName": "Teaspoon", "quantity": 1, "price": "0.00"}],
        ),
    }
    await gateway.query(
        "mutation($id: ID!) { cancelOrder(id: $id) { userErrors { code } } }", {"id": made["cy"]["id"]}
    )
    return made


async def test_order_by_id_number_and_ids(gateway: Gateway, shop: dict[str, dict[str, Any]]) -> None:
    ann, bob = shop["ann"], shop["bob"]
    data = await gateway.query(
        "query($id: ID!, $n: String!, $ids: [ID!]!) { order(id: $id) { number } "
        'orderByNumber(number: $n) { id } ordersByIds(ids: $ids) { id } missing: order(id: "zzz") { id } }',
        {"id": ann["id"], "n": bob["number"], "ids": [bob["id"], "bG9jYWw6T3JkZXI6eA", ann["id"]]},
    )
    assert data["order"] == {"number": ann["number"]}
    assert data["orderByNumber"] == {"id": bob["id"]}
    assert data["ordersByIds"] == [{"id": bob["id"]}, None, {"id": ann["id"]}]
    assert data["missing"] is None


async def test_ordersbyids_refuses_more_than_100(gateway: Gateway) -> None:
    errors = await gateway.errors(
        "query($ids: [ID!]!) { ordersByIds(ids: $ids) { id } }", {"ids": ["x"] * 101}
    )
    assert errors[0]["extensions"]["code"] == "LIMIT_EXCEEDED"


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        ({}, {"ann", "bob", "cy"}),
        ({"status": ["CANCELED"]}, {"cy"}),
        ({"status": ["APPROVED", "INITIALIZED"]}, {"ann", "bob"}),
        ({"status": []}, set()),
        ({"paymentStatus": ["PAID"]}, {"cy"}),  # a zero total is PAID
        ({"paymentStatus": ["NOT_PAID"]}, {"ann", "bob"}),
        ({"fulfillmentStatus": ["NOT_FULFILLED"]}, {"ann", "bob", "cy"}),
        ({"fulfillmentStatus": ["FULFILLED"]}, set()),
        ({"buyerEmail": "ann.lee@example.COM"}, {"ann"}),
        ({"externalId": "ext-7"}, {"bob"}),
        ({"query": "tea"}, {"bob", "cy"}),
        ({"query": "GREEN tea"}, {"bob"}),
        ({"query": "ea"}, set()),  # only the beginning of words matches
        ({"query": "ann lee example"}, {"ann"}),
        ({"query": "mug stone"}, set()),
        ({"query": "100%_"}, set()),
    ],
)
async def test_filters(
    gateway: Gateway, shop: dict[str, dict[str, Any]], flt: dict[str, Any], expected: set[str]
) -> None:
    by_id = {order["id"]: name for name, order in shop.items()}
    page = await listing(gateway, f=flt)
    assert {by_id[n["id"]] for n in page["nodes"]} == expected
    assert page["totalCount"] == len(expected)


async def test_filters_by_ids_numbers_and_custom_status(
    gateway: Gateway, shop: dict[str, dict[str, Any]]
) -> None:
    ann, bob = shop["ann"], shop["bob"]
    assert set(await numbers(gateway, f={"ids": [ann["id"], "garbage"]})) == {ann["number"]}
    assert set(await numbers(gateway, f={"numbers": [bob["number"], "nope"]})) == {bob["number"]}
    assert await numbers(gateway, f={"customStatusId": "bm9uZQ"}) == []
    by_query = await numbers(gateway, f={"query": ann["number"]})
    assert by_query == [ann["number"]]


async def test_time_filters(gateway: Gateway, shop: dict[str, dict[str, Any]]) -> None:
    cy_created = shop["cy"]["createdAt"]
    assert set(await numbers(gateway, f={"createdAfter": cy_created})) == set()
    assert shop["cy"]["number"] not in await numbers(gateway, f={"createdBefore": cy_created})
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert await numbers(gateway, f={"updatedAfter": future}) == []
    updated = await numbers(gateway, f={"updatedAfter": shop["ann"]["updatedAt"]})
    assert shop["cy"]["number"] in updated  # canceled later
    errors = await gateway.errors(LIST, {"f": {"createdAfter": "2026-01-01T00:00:00"}})
    assert errors[0]["extensions"] == {"code": "INVALID", "field": ["filter", "createdAfter"]}


@pytest.mark.parametrize("field", ["CREATED_AT", "UPDATED_AT", "NUMBER", "TOTAL"])
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
async def test_every_sort_pages_through_everything_in_order(
    gateway: Gateway, shop: dict[str, dict[str, Any]], field: str, direction: str
) -> None:
    query = """query($s: OrderSort, $after: String) { orders(sort: $s, first: 1, after: $after) {
      nodes { number createdAt updatedAt priceSummary { total } } pageInfo { hasNextPage endCursor } } }"""
    seen: list[dict[str, Any]] = []
    after = None
    for _ in range(10):
        page = (await gateway.query(query, {"s": {"field": field, "direction": direction}, "after": after}))[
            "orders"
        ]
        seen += page["nodes"]
        after = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
    key = {
        "CREATED_AT": lambda n: n["createdAt"],
        "UPDATED_AT": lambda n: n["updatedAt"],
        "NUMBER": lambda n: int(n["number"]),
        "TOTAL": lambda n: float(n["priceSummary"]["total"]),
    }[field]
    keys = [key(n) for n in seen]
    assert keys == sorted(keys, reverse=direction == "DESC")
    assert len({n["number"] for n in seen}) == len(seen) >= 3


async def test_default_sort_is_newest_first(gateway: Gateway, shop: dict[str, dict[str, Any]]) -> None:
    listed = await numbers(gateway)
    assert listed == sorted(listed, key=int, reverse=True)


async def test_cursors_stay_correct_when_orders_are_inserted_between_pages(
    gateway: Gateway, shop: dict[str, Any]
) -> None:
    tag = {"query": "Keyset"}
    for _ in range(5):
        await gateway.create(lineItems=[{"productName": "Keyset probe", "quantity": 1, "price": "1.00"}])
    first = await listing(gateway, f=tag, first=2)
    assert first["pageInfo"]["hasNextPage"] and first["totalCount"] == 5
    for _ in range(3):  # newer orders land before the cursor and must not shift the next page
        await gateway.create(lineItems=[{"productName": "Keyset probe", "quantity": 1, "price": "1.00"}])
    rest: list[str] = []
    after = first["pageInfo"]["endCursor"]
    while after:
        page = await listing(gateway, f=tag, first=2, after=after)
        rest += [n["number"] for n in page["nodes"]]
        after = page["pageInfo"]["endCursor"] if page["pageInfo"]["hasNextPage"] else None
    first_numbers = [n["number"] for n in first["nodes"]]
    assert len(rest) == 3 and not set(rest) & set(first_numbers)
    assert [int(n) for n in first_numbers + rest] == sorted(
        (int(n) for n in first_numbers + rest), reverse=True
    )
    assert first["edges"][-1]["cursor"] == first["pageInfo"]["endCursor"]


async def test_first_is_bounded_and_cursors_are_checked(gateway: Gateway) -> None:
    for first in (0, 101, -5):
        errors = await gateway.errors(LIST, {"first": first})
        assert errors[0]["extensions"]["code"] == "INVALID" and "between 1 and 100" in errors[0]["message"]
    assert (await listing(gateway, first=100))["pageInfo"]["hasNextPage"] in (True, False)
    for cursor in ("garbage", "W10"):
        errors = await gateway.errors(LIST, {"after": cursor})
        assert errors[0]["extensions"]["field"] == ["after"]
    page = await listing(gateway, first=1)
    errors = await gateway.errors(LIST, {"after": page["pageInfo"]["endCursor"], "s": {"field": "TOTAL"}})
    assert "another sort" in errors[0]["message"]


async def test_concurrent_creates_get_distinct_gap_free_numbers(gateway: Gateway) -> None:
    made = await asyncio.gather(*(gateway.create() for _ in range(20)))
    got = sorted(int(o["number"]) for o in made)
    assert got == list(range(got[0], got[0] + 20))


async def test_text_search_follows_changes_of_the_words(gateway: Gateway) -> None:
    order = await gateway.create(
        buyer={"email": "zed@example.com", "firstName": "Zelda", "lastName": "Quill"}
    )
    only = {"ids": [order["id"]]}

    async def found(query: str) -> bool:
        return await numbers(gateway, f={**only, "query": query}) == [order["number"]]

    assert await found("zel quill")
    await gateway.query(
        UPDATE,
        {"id": order["id"], "input": {"buyer": {"firstName": "Yara", "lastName": "Quill"}}, "rev": None},
    )
    assert not await found("zelda") and await found("yara quill")
    await gateway.query(
        ADD_LINE, {"id": order["id"], "input": {"productName": "Kettle", "quantity": 1, "price": "9.00"}}
    )
    assert await found("kett")
    line = next(
        item["id"]
        for item in (await gateway.field(LINES, id=order["id"]))["lineItems"]
        if item["productName"] == "Kettle"
    )
    await gateway.query(REMOVE_LINE, {"id": order["id"], "line": line})
    assert not await found("kettle")


async def test_text_search_matches_long_words_exactly(gateway: Gateway) -> None:
    long_word = "a" * 70 + "kettle"
    order = await gateway.create(lineItems=[{"productName": long_word, "quantity": 1, "price": "1.00"}])
    only = {"ids": [order["id"]]}
    assert await numbers(gateway, f={**only, "query": long_word[:72]}) == [order["number"]]
    assert await numbers(gateway, f={**only, "query": "a" * 70 + "z"}) == []  # alike in the first 64


async def test_filters_by_customer_and_tracking_number(gateway: Gateway) -> None:
    mine = await gateway.create(buyer={"email": "c1@example.com", "customerId": "cust-1"})
    await gateway.create(buyer={"email": "c2@example.com", "customerId": "cust-2"})
    assert await numbers(gateway, f={"customerId": "cust-1"}) == [mine["number"]]
    tracked = await gateway.query(
        """mutation($id: ID!) { addOrderTracking(orderId: $id,
             input: {trackingNumber: "TRK-42", shippingProvider: "UPS"}) { userErrors { code } } }""",
        {"id": mine["id"]},
    )
    assert tracked["addOrderTracking"]["userErrors"] == []
    assert await numbers(gateway, f={"trackingNumber": "TRK-42"}) == [mine["number"]]
    assert await numbers(gateway, f={"trackingNumber": "TRK-43"}) == []
