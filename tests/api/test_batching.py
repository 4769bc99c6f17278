"""No N+1: a page of orders with every nested list costs the same SQL statements whatever its size."""

from __future__ import annotations

from typing import Any

from tests.conftest import Gateway

PAGE = """query($first: Int, $filter: OrderFilter) { orders(first: $first, filter: $filter) {
  totalCount
  nodes { id customStatus { name } lineItems { id productName } history { kind }
          payments { id amount status refundedAmount }
          fulfillments { id status trackingInfo { trackingLink } lineItems { quantity lineItem { id } } }
          balance { paid refunded due } }
} }"""


BULK = """mutation($input: [BulkFulfillmentInput!]!) {
  bulkCreateFulfillments(input: $input) { bulkActionMetadata { totalSuccesses } } }"""


async def statements_for(gateway: Gateway, first: int, filter: dict[str, Any] | None = None) -> int:
    before = gateway.statements
    data = await gateway.query(PAGE, {"first": first, "filter": filter})
    nodes = data["orders"]["nodes"]
    assert len(nodes) == first
    assert all(len(n["payments"]) == 2 and len(n["fulfillments"]) == 1 for n in nodes)
    assert all(n["fulfillments"][0]["lineItems"][1]["lineItem"] for n in nodes)
    return gateway.statements - before


async def test_a_page_of_100_costs_what_a_page_of_1_costs(gateway: Gateway) -> None:
    status = await gateway.query('mutation { defineOrderStatus(input: {name: "Packed"}) { status { id } } }')
    status_id = status["defineOrderStatus"]["status"]["id"]
    orders = []
    for i in range(100):
        lines = [{"productName": f"Item {i}-{j}", "quantity": 1, "price": "1.00"} for j in range(3)]
        payments = [{"amount": "1.00", "method": "CARD"}, {"amount": "2.00", "method": "CASH"}]
        orders.append(
            await gateway.create(
                lineItems=lines, payments=payments, customStatusId=status_id if i % 2 else None
            )
        )
    tracking = {"trackingNumber": "1Z", "shippingProvider": "ups"}
    bulk = [
        {
            "orderId": order["id"],
            "fulfillment": {
                "lineItems": [{"lineItemId": line["id"], "quantity": 1} for line in order["lineItems"][:2]],
                "trackingInfo": tracking,
            },
        }
        for order in orders
    ]
    created = await gateway.query(BULK, {"input": bulk})
    assert created["bulkCreateFulfillments"]["bulkActionMetadata"]["totalSuccesses"] == 100
    one = await statements_for(gateway, 1)
    hundred = await statements_for(gateway, 100)
    assert one == hundred
    assert hundred <= 16  # page, count, and one batch per nested list (each in its own short transaction)
    searched = {"query": "item", "status": ["INITIALIZED", "APPROVED"]}  # every order's lines say "Item"
    assert (
        await statements_for(gateway, 1, searched) == await statements_for(gateway, 100, searched) == hundred
    )


async def test_a_bulk_of_100_orders_writes_with_what_a_bulk_of_1_costs(gateway: Gateway) -> None:
    lines = [{"productName": "Crate", "quantity": 1000, "price": "1.00"}]
    orders = [
        await gateway.create(lineItems=lines, payments=[{"amount": "1.00", "method": "CARD"}])
        for _ in range(101)
    ]

    def item(order: dict[str, Any]) -> dict[str, Any]:
        line = order["lineItems"][0]["id"]
        return {"orderId": order["id"], "fulfillment": {"lineItems": [{"lineItemId": line, "quantity": 1}]}}

    async def statements_for_bulk(group: list[dict[str, Any]]) -> int:
        before = gateway.statements
        data = await gateway.query(BULK, {"input": [item(order) for order in group]})
        assert data["bulkCreateFulfillments"]["bulkActionMetadata"]["totalSuccesses"] == len(group)
        return gateway.statements - before

    assert await statements_for_bulk(orders[:1]) == await statements_for_bulk(orders[1:])
