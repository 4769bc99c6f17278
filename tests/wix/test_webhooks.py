"""POST /webhooks/wix: Wix's signed webhooks become events of the durable log, once each, live for
subscribers; the seed flow runs end to end."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import aiohttp
import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from app.backends.wix.webhooks import load_public_key
from app.config import Settings
from app.domain import ids
from tests.conftest import new_database, start_gateway
from tests.support.subscriptions import Socket, subscription, wait_for_subscribers
from tests.wix.conftest import WixGateway
from tests.wix.emulator import record_payment
from tests.wix.signing import envelope, key_pair, webhook

FULFIL = """mutation($id: ID!, $input: FulfillmentInput!) { createFulfillment(orderId: $id, input: $input) {
  fulfillment { id } userErrors { code } } }"""
FULFILLMENTS = """query($id: ID!) { order(id: $id) { status fulfillmentStatus
  fulfillments { status lineItems { quantity } trackingInfo { trackingNumber shippingProvider trackingLink } } } }"""


def public(native: str) -> str:
    return ids.encode("wix", "Order", native)


def approved(gateway: WixGateway, doc: dict[str, Any], event_id: str = "evt-1") -> str:
    env = envelope(event_id, doc["id"], actionEvent={"body": {"order": doc}})
    return webhook(gateway.site.private_key, "wix.ecom.v1.order_approved", env)


async def test_a_redelivered_webhook_is_one_event(wix_gateway: WixGateway) -> None:
    doc = wix_gateway.wix.place()
    body = approved(wix_gateway, doc)
    assert await wix_gateway.webhook(body) == (200, {"message": "accepted", "logged": 1})
    assert await wix_gateway.webhook(body) == (200, {"message": "already logged", "logged": 0})
    assert await wix_gateway.event_types(public(doc["id"])) == ["ORDER_APPROVED"]


async def test_each_followed_webhook_maps_to_its_event(wix_gateway: WixGateway) -> None:
    wix = wix_gateway.wix
    doc = wix.place()
    key = wix_gateway.site.private_key
    wix._fulfil(doc["id"], {"lineItems": [{"id": doc["lineItems"][0]["id"]}]})
    sent = [
        ("wix.ecom.v1.order_created", envelope("e1", doc["id"], createdEvent={"entity": doc})),
        ("wix.ecom.v1.order_updated", envelope("e2", doc["id"], updatedEvent={"currentEntity": doc})),
        (
            "wix.ecom.v1.order_transactions_updated",
            envelope(
                "e3", doc["id"], actionEvent={"body": {"orderTransactions": wix.transactions[doc["id"]]}}
            ),
        ),
        (
            "wix.ecom.v1.fulfillments_updated",
            envelope("e4", doc["id"], updatedEvent={"currentEntity": wix._with_fulfillments(doc["id"])}),
        ),
        ("wix.ecom.v1.order_canceled", envelope("e5", doc["id"], actionEvent={"body": {"order": doc}})),
    ]
    for event_type, env in sent:
        assert (await wix_gateway.webhook(webhook(key, event_type, env)))[0] == 200, event_type
    assert await wix_gateway.event_types(public(doc["id"])) == [
        "ORDER_CREATED",
        "ORDER_UPDATED",
        "TRANSACTIONS_UPDATED",
        "FULFILLMENTS_UPDATED",
        "ORDER_CANCELED",
    ]


async def test_the_echo_of_a_change_the_gateway_made_adds_nothing(wix_gateway: WixGateway) -> None:
    wix, key = wix_gateway.wix, wix_gateway.site.private_key
    order = await wix_gateway.create_wix()
    native = ids.decode(order["id"]).native
    made = await wix_gateway.query(
        FULFIL,
        {
            "id": order["id"],
            "input": {"lineItems": [{"lineItemId": order["lineItems"][0]["id"], "quantity": 1}]},
        },
    )
    assert made["createFulfillment"]["userErrors"] == []
    before = await wix_gateway.event_types(order["id"])
    assert before == ["ORDER_CREATED", "ORDER_APPROVED", "FULFILLMENTS_UPDATED"]
    echoes = [
        ("wix.ecom.v1.order_created", envelope("x1", native, createdEvent={"entity": wix.created[native]})),
        (
            "wix.ecom.v1.fulfillments_updated",
            envelope("x2", native, updatedEvent={"currentEntity": wix._with_fulfillments(native)}),
        ),
    ]
    for event_type, env in echoes:
        assert await wix_gateway.webhook(webhook(key, event_type, env)) == (
            200,
            {"message": "already logged", "logged": 0},
        )
    wix.orders[native]["updatedDate"] = wix.now()  # a change made on Wix itself
    env = envelope("x3", native, updatedEvent={"currentEntity": wix.orders[native]})
    assert (await wix_gateway.webhook(webhook(key, "wix.ecom.v1.order_updated", env)))[1]["logged"] == 1
    assert await wix_gateway.event_types(order["id"]) == [*before, "ORDER_UPDATED"]


async def test_bad_webhooks_are_refused_without_logging(wix_gateway: WixGateway) -> None:
    doc = wix_gateway.wix.place()
    env = envelope("bad", doc["id"], actionEvent={"body": {"order": doc}})
    other_key, _ = key_pair()
    pem = wix_gateway.site.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    claims = {"data": json.dumps({"eventType": "wix.ecom.v1.order_approved", "data": json.dumps(env)})}
    cases = [
        ("not a token", 400),
        (webhook(other_key, "wix.ecom.v1.order_approved", env), 401),
        (_unsigned(claims), 401),
        (_hmac_signed(claims, pem), 401),
        (_signed(wix_gateway, {"data": "not json"}), 400),
        (
            _signed(
                wix_gateway, {"data": json.dumps({"eventType": "wix.ecom.v1.order_approved", "data": "{}"})}
            ),
            400,
        ),
        (_signed(wix_gateway, {"other": 1}), 400),
        (webhook(wix_gateway.site.private_key, "acme.unknown", env), 400),
    ]
    for body, status in cases:
        answer = await wix_gateway.webhook(body)
        assert answer[0] == status, (body[:40], answer)
    ignored = webhook(wix_gateway.site.private_key, "wix.ecom.v1.order_committed", env)
    assert await wix_gateway.webhook(ignored) == (
        200,
        {"message": "wix.ecom.v1.order_committed is not followed", "logged": 0},
    )
    assert await wix_gateway.event_types(public(doc["id"])) == []


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unsigned(claims: dict[str, Any]) -> str:
    header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{_b64(json.dumps(claims).encode())}."


def _hmac_signed(claims: dict[str, Any], secret: bytes) -> str:
    """A token 'signed' with HS256 using the public key as the secret (the algorithm-confusion attack)."""
    signing_input = (
        f"{_b64(json.dumps({'alg': 'HS256', 'typ': 'JWT'}).encode())}.{_b64(json.dumps(claims).encode())}"
    )
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def _signed(gateway: WixGateway, claims: dict[str, Any]) -> str:
    return jwt.encode(claims, gateway.site.private_key, algorithm="RS256")


async def test_seed_flow_listen_for_approved_orders_then_fulfil_with_fedex_then_list(
    wix_gateway: WixGateway,
) -> None:
    socket = await Socket.open(wix_gateway.http, wix_gateway.url)
    await socket.subscribe(
        "1", subscription("type orderId order { status number }"), {"filter": {"types": ["ORDER_APPROVED"]}}
    )
    await wait_for_subscribers(wix_gateway.app, 1)
    doc = wix_gateway.wix.place(quantity=2)
    assert (await wix_gateway.webhook(approved(wix_gateway, doc, "evt-seed")))[0] == 200
    [event] = await socket.events(1)
    assert event == {
        "type": "ORDER_APPROVED",
        "orderId": public(doc["id"]),
        "order": {"status": "APPROVED", "number": doc["number"]},
    }
    order = await wix_gateway.field(
        "query($id: ID!) { order(id: $id) { lineItems { id quantity } } }", id=event["orderId"]
    )
    made = await wix_gateway.query(
        FULFIL,
        {
            "id": event["orderId"],
            "input": {
                "lineItems": [
                    {"lineItemId": line["id"], "quantity": line["quantity"]} for line in order["lineItems"]
                ],
                "trackingInfo": {"trackingNumber": "12345", "shippingProvider": "fedex"},
            },
        },
    )
    assert made["createFulfillment"]["userErrors"] == []
    listed = await wix_gateway.field(FULFILLMENTS, id=event["orderId"])
    assert listed == {
        "status": "APPROVED",
        "fulfillmentStatus": "FULFILLED",
        "fulfillments": [
            {
                "status": "PENDING",
                "lineItems": [{"quantity": 2}],
                "trackingInfo": {
                    "trackingNumber": "12345",
                    "shippingProvider": "fedex",
                    "trackingLink": "https://www.fedex.com/apps/fedextrack/?action=track&trackingnumber=12345",
                },
            }
        ],
    }
    await socket.close()


async def test_without_the_wix_backend_the_webhook_route_answers_404(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    url = await new_database("sqlite", request, tmp_path_factory)
    runner, base = await start_gateway(Settings(database_url=url, port=0))
    try:
        async with (
            aiohttp.ClientSession() as http,
            http.post(f"{base}/webhooks/wix", data="x.y.z") as response,
        ):
            assert response.status == 404
    finally:
        await runner.cleanup()


def test_the_public_key_may_be_given_as_a_file(tmp_path: Path) -> None:
    _, pem = key_pair()
    (tmp_path / "wix.pem").write_text(pem)
    assert load_public_key(f"@{tmp_path / 'wix.pem'}") == pem
    assert load_public_key(pem) == pem


async def test_each_live_event_shows_the_wix_order_as_it_is_now(wix_gateway: WixGateway) -> None:
    wix, key = wix_gateway.wix, wix_gateway.site.private_key
    doc = wix.place()
    socket = await Socket.open(wix_gateway.http, wix_gateway.url)
    fields = "type order { paymentStatus }"
    await socket.subscribe("1", subscription(fields), {"filter": {"orderIds": [public(doc["id"])]}})
    await wait_for_subscribers(wix_gateway.app, 1)
    assert (await wix_gateway.webhook(approved(wix_gateway, doc, "evt-now-1")))[0] == 200
    assert await socket.events(1) == [{"type": "ORDER_APPROVED", "order": {"paymentStatus": "NOT_PAID"}}]
    record_payment(wix, doc["id"], "22.00")
    env = envelope("evt-now-2", doc["id"], updatedEvent={"currentEntity": doc})
    assert (await wix_gateway.webhook(webhook(key, "wix.ecom.v1.order_updated", env)))[0] == 200
    assert await socket.events(1) == [{"type": "ORDER_UPDATED", "order": {"paymentStatus": "PAID"}}]
    await socket.close()
