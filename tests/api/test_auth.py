"""Authentication over real sockets: 401s, revocation, open local mode, authors, introspection, startup."""

from __future__ import annotations

import logging

import aiohttp
import pytest
from aiohttp import web

from app.access import OpenModeRefused
from app.config import Settings
from app.domain.access import Scope, hash_secret
from app.server import GATEWAY, create_app
from tests.conftest import (
    PAYLOAD,
    Gateway,
    KeyedGateway,
    bearer,
    issue_keys,
    new_database,
    order_input,
    start_gateway,
)
from tests.support.cli import orders_gateway

ORDERS = "{ orders { totalCount } }"
INTROSPECTION = "{ __schema { queryType { name } } }"
HISTORY = f"""mutation($id: ID!) {{ addOrderHistory(orderId: $id, input: {{message: "called"}}) {{ {PAYLOAD} }} }}"""


async def post(
    url: str, body: object, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], dict]:  # type: ignore[type-arg]
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{url}/graphql", json=body, headers=headers) as response,
    ):
        return response.status, dict(response.headers), await response.json(content_type=None)


@pytest.mark.parametrize(
    ("headers", "challenge"),
    [
        ({}, "Bearer"),
        ({"Authorization": ""}, "Bearer"),
        ({"Authorization": "Bearer"}, 'Bearer error="invalid_token"'),
        ({"Authorization": "Basic dXNlcjpwdw=="}, 'Bearer error="invalid_token"'),
        ({"Authorization": "Bearer og_0123456789abcdef_guess"}, 'Bearer error="invalid_token"'),
        ({"Authorization": "Bearer not-a-key-at-all"}, 'Bearer error="invalid_token"'),
    ],
)
async def test_a_missing_or_bad_key_is_a_401_graphql_error(
    keyed_gateway: KeyedGateway, headers: dict[str, str], challenge: str
) -> None:
    status, answer_headers, body = await post(
        keyed_gateway.url, {"query": ORDERS}, headers | {"X-Request-Id": "req-401"}
    )
    assert status == 401
    assert answer_headers["WWW-Authenticate"] == challenge
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"] == {"code": "UNAUTHENTICATED", "requestId": "req-401"}


async def test_get_queries_need_a_key_too_and_health_checks_do_not(keyed_gateway: KeyedGateway) -> None:
    async with keyed_gateway.http.get(f"{keyed_gateway.url}/graphql", params={"query": ORDERS}) as response:
        assert response.status == 401
    headers = keyed_gateway.as_client("only orders:read")
    async with keyed_gateway.http.get(
        f"{keyed_gateway.url}/graphql", params={"query": ORDERS}, headers=headers
    ) as response:
        assert response.status == 200
        assert (await response.json())["data"]["orders"]["totalCount"] >= 0
    for path in ("/healthz", "/readyz"):
        async with keyed_gateway.http.get(keyed_gateway.url + path) as response:
            assert response.status == 200


async def test_the_author_is_the_keys_client_name_whatever_header_is_sent(
    keyed_gateway: KeyedGateway,
) -> None:
    headers = keyed_gateway.as_client("all") | {"apollographql-client-name": "someone-else"}
    order = (
        await keyed_gateway.query(
            f"mutation($input: CreateOrderInput!) {{ createOrder(input: $input) {{ {PAYLOAD} }} }}",
            {"input": order_input()},
            **headers,
        )
    )["createOrder"]["order"]
    assert order["history"][0]["author"] == "all"
    changed = await keyed_gateway.query(HISTORY, {"id": order["id"]}, **headers)
    assert changed["addOrderHistory"]["order"]["history"][-1]["author"] == "all"


async def test_a_key_revoked_by_the_cli_fails_on_the_next_request(keyed_gateway: KeyedGateway) -> None:
    access = keyed_gateway.app[GATEWAY].access
    key, token = await access.create_key("soon revoked", [Scope.ORDERS_READ])
    status, body = await keyed_gateway.post({"query": ORDERS}, bearer(token))
    assert status == 200 and "errors" not in body
    revoked = await orders_gateway("keys", "revoke", key.id, database_url=keyed_gateway.database_url)
    assert revoked.returncode == 0, revoked.stderr
    status, body = await keyed_gateway.post({"query": ORDERS}, bearer(token))
    assert status == 401
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_no_secret_or_hash_reaches_any_log_line(keyed_gateway: KeyedGateway, caplog) -> None:  # type: ignore[no-untyped-def]
    access = keyed_gateway.app[GATEWAY].access
    with caplog.at_level(logging.DEBUG):
        key, token = await access.create_key("logged", [Scope.ORDERS_READ])
        secret = token.split("_", 2)[2]
        for headers in (
            bearer(token),  # authenticated
            bearer(token[:-2]),  # wrong secret for a real key id
            bearer(f"og_{key.id}_{secret}{secret}"),
            {"Authorization": token},  # no scheme
        ):
            await keyed_gateway.post({"query": ORDERS}, headers)
        await keyed_gateway.post(
            {"query": 'mutation { approveOrder(id: "x") { order { id } } }'}, bearer(token)
        )
        await access.revoke_key(key.id)
        status, _ = await keyed_gateway.post({"query": ORDERS}, bearer(token))
        await keyed_gateway.app[GATEWAY].audit.drain()
    assert status == 401
    assert caplog.records, "nothing was logged: the check below would prove nothing"
    assert "refused request" in caplog.text and key.id in caplog.text
    logged = caplog.text + "".join(str(r.args) + str(r.__dict__) for r in caplog.records)
    for secret_form in (token, secret, secret[:20], hash_secret(secret), key.secret_hash[:20]):
        assert secret_form not in logged


async def test_open_mode_needs_no_key_but_refuses_a_bad_one_and_honours_a_good_one(gateway: Gateway) -> None:
    assert (await gateway.query(ORDERS))["orders"]["totalCount"] >= 0
    status, body = await gateway.post({"query": ORDERS}, bearer("og_0123456789abcdef_nope"))
    assert status == 401 and body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    _, token = await gateway.app[GATEWAY].access.create_key("reader", [Scope.ORDERS_READ])
    assert (await gateway.query(ORDERS, **bearer(token)))["orders"]["totalCount"] >= 0
    order = await gateway.create()
    status, body = await gateway.post({"query": HISTORY, "variables": {"id": order["id"]}}, bearer(token))
    assert body["data"] is None and body["errors"][0]["extensions"]["scope"] == "orders:write"

    _, writer = await gateway.app[GATEWAY].access.create_key("writer", [Scope.ORDERS_WRITE])
    headers = bearer(writer) | {"apollographql-client-name": "support-desk"}
    changed = await gateway.query(HISTORY, {"id": order["id"]}, **headers)
    assert changed["addOrderHistory"]["order"]["history"][-1]["author"] == "writer"
    assert (await gateway.query(ORDERS))["orders"]["totalCount"] >= 1  # still open to requests without a key


async def test_introspection_and_graphiql_are_off_by_default_with_keys(keyed_gateway: KeyedGateway) -> None:
    admin = keyed_gateway.as_client("all")
    for document in (
        INTROSPECTION,
        '{ __type(name: "Order") { name } }',
        "{ ...Sneaky } fragment Sneaky on Query { __schema { types { name } } }",
        "{ orders { totalCount } __schema { types { name } } }",
    ):
        status, body = await keyed_gateway.post({"query": document}, admin)
        assert status == 200 and body["data"] is None, document
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert "introspection is turned off" in body["errors"][0]["message"]
    async with keyed_gateway.http.get(
        f"{keyed_gateway.url}/graphql", headers={"Accept": "text/html"}
    ) as response:
        assert response.status == 404
        assert (await response.json())["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_introspection_can_be_turned_on_with_keys_and_off_in_open_mode(
    store: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    keyed = await new_database(store, request, tmp_path_factory)
    tokens = await issue_keys(keyed, {"reader": [Scope.ORDERS_READ]})
    runner, url = await start_gateway(Settings(database_url=keyed, public_introspection=True, port=0))
    try:
        status, _, body = await post(url, {"query": INTROSPECTION}, bearer(tokens["reader"]))
        assert (status, body["data"]) == (200, {"__schema": {"queryType": {"name": "Query"}}})
        status, _, _ = await post(url, {"query": INTROSPECTION})
        assert status == 401  # public means: to every client the gateway admits
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"{url}/graphql", headers={"Accept": "text/html"}) as page,
        ):
            assert page.status == 200 and "graphiql" in (await page.text()).lower()
    finally:
        await runner.cleanup()

    open_mode = await new_database(store, request, tmp_path_factory)
    runner, url = await start_gateway(Settings(database_url=open_mode, public_introspection=False, port=0))
    try:
        status, _, body = await post(url, {"query": INTROSPECTION})
        assert status == 200 and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        status, _, body = await post(url, {"query": ORDERS})
        assert (status, body["data"]) == (200, {"orders": {"totalCount": 0}})
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"{url}/graphql", headers={"Accept": "text/html"}) as page,
        ):
            assert page.status == 404
    finally:
        await runner.cleanup()


async def test_open_mode_is_refused_off_loopback_and_keys_allow_any_address(
    store: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    url = await new_database(store, request, tmp_path_factory)
    for host in ("127.0.0.1", "localhost", "::1"):
        runner = web.AppRunner(create_app(Settings(database_url=url, host=host)))
        await runner.setup()
        await runner.cleanup()
    runner = web.AppRunner(create_app(Settings(database_url=url, host="0.0.0.0")))
    with pytest.raises(OpenModeRefused, match=r"only serves on 127\.0\.0\.1"):
        await runner.setup()
    await issue_keys(url, {"ops": [Scope.ADMIN]})
    runner = web.AppRunner(create_app(Settings(database_url=url, host="0.0.0.0")))
    await runner.setup()
    await runner.cleanup()
