"""Query cost over real sockets: reported on every response, and over a limit refused before any SQL."""

from __future__ import annotations

from typing import Any

from tests.conftest import ORDER_FIELDS, Gateway

FULL_ORDER = (
    ORDER_FIELDS
    + " payments { id amount method status providerTransactionId refundedAmount createdAt updatedAt }"
    " fulfillments { id status trackingInfo { trackingNumber shippingProvider trackingLink }"
    " lineItems { lineItemId quantity lineItem { id productName } } createdAt updatedAt }"
)
PAGE_OF_100 = (
    f"{{ orders(first: 100) {{ totalCount edges {{ cursor node {{ {FULL_ORDER} }} }} "
    "pageInfo { hasNextPage endCursor } } }"
)


def cost(body: dict[str, Any]) -> dict[str, int]:
    return body["extensions"]["cost"]  # type: ignore[no-any-return]


async def refused_before_sql(gateway: Gateway, query: str) -> list[dict[str, Any]]:
    """Posts `query`, checks it ran no SQL statement and returned no data; returns its errors."""
    before = gateway.statements
    status, body = await gateway.post({"query": query})
    assert gateway.statements == before
    assert status == 200 and body["data"] is None, body
    return body["errors"]  # type: ignore[no-any-return]


async def test_a_full_dashboard_page_of_100_orders_is_admitted(gateway: Gateway) -> None:
    status, body = await gateway.post({"query": PAGE_OF_100})
    assert status == 200 and "errors" not in body, body
    assert cost(body)["requested"] == 5002
    assert cost(body)["limit"] == 8000


async def test_requested_counts_objects_and_multiplies_lists_and_actual_counts_what_came_back(
    gateway: Gateway,
) -> None:
    for _ in range(2):
        await gateway.create(buyer={"email": "cost@example.com"})
    query = 'query($n: Int) { orders(first: $n, filter: {buyerEmail: "cost@example.com"}) { nodes { id lineItems { id } buyer { email } } } }'
    status, body = await gateway.post({"query": query, "variables": {"n": 10}})
    assert status == 200 and len(body["data"]["orders"]["nodes"]) == 2
    # connection 1 + 10 orders x (order 1 + 5 typical lines + buyer 1); back: 1 + 2 x (1 + 1 line + 1 buyer)
    assert (cost(body)["requested"], cost(body)["actual"]) == (71, 7)
    status, body = await gateway.post({"query": query, "variables": {"n": 3}})
    assert cost(body)["requested"] == 1 + 3 * 7


async def test_mutations_add_a_base_cost_and_bulk_mutations_one_point_per_item(gateway: Gateway) -> None:
    status, body = await gateway.post(
        {"query": 'mutation { approveOrder(id: "nope") { order { id } userErrors { code } } }'}
    )
    assert status == 200 and body["data"]["approveOrder"]["userErrors"][0]["code"] == "NOT_FOUND"
    # base 10 + payload 1 + order 1 + one userError; back: base + payload + the userError
    assert (cost(body)["requested"], cost(body)["actual"]) == (13, 12)
    refs = [{"orderId": "nope", "paymentId": f"p{i}"} for i in range(3)]
    status, body = await gateway.post(
        {
            "query": "mutation($refs: [OrderPaymentRef!]!) { bulkUpdatePaymentStatuses(payments: $refs, "
            "status: APPROVED) { results { success } } }",
            "variables": {"refs": refs},
        }
    )
    assert status == 200, body
    assert cost(body)["requested"] == 10 + 3 + 1 + 3


async def test_every_response_reports_the_cost_even_an_invalid_one(gateway: Gateway) -> None:
    for query in ("{ orders { nope } }", "{ orders(first: ", "{ __typename }"):
        _, body = await gateway.post({"query": query})
        assert set(cost(body)) == {"requested", "actual", "limit", "remaining"}, body
        assert cost(body)["requested"] == 0


async def test_introspection_costs_nothing(gateway: Gateway) -> None:
    status, body = await gateway.post({"query": "{ __schema { types { name fields { name } } } }"})
    assert status == 200 and "errors" not in body
    assert (cost(body)["requested"], cost(body)["actual"]) == (0, 0)


async def test_a_query_over_the_maximum_is_refused_before_any_sql(gateway: Gateway) -> None:
    ids = ", ".join(f'"o{i}"' for i in range(100))
    query = f"{{ a: ordersByIds(ids: [{ids}]) {{ {FULL_ORDER} }} b: ordersByIds(ids: [{ids}]) {{ {FULL_ORDER} }} }}"
    [error] = await refused_before_sql(gateway, query)
    assert error["extensions"] == {"code": "COST_LIMIT_EXCEEDED", "cost": 9800, "limit": 8000}


async def test_an_event_log_fan_out_under_aliases_is_refused_before_any_sql(gateway: Gateway) -> None:
    log = "orderEventLog(first: 500) { edges { node { order { lineItems { id } history { id } } } } }"
    query = "{ " + " ".join(f"a{i}: {log}" for i in range(20)) + " }"
    [error] = await refused_before_sql(gateway, query)
    assert error["extensions"]["code"] == "COST_LIMIT_EXCEEDED"


async def test_a_huge_first_in_a_variable_is_refused_before_any_sql(gateway: Gateway) -> None:
    before = gateway.statements
    _, body = await gateway.post(
        {"query": "query($n: Int) { orders(first: $n) { nodes { id } } }", "variables": {"n": 2**31 - 1}}
    )
    assert gateway.statements == before
    assert body["errors"][0]["extensions"]["code"] == "COST_LIMIT_EXCEEDED"


async def test_fragments_spread_many_times_are_counted_each_time(gateway: Gateway) -> None:
    spreads = " ".join("...F" for _ in range(3))
    query = f'{{ order(id: "x") {{ ...F {spreads} }} }} fragment F on Order {{ a: lineItems {{ id }} }}'
    status, body = await gateway.post({"query": query})
    assert status == 200, body
    assert cost(body)["requested"] == 1 + 4 * 5  # once per spread, though identical selections merge
    nested = (
        '{ order(id: "x") { ...A } } fragment A on Order { fulfillments { ...B ...B } } '
        "fragment B on Fulfillment { lineItems { ...C ...C } } fragment C on FulfillmentLineItem { lineItem { id } }"
    )
    status, body = await gateway.post({"query": nested})
    assert cost(body)["requested"] == 1 + 2 * (1 + 2 * 5 * (1 + 2 * 1))


async def test_more_aliases_than_allowed_are_refused_before_any_sql(gateway: Gateway) -> None:
    fields = [f"n{i}: number" for i in range(21)]
    [error] = await refused_before_sql(gateway, f'{{ order(id: "x") {{ {" ".join(fields)} }} }}')
    assert error["extensions"] == {"code": "TOO_MANY_ALIASES", "limit": 20}
    status, body = await gateway.post({"query": f'{{ order(id: "x") {{ {" ".join(fields[:20])} }} }}'})
    assert status == 200 and "errors" not in body


async def test_more_root_fields_than_allowed_are_refused_before_any_sql(gateway: Gateway) -> None:
    query = "{ __typename " + " ".join(f"s{i}: orderStatuses {{ id }}" for i in range(20)) + " }"
    errors = await refused_before_sql(gateway, query)
    assert {"code": "TOO_MANY_ROOT_FIELDS", "limit": 20} in [e["extensions"] for e in errors]
