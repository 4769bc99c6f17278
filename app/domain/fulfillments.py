"""Fulfillment changes: create, update, delete, tracking, and marking a whole order sent or delivered.

Each function is a step (see `changes.Applied`). A line's units may be split across fulfillments up to
its quantity; every fulfillment keeps the line items' `fulfilledQuantity` in step. Shipments only move
forward (PENDING → SHIPPED → DELIVERED); a mistaken one is deleted and created again.

Error paths: `create` names fields relative to the FulfillmentInput (a bulk request places it under its
item); the other steps name them as the mutation's arguments ("input", "fulfillmentId", ...).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from app.domain import rules, tracking
from app.domain.changes import Applied
from app.domain.commands import UNSET
from app.domain.errors import DomainError, ErrorCode, NotFound, bad_transition, invalid
from app.domain.model import (
    EventType,
    Fulfillment,
    FulfillmentLine,
    HistoryKind,
    OrderStatus,
    ShipmentStatus,
)
from app.domain.transitions import Operation, check_allowed

if TYPE_CHECKING:
    from app.domain.changes import ChangeContext, Record
    from app.domain.commands import FulfillmentDraft, UpdateFulfillment
    from app.domain.model import LineItem, OrderAggregate, TrackingInfo

S = ShipmentStatus
MAX_LINES = 300
MAX_BULK = 100
STAGE = {S.PENDING: 0, S.SHIPPED: 1, S.DELIVERED: 2}
SHIPPING_STATUSES = frozenset({OrderStatus.APPROVED, OrderStatus.COMPLETED})
EVENT = EventType.FULFILLMENTS_UPDATED


def _index(agg: OrderAggregate, fulfillment_id: str) -> int:
    for i, f in enumerate(agg.fulfillments):
        if f.id == fulfillment_id:
            return i
    raise NotFound("the order has no fulfillment with that id", ("fulfillmentId",))


def _units(agg: OrderAggregate, lines: tuple[FulfillmentLine, ...]) -> str:
    names = {line.id: line.product_name for line in agg.line_items}
    return ", ".join(f"{fl.quantity} × {names.get(fl.line_item_id, fl.line_item_id)}" for fl in lines)


def _tracked(info: TrackingInfo) -> str:
    return f"{info.shipping_provider} {info.tracking_number}"


def _shift(agg: OrderAggregate, lines: tuple[FulfillmentLine, ...], sign: int) -> None:
    """Adds (sign 1) or takes back (sign -1) fulfilled units on the order's lines."""
    by_id = {fl.line_item_id: fl.quantity for fl in lines}
    agg.line_items = [
        replace(line, fulfilled_quantity=line.fulfilled_quantity + sign * by_id[line.id])
        if line.id in by_id
        else line
        for line in agg.line_items
    ]


def _checked_lines(agg: OrderAggregate, draft: FulfillmentDraft) -> tuple[FulfillmentLine, ...]:
    if not draft.lines:
        raise invalid("a fulfillment needs at least one line item", "lineItems")
    if len(draft.lines) > MAX_LINES:
        raise DomainError(
            f"a fulfillment has at most {MAX_LINES} line items", ("lineItems",), ErrorCode.LIMIT_EXCEEDED
        )
    lines: dict[str, LineItem] = {line.id: line for line in agg.line_items}
    seen: set[str] = set()
    for i, fl in enumerate(draft.lines):
        at = ("lineItems", str(i))
        line = lines.get(fl.line_item_id)
        if line is None:
            raise NotFound("the order has no line item with that id", (*at, "lineItemId"))
        if fl.line_item_id in seen:
            raise invalid("a line item is listed twice", *at, "lineItemId")
        seen.add(fl.line_item_id)
        try:
            rules.quantity(fl.quantity)
        except DomainError as err:
            raise err.at(*at) from None
        left = line.quantity - line.fulfilled_quantity
        if fl.quantity > left:
            raise DomainError(
                f"only {left} of {line.product_name!r} left to fulfil",
                (*at, "quantity"),
                ErrorCode.QUANTITY_EXCEEDED,
            )
    return draft.lines


def _checked_tracking(info: TrackingInfo | None, *field: str) -> TrackingInfo | None:
    if info is None:
        return None
    try:
        return tracking.checked(info)
    except DomainError as err:
        raise err.at(*field) from None


def _new(
    agg: OrderAggregate,
    lines: tuple[FulfillmentLine, ...],
    status: ShipmentStatus,
    info: TrackingInfo | None,
    ctx: ChangeContext,
) -> tuple[Fulfillment, list[Record]]:
    f = Fulfillment(ctx.new_id("Fulfillment"), status, lines, ctx.now, ctx.now, info)
    agg.fulfillments.append(f)
    _shift(agg, lines, 1)
    records: list[Record] = [
        (HistoryKind.FULFILLMENT_CREATED, f"Fulfilled {_units(agg, lines)} ({status})", EVENT)
    ]
    if info is not None:
        records.append((HistoryKind.TRACKING_ADDED, f"Tracking {_tracked(info)} added", EVENT))
    return f, records


def create(agg: OrderAggregate, draft: FulfillmentDraft, ctx: ChangeContext) -> Applied:
    """A new fulfillment of some units of an APPROVED order."""
    check_allowed(agg.order.status, Operation.CREATE_FULFILLMENT)
    if agg.order.status is not OrderStatus.APPROVED:
        raise bad_transition(f"a {agg.order.status} order must be approved before it is fulfilled")
    lines = _checked_lines(agg, draft)
    info = _checked_tracking(draft.tracking, "trackingInfo")
    f, records = _new(agg, lines, draft.status, info, ctx)
    return Applied(records, (f.id,))


def update(agg: OrderAggregate, fulfillment_id: str, patch: UpdateFulfillment, ctx: ChangeContext) -> Applied:
    """A new shipment status (forward only) and/or tracking; an explicit null tracking removes it."""
    check_allowed(agg.order.status, Operation.UPDATE_FULFILLMENT)
    index = _index(agg, fulfillment_id)
    f = agg.fulfillments[index]
    records: list[Record] = []
    status, info = f.status, f.tracking
    if patch.status is not UNSET:
        if patch.status is None:
            raise invalid("status cannot be null", "input", "status")
        status = patch.status
        if STAGE[status] < STAGE[f.status]:
            raise bad_transition(
                f"a fulfillment cannot go back from {f.status} to {status}", "input", "status"
            )
        if status is not f.status:
            records.append((HistoryKind.FULFILLMENT_UPDATED, f"Fulfillment {f.status} → {status}", EVENT))
    if patch.tracking is not UNSET:
        info = _checked_tracking(patch.tracking, "input", "trackingInfo")
        if info != f.tracking:
            if info is None:
                records.append((HistoryKind.FULFILLMENT_UPDATED, "Tracking removed", EVENT))
            else:
                records.append((HistoryKind.TRACKING_ADDED, f"Tracking {_tracked(info)} added", EVENT))
    if records:
        agg.fulfillments[index] = replace(f, status=status, tracking=info, updated_at=ctx.now)
    return Applied(records, (f.id,))


def delete(agg: OrderAggregate, fulfillment_id: str, ctx: ChangeContext) -> Applied:
    """Removes a fulfillment; its units become unfulfilled again."""
    check_allowed(agg.order.status, Operation.DELETE_FULFILLMENT)
    index = _index(agg, fulfillment_id)
    f = agg.fulfillments.pop(index)
    _shift(agg, f.lines, -1)
    message = f"Fulfillment of {_units(agg, f.lines)} deleted"
    return Applied([(HistoryKind.FULFILLMENT_DELETED, message, EVENT)], (f.id,))


def _check_shipping(agg: OrderAggregate, operation: str, field: str = "id") -> None:
    if agg.order.status not in SHIPPING_STATUSES:
        raise bad_transition(f"only APPROVED or COMPLETED orders can {operation}", field)


def _unfulfilled(agg: OrderAggregate) -> tuple[FulfillmentLine, ...]:
    return tuple(
        FulfillmentLine(line.id, line.quantity - line.fulfilled_quantity)
        for line in agg.line_items
        if line.quantity > line.fulfilled_quantity
    )


def _advance(agg: OrderAggregate, target: ShipmentStatus, ctx: ChangeContext) -> Applied:
    """Fulfils every unfulfilled unit, then moves every fulfillment behind `target` up to it."""
    records: list[Record] = []
    touched: list[str] = []
    rest = _unfulfilled(agg)
    if rest:
        f, created = _new(agg, rest, target, None, ctx)
        records += created
        touched.append(f.id)
    moved = 0
    for i, f in enumerate(agg.fulfillments):
        if STAGE[f.status] < STAGE[target]:
            agg.fulfillments[i] = replace(f, status=target, updated_at=ctx.now)
            touched.append(f.id)
            moved += 1
    if moved:
        noun = "fulfillment" if moved == 1 else "fulfillments"
        records.append((HistoryKind.FULFILLMENT_UPDATED, f"Marked {target}: {moved} {noun}", EVENT))
    return Applied(records, tuple(touched))


def mark_sent(agg: OrderAggregate, ctx: ChangeContext) -> Applied:
    """Fulfils everything left and ships every PENDING fulfillment (DELIVERED ones stay)."""
    _check_shipping(agg, "be marked sent")
    return _advance(agg, S.SHIPPED, ctx)


def mark_delivered(agg: OrderAggregate, ctx: ChangeContext) -> Applied:
    """As `mark_sent`, then delivers every fulfillment."""
    _check_shipping(agg, "be marked delivered")
    return _advance(agg, S.DELIVERED, ctx)


def add_tracking(agg: OrderAggregate, info: TrackingInfo, ctx: ChangeContext) -> Applied:
    """Tracking for a new fulfillment of everything unfulfilled, or else for the newest fulfillment."""
    _check_shipping(agg, "get tracking", "orderId")
    checked = _checked_tracking(info, "input")
    assert checked is not None
    rest = _unfulfilled(agg)
    if rest:
        f, records = _new(agg, rest, S.PENDING, checked, ctx)
        return Applied(records, (f.id,))
    if not agg.fulfillments:
        raise invalid("the order has nothing to ship", "orderId")
    added = (HistoryKind.TRACKING_ADDED, f"Tracking {_tracked(checked)} added", EVENT)
    newest = len(agg.fulfillments) - 1  # kept in the order they were created
    f = agg.fulfillments[newest]
    if f.tracking == checked:
        return Applied([], (f.id,))
    agg.fulfillments[newest] = replace(f, tracking=checked, updated_at=ctx.now)
    return Applied([added], (f.id,))
