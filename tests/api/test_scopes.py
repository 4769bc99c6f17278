"""Every root field needs its scope: table-driven over the served schema, so a field without one fails here.

For each field: a key holding every scope but the one it needs is refused before anything runs
(`FORBIDDEN` naming the scope, `data: null`, no SQL beyond the key lookup), and a key holding only that
scope gets through to the resolver.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest
from graphql import (
    GraphQLField,
    GraphQLInputType,
    GraphQLSchema,
    get_named_type,
    is_enum_type,
    is_input_object_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
    is_required_argument,
    is_required_input_field,
)
from graphql import (
    build_schema as build_sdl,
)

from schema import build_schema
from schema.access import SCOPES
from tests.conftest import KeyedGateway

SERVED: GraphQLSchema = build_sdl(build_schema().as_str())
ROOTS = {
    "Query": SERVED.query_type,
    "Mutation": SERVED.mutation_type,
    "Subscription": SERVED.subscription_type,
}
COORDINATES = sorted(f"{kind}.{name}" for kind, root in ROOTS.items() if root for name in root.fields)
OPERATION = {"Query": "query", "Mutation": "mutation", "Subscription": "subscription"}
SCALAR_SAMPLES: dict[str, Any] = {
    "ID": "x",
    "String": "x",
    "Int": 1,
    "Float": 1.0,
    "Boolean": True,
    "Decimal": "1",
    "DateTime": "2026-01-01T00:00:00Z",
}


def sample(type_: GraphQLInputType) -> Any:
    """A value of `type_` that passes GraphQL validation and coercion (rules may still refuse it)."""
    if is_non_null_type(type_):
        return sample(type_.of_type)
    if is_list_type(type_):
        return [sample(type_.of_type)]
    if is_input_object_type(type_):
        return {name: sample(f.type) for name, f in type_.fields.items() if is_required_input_field(f)}
    if is_enum_type(type_):
        return next(iter(type_.values))
    return SCALAR_SAMPLES[type_.name]  # type: ignore[union-attr]


def operation(coordinate: str) -> tuple[str, dict[str, Any]]:
    """A document calling the root field at `coordinate` with its required arguments, and its variables."""
    kind, name = coordinate.split(".")
    field: GraphQLField = ROOTS[kind].fields[name]  # type: ignore[union-attr]
    required = {arg: spec for arg, spec in field.args.items() if is_required_argument(spec)}
    declared = "".join(f"${arg}: {spec.type}, " for arg, spec in required.items()).rstrip(", ")
    passed = ", ".join(f"{arg}: ${arg}" for arg in required)
    selection = " { __typename }" if is_object_type(get_named_type(field.type)) else ""
    call = f"{name}({passed}){selection}" if passed else f"{name}{selection}"
    document = f"{OPERATION[kind]}{f'({declared})' if declared else ''} {{ {call} }}"
    return document, {arg: sample(spec.type) for arg, spec in required.items()}


def test_every_root_field_of_the_served_schema_declares_a_scope_and_no_scope_is_stale() -> None:
    assert sorted(SCOPES) == COORDINATES


async def test_the_schema_read_here_is_the_one_the_server_serves(keyed_gateway: KeyedGateway) -> None:
    [view] = [
        r.handler
        for r in keyed_gateway.app.router.routes()
        if r.resource and r.resource.canonical == "/graphql"
    ]
    served = build_sdl(view.schema.as_str())  # type: ignore[attr-defined]
    roots = {
        "Query": served.query_type,
        "Mutation": served.mutation_type,
        "Subscription": served.subscription_type,
    }
    assert (
        sorted(f"{kind}.{name}" for kind, root in roots.items() if root for name in root.fields)
        == COORDINATES
    )


@pytest.mark.parametrize("coordinate", [c for c in COORDINATES if not c.startswith("Subscription.")])
async def test_a_key_without_the_scope_is_refused_before_anything_runs(
    keyed_gateway: KeyedGateway, coordinate: str
) -> None:
    scope = SCOPES[coordinate]
    document, variables = operation(coordinate)
    headers = keyed_gateway.as_client(f"without {scope}")
    status, _ = await keyed_gateway.post({"query": "{ __typename }"}, headers)
    baseline = keyed_gateway.statements
    await keyed_gateway.post({"query": "{ __typename }"}, headers)
    lookup = keyed_gateway.statements - baseline  # what authenticating a request costs

    before = keyed_gateway.statements
    status, body = await keyed_gateway.post({"query": document, "variables": variables}, headers)
    assert keyed_gateway.statements - before == lookup  # nothing of the operation ran
    assert status == 200
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"] == {"code": "FORBIDDEN", "scope": scope.value}
    assert scope.value in error["message"]


@pytest.mark.parametrize("coordinate", [c for c in COORDINATES if not c.startswith("Subscription.")])
async def test_a_key_with_only_the_scope_reaches_the_resolver(
    keyed_gateway: KeyedGateway, coordinate: str
) -> None:
    scope = SCOPES[coordinate]
    document, variables = operation(coordinate)
    status, body = await keyed_gateway.post(
        {"query": document, "variables": variables}, keyed_gateway.as_client(f"only {scope}")
    )
    assert status == 200
    codes = [e.get("extensions", {}).get("code") for e in body.get("errors", [])]
    assert "FORBIDDEN" not in codes and "INTERNAL_SERVER_ERROR" not in codes, body
    if coordinate.startswith("Mutation."):  # every mutation answers a payload (userErrors for dummy input)
        assert body["data"][coordinate.split(".")[1]]["__typename"].endswith("Payload")


async def receive(ws: aiohttp.ClientWebSocketResponse, wait: float = 5) -> dict[str, Any]:
    """The next message, whether the server framed it as text or binary."""
    message = await ws.receive(timeout=wait)
    assert message.type in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY), message
    return json.loads(message.data)  # type: ignore[no-any-return]


async def subscribe(
    keyed_gateway: KeyedGateway, document: str, headers: dict[str, str]
) -> list[dict[str, Any]]:
    """Subscribes over graphql-transport-ws with `headers` on the handshake; returns the errors it gets
    (none when the subscription is accepted and waits, silent, for events)."""
    async with keyed_gateway.http.ws_connect(
        f"{keyed_gateway.url}/graphql", protocols=["graphql-transport-ws"], headers=headers
    ) as ws:
        await ws.send_json({"type": "connection_init"})
        assert (await receive(ws))["type"] == "connection_ack"
        await ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": document}})
        try:
            message = await receive(ws, wait=1)
        except TimeoutError:
            return []
    assert message["type"] in ("error", "next"), message
    return message["payload"] if message["type"] == "error" else message["payload"]["errors"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("coordinate", [c for c in COORDINATES if c.startswith("Subscription.")])
async def test_subscriptions_need_their_scope(keyed_gateway: KeyedGateway, coordinate: str) -> None:
    scope = SCOPES[coordinate]
    document, _ = operation(coordinate)
    refused = await subscribe(keyed_gateway, document, keyed_gateway.as_client(f"without {scope}"))
    assert [e["extensions"] for e in refused] == [{"code": "FORBIDDEN", "scope": scope.value}]
    allowed = await subscribe(keyed_gateway, document, keyed_gateway.as_client(f"only {scope}"))
    assert "FORBIDDEN" not in [e.get("extensions", {}).get("code") for e in allowed]


async def test_one_missing_scope_refuses_the_whole_operation(keyed_gateway: KeyedGateway) -> None:
    before = await keyed_gateway.query("{ orders { totalCount } }", **keyed_gateway.as_client("all"))
    document = """mutation($input: CreateOrderInput!) {
      createOrder(input: $input) { order { id } }
      defineOrderStatus(input: {name: "Never"}) { status { id } }
    }"""
    variables = {
        "input": {"currency": "EUR", "lineItems": [{"productName": "Mug", "quantity": 1, "price": "1"}]}
    }
    status, body = await keyed_gateway.post(
        {"query": document, "variables": variables}, keyed_gateway.as_client("without admin")
    )
    assert status == 200 and body["data"] is None
    assert [(e["path"], e["extensions"]["scope"]) for e in body["errors"]] == [
        (["defineOrderStatus"], "admin")
    ]
    after = await keyed_gateway.query("{ orders { totalCount } }", **keyed_gateway.as_client("all"))
    assert after == before  # createOrder, which the key may call, did not run either


@pytest.mark.parametrize(
    "document",
    [
        "{ ...Root } fragment Root on Query { orders { totalCount } }",
        "{ ... on Query { orderStatuses { id } } }",
        '{ ... { ...Deeper } } fragment Deeper on Query { allowed: __typename order(id: "x") { id } }',
        "{ hidden: orders @skip(if: true) { totalCount } }",
    ],
)
async def test_fields_behind_fragments_aliases_and_directives_are_checked(
    keyed_gateway: KeyedGateway, document: str
) -> None:
    status, body = await keyed_gateway.post(
        {"query": document}, keyed_gateway.as_client("without orders:read")
    )
    assert status == 200 and body["data"] is None
    assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}


async def test_typename_needs_no_scope(keyed_gateway: KeyedGateway) -> None:
    for name in ("only admin", "only events:read"):
        assert await keyed_gateway.query("{ __typename }", **keyed_gateway.as_client(name)) == {
            "__typename": "Query"
        }
    data = await keyed_gateway.query("mutation { __typename }", **keyed_gateway.as_client("only orders:read"))
    assert data == {"__typename": "Mutation"}
