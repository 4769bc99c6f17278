"""A page of 100 Wix orders with their payments and fulfillments costs 3 upstream calls."""

from __future__ import annotations

from app.domain import ids
from tests.wix.conftest import WixGateway
from tests.wix.emulator import record_payment


def public(native: str) -> str:
    return ids.encode("wix", "Order", native)


PAGE = """query($email: String) { orders(filter: {source: "wix", buyerEmail: $email}, first: 100) {
  nodes { id number lineItems { id quantity fulfilledQuantity } history { kind }
          payments { id amount status }
          fulfillments { id status lineItems { quantity lineItem { id productName } } } }
  pageInfo { hasNextPage }
} }"""


async def test_a_page_of_100_orders_with_payments_and_fulfillments_costs_3_calls(
    wix_gateway: WixGateway,
) -> None:
    wix = wix_gateway.wix
    for _ in range(100):
        doc = wix.place(quantity=2, email="batch@example.com")
        record_payment(wix, doc["id"], "22.00")
        wix._fulfil(
            doc["id"], {"lineItems": [{"id": doc["lineItems"][0]["id"], "quantity": 1}], "status": "Pending"}
        )
    before = len(wix.calls)
    page = await wix_gateway.field(PAGE, email="batch@example.com")
    calls = wix.calls[before:]
    assert len(page["nodes"]) == 100
    assert page["pageInfo"]["hasNextPage"] is False
    assert all(len(n["payments"]) == 1 and len(n["fulfillments"]) == 1 for n in page["nodes"])
    assert all(n["lineItems"][0]["fulfilledQuantity"] == 1 for n in page["nodes"])
    assert all(
        n["fulfillments"][0]["lineItems"][0]["lineItem"]["productName"] == "Blue Mug" for n in page["nodes"]
    )
    assert sorted(calls) == sorted(
        [
            ("POST", "/ecom/v1/orders/search"),
            ("POST", "/ecom/v1/payments/list-by-ids"),
            ("POST", "/ecom/v1/fulfillments/list-by-ids"),
        ]
    )


async def test_orders_by_ids_cost_one_search_plus_a_get_for_each_order_search_cannot_see(
    wix_gateway: WixGateway,
) -> None:
    wix = wix_gateway.wix
    approved, initialized = wix.place(), wix.place(status="INITIALIZED")
    wanted = [public(approved["id"]), public(initialized["id"]), public("no-such-order")]
    before = len(wix.calls)
    found = await wix_gateway.field(
        "query($ids: [ID!]!) { ordersByIds(ids: $ids) { id status } }", ids=wanted
    )
    assert found == [
        {"id": wanted[0], "status": "APPROVED"},
        {"id": wanted[1], "status": "INITIALIZED"},
        None,
    ]
    assert wix.calls[before:] == [
        ("POST", "/ecom/v1/orders/search"),
        ("GET", f"/ecom/v1/orders/{initialized['id']}"),
        ("GET", "/ecom/v1/orders/no-such-order"),
    ]


async def test_order_by_number_finds_the_wix_order(wix_gateway: WixGateway) -> None:
    placed = wix_gateway.wix.place()
    query = 'query($n: String!) { orderByNumber(number: $n, source: "wix") { id number } }'
    assert await wix_gateway.field(query, n=placed["number"]) == {
        "id": public(placed["id"]),
        "number": placed["number"],
    }
    assert await wix_gateway.field(query, n="999999") is None


async def test_an_id_that_cannot_be_a_wix_id_never_reaches_a_wix_url(wix_gateway: WixGateway) -> None:
    crafted = public("../payments/list-by-ids?x=1")
    calls = len(wix_gateway.wix.calls)
    found = await wix_gateway.field("query($ids: [ID!]!) { ordersByIds(ids: $ids) { id } }", ids=[crafted])
    assert found == [None]
    cancel = "mutation($id: ID!) { cancelOrder(id: $id) { userErrors { field code } } }"
    assert (await wix_gateway.query(cancel, {"id": crafted}))["cancelOrder"]["userErrors"] == [
        {"field": ["id"], "code": "NOT_FOUND"}
    ]
    assert wix_gateway.wix.calls[calls:] == []


async def test_a_repeated_wix_read_asks_wix_again(wix_gateway: WixGateway) -> None:
    """Wix's data can change without the gateway knowing: its answers are never answered from memory."""
    wix = wix_gateway.wix
    doc = wix.place(quantity=1, email="again@example.com")
    query = "query($id: ID!) { order(id: $id) { id status } }"
    first = await wix_gateway.field(query, id=public(doc["id"]))
    before = len(wix.calls)
    again = await wix_gateway.field(query, id=public(doc["id"]))
    assert again == first
    assert len(wix.calls) > before
