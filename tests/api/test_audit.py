"""The audit trail over real sockets: every mutation field, with who, what, which orders, when and outcome."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.domain.audit import AuditEntry
from app.server import GATEWAY
from tests.conftest import CREATE, Gateway, KeyedGateway, order_input
from tests.support.cli import orders_gateway

CANCEL = "mutation($id: ID!) { cancelOrder(id: $id) { userErrors { code } } }"


async def latest(gateway: Gateway, limit: int = 1) -> list[AuditEntry]:
    audit = gateway.app[GATEWAY].audit
    await audit.drain()
    return await audit.latest(limit)


async def test_a_mutation_records_who_what_which_order_when_and_ok(keyed_gateway: KeyedGateway) -> None:
    start = datetime.now(UTC) - timedelta(seconds=1)
    headers = keyed_gateway.as_client("only orders:write") | {"X-Request-Id": "req-create"}
    data = await keyed_gateway.query(CREATE, {"input": order_input()}, **headers)
    order_id = data["createOrder"]["order"]["id"]
    [entry] = await latest(keyed_gateway)
    key_id = keyed_gateway.tokens["only orders:write"].split("_")[1]
    assert (entry.request_id, entry.client_name, entry.key_id) == ("req-create", "only orders:write", key_id)
    assert (entry.operation, entry.order_ids, entry.outcome) == ("createOrder", (order_id,), "OK")
    assert start <= entry.at <= datetime.now(UTC)


async def test_refused_calls_are_recorded_with_their_outcome(keyed_gateway: KeyedGateway) -> None:
    writer = keyed_gateway.as_client("only orders:write")
    await keyed_gateway.query(CANCEL, {"id": "no-such-order"}, **writer)
    [entry] = await latest(keyed_gateway)
    assert (entry.operation, entry.order_ids, entry.outcome) == (
        "cancelOrder",
        ("no-such-order",),
        "NOT_FOUND",
    )

    status, body = await keyed_gateway.post(
        {"query": CANCEL, "variables": {"id": "o-9"}}, keyed_gateway.as_client("only orders:read")
    )
    assert status == 200 and body["data"] is None
    [entry] = await latest(keyed_gateway)
    assert (entry.client_name, entry.operation, entry.order_ids, entry.outcome) == (
        "only orders:read",
        "cancelOrder",
        ("o-9",),
        "FORBIDDEN",
    )


async def test_a_refused_operation_records_the_orders_it_names_in_literals_too(
    keyed_gateway: KeyedGateway,
) -> None:
    document = """mutation { __typename bulkCreateFulfillments(input: [
      {orderId: "o-a", fulfillment: {lineItems: [{lineItemId: "l-1", quantity: 1}]}},
      {orderId: "o-b", fulfillment: {lineItems: []}}
    ]) { userErrors { code } } }"""
    status, body = await keyed_gateway.post(
        {"query": document}, keyed_gateway.as_client("without fulfillments:write")
    )
    assert status == 200 and body["data"] is None
    entries = await latest(keyed_gateway, 2)
    assert (entries[0].operation, entries[0].order_ids, entries[0].outcome) == (
        "bulkCreateFulfillments",
        ("o-a", "o-b"),
        "FORBIDDEN",
    )
    assert entries[1].operation != "__typename"


async def test_bulk_and_multi_field_operations_record_every_order_and_every_field(
    keyed_gateway: KeyedGateway,
) -> None:
    all_scopes = keyed_gateway.as_client("all")
    paid = order_input(payments=[{"amount": "1.00", "method": "CARD"}])
    made = [
        (await keyed_gateway.query(CREATE, {"input": paid}, **all_scopes))["createOrder"]["order"]
        for _ in "ab"
    ]
    document = """mutation($refs: [OrderPaymentRef!]!, $id: ID!) {
      bulkUpdatePaymentStatuses(payments: $refs, status: CANCELED) { bulkActionMetadata { totalSuccesses } }
      second: cancelOrder(id: $id) { userErrors { code } }
    }"""
    refs = [{"orderId": o["id"], "paymentId": "missing"} for o in made]
    await keyed_gateway.query(document, {"refs": refs, "id": made[0]["id"]}, **all_scopes)
    cancel, bulk = await latest(keyed_gateway, 2)
    assert (bulk.operation, bulk.order_ids, bulk.outcome) == (
        "bulkUpdatePaymentStatuses",
        (made[0]["id"], made[1]["id"]),
        "OK",
    )
    assert (cancel.operation, cancel.order_ids, cancel.outcome) == ("cancelOrder", (made[0]["id"],), "OK")
    assert bulk.request_id == cancel.request_id


async def test_queries_are_not_recorded(keyed_gateway: KeyedGateway) -> None:
    before = await latest(keyed_gateway, 100)
    await keyed_gateway.query("{ orders { totalCount } }", **keyed_gateway.as_client("all"))
    assert await latest(keyed_gateway, 100) == before


async def test_a_failing_mutation_is_recorded_as_error(keyed_gateway: KeyedGateway, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    async def broken(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(keyed_gateway.app[GATEWAY].service, "approve_order", broken)
    status, body = await keyed_gateway.post(
        {"query": 'mutation { approveOrder(id: "o-1") { order { id } } }'}, keyed_gateway.as_client("all")
    )
    assert status == 200 and body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    [entry] = await latest(keyed_gateway)
    assert (entry.operation, entry.order_ids, entry.outcome) == ("approveOrder", ("o-1",), "ERROR")


async def test_the_response_does_not_wait_for_the_audit_write(keyed_gateway: KeyedGateway) -> None:
    # Hold the store's write transaction: a refused mutation needs none, its audit entry does.
    database = keyed_gateway.app[GATEWAY].database
    async with database.write():
        status, body = await keyed_gateway.post(
            {"query": CANCEL, "variables": {"id": "o-held"}}, keyed_gateway.as_client("only orders:read")
        )
        assert status == 200 and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    [entry] = await latest(keyed_gateway)
    assert entry.order_ids == ("o-held",)


async def test_open_mode_records_the_named_client_without_a_key(gateway: Gateway) -> None:
    await gateway.query(CANCEL, {"id": "o-open"}, **{"apollographql-client-name": "support-desk"})
    [entry] = await latest(gateway)
    assert (entry.client_name, entry.key_id, entry.order_ids) == ("support-desk", None, ("o-open",))


async def test_the_cli_lists_the_newest_entries_first(keyed_gateway: KeyedGateway) -> None:
    writer = keyed_gateway.as_client("only orders:write")
    for n in (1, 2, 3):
        await keyed_gateway.query(CANCEL, {"id": f"o-cli-{n}"}, **writer | {"X-Request-Id": f"req-cli-{n}"})
    await latest(keyed_gateway)
    listed = await orders_gateway("audit", "--limit", "2", database_url=keyed_gateway.database_url)
    assert listed.returncode == 0, listed.stderr
    header, *rows = listed.stdout.splitlines()
    assert header.split() == ["AT", "REQUEST", "CLIENT", "KEY", "OPERATION", "OUTCOME", "ORDERS"]
    assert len(rows) == 2
    assert (
        "req-cli-3" in rows[0]
        and "o-cli-3" in rows[0]
        and "cancelOrder" in rows[0]
        and "NOT_FOUND" in rows[0]
    )
    assert "req-cli-2" in rows[1]
