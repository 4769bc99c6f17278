"""Fulfillment changes on the aggregate: create, update, delete, mark sent/delivered, tracking, bulk steps."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

import pytest

from app.domain import changes, fulfillments, ids, payments, rules
from app.domain.commands import (
    UNSET,
    CreateOrder,
    FulfillmentDraft,
    LineItemDraft,
    PaymentDraft,
    UpdateFulfillment,
)
from app.domain.errors import DomainError, ErrorCode
from app.domain.model import (
    DeliveryStatus,
    EventType,
    FulfillmentLine,
    FulfillmentStatus,
    HistoryKind,
    OrderAggregate,
    OrderStatus,
    ShipmentStatus,
    TrackingInfo,
)
from tests.support.clock import T0, T1, Clock

D = Decimal
S = ShipmentStatus
ORDER_ID = ids.encode("local", "Order", "ship")
UPS = TrackingInfo("1Z999AA10123456784", "UPS")
UPS_LINK = "https://wwwapps.ups.com/WebTracking/track?track=yes&trackNums=1Z999AA10123456784"
DHL = TrackingInfo("JD0146", "dhl")


class Order:
    """An order of 3 mugs, 2 teas and 1 spoon, with helpers to run steps on it."""

    def __init__(self, status: OrderStatus = OrderStatus.APPROVED, lines: int = 0) -> None:
        self.clock = Clock()
        drafts: tuple[LineItemDraft, ...] = (
            LineItemDraft("Mug", 3, D("10.00")),
            LineItemDraft("Tea", 2, D("4.00")),
            LineItemDraft("Spoon", 1, D("1.50")),
        )
        if lines:
            drafts = tuple(LineItemDraft(f"Item {i}", 1, D("1.00")) for i in range(lines))
        cmd = rules.create_order(CreateOrder(currency="EUR", line_items=drafts), T0)
        self.agg = changes.new_order(cmd, self.clock.ctx(), ORDER_ID, "10001", "local").aggregate
        self.set_status(status)

    def set_status(self, status: OrderStatus) -> None:
        self.agg.order = replace(self.agg.order, status=status)

    @property
    def line_ids(self) -> list[str]:
        return [line.id for line in self.agg.line_items]

    def fulfilled(self) -> list[int]:
        return [line.fulfilled_quantity for line in self.agg.line_items]

    def ctx(self, now: datetime = T1) -> changes.ChangeContext:
        return self.clock.ctx(now)

    def commit(self, applied: changes.Applied) -> changes.Change:
        change = changes.finish(self.agg, self.ctx(), applied)
        assert change is not None
        return change

    def draft(
        self, *quantities: int, status: S = S.PENDING, tracking: TrackingInfo | None = None
    ) -> FulfillmentDraft:
        """A draft fulfilling `quantities[i]` units of line i (zeros left out)."""
        lines = tuple(FulfillmentLine(lid, q) for lid, q in zip(self.line_ids, quantities, strict=False) if q)
        return FulfillmentDraft(lines, tracking, status)

    def create(self, *quantities: int, status: S = S.PENDING, tracking: TrackingInfo | None = None) -> str:
        draft = self.draft(*quantities, status=status, tracking=tracking)
        change = self.commit(fulfillments.create(self.agg, draft, self.ctx()))
        return change.aggregate.fulfillments[-1].id

    def refused(self, attempt: Callable[[], object]) -> DomainError:
        before = copy.deepcopy(self.agg)
        with pytest.raises(DomainError) as exc:
            attempt()
        assert self.agg == before
        return exc.value

    def statuses(self) -> tuple[FulfillmentStatus, DeliveryStatus]:
        return self.agg.order.fulfillment_status, self.agg.order.delivery_status


def kinds(change: changes.Change) -> list[HistoryKind]:
    return [h.kind for h in change.history]


def only_fulfillment_event(change: changes.Change) -> None:
    assert change.events == [(EventType.FULFILLMENTS_UPDATED, change.history[0].id)]


# ---------------------------------------------------------------------------------------------- create


def test_create_fulfillment_of_part_of_a_line() -> None:
    o = Order()
    applied = fulfillments.create(o.agg, o.draft(1), o.ctx())
    change = o.commit(applied)
    f = change.aggregate.fulfillments[0]
    assert f.status is S.PENDING
    assert f.lines == (FulfillmentLine(o.line_ids[0], 1),)
    assert f.tracking is None
    assert f.created_at == f.updated_at == T1
    assert applied.touched == change.touched == (f.id,)
    assert o.fulfilled() == [1, 0, 0]
    assert change.order.fulfillment_status is FulfillmentStatus.PARTIALLY_FULFILLED
    assert change.order.delivery_status is DeliveryStatus.NOT_SHIPPED
    assert change.order.revision == 2
    assert kinds(change) == [HistoryKind.FULFILLMENT_CREATED]
    assert "1 × Mug" in change.history[0].message
    only_fulfillment_event(change)


def test_a_line_split_across_two_fulfillments() -> None:
    o = Order()
    first = o.create(2)
    second = o.create(1, 2, 1, status=S.SHIPPED)
    assert first != second
    assert o.fulfilled() == [3, 2, 1]
    assert o.statuses() == (FulfillmentStatus.FULFILLED, DeliveryStatus.PARTIALLY_SHIPPED)
    assert o.agg.order.revision == 3
    err = o.refused(lambda: fulfillments.create(o.agg, o.draft(1), o.ctx()))
    assert err.code is ErrorCode.QUANTITY_EXCEEDED
    assert err.field == ("lineItems", "0", "quantity")


def test_create_fulfillment_shipped_with_everything() -> None:
    o = Order()
    o.create(3, 2, 1, status=S.SHIPPED)
    assert o.statuses() == (FulfillmentStatus.FULFILLED, DeliveryStatus.SHIPPED)


def test_create_fulfillment_delivered_with_everything() -> None:
    o = Order()
    o.create(3, 2, 1, status=S.DELIVERED)
    assert o.statuses() == (FulfillmentStatus.FULFILLED, DeliveryStatus.DELIVERED)


def test_create_fulfillment_with_tracking_keeps_it_canonical() -> None:
    o = Order()
    change = o.commit(fulfillments.create(o.agg, o.draft(1, tracking=UPS), o.ctx()))
    f = change.aggregate.fulfillments[0]
    assert f.tracking == TrackingInfo("1Z999AA10123456784", "ups", UPS_LINK)
    assert [h.kind for h in change.history] == [HistoryKind.FULFILLMENT_CREATED, HistoryKind.TRACKING_ADDED]
    assert "ups 1Z999AA10123456784" in change.history[1].message


def test_create_fulfillment_with_bad_tracking() -> None:
    o = Order()
    custom = TrackingInfo("123", "Local courier")
    err = o.refused(lambda: fulfillments.create(o.agg, o.draft(1, tracking=custom), o.ctx()))
    assert err.code is ErrorCode.INVALID
    assert err.field == ("trackingInfo", "trackingLink")


@pytest.mark.parametrize("status", [OrderStatus.INITIALIZED, OrderStatus.CANCELED, OrderStatus.COMPLETED])
def test_create_fulfillment_only_on_approved_orders(status: OrderStatus) -> None:
    o = Order(status)
    err = o.refused(lambda: fulfillments.create(o.agg, o.draft(1), o.ctx()))
    assert err.code is ErrorCode.INVALID_TRANSITION


def test_create_fulfillment_of_more_than_ordered() -> None:
    o = Order()
    err = o.refused(lambda: fulfillments.create(o.agg, o.draft(1, 3), o.ctx()))
    assert err.code is ErrorCode.QUANTITY_EXCEEDED
    assert err.field == ("lineItems", "1", "quantity")
    assert o.fulfilled() == [0, 0, 0]


def test_create_fulfillment_of_an_unknown_line() -> None:
    o = Order()
    draft = FulfillmentDraft((FulfillmentLine(o.line_ids[0], 1), FulfillmentLine("LineItem-404", 1)))
    err = o.refused(lambda: fulfillments.create(o.agg, draft, o.ctx()))
    assert err.code is ErrorCode.NOT_FOUND
    assert err.field == ("lineItems", "1", "lineItemId")


def test_create_fulfillment_listing_a_line_twice() -> None:
    o = Order()
    mug = o.line_ids[0]
    draft = FulfillmentDraft((FulfillmentLine(mug, 1), FulfillmentLine(mug, 1)))
    err = o.refused(lambda: fulfillments.create(o.agg, draft, o.ctx()))
    assert err.code is ErrorCode.INVALID
    assert err.field == ("lineItems", "1", "lineItemId")


@pytest.mark.parametrize("quantity", [0, -1])
def test_create_fulfillment_of_no_units(quantity: int) -> None:
    o = Order()
    draft = FulfillmentDraft((FulfillmentLine(o.line_ids[0], quantity),))
    err = o.refused(lambda: fulfillments.create(o.agg, draft, o.ctx()))
    assert err.code is ErrorCode.INVALID
    assert err.field == ("lineItems", "0", "quantity")


def test_create_fulfillment_without_lines() -> None:
    o = Order()
    err = o.refused(lambda: fulfillments.create(o.agg, FulfillmentDraft(()), o.ctx()))
    assert err.code is ErrorCode.INVALID
    assert err.field == ("lineItems",)


def test_create_fulfillment_of_300_lines() -> None:
    o = Order(lines=300)
    o.create(*[1] * 300)
    assert len(o.agg.fulfillments[0].lines) == 300
    assert o.statuses() == (FulfillmentStatus.FULFILLED, DeliveryStatus.NOT_SHIPPED)


def test_create_fulfillment_of_301_lines() -> None:
    o = Order(lines=300)
    lines = tuple(FulfillmentLine(lid, 1) for lid in o.line_ids)
    draft = FulfillmentDraft((*lines, FulfillmentLine("LineItem-extra", 1)))
    err = o.refused(lambda: fulfillments.create(o.agg, draft, o.ctx()))
    assert err.code is ErrorCode.LIMIT_EXCEEDED
    assert err.field == ("lineItems",)


# ---------------------------------------------------------------------------------------------- update

STAGE = {S.PENDING: 0, S.SHIPPED: 1, S.DELIVERED: 2}


@pytest.mark.parametrize(("current", "target"), list(itertools.product(S, S)))
def test_shipment_status_only_moves_forward(current: S, target: S) -> None:
    o = Order()
    fid = o.create(3, 2, 1, status=current)
    revision = o.agg.order.revision
    patch = UpdateFulfillment(status=target)
    if current is target:
        applied = fulfillments.update(o.agg, fid, patch, o.ctx())
        assert applied.records == []
        assert changes.finish(o.agg, o.ctx(), applied) is None
        assert o.agg.order.revision == revision
    elif STAGE[target] > STAGE[current]:
        change = o.commit(fulfillments.update(o.agg, fid, patch, o.ctx()))
        f = change.aggregate.fulfillments[0]
        assert f.status is target
        assert f.updated_at == T1
        assert f.lines == o.draft(3, 2, 1).lines
        assert change.order.revision == revision + 1
        assert change.touched == (fid,)
        assert kinds(change) == [HistoryKind.FULFILLMENT_UPDATED]
        assert f"{current} → {target}" in change.history[0].message
        only_fulfillment_event(change)
        assert change.order.delivery_status is DeliveryStatus(str(target))
    else:
        err = o.refused(lambda: fulfillments.update(o.agg, fid, patch, o.ctx()))
        assert err.code is ErrorCode.INVALID_TRANSITION
        assert err.field == ("input", "status")


def test_update_status_to_null_is_invalid() -> None:
    o = Order()
    fid = o.create(1)
    err = o.refused(lambda: fulfillments.update(o.agg, fid, UpdateFulfillment(status=None), o.ctx()))
    assert err.code is ErrorCode.INVALID
    assert err.field == ("input", "status")


def test_update_tracking_set_replace_and_clear() -> None:
    o = Order()
    fid = o.create(1)
    added = o.commit(fulfillments.update(o.agg, fid, UpdateFulfillment(tracking=UPS), o.ctx()))
    assert added.aggregate.fulfillments[0].tracking == TrackingInfo(UPS.tracking_number, "ups", UPS_LINK)
    assert kinds(added) == [HistoryKind.TRACKING_ADDED]
    only_fulfillment_event(added)
    assert added.order.revision == 3

    # the same tracking in another spelling changes nothing
    same = fulfillments.update(
        o.agg, fid, UpdateFulfillment(tracking=replace(UPS, shipping_provider=" Ups ")), o.ctx()
    )
    assert same.records == []

    replaced = o.commit(fulfillments.update(o.agg, fid, UpdateFulfillment(tracking=DHL), o.ctx()))
    tracking = replaced.aggregate.fulfillments[0].tracking
    assert tracking is not None
    assert (tracking.shipping_provider, tracking.tracking_number) == ("dhl", "JD0146")
    assert tracking.tracking_link is not None and tracking.tracking_link.endswith("JD0146")
    assert kinds(replaced) == [HistoryKind.TRACKING_ADDED]

    cleared = o.commit(fulfillments.update(o.agg, fid, UpdateFulfillment(tracking=None), o.ctx()))
    assert cleared.aggregate.fulfillments[0].tracking is None
    assert kinds(cleared) == [HistoryKind.FULFILLMENT_UPDATED]
    assert cleared.order.revision == 5

    again = fulfillments.update(o.agg, fid, UpdateFulfillment(tracking=None), o.ctx())
    assert again.records == []
    assert changes.finish(o.agg, o.ctx(), again) is None
    assert o.agg.order.revision == 5


def test_update_status_and_tracking_together_is_one_revision_and_one_event() -> None:
    o = Order()
    fid = o.create(3, 2, 1)
    patch = UpdateFulfillment(status=S.SHIPPED, tracking=UPS)
    change = o.commit(fulfillments.update(o.agg, fid, patch, o.ctx()))
    f = change.aggregate.fulfillments[0]
    assert f.status is S.SHIPPED
    assert f.tracking is not None and f.tracking.shipping_provider == "ups"
    assert kinds(change) == [HistoryKind.FULFILLMENT_UPDATED, HistoryKind.TRACKING_ADDED]
    only_fulfillment_event(change)
    assert change.order.revision == 3
    assert change.order.delivery_status is DeliveryStatus.SHIPPED


def test_update_with_bad_tracking_changes_nothing_not_even_the_status() -> None:
    o = Order()
    fid = o.create(1)
    patch = UpdateFulfillment(status=S.SHIPPED, tracking=TrackingInfo("1", "ups", "javascript:alert(1)"))
    err = o.refused(lambda: fulfillments.update(o.agg, fid, patch, o.ctx()))
    assert err.code is ErrorCode.INVALID
    assert err.field == ("input", "trackingInfo", "trackingLink")


def test_empty_update_changes_nothing() -> None:
    o = Order()
    fid = o.create(1)
    before = copy.deepcopy(o.agg)
    applied = fulfillments.update(o.agg, fid, UpdateFulfillment(status=UNSET, tracking=UNSET), o.ctx())
    assert applied.records == []
    assert changes.finish(o.agg, o.ctx(), applied) is None
    assert o.agg == before


def test_update_unknown_fulfillment() -> None:
    o = Order()
    err = o.refused(lambda: fulfillments.update(o.agg, "F-404", UpdateFulfillment(status=S.SHIPPED), o.ctx()))
    assert err.code is ErrorCode.NOT_FOUND
    assert err.field == ("fulfillmentId",)


def test_update_on_completed_order_is_allowed() -> None:
    o = Order()
    fid = o.create(3, 2, 1)
    o.set_status(OrderStatus.COMPLETED)
    change = o.commit(
        fulfillments.update(o.agg, fid, UpdateFulfillment(status=S.DELIVERED, tracking=DHL), o.ctx())
    )
    assert change.order.delivery_status is DeliveryStatus.DELIVERED
    assert change.order.status is OrderStatus.COMPLETED


def test_update_on_canceled_order_is_refused() -> None:
    o = Order()
    fid = o.create(1)
    o.set_status(OrderStatus.CANCELED)
    err = o.refused(lambda: fulfillments.update(o.agg, fid, UpdateFulfillment(status=S.SHIPPED), o.ctx()))
    assert err.code is ErrorCode.INVALID_TRANSITION


# ---------------------------------------------------------------------------------------------- delete


def test_delete_makes_units_unfulfilled_again() -> None:
    o = Order()
    first = o.create(2, 1, status=S.SHIPPED)
    o.create(1, 1, 1, status=S.DELIVERED)
    assert o.statuses() == (FulfillmentStatus.FULFILLED, DeliveryStatus.SHIPPED)
    applied = fulfillments.delete(o.agg, first, o.ctx())
    change = o.commit(applied)
    assert [f.id for f in change.aggregate.fulfillments] != [first]
    assert first not in [f.id for f in change.aggregate.fulfillments]
    assert o.fulfilled() == [1, 1, 1]
    assert o.statuses() == (FulfillmentStatus.PARTIALLY_FULFILLED, DeliveryStatus.PARTIALLY_SHIPPED)
    assert change.touched == (first,)
    assert kinds(change) == [HistoryKind.FULFILLMENT_DELETED]
    assert "2 × Mug" in change.history[0].message
    only_fulfillment_event(change)
    assert change.order.revision == 4
    # the freed units can be fulfilled again
    o.create(2, 1)
    assert o.fulfilled() == [3, 2, 1]


def test_delete_the_only_fulfillment() -> None:
    o = Order()
    fid = o.create(3, 2, 1, status=S.DELIVERED)
    o.commit(fulfillments.delete(o.agg, fid, o.ctx()))
    assert o.agg.fulfillments == []
    assert o.fulfilled() == [0, 0, 0]
    assert o.statuses() == (FulfillmentStatus.NOT_FULFILLED, DeliveryStatus.NOT_SHIPPED)


def test_delete_unknown_fulfillment() -> None:
    o = Order()
    o.create(1)
    err = o.refused(lambda: fulfillments.delete(o.agg, "F-404", o.ctx()))
    assert err.code is ErrorCode.NOT_FOUND
    assert err.field == ("fulfillmentId",)


@pytest.mark.parametrize("status", [OrderStatus.COMPLETED, OrderStatus.CANCELED])
def test_delete_refused_on_terminal_orders(status: OrderStatus) -> None:
    o = Order()
    fid = o.create(1)
    o.set_status(status)
    err = o.refused(lambda: fulfillments.delete(o.agg, fid, o.ctx()))
    assert err.code is ErrorCode.INVALID_TRANSITION


# ---------------------------------------------------------------------------------------------- mark sent, delivered


def test_mark_sent_fulfils_the_rest_and_ships_pending_ones() -> None:
    o = Order()
    pending = o.create(1)
    delivered = o.create(0, 1, status=S.DELIVERED)
    applied = fulfillments.mark_sent(o.agg, o.ctx())
    change = o.commit(applied)
    by_id = {f.id: f for f in change.aggregate.fulfillments}
    assert len(by_id) == 3
    assert by_id[pending].status is S.SHIPPED
    assert by_id[pending].updated_at == T1
    assert by_id[delivered].status is S.DELIVERED
    new = change.aggregate.fulfillments[-1]
    assert new.id not in (pending, delivered)
    assert new.status is S.SHIPPED
    line = o.line_ids
    assert new.lines == (
        FulfillmentLine(line[0], 2),
        FulfillmentLine(line[1], 1),
        FulfillmentLine(line[2], 1),
    )
    assert set(applied.touched) == {new.id, pending}
    assert o.fulfilled() == [3, 2, 1]
    assert o.statuses() == (FulfillmentStatus.FULFILLED, DeliveryStatus.SHIPPED)
    assert kinds(change) == [HistoryKind.FULFILLMENT_CREATED, HistoryKind.FULFILLMENT_UPDATED]
    only_fulfillment_event(change)
    assert change.order.revision == 4


def test_mark_sent_twice_changes_nothing_the_second_time() -> None:
    o = Order()
    o.commit(fulfillments.mark_sent(o.agg, o.ctx()))
    before = copy.deepcopy(o.agg)
    applied = fulfillments.mark_sent(o.agg, o.ctx())
    assert applied.records == []
    assert changes.finish(o.agg, o.ctx(), applied) is None
    assert o.agg == before


def test_mark_sent_of_a_fully_fulfilled_order_only_ships() -> None:
    o = Order()
    o.create(3, 2, 1)
    change = o.commit(fulfillments.mark_sent(o.agg, o.ctx()))
    assert len(change.aggregate.fulfillments) == 1
    assert kinds(change) == [HistoryKind.FULFILLMENT_UPDATED]
    assert o.statuses() == (FulfillmentStatus.FULFILLED, DeliveryStatus.SHIPPED)


def test_mark_sent_keeps_delivered_ones() -> None:
    o = Order()
    o.create(3, 2, 1, status=S.DELIVERED)
    applied = fulfillments.mark_sent(o.agg, o.ctx())
    assert applied.records == []
    assert o.agg.fulfillments[0].status is S.DELIVERED


def test_mark_delivered_moves_everything() -> None:
    o = Order()
    o.create(1, status=S.SHIPPED)
    o.create(1, 1)
    change = o.commit(fulfillments.mark_delivered(o.agg, o.ctx()))
    assert [f.status for f in change.aggregate.fulfillments] == [S.DELIVERED] * 3
    assert change.aggregate.fulfillments[-1].lines == (
        FulfillmentLine(o.line_ids[0], 1),
        FulfillmentLine(o.line_ids[1], 1),
        FulfillmentLine(o.line_ids[2], 1),
    )
    assert o.statuses() == (FulfillmentStatus.FULFILLED, DeliveryStatus.DELIVERED)
    assert kinds(change) == [HistoryKind.FULFILLMENT_CREATED, HistoryKind.FULFILLMENT_UPDATED]
    assert "2 fulfillments" in change.history[1].message
    only_fulfillment_event(change)
    again = fulfillments.mark_delivered(o.agg, o.ctx())
    assert again.records == []


def test_mark_delivered_from_nothing_is_one_delivered_fulfillment() -> None:
    o = Order()
    change = o.commit(fulfillments.mark_delivered(o.agg, o.ctx()))
    assert len(change.aggregate.fulfillments) == 1
    assert change.aggregate.fulfillments[0].status is S.DELIVERED
    assert kinds(change) == [HistoryKind.FULFILLMENT_CREATED]
    assert o.statuses() == (FulfillmentStatus.FULFILLED, DeliveryStatus.DELIVERED)


def test_mark_sent_then_delivered() -> None:
    o = Order()
    o.commit(fulfillments.mark_sent(o.agg, o.ctx()))
    change = o.commit(fulfillments.mark_delivered(o.agg, o.ctx()))
    assert kinds(change) == [HistoryKind.FULFILLMENT_UPDATED]
    assert len(change.aggregate.fulfillments) == 1
    assert o.statuses() == (FulfillmentStatus.FULFILLED, DeliveryStatus.DELIVERED)
    assert change.order.revision == 3


SHIPPING_STEPS: dict[str, Callable[[OrderAggregate, changes.ChangeContext], changes.Applied]] = {
    "sent": fulfillments.mark_sent,
    "delivered": fulfillments.mark_delivered,
}


@pytest.mark.parametrize("step", sorted(SHIPPING_STEPS))
@pytest.mark.parametrize("status", [OrderStatus.INITIALIZED, OrderStatus.CANCELED])
def test_mark_sent_or_delivered_refused_unless_approved_or_completed(status: OrderStatus, step: str) -> None:
    o = Order(status)
    err = o.refused(lambda: SHIPPING_STEPS[step](o.agg, o.ctx()))
    assert err.code is ErrorCode.INVALID_TRANSITION
    assert err.field == ("id",)


@pytest.mark.parametrize("step", sorted(SHIPPING_STEPS))
def test_mark_sent_or_delivered_on_completed_order(step: str) -> None:
    o = Order()
    o.create(1)
    o.set_status(OrderStatus.COMPLETED)
    change = o.commit(SHIPPING_STEPS[step](o.agg, o.ctx()))
    assert o.fulfilled() == [3, 2, 1]
    assert change.order.status is OrderStatus.COMPLETED
    assert change.order.delivery_status is DeliveryStatus(str(S.SHIPPED if step == "sent" else S.DELIVERED))


# ---------------------------------------------------------------------------------------------- tracking


def test_add_tracking_fulfils_the_unfulfilled_units() -> None:
    o = Order()
    first = o.create(1, status=S.SHIPPED)
    applied = fulfillments.add_tracking(o.agg, UPS, o.ctx())
    change = o.commit(applied)
    assert len(change.aggregate.fulfillments) == 2
    assert change.aggregate.fulfillments[0].tracking is None
    new = change.aggregate.fulfillments[1]
    assert new.id != first
    assert new.status is S.PENDING
    assert new.tracking == TrackingInfo(UPS.tracking_number, "ups", UPS_LINK)
    assert [(fl.line_item_id, fl.quantity) for fl in new.lines] == list(
        zip(o.line_ids, [2, 2, 1], strict=True)
    )
    assert applied.touched == (new.id,)
    assert o.statuses() == (FulfillmentStatus.FULFILLED, DeliveryStatus.PARTIALLY_SHIPPED)
    assert kinds(change) == [HistoryKind.FULFILLMENT_CREATED, HistoryKind.TRACKING_ADDED]
    only_fulfillment_event(change)
    assert change.order.revision == 3


def test_add_tracking_to_a_fully_fulfilled_order_goes_to_the_newest_fulfillment() -> None:
    o = Order()
    o.create(3)
    newest = o.create(0, 2, 1, status=S.SHIPPED)
    applied = fulfillments.add_tracking(o.agg, DHL, o.ctx())
    change = o.commit(applied)
    assert len(change.aggregate.fulfillments) == 2
    assert change.aggregate.fulfillments[0].tracking is None
    f = change.aggregate.fulfillments[1]
    assert f.id == newest
    assert f.status is S.SHIPPED
    assert f.tracking is not None and f.tracking.shipping_provider == "dhl"
    assert f.updated_at == T1
    assert applied.touched == (newest,)
    assert kinds(change) == [HistoryKind.TRACKING_ADDED]
    only_fulfillment_event(change)

    # the same tracking again changes nothing; another one replaces it
    same = fulfillments.add_tracking(o.agg, TrackingInfo(" JD0146 ", "DHL"), o.ctx())
    assert same.records == []
    replaced = o.commit(fulfillments.add_tracking(o.agg, UPS, o.ctx()))
    tracking = replaced.aggregate.fulfillments[1].tracking
    assert tracking is not None and tracking.tracking_link == UPS_LINK


@pytest.mark.parametrize("status", [OrderStatus.INITIALIZED, OrderStatus.CANCELED])
def test_add_tracking_refused_unless_approved_or_completed(status: OrderStatus) -> None:
    o = Order(status)
    err = o.refused(lambda: fulfillments.add_tracking(o.agg, UPS, o.ctx()))
    assert err.code is ErrorCode.INVALID_TRANSITION
    assert err.field == ("orderId",)


def test_add_tracking_on_completed_order() -> None:
    o = Order()
    o.create(3, 2, 1, status=S.DELIVERED)
    o.set_status(OrderStatus.COMPLETED)
    change = o.commit(fulfillments.add_tracking(o.agg, UPS, o.ctx()))
    assert change.aggregate.fulfillments[0].tracking is not None


@pytest.mark.parametrize(
    ("info", "field"),
    [
        (TrackingInfo("123", "My courier"), ("input", "trackingLink")),
        (TrackingInfo("123", "ups", "javascript:alert(1)"), ("input", "trackingLink")),
        (TrackingInfo(" ", "ups"), ("input", "trackingNumber")),
        (TrackingInfo("123", ""), ("input", "shippingProvider")),
    ],
)
def test_add_tracking_with_bad_input(info: TrackingInfo, field: tuple[str, ...]) -> None:
    o = Order()
    err = o.refused(lambda: fulfillments.add_tracking(o.agg, info, o.ctx()))
    assert err.code is ErrorCode.INVALID
    assert err.field == field


# ---------------------------------------------------------------------------------------------- apply_each


def create_step(draft: FulfillmentDraft) -> changes.Step:
    return lambda agg, ctx: fulfillments.create(agg, draft, ctx)


def test_apply_each_applies_what_it_can() -> None:
    o = Order()
    entering: dict[str, OrderAggregate] = {}

    def half_done(agg: OrderAggregate, ctx: changes.ChangeContext) -> changes.Applied:
        # changes the aggregate, then is refused: none of it may stay
        entering["half done"] = copy.deepcopy(agg)
        fulfillments.create(agg, o.draft(0, 0, 1), ctx)
        payments.add(agg, [PaymentDraft(D("1.00"), "CASH")], ctx)
        raise DomainError("refused late", ("input",))

    def probe(agg: OrderAggregate, ctx: changes.ChangeContext) -> changes.Applied:
        entering["probe"] = copy.deepcopy(agg)
        return changes.Applied([])

    steps = [
        create_step(o.draft(1)),
        create_step(o.draft(3)),  # only 2 mugs left
        half_done,
        probe,
        create_step(o.draft(0, 2)),
        lambda agg, ctx: fulfillments.delete(agg, "F-404", ctx),
    ]
    change, outcomes = changes.apply_each(o.agg, steps, o.ctx())
    assert change is not None
    ok = [r for r in outcomes if isinstance(r, changes.Applied)]
    errors = [r for r in outcomes if isinstance(r, DomainError)]
    assert [isinstance(r, DomainError) for r in outcomes] == [False, True, True, False, False, True]
    assert [e.code for e in errors] == [ErrorCode.QUANTITY_EXCEEDED, ErrorCode.INVALID, ErrorCode.NOT_FOUND]
    assert errors[0].field == ("lineItems", "0", "quantity")
    assert len(ok) == 3

    # the refused step left the aggregate exactly as it found it, and the next steps applied on that
    assert entering["probe"] == entering["half done"]
    assert entering["probe"].payments == change.aggregate.payments == []
    assert len(entering["probe"].fulfillments) == 1
    assert len(change.aggregate.fulfillments) == 2
    assert o.fulfilled() == [1, 2, 0]
    assert change.touched == ()
    assert change.order.fulfillment_status is FulfillmentStatus.PARTIALLY_FULFILLED

    # one revision, one event for the whole batch
    assert change.order.revision == 2
    assert kinds(change) == [HistoryKind.FULFILLMENT_CREATED, HistoryKind.FULFILLMENT_CREATED]
    only_fulfillment_event(change)


def test_apply_each_refused_step_keeps_totals_of_the_steps_before() -> None:
    o = Order()
    before_steps: list[OrderAggregate] = []

    def spy(agg: OrderAggregate, ctx: changes.ChangeContext) -> changes.Applied:
        before_steps.append(copy.deepcopy(agg))
        raise DomainError("no", None)

    def pay(agg: OrderAggregate, ctx: changes.ChangeContext) -> changes.Applied:
        return payments.add(agg, [PaymentDraft(D("5.00"), "CASH")], ctx)

    def too_much(agg: OrderAggregate, ctx: changes.ChangeContext) -> changes.Applied:
        return payments.refund(agg, agg.payments[0].id, D("5.01"), None, ctx)

    after_pay: list[OrderAggregate] = []

    def watch(agg: OrderAggregate, ctx: changes.ChangeContext) -> changes.Applied:
        after_pay.append(copy.deepcopy(agg))
        return pay(agg, ctx)

    change, outcomes = changes.apply_each(
        o.agg, [pay, watch, too_much, spy, create_step(o.draft(1))], o.ctx()
    )
    assert change is not None
    assert [type(r).__name__ for r in outcomes] == [
        "Applied",
        "Applied",
        "DomainError",
        "DomainError",
        "Applied",
    ]
    assert isinstance(outcomes[2], DomainError) and outcomes[2].code is ErrorCode.AMOUNT_EXCEEDED
    # totals are recomputed after each applied step
    assert after_pay[0].order.balance.paid == D("5.00")
    assert before_steps[0].order.balance.paid == D("10.00")
    assert before_steps[0].payments[0].refunded_amount == 0
    assert change.order.balance.paid == D("10.00")
    assert change.order.revision == 2
    assert [e for e, _ in change.events] == [EventType.TRANSACTIONS_UPDATED, EventType.FULFILLMENTS_UPDATED]
    assert kinds(change) == [
        HistoryKind.PAYMENT_ADDED,
        HistoryKind.PAYMENT_ADDED,
        HistoryKind.FULFILLMENT_CREATED,
    ]
    assert change.events[1] == (EventType.FULFILLMENTS_UPDATED, change.history[2].id)


def test_apply_each_where_everything_is_refused() -> None:
    o = Order(OrderStatus.COMPLETED)
    before = copy.deepcopy(o.agg)
    change, outcomes = changes.apply_each(
        o.agg, [create_step(o.draft(1)), create_step(o.draft(0, 1))], o.ctx()
    )
    assert change is None
    assert all(isinstance(r, DomainError) and r.code is ErrorCode.INVALID_TRANSITION for r in outcomes)
    assert o.agg == before


def test_apply_each_of_no_ops_is_no_change() -> None:
    o = Order()
    o.create(3, 2, 1, status=S.DELIVERED)
    before = copy.deepcopy(o.agg)
    change, outcomes = changes.apply_each(
        o.agg, [fulfillments.mark_sent, fulfillments.mark_delivered], o.ctx()
    )
    assert change is None
    assert all(isinstance(r, changes.Applied) and r.records == [] for r in outcomes)
    assert o.agg == before
