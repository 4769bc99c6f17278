"""The `system` backend: orders held by Retailys, read and changed through its `/System/Orders` API.

Every write is checked by `app.domain` first (a bad input costs no upstream call), then sent, then the order
is read back and observed (`changes.OrderChanges`), so the event of the change is logged at once and the
poller, seeing the same state later, logs nothing twice. What Retailys cannot do is UNSUPPORTED_BY_BACKEND
before any call. The reads are in `reads.py`.
"""

from __future__ import annotations

import contextlib
import uuid
from typing import TYPE_CHECKING

from app.backends.system import bodies, mapping
from app.backends.system.reads import SystemOptions, SystemReads, unsupported
from app.backends.system.snapshots import ORDERS
from app.domain import rules
from app.domain.commands import LineItemDraft, Unset
from app.domain.errors import DomainError, NotFound, bad_transition, invalid
from app.domain.model import EventType, HistoryKind, OrderStatus
from app.domain.outcomes import BulkItemOutcome, FulfillmentOutcome
from app.domain.transitions import Operation, check_allowed, check_transition

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import datetime
    from decimal import Decimal

    from app.backends.local.upstream_keys import UpstreamKeys
    from app.backends.system.changes import OrderChanges
    from app.backends.system.client import SystemClient
    from app.backends.system.mapping import Json
    from app.domain.commands import (
        Actor,
        BulkFulfillment,
        CreateOrder,
        DefineStatus,
        FulfillmentDraft,
        PaymentDraft,
        PaymentRef,
        UpdateFulfillment,
        UpdateLineItem,
        UpdateOrder,
    )
    from app.domain.model import (
        CustomStatus,
        LineItem,
        Order,
        TrackingInfo,
        TransactionStatus,
    )
    from app.domain.outcomes import PaymentsOutcome


class SystemBackend(SystemReads):
    """`OrderBackend` over the Retailys API (see the module docstring)."""

    def __init__(
        self,
        client: SystemClient,
        changes: OrderChanges,
        options: SystemOptions,
        clock: Callable[[], datetime],
        keys: UpstreamKeys,
    ) -> None:
        super().__init__(client, changes, options, clock)
        self.keys = keys

    # ----------------------------------------------------------------------------------------- writes

    async def define_status(self, cmd: DefineStatus) -> CustomStatus:
        raise unsupported("define statuses: they are defined in Retailys", "input", "source")

    async def create_order(self, cmd: CreateOrder, actor: Actor, key: str | None, fingerprint: str) -> Order:
        refused = [
            name
            for name, given in (
                ("status", cmd.status is not OrderStatus.APPROVED),
                ("externalId", cmd.external_id is not None),
                ("shippingLine", cmd.shipping_line is not None),
                ("discount", cmd.discount is not None),
                ("note", cmd.note is not None),
                ("payments", bool(cmd.payments)),
            )
            if given
        ]
        if refused:
            raise unsupported(f"take {', '.join(refused)} on create", "input", refused[0])
        for i, line in enumerate(cmd.line_items):
            _check_line(line, ("input", "lineItems", str(i)), cmd.currency)
        if key is None:
            return await self._create(cmd)
        first = await self.keys.claim(key, fingerprint)
        if first is not None:
            return mapping.order(await self.snapshots.fetch(mapping.native_id(first, "Order")))
        try:
            order = await self._create(cmd)
        except BaseException:
            await self.keys.release(key)
            raise
        await self.keys.settle(key, order.id)
        return order

    async def _create(self, cmd: CreateOrder) -> Order:
        """The header, then its items (canceling the half-made order if an item fails), then its status."""
        status_id = None
        if cmd.custom_status_id is not None:
            status_id = await self._status_native(cmd.custom_status_id, "input", "customStatusId")
        header = bodies.order_header(cmd, self.clock())
        native = mapping.created_id(await self.client.call("POST", ORDERS, body=header, idempotent=False))
        try:
            for line in cmd.line_items:
                body = bodies.item_body(line)
                await self.client.call("POST", f"{ORDERS}/{native}/item", body=body, idempotent=False)
        except DomainError:
            with contextlib.suppress(DomainError):
                await self._flag(native, "cancel")
            raise
        if status_id is not None:
            await self.client.call(
                "PATCH", f"{ORDERS}/{native}/status", body={"status_id": status_id}, idempotent=True
            )
        return mapping.order(await self._changed(native))

    async def update_order(
        self, order_id: str, patch: UpdateOrder, expected_revision: int | None, actor: Actor
    ) -> Order:
        if expected_revision is not None:
            raise unsupported("check revisions: Retailys orders carry none", "expectedRevision")
        names = {"shipping_address": "shippingAddress"}
        refused = [name for name in patch.changed() if name not in names]
        if refused:
            camel = {
                "billing_address": "billingAddress",
                "shipping_line": "shippingLine",
                "external_id": "externalId",
            }
            listed = [camel.get(name, name) for name in refused]
            raise unsupported(f"change {', '.join(listed)}: only the shipping address", "input", listed[0])
        native, raw = await self._current(order_id)
        check_allowed(mapping.status(raw), Operation.DETAILS)
        address = patch.shipping_address
        if isinstance(address, Unset):
            return mapping.order(raw)
        try:
            checked = rules.address(address)
        except DomainError as err:
            raise err.at("input", "shippingAddress") from None
        await self.client.call(
            "PUT", ORDERS, body={"id": native, **bodies.delivery_fields(checked)}, idempotent=True
        )
        return mapping.order(await self._changed(native))

    async def approve_order(self, order_id: str, actor: Actor) -> Order:
        _, raw = await self._current(order_id)
        check_transition(mapping.status(raw), OrderStatus.APPROVED)
        return mapping.order(raw)

    async def cancel_order(self, order_id: str, reason: str | None, actor: Actor) -> Order:
        native, raw = await self._current(order_id)
        check_transition(mapping.status(raw), OrderStatus.CANCELED)
        reason = rules.text(reason, "reason", limit=rules.TEXT_MAX)
        await self._flag(native, "cancel")
        if reason:
            await self._history(native, HistoryKind.ORDER_CANCELED, reason, "canceled")
        return mapping.order(await self._changed(native))

    async def complete_order(self, order_id: str, actor: Actor) -> Order:
        native, raw = await self._current(order_id)
        check_transition(mapping.status(raw), OrderStatus.COMPLETED)
        await self._flag(native, "done")
        return mapping.order(await self._changed(native))

    async def set_order_status(self, order_id: str, status_id: str | None, actor: Actor) -> Order:
        """Assigns a Retailys status; one with `complete_order`/`cancel_order` completes/cancels the order."""
        if status_id is None:
            raise unsupported("clear a custom status: Retailys has no call for it", "statusId")
        native, raw = await self._current(order_id)
        status_native = await self._status_native(status_id, "statusId")
        row = next(row for row in await self.snapshots.statuses() if row["id"] == status_native)
        current = mapping.status(raw)
        for flag, target in (
            ("complete_order", OrderStatus.COMPLETED),
            ("cancel_order", OrderStatus.CANCELED),
        ):
            if row.get(flag) and current is not target:
                check_transition(current, target)
        body = {"status_id": status_native}
        await self.client.call("PATCH", f"{ORDERS}/{native}/status", body=body, idempotent=True)
        return mapping.order(await self._changed(native))

    async def add_line_item(self, order_id: str, draft: LineItemDraft, actor: Actor) -> Order:
        native, raw = await self._current(order_id, "orderId")
        check_allowed(mapping.status(raw), Operation.LINE_ITEMS)
        checked = _check_line(draft, ("input",), mapping.currency_of(raw))
        body = bodies.item_body(checked)
        await self.client.call("POST", f"{ORDERS}/{native}/item", body=body, idempotent=False)
        return mapping.order(await self._changed(native))

    def _line(self, raw: Json, line_id: str) -> LineItem:
        found = [line for line in mapping.line_items(raw) if line.id == line_id]
        if not found:
            raise NotFound("the order has no line item with that id", ("lineItemId",))
        return found[0]

    async def update_line_item(
        self, order_id: str, line_id: str, patch: UpdateLineItem, actor: Actor
    ) -> Order:
        native, raw = await self._current(order_id, "orderId")
        check_allowed(mapping.status(raw), Operation.LINE_ITEMS)
        line = self._line(raw, line_id)
        draft = LineItemDraft(
            product_name=line.product_name if isinstance(patch.product_name, Unset) else patch.product_name,
            quantity=line.quantity if isinstance(patch.quantity, Unset) else patch.quantity,
            price=line.price if isinstance(patch.price, Unset) else patch.price,
            discount=line.discount if isinstance(patch.discount, Unset) else patch.discount,
            tax_rate=line.tax_rate if isinstance(patch.tax_rate, Unset) else patch.tax_rate,
            sku=None if isinstance(patch.sku, Unset) else patch.sku,
            catalog_item_id=line.catalog_item_id,
        )
        checked = _check_line(draft, ("input",), mapping.currency_of(raw))
        body = {"id": mapping.native_id(line_id, "LineItem", "lineItemId"), **bodies.item_body(checked)}
        await self.client.call("PUT", f"{ORDERS}/{native}/item", body=body, idempotent=True)
        return mapping.order(await self._changed(native))

    async def remove_line_item(self, order_id: str, line_id: str, actor: Actor) -> Order:
        native, raw = await self._current(order_id, "orderId")
        check_allowed(mapping.status(raw), Operation.LINE_ITEMS)
        self._line(raw, line_id)
        if len(raw.get("items") or ()) <= 1:
            raise invalid("an order keeps at least one line item", "lineItemId")
        item = mapping.native_id(line_id, "LineItem", "lineItemId")
        await self.client.call("DELETE", f"{ORDERS}/{native}/item/{item}", idempotent=True)
        return mapping.order(await self._changed(native))

    async def add_history(self, order_id: str, message: str, actor: Actor) -> Order:
        try:
            message = rules.history_message(message)
        except DomainError as err:
            raise err.at("input") from None
        if HistoryKind.NOTE not in self.options.history_types:
            raise unsupported("write notes: GATEWAY_SYSTEM_HISTORY_TYPES maps no type to NOTE", "input")
        native, _ = await self._current(order_id, "orderId")
        record = await self._history(native, HistoryKind.NOTE, message, "note") or uuid.uuid4().hex
        await self.changes.record(native, f"history:{record}", EventType.ORDER_UPDATED)
        return mapping.order(await self._changed(native))

    # --------------------------------------------------------------------------- payments, shipments

    async def add_payments(
        self, order_id: str, drafts: Sequence[PaymentDraft], actor: Actor
    ) -> PaymentsOutcome:
        raise unsupported("add payments: use markOrderPaid", "payments")

    async def update_payment_status(
        self, order_id: str, payment_id: str, status: TransactionStatus, actor: Actor
    ) -> PaymentsOutcome:
        raise unsupported("change payment statuses", "paymentId")

    async def bulk_update_payment_statuses(
        self, refs: Sequence[tuple[int, PaymentRef]], status: TransactionStatus, actor: Actor
    ) -> list[BulkItemOutcome]:
        return [
            BulkItemOutcome(i, error=unsupported("change payment statuses", "payments", str(i)))
            for i, _ in refs
        ]

    async def refund_payment(
        self, order_id: str, payment_id: str, amount: Decimal, reason: str | None, actor: Actor
    ) -> PaymentsOutcome:
        raise unsupported("refund payments", "paymentId")

    async def mark_order_paid(self, order_id: str, actor: Actor) -> Order:
        """Pays the balance due (a new unique payment_id, status success); nothing due is INVALID."""
        native, raw = await self._current(order_id)
        order = mapping.order(raw)
        check_allowed(order.status, Operation.ADD_PAYMENT)
        if order.balance.due <= 0:
            raise invalid("nothing is due on this order", "id")
        body = {
            "paid": mapping.wire_amount(order.balance.due),
            "payment_id": uuid.uuid4().hex,
            "status": "success",
        }
        await self.client.call("PATCH", f"{ORDERS}/{native}/paid", body=body, idempotent=False)
        return mapping.order(await self._changed(native))

    async def create_fulfillment(
        self, order_id: str, draft: FulfillmentDraft, actor: Actor
    ) -> FulfillmentOutcome:
        raise unsupported("create fulfillments: use markOrderSent or addOrderTracking", "input")

    async def update_fulfillment(
        self, order_id: str, fulfillment_id: str, patch: UpdateFulfillment, actor: Actor
    ) -> FulfillmentOutcome:
        raise unsupported("update fulfillments: use markOrderDelivered or addOrderTracking", "input")

    async def delete_fulfillment(
        self, order_id: str, fulfillment_id: str, actor: Actor
    ) -> FulfillmentOutcome:
        raise unsupported("delete fulfillments", "fulfillmentId")

    async def bulk_create_fulfillments(
        self, items: Sequence[tuple[int, BulkFulfillment]], actor: Actor
    ) -> list[BulkItemOutcome]:
        return [
            BulkItemOutcome(i, error=unsupported("create fulfillments", "input", str(i))) for i, _ in items
        ]

    async def _shippable(self, order_id: str, field: str = "id") -> tuple[int, Json]:
        native, raw = await self._current(order_id, field)
        if mapping.status(raw) is OrderStatus.CANCELED:
            raise bad_transition("a CANCELED order cannot be shipped")
        return native, raw

    async def mark_order_sent(self, order_id: str, actor: Actor) -> Order:
        native, _ = await self._shippable(order_id)
        await self._flag(native, "sent")
        return mapping.order(await self._changed(native))

    async def mark_order_delivered(self, order_id: str, actor: Actor) -> Order:
        native, raw = await self._shippable(order_id)
        if not raw.get("sent"):
            await self._flag(native, "sent")
        await self._flag(native, "delivered")
        return mapping.order(await self._changed(native))

    async def add_order_tracking(self, order_id: str, info: TrackingInfo, actor: Actor) -> FulfillmentOutcome:
        """Posts the tracking under the provider's configured shipper_id (Retailys makes the link)."""
        number = rules.required_text(info.tracking_number.strip(), "trackingNumber", limit=100)
        provider = rules.required_text(info.shipping_provider.strip(), "shippingProvider", limit=100)
        shipper_id = self.options.shippers.shipper_id(provider)
        if shipper_id is None:
            known = ", ".join(self.options.shippers.by_name) or "none"
            raise invalid(
                f"{provider[:50]!r} has no Retailys shipper_id in GATEWAY_SYSTEM_SHIPPERS"
                f" (configured: {known})",
                "input",
                "shippingProvider",
            )
        native, _ = await self._shippable(order_id, "orderId")
        body = {"shipper_id": shipper_id, "tracking_number": number}
        await self.client.call("POST", f"{ORDERS}/{native}/tracking", body=body, idempotent=False)
        raw = await self._changed(native)
        shipped = mapping.fulfillments(raw, self.options.shippers)
        return FulfillmentOutcome(mapping.order(raw), shipped[0] if shipped else None)


def _check_line(draft: LineItemDraft, at: tuple[str, ...], currency: str) -> LineItemDraft:
    """A line Retailys can hold: the common rules, and no discount, sku or image (items have none)."""
    try:
        checked = rules.line_item(draft, currency)
    except DomainError as err:
        raise err.at(*at) from None
    for name, given in (
        ("discount", checked.discount != 0),
        ("sku", checked.sku),
        ("imageUrl", checked.image_url),
    ):
        if given:
            raise unsupported(f"store a line item's {name}", *at, name)
    return checked
