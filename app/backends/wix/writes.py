"""Sending a checked change to Wix, logging it as an event, and reading back the order it left.

A change Wix applied is logged first (it happened, whatever comes next), then the order is read again so
the answer shows it as Wix holds it; both are remembered for the rest of the request.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from app.backends.wix import events, to_wix
from app.backends.wix import from_wix as wix
from app.backends.wix.reads import FULFILLMENTS, TRANSACTIONS
from app.domain import totals
from app.domain.commands import UNSET
from app.domain.outcomes import FulfillmentOutcome, PaymentsOutcome

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import datetime

    from app.backends.local.upstream_events import UpstreamEventLog
    from app.backends.wix.client import WixClient
    from app.backends.wix.reads import WixReader
    from app.domain.commands import FulfillmentDraft, PaymentDraft, UpdateFulfillment
    from app.domain.model import EventType, Fulfillment, Order

Json = dict[str, Any]


class WixWriter:
    """The write side of the Wix backend."""

    def __init__(
        self, client: WixClient, reader: WixReader, log: UpstreamEventLog, clock: Callable[[], datetime]
    ) -> None:
        self.client = client
        self.reader = reader
        self.log = log
        self.clock = clock

    async def fresh_order(self, wix_id: str) -> Json:
        """The order as Wix holds it now (after a write)."""
        answer = await self.client.get(f"/ecom/v1/orders/{wix_id}")
        with wix.reading("an order"):
            doc: Json = answer["order"]
        self.reader.remember(doc)
        return doc

    async def order_changed(self, answer: Json, type: EventType) -> Order:
        """An order-level write's answer (`{order}`): logged as `type`, returned."""
        with wix.reading("an order"):
            doc: Json = answer["order"]
        self.reader.remember(doc)
        await self.log.append([events.order_event(doc, type, self.clock())])
        return wix.order(doc)

    async def transactions_changed(self, wix_id: str, transactions: Json) -> Order:
        self.reader.remember(**{TRANSACTIONS: {wix_id: transactions}})
        await self.log.append([events.transactions_event(wix_id, transactions, self.clock())])
        return wix.order(await self.fresh_order(wix_id))

    async def fulfillments_changed(self, wix_id: str, answer: Json) -> tuple[Order, list[Json]]:
        """A fulfillment write's answer logged; the order with its delivery status from its fulfillments."""
        with wix.reading("an order's fulfillments"):
            items: list[Json] = list((answer.get("orderWithFulfillments") or {}).get("fulfillments") or [])
        self.reader.remember(**{FULFILLMENTS: {wix_id: items}})
        await self.log.append([events.fulfillments_event(wix_id, items, self.clock())])
        doc = await self.fresh_order(wix_id)
        done = wix.fulfillments(items)
        lines = wix.line_items(doc, wix.fulfilled_units(items))
        return replace(wix.order(doc), delivery_status=totals.delivery_status(lines, done)), items

    async def record_payments(self, wix_id: str, drafts: Sequence[PaymentDraft]) -> PaymentsOutcome:
        """Add Payments (≤ 50, checked) on Wix; the outcome lists the payments Wix recorded."""
        body = {"payments": [to_wix.payment(d) for d in drafts]}
        answer = await self.client.write("POST", f"/ecom/v1/payments/orders/{wix_id}/add-payment", body)
        with wix.reading("an Add Payments answer"):
            transactions: Json = answer["orderTransactions"]
            added = {wix.public("Payment", p) for p in answer.get("paymentsIds") or []}
        order = await self.transactions_changed(wix_id, transactions)
        return PaymentsOutcome(order, tuple(p for p in wix.payments(transactions) if p.id in added))

    async def send_fulfillment(self, wix_id: str, draft: FulfillmentDraft) -> FulfillmentOutcome:
        """Create Fulfillment of a checked draft."""
        body = {"fulfillment": to_wix.fulfillment(draft)}
        path = f"/ecom/v1/fulfillments/orders/{wix_id}/create-fulfillment"
        answer = await self.client.write("POST", path, body)
        order, items = await self.fulfillments_changed(wix_id, answer)
        made = wix.public("Fulfillment", str(answer.get("fulfillmentId")))
        return FulfillmentOutcome(order, next((f for f in wix.fulfillments(items) if f.id == made), None))

    async def patch_fulfillment(
        self, wix_id: str, after: Fulfillment, patch: UpdateFulfillment
    ) -> FulfillmentOutcome:
        """Update Fulfillment with only the parts the patch names (a status change sends only `status`)."""
        body: Json = {}
        paths = []
        if patch.status is not UNSET:
            body["status"] = to_wix.WIX_STATUS_BY_SHIPMENT[after.status]
            paths.append("status")
        if patch.tracking is not UNSET:
            body["trackingInfo"] = to_wix.tracking(after.tracking) if after.tracking else None
            paths.append("trackingInfo")
        path = f"/ecom/v1/fulfillments/{wix.native(after.id)}/orders/{wix_id}"
        answer = await self.client.write("PATCH", path, {"fulfillment": body, "fieldMask": {"paths": paths}})
        order, items = await self.fulfillments_changed(wix_id, answer)
        return FulfillmentOutcome(order, next((f for f in wix.fulfillments(items) if f.id == after.id), None))
