"""Compiled query execution answers exactly what graphql-core's executor answers: data, errors, cost."""

from __future__ import annotations

from typing import Any

import pytest
from graphql.execution.executor import Executor
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.compiled import CompiledQueryExecution
from tests.conftest import ORDER_FIELDS, Gateway

NESTED = f"""{ORDER_FIELDS}
  payments {{ id amount method status providerTransactionId refundedAmount createdAt updatedAt }}
  fulfillments {{ id status createdAt updatedAt trackingInfo {{ trackingNumber shippingProvider trackingLink }}
                  lineItems {{ lineItemId quantity lineItem {{ id productName }} }} }}"""

QUERIES: dict[str, tuple[str, dict[str, Any]]] = {
    "page with every nested list": (
        f"query($first: Int) {{ orders(first: $first) {{ totalCount nodes {{ {NESTED} }} }} }}",
        {"first": 20},
    ),
    "fragments, aliases, __typename": (
        """query Page($first: Int) {
             orders(first: $first) {
               __typename pageInfo { hasNextPage endCursor }
               edges { cursor node { __typename ...Head again: number ... on Order { lineItems { id } } } }
             }
           }
           fragment Head on Order { id number n: number buyer { ...Who } customStatus { name } }
           fragment Who on Buyer { email email2: email }""",
        {"first": 5},
    ),
    "one order by id": ("query($id: ID!) { order(id: $id) { " + NESTED + " } }", {"id": "<first>"}),
    "an id that matches none": ("query($id: ID!) { order(id: $id) { id } }", {"id": "bm9wZQ"}),
    "a rule error": ("{ orders(first: 0) { totalCount } }", {}),
    "an error beside data": (
        "query($id: ID!) { order(id: $id) { id } orders(first: 101) { totalCount } }",
        {"id": "<first>"},
    ),
    "directives": (
        "query($all: Boolean!) { orders(first: 3) { nodes { id lineItems @include(if: $all) { id } } } }",
        {"all": False},
    ),
}


async def _seed(gateway: Gateway) -> str:
    status = await gateway.query('mutation { defineOrderStatus(input: {name: "Held"}) { status { id } } }')
    status_id = status["defineOrderStatus"]["status"]["id"]
    first = ""
    for i in range(6):
        lines = [{"productName": f"Item {j}", "quantity": 2, "price": "3.10", "sku": None} for j in range(3)]
        order = await gateway.create(
            lineItems=lines,
            payments=[{"amount": "1.00", "method": "CARD"}],
            customStatusId=status_id if i % 2 else None,
            note="fragile" if i == 3 else None,
        )
        first = first or order["id"]
        fulfil = """mutation($input: [BulkFulfillmentInput!]!) {
          bulkCreateFulfillments(input: $input) { bulkActionMetadata { totalSuccesses } } }"""
        tracking = {"trackingNumber": f"1Z{i}", "shippingProvider": "ups"}
        line = order["lineItems"][0]["id"]
        item = {"orderId": order["id"], "fulfillment": {"lineItems": [{"lineItemId": line, "quantity": 1}]}}
        item["fulfillment"]["trackingInfo"] = tracking
        await gateway.query(fulfil, {"input": [item]})
    return first


def _comparable(body: dict[str, Any]) -> dict[str, Any]:
    """The response without the rate limit's `remaining`, which moves with time."""
    cost = dict(body.get("extensions", {}).get("cost", {}))
    cost.pop("remaining", None)
    return {"data": body.get("data"), "errors": body.get("errors"), "cost": cost}


@pytest.fixture
def field_executions(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many fields graphql-core's executor has executed (one counter, kept in a list)."""
    count = [0]
    original = Executor.execute_field

    def counted(self: Executor, *args: Any) -> Any:
        count[0] += 1
        return original(self, *args)

    monkeypatch.setattr(Executor, "execute_field", counted)
    return count


async def test_compiled_and_graphql_core_answer_alike(
    gateway: Gateway, field_executions: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await _seed(gateway)
    for name, (query, variables) in QUERIES.items():
        variables = {k: first if v == "<first>" else v for k, v in variables.items()}
        body = {"query": query, "variables": variables}
        before = field_executions[0]
        status, compiled = await gateway.post(body)
        executed_by_core = field_executions[0] - before
        with monkeypatch.context() as plain:
            plain.setattr(
                CompiledQueryExecution,
                "execute_operation",
                StrawberryGraphQLCoreExecutionContext.execute_operation,
            )
            core_status, core = await gateway.post(body)
        assert (status, _comparable(compiled)) == (core_status, _comparable(core)), name
        if name.startswith(("page", "fragments", "one order")):
            assert compiled["data"] and "errors" not in compiled, name
            assert executed_by_core == 0, name  # served by the compiled plan alone
        if name in ("a rule error", "an error beside data", "directives"):
            assert executed_by_core > 0, name  # errors and directives are graphql-core's to execute
