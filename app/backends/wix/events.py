"""The identity of a Wix change in the durable event log, shared by webhooks and the gateway's own writes.

A change the gateway makes on Wix is logged at once; Wix later sends a webhook for the same change. Both
name the change the same way, so the echo adds nothing while a new change does:

    order events          (order id, event type, the order's `updatedDate`)
    transactions/fulfillments  (order id, event type, a digest of the order's payments/fulfillments)

A redelivered webhook carries the same entity, hence the same key: it is one event.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from app.backends.local.upstream_events import UpstreamEvent
from app.backends.wix.from_wix import public, when
from app.domain.model import EventType

if TYPE_CHECKING:
    from datetime import datetime

Json = dict[str, Any]


def _digest(value: object) -> str:
    raw = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def order_event(doc: Json, type: EventType, fallback: datetime) -> UpstreamEvent:
    """An order-level event of the Wix order `doc` (as Wix returned or sent it)."""
    stamp = doc.get("updatedDate") or doc.get("createdDate") or ""
    occurred = when(stamp) if stamp else fallback
    return UpstreamEvent(f"{doc['id']}:{type.value}:{stamp}", type, public("Order", doc["id"]), occurred)


def transactions_event(order_id: str, transactions: Json, occurred: datetime) -> UpstreamEvent:
    """TRANSACTIONS_UPDATED for the state of an order's `OrderTransactions`."""
    state = {
        "payments": sorted(
            (
                p.get("id"),
                (p.get("amount") or {}).get("amount"),
                (p.get("regularPaymentDetails") or {}).get("status"),
                (p.get("giftcardPaymentDetails") or {}).get("voided"),
            )
            for p in transactions.get("payments") or []
        ),
        "refunds": sorted(str(r.get("id")) for r in transactions.get("refunds") or []),
    }
    type = EventType.TRANSACTIONS_UPDATED
    key = f"{order_id}:{type.value}:{_digest(state)}"
    return UpstreamEvent(key, type, public("Order", order_id), occurred)


def fulfillments_event(order_id: str, fulfillments: list[Json], occurred: datetime) -> UpstreamEvent:
    """FULFILLMENTS_UPDATED for the state of an order's fulfillments."""
    state = sorted(
        (
            f.get("id"),
            f.get("status"),
            bool(f.get("completed")),
            json.dumps(f.get("trackingInfo"), sort_keys=True),
            json.dumps(f.get("lineItems"), sort_keys=True),
        )
        for f in fulfillments
    )
    type = EventType.FULFILLMENTS_UPDATED
    return UpstreamEvent(
        f"{order_id}:{type.value}:{_digest(state)}", type, public("Order", order_id), occurred
    )
