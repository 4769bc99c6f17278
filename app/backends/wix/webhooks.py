"""Wix webhooks → events of the durable log.

Wix POSTs a JWT signed with RS256 by Wix's key (the app's public key verifies it). Its claim `data` is a JSON
string holding `eventType`, `instanceId` and `data`, itself a JSON string: the envelope (`id`, `entityId`,
`eventTime`, and one of `createdEvent`, `updatedEvent`, `actionEvent`). Answers:

    not a JWT                                     400
    signature, algorithm or expiry refused        401
    signed but unreadable, or of an unknown type  400
    accepted (new or redelivered)                 200

PyJWT verifies, pinned to RS256 so `alg: none` and HMAC tokens (signed with the public key as a secret)
are refused.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jwt

from app.backends.wix import events
from app.domain.model import EventType

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from app.backends.local.upstream_events import UpstreamEvent, UpstreamEventLog

Json = dict[str, Any]
ALGORITHMS = ["RS256"]
ORDER_EVENTS = {
    "wix.ecom.v1.order_created": (EventType.ORDER_CREATED, ("createdEvent", "entity")),
    "wix.ecom.v1.order_approved": (EventType.ORDER_APPROVED, ("actionEvent", "body", "order")),
    "wix.ecom.v1.order_updated": (EventType.ORDER_UPDATED, ("updatedEvent", "currentEntity")),
    "wix.ecom.v1.order_canceled": (EventType.ORDER_CANCELED, ("actionEvent", "body", "order")),
    "wix.ecom.v1.order_payment_status_updated": (EventType.ORDER_UPDATED, ("actionEvent", "body", "order")),
}
TRANSACTIONS = "wix.ecom.v1.order_transactions_updated"
FULFILLMENTS = "wix.ecom.v1.fulfillments_updated"
IGNORED_PREFIX = "wix."  # other Wix events (draft orders, ...) are acknowledged and not logged


@dataclass(frozen=True, slots=True)
class Answer:
    """The HTTP status for Wix and a short reason."""

    status: int
    message: str
    logged: int = 0


class Malformed(Exception):
    """The webhook is signed but cannot be read."""


def load_public_key(value: str) -> str:
    """The PEM of `GATEWAY_WIX_WEBHOOK_PUBLIC_KEY`: the text itself, or `@path` of a PEM file."""
    return Path(value[1:]).read_text() if value.startswith("@") else value


def _at(doc: Any, path: tuple[str, ...]) -> Json:
    for key in path:
        if not isinstance(doc, dict):
            raise Malformed(f"no {'.'.join(path)}")
        doc = doc.get(key)
    if not isinstance(doc, dict):
        raise Malformed(f"no {'.'.join(path)}")
    return doc


def _json_object(text: object, what: str) -> Json:
    if isinstance(text, dict):
        return text
    if not isinstance(text, str):
        raise Malformed(f"{what} is not a JSON string")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise Malformed(f"{what} is not JSON") from err
    if not isinstance(value, dict):
        raise Malformed(f"{what} is not a JSON object")
    return value


def envelope_events(event_type: str, envelope: Json, now: datetime) -> list[UpstreamEvent] | None:
    """The log events of one envelope; None for a Wix event the gateway does not follow."""
    try:
        if event_type in ORDER_EVENTS:
            kind, path = ORDER_EVENTS[event_type]
            doc = _at(envelope, path)
            if not isinstance(doc.get("id"), str):
                raise Malformed("the order has no id")
            return [events.order_event(doc, kind, now)]
        if event_type == TRANSACTIONS:
            body = _at(envelope, ("actionEvent", "body", "orderTransactions"))
            return [events.transactions_event(str(body["orderId"]), body, now)]
        if event_type == FULFILLMENTS:
            body = _at(envelope, ("updatedEvent", "currentEntity"))
            return [
                events.fulfillments_event(str(body["orderId"]), list(body.get("fulfillments") or []), now)
            ]
    except (KeyError, TypeError, ValueError) as err:
        raise Malformed(f"unreadable {event_type} envelope ({type(err).__name__})") from err
    return None


class WixWebhooks:
    """Verifies and logs Wix webhooks (without a configured key, every webhook is refused with 401)."""

    def __init__(self, public_key: str | None, log: UpstreamEventLog, clock: Callable[[], datetime]) -> None:
        self.public_key = public_key
        self.log = log
        self.clock = clock

    async def receive(self, body: bytes) -> Answer:
        token = body.decode("ascii", errors="replace").strip()
        try:
            jwt.get_unverified_header(token)
        except jwt.DecodeError:
            return Answer(400, "the body is not a JWT")
        if not self.public_key:
            return Answer(401, "no webhook public key is configured")
        try:
            claims = jwt.decode(token, self.public_key, algorithms=ALGORITHMS, options={"require": ["data"]})
        except (jwt.InvalidSignatureError, jwt.InvalidAlgorithmError, jwt.ExpiredSignatureError) as err:
            return Answer(401, f"the webhook signature is refused ({type(err).__name__})")
        except jwt.InvalidTokenError as err:
            return Answer(401 if "signature" in str(err).lower() else 400, f"unreadable JWT ({err})")
        try:
            outer = _json_object(claims["data"], "the JWT's data")
            event_type = outer.get("eventType")
            if not isinstance(event_type, str):
                raise Malformed("no eventType")
            envelope = _json_object(outer.get("data"), "the event's data")
            logged = envelope_events(event_type, envelope, self.clock())
        except Malformed as err:
            return Answer(400, str(err))
        if logged is None:
            if event_type.startswith(IGNORED_PREFIX):
                return Answer(200, f"{event_type} is not followed")
            return Answer(400, f"unknown event type {event_type[:100]!r}")
        fresh = await self.log.append(logged)
        return Answer(200, "accepted" if fresh else "already logged", len(fresh))
