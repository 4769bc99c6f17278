"""The Wix backend: `OrderBackend` over Wix eCommerce Orders, Order Transactions and Order Fulfillments.

Every change is decided by the same `app.domain` rules as on the local store, run on the order as Wix
holds it, before any write is sent: a refused change costs no upstream write. Then one Wix write applies it
(Wix has no revisions, so the check and the write are not atomic). Each change the gateway makes is logged
as an event at once (see `events` for how Wix's later webhook echo is recognised). What Wix cannot do is
refused with UNSUPPORTED_BY_BACKEND.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from app.backends.wix import from_wix as wix
from app.backends.wix import prechecks
from app.backends.wix.bulk import create_fulfillments, update_payment_statuses
from app.backends.wix.creation import create
from app.backends.wix.reads import WixReader
from app.backends.wix.updates import check_supported, order_patch
from app.backends.wix.writes import WixWriter
from app.domain import changes, fulfillments, payments
from app.domain.changes import ChangeContext
from app.domain.commands import FulfillmentDraft, PaymentDraft, UpdateFulfillment
from app.domain.errors import DomainError, NotFound, PartlyApplied, Unsupported, UpstreamError, invalid
from app.domain.model import EventType
from app.domain.outcomes import FulfillmentOutcome, PaymentsOutcome

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from datetime import datetime
    from decimal import Decimal

    from app.backends.local.upstream_events import UpstreamEventLog
    from app.backends.wix.client import WixClient
    from app.backends.wix.idempotency import IdempotencyKeys
    from app.domain.changes import Applied
    from app.domain.commands import (
        Actor,
        BulkFulfillment,
        CreateOrder,
        DefineStatus,
        LineItemDraft,
        PaymentRef,
        UpdateLineItem,
        UpdateOrder,
    )
    from app.domain.listing import OrderFilter, OrderPage, OrderQuery
    from app.domain.model import (
        CustomStatus,
        Fulfillment,
        HistoryEntry,
        LineItem,
        Order,
        OrderAggregate,
        Payment,
        TrackingInfo,
        TransactionStatus,
    )
    from app.domain.outcomes import BulkItemOutcome

Json = dict[str, Any]


def cannot(what: str, *field: str) -> Unsupported:
    """UNSUPPORTED_BY_BACKEND for an operation Wix's API does not offer."""
    return Unsupported(f"the wix backend cannot {what}", field or None)


class WixBackend:
    """`OrderBackend` over the Wix REST API of one site."""

    name = wix.SOURCE

    def __init__(
        self,
        client: WixClient,
        log: UpstreamEventLog,
        keys: IdempotencyKeys,
        clock: Callable[[], datetime],
    ) -> None:
        self.client = client
        self.reader = WixReader(client)
        self.writer = WixWriter(client, self.reader, log, clock)
        self.log = log
        self.keys = keys
        self.clock = clock

    async def close(self) -> None:
        await self.client.close()

    # ------------------------------------------------------------------------------------------ reads

    async def get_orders(self, ids: Sequence[str]) -> Mapping[str, Order]:
        return await self.reader.orders(ids)

    async def get_order_by_number(self, number: str) -> Order | None:
        return await self.reader.by_number(number)

    async def search_orders(self, query: OrderQuery) -> OrderPage:
        return await self.reader.search(query)

    async def count_orders(self, filter: OrderFilter) -> int:
        return await self.reader.count(filter)

    async def line_items(self, order_ids: Sequence[str]) -> Mapping[str, list[LineItem]]:
        return await self.reader.line_items(order_ids)

    async def history(self, order_ids: Sequence[str]) -> Mapping[str, list[HistoryEntry]]:
        return await self.reader.history(order_ids)

    async def payments(self, order_ids: Sequence[str]) -> Mapping[str, list[Payment]]:
        return await self.reader.payments(order_ids)

    async def fulfillments(self, order_ids: Sequence[str]) -> Mapping[str, list[Fulfillment]]:
        return await self.reader.fulfillments(order_ids)

    async def statuses(self) -> list[CustomStatus]:
        return []

    async def statuses_by_id(self, ids: Sequence[str]) -> Mapping[str, CustomStatus]:
        return {}

    async def define_status(self, cmd: DefineStatus) -> CustomStatus:
        raise cannot("define custom order statuses: Wix orders have none", "input")

    # -------------------------------------------------------------------------------------- helpers

    def context(self, actor: Actor) -> ChangeContext:
        """A context for the domain's decisions; the ids it draws mark objects Wix has yet to create."""
        drawn = itertools.count(1)
        return ChangeContext(self.clock(), actor.name, lambda kind: wix.public(kind, f"new-{next(drawn)}"))

    @staticmethod
    def _wix_id(order_id: str, field: str = "id") -> str:
        found = wix.key(order_id)
        if found is None:
            raise NotFound("no order has that id", (field,))
        return found

    async def _checked(
        self, order_id: str, actor: Actor, field: str, step: Callable[[OrderAggregate, ChangeContext], Any]
    ) -> tuple[str, OrderAggregate, Any]:
        """Loads the order from Wix and runs the domain's decision on it; a refusal raises before a write."""
        wix_id = self._wix_id(order_id, field)
        agg = await self.reader.aggregate(wix_id, field)
        before = agg.order
        result = step(agg, self.context(actor))
        agg.order = before
        return wix_id, agg, result

    # ------------------------------------------------------------------------------------ order writes

    async def create_order(self, cmd: CreateOrder, actor: Actor, key: str | None, fingerprint: str) -> Order:
        return await create(self, cmd, actor, key, fingerprint)

    async def update_order(
        self, order_id: str, patch: UpdateOrder, expected_revision: int | None, actor: Actor
    ) -> Order:
        if expected_revision is not None:
            raise cannot("check expectedRevision: Wix orders carry no revision", "expectedRevision")
        check_supported(patch)

        def decide(a: OrderAggregate, ctx: ChangeContext) -> Order | None:
            """The order as the rules would leave it (values made canonical), None when unchanged."""
            return a.order if changes.update_order(a, patch, ctx, None) else None

        wix_id, agg, after = await self._checked(order_id, actor, "id", decide)
        if after is None:
            return (await self.reader.orders([order_id]))[order_id]
        checked = replace(patch, **{name: getattr(after, name) for name in patch.changed()})
        body = order_patch(agg.order, checked)
        answer = await self.client.write(
            "PATCH", f"/ecom/v1/orders/{wix_id}", {"order": {"id": wix_id, **body}}
        )
        return await self.writer.order_changed(answer, EventType.ORDER_UPDATED)

    async def approve_order(self, order_id: str, actor: Actor) -> Order:
        raise cannot("approve an order: Wix approves orders through their payment flow", "id")

    async def cancel_order(self, order_id: str, reason: str | None, actor: Actor) -> Order:
        prechecks.reason(reason)
        wix_id, _, _ = await self._checked(
            order_id, actor, "id", lambda a, ctx: changes.cancel(a, reason, ctx)
        )
        body: Json = {"sendOrderCanceledEmail": False, "restockAllItems": False}
        if reason and reason.strip():
            body["customMessage"] = reason
        answer = await self.client.write("POST", f"/ecom/v1/orders/{wix_id}/cancel", body)
        return await self.writer.order_changed(answer, EventType.ORDER_CANCELED)

    async def complete_order(self, order_id: str, actor: Actor) -> Order:
        raise cannot("complete an order: Wix orders have no COMPLETED status", "id")

    async def set_order_status(self, order_id: str, status_id: str | None, actor: Actor) -> Order:
        raise cannot("set a custom status: Wix orders have none", "statusId")

    async def add_line_item(self, order_id: str, draft: LineItemDraft, actor: Actor) -> Order:
        raise cannot("change the line items of an existing order", "input")

    async def update_line_item(
        self, order_id: str, line_id: str, patch: UpdateLineItem, actor: Actor
    ) -> Order:
        raise cannot("change the line items of an existing order", "input")

    async def remove_line_item(self, order_id: str, line_id: str, actor: Actor) -> Order:
        raise cannot("change the line items of an existing order", "lineItemId")

    async def add_history(self, order_id: str, message: str, actor: Actor) -> Order:
        """A merchant comment on the order (Wix stamps its own author and time)."""
        prechecks.history(message)
        wix_id, _, _ = await self._checked(
            order_id, actor, "orderId", lambda a, ctx: changes.add_history(a, message, ctx)
        )
        body = {"activity": {"merchantComment": {"message": message}}}
        answer = await self.client.write("POST", f"/ecom/v1/orders/{wix_id}/activities", body)
        return await self.writer.order_changed(answer, EventType.ORDER_UPDATED)

    # ---------------------------------------------------------------------------------------- payments

    async def add_payments(
        self, order_id: str, drafts: Sequence[PaymentDraft], actor: Actor
    ) -> PaymentsOutcome:
        prechecks.payments(drafts)
        wix_id, agg, applied = await self._checked(
            order_id, actor, "orderId", lambda a, ctx: payments.add(a, drafts, ctx)
        )
        new = {p.id: p for p in agg.payments if p.id in applied.touched}
        checked = [
            replace(draft, amount=new[pid].amount) for draft, pid in zip(drafts, applied.touched, strict=True)
        ]
        return await self.writer.record_payments(wix_id, checked)

    async def update_payment_status(
        self, order_id: str, payment_id: str, status: TransactionStatus, actor: Actor
    ) -> PaymentsOutcome:
        wix_id, _, _ = await self._checked(
            order_id, actor, "orderId", lambda a, ctx: payments.set_status(a, payment_id, status, ctx)
        )
        pay_id = wix.native(payment_id)
        path = f"/ecom/v1/payments/{pay_id}/orders/{wix_id}/update-payment-transaction-status"
        answer = await self.client.write("POST", path, {"status": status.value})
        with wix.reading("an Update Payment Status answer"):
            transactions: Json = answer["orderTransactions"]
        order = await self.writer.transactions_changed(wix_id, transactions)
        return PaymentsOutcome(order, tuple(p for p in wix.payments(transactions) if p.id == payment_id))

    async def bulk_update_payment_statuses(
        self, refs: Sequence[tuple[int, PaymentRef]], status: TransactionStatus, actor: Actor
    ) -> list[BulkItemOutcome]:
        return await update_payment_statuses(self, refs, status, actor)

    async def refund_payment(
        self, order_id: str, payment_id: str, amount: Decimal, reason: str | None, actor: Actor
    ) -> PaymentsOutcome:
        raise cannot("refund a payment: Wix records refunds only through its own checkout", "paymentId")

    async def mark_order_paid(self, order_id: str, actor: Actor) -> Order:
        """An APPROVED OFFLINE payment of what is due, through Add Payments."""
        wix_id, agg, applied = await self._checked(order_id, actor, "id", payments.mark_paid)
        drafts = [_draft_of(p) for p in agg.payments if p.id in applied.touched]
        return (await self.writer.record_payments(wix_id, drafts)).order

    # ------------------------------------------------------------------------------------ fulfillments

    async def create_fulfillment(
        self, order_id: str, draft: FulfillmentDraft, actor: Actor
    ) -> FulfillmentOutcome:
        def decide(a: OrderAggregate, ctx: ChangeContext) -> Applied:
            try:
                return fulfillments.create(a, draft, ctx)
            except DomainError as err:
                raise (err.at("input") if err.field else err) from None

        wix_id, agg, applied = await self._checked(order_id, actor, "orderId", decide)
        made = next(f for f in agg.fulfillments if f.id in applied.touched)
        checked = FulfillmentDraft(made.lines, made.tracking, made.status)
        return await self.writer.send_fulfillment(wix_id, checked)

    async def update_fulfillment(
        self, order_id: str, fulfillment_id: str, patch: UpdateFulfillment, actor: Actor
    ) -> FulfillmentOutcome:
        wix_id, agg, _ = await self._checked(
            order_id, actor, "orderId", lambda a, ctx: fulfillments.update(a, fulfillment_id, patch, ctx)
        )
        after = next(f for f in agg.fulfillments if f.id == fulfillment_id)
        return await self.writer.patch_fulfillment(wix_id, after, patch)

    async def delete_fulfillment(
        self, order_id: str, fulfillment_id: str, actor: Actor
    ) -> FulfillmentOutcome:
        wix_id, _, _ = await self._checked(
            order_id, actor, "orderId", lambda a, ctx: fulfillments.delete(a, fulfillment_id, ctx)
        )
        gone = await self.reader.fulfillments([order_id])
        deleted = next(f for f in gone.get(order_id, []) if f.id == fulfillment_id)
        path = f"/ecom/v1/fulfillments/{wix.native(fulfillment_id)}/orders/{wix_id}"
        answer = await self.client.write("DELETE", path)
        order, _ = await self.writer.fulfillments_changed(wix_id, answer)
        return FulfillmentOutcome(order, deleted)

    async def bulk_create_fulfillments(
        self, items: Sequence[tuple[int, BulkFulfillment]], actor: Actor
    ) -> list[BulkItemOutcome]:
        return await create_fulfillments(self, items, actor)

    async def mark_order_sent(self, order_id: str, actor: Actor) -> Order:
        return await self._advance(order_id, actor, fulfillments.mark_sent)

    async def mark_order_delivered(self, order_id: str, actor: Actor) -> Order:
        return await self._advance(order_id, actor, fulfillments.mark_delivered)

    async def _advance(
        self, order_id: str, actor: Actor, step: Callable[[OrderAggregate, ChangeContext], Applied]
    ) -> Order:
        """What the rules decide, one Wix call per fulfillment: the unfulfilled rest created at the target
        status, then each fulfillment behind it updated (status only). Should a call fail after others
        succeeded, the answer holds the order as Wix has it then, with the error (PartlyApplied)."""
        wix_id, agg, applied = await self._checked(order_id, actor, "id", step)
        order: Order | None = None
        for done, fid in enumerate(applied.touched):
            target = next(f for f in agg.fulfillments if f.id == fid)
            try:
                if _is_new(fid):
                    draft = FulfillmentDraft(target.lines, target.tracking, target.status)
                    outcome = await self.writer.send_fulfillment(wix_id, draft)
                else:
                    patch = UpdateFulfillment(status=target.status)
                    outcome = await self.writer.patch_fulfillment(wix_id, target, patch)
            except UpstreamError as err:
                if order is None:
                    raise
                made = f"{done} of {len(applied.touched)} fulfillment changes were made on Wix"
                raise PartlyApplied(f"{made} ({err.message})", ("id",), order) from err
            order = outcome.order
        return order or (await self.reader.orders([order_id]))[order_id]

    async def add_order_tracking(self, order_id: str, info: TrackingInfo, actor: Actor) -> FulfillmentOutcome:
        """A new fulfillment of every unfulfilled unit with the tracking, or else the newest one updated."""
        prechecks.tracking(info)
        wix_id, agg, applied = await self._checked(
            order_id, actor, "orderId", lambda a, ctx: fulfillments.add_tracking(a, info, ctx)
        )
        if not applied.touched:
            raise invalid("the order has nothing to ship", "orderId")
        target = next(f for f in agg.fulfillments if f.id == applied.touched[0])
        if _is_new(target.id):
            return await self.writer.send_fulfillment(wix_id, FulfillmentDraft(target.lines, target.tracking))
        return await self.writer.patch_fulfillment(
            wix_id, target, UpdateFulfillment(tracking=target.tracking)
        )


def _is_new(public_id: str) -> bool:
    return wix.native(public_id).startswith("new-")


def _draft_of(value: Payment) -> PaymentDraft:
    """The draft of a payment the domain created (mark paid): recorded as it is."""
    return PaymentDraft(
        amount=value.amount,
        method=value.method,
        status=value.status,
        provider_transaction_id=value.provider_transaction_id,
        created_at=value.created_at,
    )
