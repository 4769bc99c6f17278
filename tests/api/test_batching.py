"""No N+1: a page of orders with every nested list costs the same SQL statements whatever its size."""

from __future__ import annotations

from tests.conftest import Gateway

PAGE = """query($first: Int) { orders(first: $first) {
  totalCount
  nodes { id customStatus { name } lineItems { id productName } history { kind }
          payments { id } fulfillments { id lineItems { quantity lineItem { id } } } balance { due } }
} }"""


async def statements_for(gateway: Gateway, first: int) -> int:
    before = gateway.statements
    data = await gateway.query(PAGE, {"first": first})
    assert len(data["orders"]["nodes"]) == first
    return gateway.statements - before


async def test_a_page_of_100_costs_what_a_page_of_1_costs(gateway: Gateway) -> None:
    status = await gateway.query('mutation { defineOrderStatus(input: {name: "Packed"}) { status { id } } }')
    status_id = status["defineOrderStatus"]["status"]["id"]
    for i in range(100):
        lines = [{"productName": f"Item {i}-{j}", "quantity": 1, "price": "1.00"} for j in range(3)]
        await gateway.create(lineItems=lines, customStatusId=status_id if i % 2 else None)
    one = await statements_for(gateway, 1)
    hundred = await statements_for(gateway, 100)
    assert one == hundred
    assert hundred <= 16  # page, count, and one batch per nested list (each in its own short transaction)
