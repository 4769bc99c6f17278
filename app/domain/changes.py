"""Order changes: each function applies one use case to an aggregate and says what to record.

A change never touches storage: it returns a `Change` (the new aggregate, its history entries and its
events) that a backend persists in one transaction. Every change that alters the order bumps `revision`
by exactly one and stamps `updatedAt`; one that would alter nothing returns `None`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING

from app.domain import rules, totals
from app.domain.commands import UNSET, LineItemDraft
from app.domain.errors import DomainError, ErrorCode, NotFound, bad_transition, invalid
from app.domain.model import (
    Balance,
    DeliveryStatus,
    EventType,
    FulfillmentStatus,
    HistoryEntry,
    HistoryKind,
    LineItem,
    Order,
    OrderAggregate,
    OrderStatus,
    Payment,
    PaymentStatus,
    PriceSummary,
)
from app.domain.money import ZERO
from app.domain.transitions import Operation, check_allowed, check_transition

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from app.domain.commands import CreateOrder, PaymentDraft, UpdateLineItem, UpdateOrder
    from app.domain.model import CustomStatus

Record = tuple[HistoryKind, str, EventType | None]


@dataclass(frozen=True, slots=True)
class ChangeContext:
    """When and by whom a change is made, and how new child ids are drawn (`new_id(kind)`)."""

    now: datetime
    author: str
    new_id: Callable[[str], str]


@dataclass(slots=True)
class Change:
    """A decided change: the aggregate after it, the history it writes and the events it emits."""

    aggregate: OrderAggregate
    history: list[HistoryEntry] = field(default_factory=list)
    events: list[tuple[EventType, str | None]] = field(default_factory=list)
    touched: tuple[str, ...] = ()

    @property
    def order(self) -> Order:
        return self.aggregate.order


@dataclass(frozen=True, slots=True)
class Applied:
    """What one step of a change did to the aggregate: its records, and the child ids it created or changed.

    A step mutates the aggregate in place and writes nothing; no records means it changed nothing.
    """

    records: list[Record]
    touched: tuple[str, ...] = ()


Step = Callable[[OrderAggregate, ChangeContext], Applied]


def _commit(agg: OrderAggregate, ctx: ChangeContext, records: list[Record], *, first: bool = False) -> Change:
    """Bumps the revision, recomputes the derived fields and writes the history; one event per type."""
    if not first:
        agg.order = replace(agg.order, revision=agg.order.revision + 1, updated_at=ctx.now)
    totals.recompute(agg)
    change = Change(agg)
    for kind, message, event in records:
        entry = HistoryEntry(ctx.new_id("HistoryEntry"), kind, message, ctx.author, ctx.now)
        change.history.append(entry)
        if event is not None and all(event is not seen for seen, _ in change.events):
            change.events.append((event, entry.id))
    return change


def finish(agg: OrderAggregate, ctx: ChangeContext, applied: Applied) -> Change | None:
    """The change of one step, or None when the step changed nothing."""
    if not applied.records:
        return None
    change = _commit(agg, ctx, applied.records)
    change.touched = applied.touched
    return change


def apply_each(
    agg: OrderAggregate, steps: Sequence[Step], ctx: ChangeContext
) -> tuple[Change | None, list[Applied | DomainError]]:
    """Applies steps in order, each on its own: a refused step leaves the aggregate as it found it.

    The steps that succeed make one change (one revision, one event per type), as one mutation does.
    """
    outcomes: list[Applied | DomainError] = []
    records: list[Record] = []
    for step in steps:
        saved = OrderAggregate(agg.order, list(agg.line_items), list(agg.payments), list(agg.fulfillments))
        try:
            applied = step(agg, ctx)
        except DomainError as err:
            agg.order, agg.line_items = saved.order, saved.line_items
            agg.payments, agg.fulfillments = saved.payments, saved.fulfillments
            outcomes.append(err)
            continue
        totals.recompute(agg)
        records += applied.records
        outcomes.append(applied)
    return (_commit(agg, ctx, records) if records else None), outcomes


def _line(draft: LineItemDraft, line_id: str, currency: str) -> LineItem:
    tax, total = totals.line_amounts(draft.price, draft.quantity, draft.discount, draft.tax_rate, currency)
    return LineItem(
        id=line_id,
        product_name=draft.product_name,
        quantity=draft.quantity,
        price=draft.price,
        discount=draft.discount,
        tax_rate=draft.tax_rate,
        tax_amount=tax,
        total_price=total,
        sku=draft.sku,
        catalog_item_id=draft.catalog_item_id,
        image_url=draft.image_url,
    )


def new_payment(draft: PaymentDraft, payment_id: str, now: datetime) -> Payment:
    """A payment from a checked draft; createdAt defaults to now (it may be back-dated)."""
    created = draft.created_at or now
    return Payment(
        id=payment_id,
        amount=draft.amount,
        method=draft.method,
        status=draft.status,
        created_at=created,
        updated_at=now,
        provider_transaction_id=draft.provider_transaction_id,
    )


def new_order(cmd: CreateOrder, ctx: ChangeContext, order_id: str, number: str, source: str) -> Change:
    """The first state of an order from a checked `CreateOrder` (see `rules.create_order`)."""
    empty = PriceSummary(ZERO, ZERO, ZERO, ZERO, ZERO)
    order = Order(
        id=order_id,
        number=number,
        source=source,
        status=cmd.status,
        payment_status=PaymentStatus.NOT_PAID,
        fulfillment_status=FulfillmentStatus.NOT_FULFILLED,
        delivery_status=DeliveryStatus.NOT_SHIPPED,
        currency=cmd.currency,
        price_summary=empty,
        balance=Balance(ZERO, ZERO, ZERO),
        revision=1,
        created_at=ctx.now,
        updated_at=ctx.now,
        external_id=cmd.external_id,
        custom_status_id=cmd.custom_status_id,
        buyer=cmd.buyer,
        billing_address=cmd.billing_address,
        shipping_address=cmd.shipping_address,
        shipping_line=cmd.shipping_line,
        discount=cmd.discount,
        note=cmd.note,
    )
    agg = OrderAggregate(
        order=order,
        line_items=[_line(d, ctx.new_id("LineItem"), cmd.currency) for d in cmd.line_items],
        payments=[new_payment(p, ctx.new_id("Payment"), ctx.now) for p in cmd.payments],
    )
    origin = f" (recorded from external order {cmd.external_id})" if cmd.external_id else ""
    records: list[Record] = [
        (HistoryKind.ORDER_CREATED, f"Order {number} created{origin}", EventType.ORDER_CREATED)
    ]
    if cmd.status is OrderStatus.APPROVED:
        records.append((HistoryKind.ORDER_APPROVED, "Order approved", EventType.ORDER_APPROVED))
    records += [
        (HistoryKind.PAYMENT_ADDED, f"Payment of {p.amount} {cmd.currency} by {p.method} ({p.status})", None)
        for p in agg.payments
    ]
    return _commit(agg, ctx, records, first=True)


def check_revision(order: Order, expected: int | None) -> None:
    """REVISION_MISMATCH when the client's `expectedRevision` is not the current one."""
    if expected is not None and expected != order.revision:
        raise DomainError(
            f"the order is at revision {order.revision}, not {expected}",
            ("expectedRevision",),
            ErrorCode.REVISION_MISMATCH,
        )


_DETAIL_FIELDS = {
    "buyer": "buyer",
    "billing_address": "billingAddress",
    "shipping_address": "shippingAddress",
    "shipping_line": "shippingLine",
    "discount": "discount",
    "note": "note",
    "external_id": "externalId",
}


def update_order(
    agg: OrderAggregate, patch: UpdateOrder, ctx: ChangeContext, expected: int | None
) -> Change | None:
    """Details: omitted fields stay, explicit nulls clear."""
    check_revision(agg.order, expected)
    check_allowed(agg.order.status, Operation.DETAILS)
    order, cur = agg.order, agg.order.currency
    values: dict[str, object] = {}
    for name, value in patch.changed().items():
        gql = _DETAIL_FIELDS[name]
        try:
            values[name] = _check_detail(name, value, gql, cur, agg.line_items)
        except DomainError as err:
            if err.field == (gql,):
                err.field = None
            raise err.at("input", gql) from None
    changed = [name for name, value in values.items() if getattr(order, name) != value]
    if not changed:
        return None
    agg.order = replace(order, **values)  # type: ignore[arg-type]
    message = "Updated " + ", ".join(_DETAIL_FIELDS[name] for name in changed)
    return _commit(agg, ctx, [(HistoryKind.ORDER_UPDATED, message, EventType.ORDER_UPDATED)])


def _check_detail(name: str, value: object, gql: str, cur: str, lines: list[LineItem]) -> object:
    if value is None:
        return None
    if name == "buyer":
        return rules.buyer(value)  # type: ignore[arg-type]
    if name in ("billing_address", "shipping_address"):
        return rules.address(value)  # type: ignore[arg-type]
    if name == "shipping_line":
        return rules.shipping_line(value, cur)  # type: ignore[arg-type]
    if name == "discount":
        return rules.order_discount(value, cur, _goods(lines), field=gql)  # type: ignore[arg-type]
    limit = rules.TEXT_MAX if name == "note" else rules.NAME_MAX
    return rules.text(value, gql, limit=limit)  # type: ignore[arg-type]


def _goods(lines: list[LineItem]) -> Decimal:
    return sum((line.price * line.quantity - line.discount for line in lines), Decimal(0))


def _move(
    agg: OrderAggregate,
    target: OrderStatus,
    ctx: ChangeContext,
    kind: HistoryKind,
    event: EventType,
    message: str,
) -> Change:
    check_transition(agg.order.status, target)
    agg.order = replace(agg.order, status=target)
    return _commit(agg, ctx, [(kind, message, event)])


def approve(agg: OrderAggregate, ctx: ChangeContext) -> Change:
    return _move(
        agg, OrderStatus.APPROVED, ctx, HistoryKind.ORDER_APPROVED, EventType.ORDER_APPROVED, "Order approved"
    )


def cancel(agg: OrderAggregate, reason: str | None, ctx: ChangeContext) -> Change:
    """Cancels a non-terminal order; the reason is kept in the history entry."""
    if reason is not None:
        rules.text(reason, "reason", limit=rules.TEXT_MAX)
    message = f"Order canceled: {reason}" if reason and reason.strip() else "Order canceled"
    return _move(
        agg, OrderStatus.CANCELED, ctx, HistoryKind.ORDER_CANCELED, EventType.ORDER_CANCELED, message
    )


def complete(agg: OrderAggregate, ctx: ChangeContext) -> Change:
    return _move(
        agg,
        OrderStatus.COMPLETED,
        ctx,
        HistoryKind.ORDER_COMPLETED,
        EventType.ORDER_COMPLETED,
        "Order completed",
    )


def set_custom_status(agg: OrderAggregate, status: CustomStatus | None, ctx: ChangeContext) -> Change | None:
    """Assigns (or clears, with None) one of the shop's own statuses."""
    check_allowed(agg.order.status, Operation.CUSTOM_STATUS)
    new_id = status.id if status else None
    if agg.order.custom_status_id == new_id:
        return None
    agg.order = replace(agg.order, custom_status_id=new_id)
    message = f"Status set to {status.name}" if status else "Status cleared"
    return _commit(agg, ctx, [(HistoryKind.STATUS_CHANGED, message, EventType.ORDER_UPDATED)])


def _line_index(agg: OrderAggregate, line_id: str) -> int:
    for i, line in enumerate(agg.line_items):
        if line.id == line_id:
            return i
    raise NotFound("the order has no line item with that id", ("lineItemId",))


def _check_discount_still_fits(agg: OrderAggregate) -> None:
    discount = agg.order.discount
    if discount is not None and discount > _goods(agg.line_items):
        raise invalid("the order discount would exceed the subtotal after line discounts", "input")


def add_line_item(agg: OrderAggregate, draft: LineItemDraft, ctx: ChangeContext) -> Change:
    check_allowed(agg.order.status, Operation.LINE_ITEMS)
    if len(agg.line_items) >= rules.MAX_LINE_ITEMS:
        raise DomainError(
            f"an order has at most {rules.MAX_LINE_ITEMS} line items", ("input",), ErrorCode.LIMIT_EXCEEDED
        )
    try:
        checked = rules.line_item(draft, agg.order.currency)
    except DomainError as err:
        raise err.at("input") from None
    line = _line(checked, ctx.new_id("LineItem"), agg.order.currency)
    agg.line_items.append(line)
    message = f"Added {line.quantity} × {line.product_name}"
    return _commit(agg, ctx, [(HistoryKind.LINE_ITEMS_CHANGED, message, EventType.ORDER_UPDATED)])


def _unfulfilled(line: LineItem) -> None:
    if line.fulfilled_quantity:
        raise bad_transition("a line item that has been fulfilled cannot change", "lineItemId")


def update_line_item(
    agg: OrderAggregate, line_id: str, patch: UpdateLineItem, ctx: ChangeContext
) -> Change | None:
    check_allowed(agg.order.status, Operation.LINE_ITEMS)
    index = _line_index(agg, line_id)
    line = agg.line_items[index]
    _unfulfilled(line)
    draft = LineItemDraft(
        product_name=line.product_name if patch.product_name is UNSET else patch.product_name,
        quantity=line.quantity if patch.quantity is UNSET else patch.quantity,
        price=line.price if patch.price is UNSET else patch.price,
        discount=line.discount if patch.discount is UNSET else patch.discount,
        tax_rate=line.tax_rate if patch.tax_rate is UNSET else patch.tax_rate,
        sku=line.sku if patch.sku is UNSET else patch.sku,
        catalog_item_id=line.catalog_item_id,
        image_url=line.image_url,
    )
    try:
        checked = rules.line_item(draft, agg.order.currency)
    except DomainError as err:
        raise err.at("input") from None
    updated = _line(checked, line.id, agg.order.currency)
    if updated == line:
        return None
    agg.line_items[index] = updated
    _check_discount_still_fits(agg)
    message = f"Changed line {line.product_name}"
    return _commit(agg, ctx, [(HistoryKind.LINE_ITEMS_CHANGED, message, EventType.ORDER_UPDATED)])


def remove_line_item(agg: OrderAggregate, line_id: str, ctx: ChangeContext) -> Change:
    check_allowed(agg.order.status, Operation.LINE_ITEMS)
    index = _line_index(agg, line_id)
    line = agg.line_items[index]
    _unfulfilled(line)
    if len(agg.line_items) == 1:
        raise invalid("an order keeps at least one line item", "lineItemId")
    del agg.line_items[index]
    _check_discount_still_fits(agg)
    message = f"Removed {line.quantity} × {line.product_name}"
    return _commit(agg, ctx, [(HistoryKind.LINE_ITEMS_CHANGED, message, EventType.ORDER_UPDATED)])


def add_history(agg: OrderAggregate, message: str, ctx: ChangeContext) -> Change:
    """A manual NOTE entry, written by a person or an integration."""
    check_allowed(agg.order.status, Operation.HISTORY)
    try:
        text = rules.history_message(message)
    except DomainError as err:
        raise err.at("input") from None
    return _commit(agg, ctx, [(HistoryKind.NOTE, text, EventType.ORDER_UPDATED)])
