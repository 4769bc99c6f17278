"""Random sequences of payment and fulfillment changes keep an order consistent with the contract.

Each test case creates an APPROVED order (random lines in EUR or JPY), then applies random operations one at
a time, each committed with `finish`. Before every operation the test predicts, from the contract's rules, whether
it is refused (and with which code), changes nothing, or changes the order; after it, the test recomputes the
balance and the derived statuses on its own from the payments, lines and fulfillments.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import event, given, settings
from hypothesis import strategies as st

from app.domain import changes, fulfillments, ids, payments, rules
from app.domain.commands import (
    UNSET,
    CreateOrder,
    FulfillmentDraft,
    LineItemDraft,
    PaymentDraft,
    Unset,
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
    PaymentStatus,
    ShipmentStatus,
    ShippingLine,
    TrackingInfo,
    TransactionStatus,
)

D = Decimal
T = TransactionStatus
S = ShipmentStatus
OS = OrderStatus
E = ErrorCode
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DIGITS = {"EUR": 2, "JPY": 0}
RATES = [D("0"), D("0.07"), D("0.1"), D("0.105"), D("0.19"), D("0.21"), D("0.075")]

CAPTURED = {T.APPROVED, T.PARTIALLY_REFUNDED, T.REFUNDED}
OPEN = {T.PENDING, T.AUTHORIZED}
BY_REFUND = {T.REFUNDED, T.PARTIALLY_REFUNDED}
ALLOWED = {
    (T.PENDING, T.AUTHORIZED),
    (T.PENDING, T.APPROVED),
    (T.PENDING, T.DECLINED),
    (T.PENDING, T.CANCELED),
    (T.AUTHORIZED, T.APPROVED),
    (T.AUTHORIZED, T.VOIDED),
}
STAGE = {S.PENDING: 0, S.SHIPPED: 1, S.DELIVERED: 2}
SHIPPING = {OS.APPROVED, OS.COMPLETED}

# tracking input → what the order keeps (None: refused)
UPS_IN = TrackingInfo("1Z 999/A", "UPS")
UPS = TrackingInfo(
    "1Z 999/A", "ups", "https://wwwapps.ups.com/WebTracking/track?track=yes&trackNums=1Z%20999%2FA"
)
DHL_IN = TrackingInfo(" JD0146 ", "Dhl")
DHL = TrackingInfo(
    "JD0146", "dhl", "https://www.logistics.dhl/global-en/home/tracking.html?tracking-id=JD0146"
)
CUSTOM = TrackingInfo("77", "Bike courier", "https://bikes.example/77")
BAD = TrackingInfo("77", "Bike courier", "javascript:alert(1)")
KEPT: dict[TrackingInfo, TrackingInfo | None] = {UPS_IN: UPS, DHL_IN: DHL, CUSTOM: CUSTOM, BAD: None}

# statuses of new payments: mostly taken or open, rarely refund statuses (which a new payment cannot have)
NEW_STATUSES = (
    [T.APPROVED] * 4 + [T.PENDING, T.AUTHORIZED] * 2 + [T.DECLINED, T.CANCELED, T.VOIDED, T.REFUNDED]
)

PAYMENT_KINDS = {HistoryKind.PAYMENT_ADDED, HistoryKind.PAYMENT_STATUS_CHANGED, HistoryKind.REFUNDED}
FULFILLMENT_KINDS = {
    HistoryKind.FULFILLMENT_CREATED,
    HistoryKind.FULFILLMENT_UPDATED,
    HistoryKind.FULFILLMENT_DELETED,
    HistoryKind.TRACKING_ADDED,
}

Result = changes.Change | None
Effect = Callable[[OrderAggregate, OrderAggregate], None]


def money(minor: int, currency: str) -> Decimal:
    return D(minor).scaleb(-DIGITS[currency])


def minor(amount: Decimal, currency: str) -> int:
    return int(amount.scaleb(DIGITS[currency]))


def rounded(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(D(1).scaleb(-DIGITS[currency]), rounding=ROUND_HALF_UP)


class Clock:
    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self.now = T0

    def tick(self) -> changes.ChangeContext:
        self.now += timedelta(minutes=1)
        return changes.ChangeContext(self.now, "tester", lambda kind: f"{kind}-{next(self._ids)}")


@dataclass
class Attempt:
    """One operation, and what the contract says it must do on the current aggregate."""

    name: str
    run: Callable[[OrderAggregate, changes.ChangeContext], Result]
    refused: ErrorCode | None = None
    no_op: bool = False
    event: EventType | None = None
    kinds: set[HistoryKind] = field(default_factory=set)
    effect: Effect | None = None


def committed(
    step: Callable[[OrderAggregate, changes.ChangeContext], changes.Applied],
) -> Callable[[OrderAggregate, changes.ChangeContext], Result]:
    return lambda agg, ctx: changes.finish(agg, ctx, step(agg, ctx))


def payment_attempt(
    name: str, step: Callable[[OrderAggregate, changes.ChangeContext], changes.Applied]
) -> Attempt:
    return Attempt(name, committed(step), event=EventType.TRANSACTIONS_UPDATED, kinds=PAYMENT_KINDS)


def fulfillment_attempt(
    name: str, step: Callable[[OrderAggregate, changes.ChangeContext], changes.Applied]
) -> Attempt:
    return Attempt(name, committed(step), event=EventType.FULFILLMENTS_UPDATED, kinds=FULFILLMENT_KINDS)


# ---------------------------------------------------------------------------------------------- the oracle


def captured(agg: OrderAggregate) -> Decimal:
    return sum((p.amount for p in agg.payments if p.status in CAPTURED), D(0))


def refunded(agg: OrderAggregate) -> Decimal:
    return sum((p.refunded_amount for p in agg.payments), D(0))


def due(agg: OrderAggregate, total: Decimal) -> Decimal:
    paid = captured(agg) - refunded(agg)
    return max(D(0), total - (paid + refunded(agg)))


def expected_payment_status(agg: OrderAggregate, total: Decimal) -> PaymentStatus:
    paid, back = captured(agg) - refunded(agg), refunded(agg)
    if back > 0 and paid == 0:
        return PaymentStatus.FULLY_REFUNDED
    if back > 0:
        return PaymentStatus.PARTIALLY_REFUNDED
    if due(agg, total) == 0:
        return PaymentStatus.PAID
    if paid > 0:
        return PaymentStatus.PARTIALLY_PAID
    if any(p.status in OPEN for p in agg.payments):
        return PaymentStatus.PENDING
    return PaymentStatus.NOT_PAID


def units(agg: OrderAggregate, statuses: set[ShipmentStatus]) -> dict[str, int]:
    """Units of each line in fulfillments of the given statuses."""
    found = {line.id: 0 for line in agg.line_items}
    for f in agg.fulfillments:
        if f.status in statuses:
            for fl in f.lines:
                found[fl.line_item_id] += fl.quantity
    return found


def expected_fulfillment_status(agg: OrderAggregate) -> FulfillmentStatus:
    if all(line.fulfilled_quantity == line.quantity for line in agg.line_items):
        return FulfillmentStatus.FULFILLED
    if any(line.fulfilled_quantity for line in agg.line_items):
        return FulfillmentStatus.PARTIALLY_FULFILLED
    return FulfillmentStatus.NOT_FULFILLED


def expected_delivery_status(agg: OrderAggregate) -> DeliveryStatus:
    delivered = units(agg, {S.DELIVERED})
    shipped = units(agg, {S.SHIPPED, S.DELIVERED})
    if all(delivered[line.id] == line.quantity for line in agg.line_items):
        return DeliveryStatus.DELIVERED
    if all(shipped[line.id] == line.quantity for line in agg.line_items):
        return DeliveryStatus.SHIPPED
    if any(shipped.values()):
        return DeliveryStatus.PARTIALLY_SHIPPED
    return DeliveryStatus.NOT_SHIPPED


def unfulfilled(agg: OrderAggregate) -> dict[str, int]:
    return {
        line.id: line.quantity - line.fulfilled_quantity
        for line in agg.line_items
        if line.quantity > line.fulfilled_quantity
    }


def snapshot(agg: OrderAggregate) -> OrderAggregate:
    """A copy to compare with later: every item is a frozen dataclass, so copying the lists is enough."""
    return OrderAggregate(agg.order, list(agg.line_items), list(agg.payments), list(agg.fulfillments))


def check_invariants(agg: OrderAggregate, total: Decimal) -> None:
    order, cur = agg.order, agg.order.currency
    quantum = -DIGITS[cur]
    assert order.price_summary.total == total
    bal = order.balance
    assert all(v.as_tuple().exponent == quantum for v in (bal.paid, bal.refunded, bal.due))
    assert 0 <= bal.due <= total
    assert bal.paid >= 0
    assert bal.refunded >= 0
    assert bal.paid == captured(agg) - refunded(agg)
    assert bal.refunded == refunded(agg)
    assert bal.due == due(agg, total)
    assert order.payment_status is expected_payment_status(agg, total)
    for p in agg.payments:
        assert 0 <= p.refunded_amount <= p.amount
        assert p.amount > 0
        if p.status in BY_REFUND:
            assert p.refunded_amount > 0
            assert (p.status is T.REFUNDED) == (p.refunded_amount == p.amount)
        else:
            assert p.refunded_amount == 0
    assert len({p.id for p in agg.payments}) == len(agg.payments)

    in_fulfillments = units(agg, set(S))
    for line in agg.line_items:
        assert 0 <= line.fulfilled_quantity <= line.quantity
        assert line.fulfilled_quantity == in_fulfillments[line.id]
    for f in agg.fulfillments:
        assert f.lines
        assert all(fl.quantity >= 1 for fl in f.lines)
        assert len({fl.line_item_id for fl in f.lines}) == len(f.lines)
    assert len({f.id for f in agg.fulfillments}) == len(agg.fulfillments)
    assert order.fulfillment_status is expected_fulfillment_status(agg)
    assert order.delivery_status is expected_delivery_status(agg)


# ---------------------------------------------------------------------------------------------- operations


def pick_payment(data: st.DataObject, agg: OrderAggregate, likely: set[TransactionStatus]) -> str:
    """Mostly a payment in one of the `likely` statuses, sometimes any, rarely an unknown one."""
    if not agg.payments or data.draw(st.integers(0, 9), label="unknown payment") == 0:
        return "Payment-404"
    fitting = [p.id for p in agg.payments if p.status in likely]
    take_fitting: bool = bool(fitting) and data.draw(st.booleans(), label="fitting payment")
    if take_fitting:
        return data.draw(st.sampled_from(fitting), label="payment")
    return data.draw(st.sampled_from([p.id for p in agg.payments]), label="payment")


def pick_fulfillment(data: st.DataObject, agg: OrderAggregate) -> str:
    if not agg.fulfillments or data.draw(st.integers(0, 9), label="unknown fulfillment") == 0:
        return "Fulfillment-404"
    return agg.fulfillments[data.draw(st.integers(0, len(agg.fulfillments) - 1), label="fulfillment")].id


def plan_add(data: st.DataObject, agg: OrderAggregate, total: Decimal, now: datetime) -> Attempt:
    cur = agg.order.currency
    top = max(1, minor(total, cur))
    drafts = []
    for _ in range(data.draw(st.integers(1, 3), label="payments")):
        amount = money(data.draw(st.integers(1, top + top // 2), label="amount"), cur)
        status = data.draw(st.sampled_from(NEW_STATUSES), label="status")
        days = data.draw(st.sampled_from([None, None, None, None, None, -30, -1, 1]), label="days")
        created = None if days is None else now + timedelta(days=days)
        drafts.append(PaymentDraft(amount, "CARD", status, created_at=created))
    attempt = payment_attempt("add", lambda a, c: payments.add(a, drafts, c))
    if agg.order.status is OS.CANCELED:
        attempt.refused = E.INVALID_TRANSITION
    elif any(d.status in BY_REFUND or (d.created_at and d.created_at > now) for d in drafts):
        attempt.refused = E.INVALID

    def effect(before: OrderAggregate, after: OrderAggregate) -> None:
        assert after.payments[: len(before.payments)] == before.payments
        added = after.payments[len(before.payments) :]
        assert [(p.amount, p.status, p.refunded_amount) for p in added] == [
            (d.amount, d.status, D(0)) for d in drafts
        ]
        assert [p.created_at for p in added] == [d.created_at or now for d in drafts]

    attempt.effect = effect
    return attempt


def plan_status(data: st.DataObject, agg: OrderAggregate, total: Decimal, now: datetime) -> Attempt:
    pid = pick_payment(data, agg, OPEN)
    current = next((p.status for p in agg.payments if p.id == pid), None)
    onward = sorted(b for a, b in ALLOWED if a is current)
    go_on: bool = bool(onward) and data.draw(st.booleans(), label="onward")
    if go_on:
        target = data.draw(st.sampled_from(onward), label="target")
    else:
        target = data.draw(st.sampled_from(list(T)), label="target")
    attempt = payment_attempt("status", lambda a, c: payments.set_status(a, pid, target, c))
    if current is None:
        attempt.refused = E.NOT_FOUND
    elif current is target:
        attempt.no_op = True
    elif (current, target) not in ALLOWED:
        attempt.refused = E.INVALID_TRANSITION

    def effect(before: OrderAggregate, after: OrderAggregate) -> None:
        changed = [(a, b) for a, b in zip(before.payments, after.payments, strict=True) if a != b]
        assert len(changed) == 1
        old, new = changed[0]
        assert (new.id, new.status, new.amount, new.updated_at) == (pid, target, old.amount, now)

    attempt.effect = effect
    return attempt


def plan_refund(data: st.DataObject, agg: OrderAggregate, total: Decimal, now: datetime) -> Attempt:
    cur = agg.order.currency
    pid = pick_payment(data, agg, {T.APPROVED, T.PARTIALLY_REFUNDED})
    payment = next((p for p in agg.payments if p.id == pid), None)
    left = payment.amount - payment.refunded_amount if payment else money(100, cur)
    mode = data.draw(st.sampled_from(["all", "part", "part", "over"]), label="refund")
    if mode == "all" and left > 0:
        amount = left
    elif mode == "over" or left <= 0:
        amount = left + money(data.draw(st.integers(1, 500), label="excess"), cur)
    else:
        amount = money(data.draw(st.integers(1, minor(left, cur)), label="part"), cur)
    attempt = payment_attempt("refund", lambda a, c: payments.refund(a, pid, amount, "random", c))
    if payment is None:
        attempt.refused = E.NOT_FOUND
    elif payment.status is T.REFUNDED:
        attempt.refused = E.AMOUNT_EXCEEDED
    elif payment.status not in {T.APPROVED, T.PARTIALLY_REFUNDED}:
        attempt.refused = E.INVALID_TRANSITION
    elif amount > left:
        attempt.refused = E.AMOUNT_EXCEEDED

    def effect(before: OrderAggregate, after: OrderAggregate) -> None:
        assert payment is not None
        new = next(p for p in after.payments if p.id == pid)
        assert new.refunded_amount == payment.refunded_amount + amount
        assert new.status is (T.REFUNDED if amount == left else T.PARTIALLY_REFUNDED)
        assert (
            sum(p.refunded_amount for p in after.payments)
            == sum(p.refunded_amount for p in before.payments) + amount
        )

    attempt.effect = effect
    return attempt


def plan_paid(data: st.DataObject, agg: OrderAggregate, total: Decimal, now: datetime) -> Attempt:
    owed = due(agg, total)
    attempt = payment_attempt("mark paid", payments.mark_paid)
    if agg.order.status is OS.CANCELED:
        attempt.refused = E.INVALID_TRANSITION
    elif owed == 0:
        attempt.refused = E.INVALID

    def effect(before: OrderAggregate, after: OrderAggregate) -> None:
        assert len(after.payments) == len(before.payments) + 1
        new = after.payments[-1]
        assert (new.amount, new.method, new.status, new.refunded_amount) == (
            owed,
            "OFFLINE",
            T.APPROVED,
            D(0),
        )
        assert after.order.balance.due == 0

    attempt.effect = effect
    return attempt


def line_problem(agg: OrderAggregate, lines: tuple[FulfillmentLine, ...]) -> ErrorCode | None:
    """What the contract says about the first bad line of a fulfillment request, if any."""
    if not lines:
        return E.INVALID
    by_id = {line.id: line for line in agg.line_items}
    seen: set[str] = set()
    for fl in lines:
        line = by_id.get(fl.line_item_id)
        if line is None:
            return E.NOT_FOUND
        if fl.line_item_id in seen:
            return E.INVALID
        seen.add(fl.line_item_id)
        if fl.quantity < 1:
            return E.INVALID
        if fl.quantity > line.quantity - line.fulfilled_quantity:
            return E.QUANTITY_EXCEEDED
    return None


def plan_create(data: st.DataObject, agg: OrderAggregate, total: Decimal, now: datetime) -> Attempt:
    rest = unfulfilled(agg)
    lines: list[FulfillmentLine] = []
    if rest and data.draw(st.integers(0, 3), label="fitting") > 0:
        chosen = data.draw(st.lists(st.sampled_from(sorted(rest)), min_size=1, unique=True), label="lines")
        lines = [
            FulfillmentLine(lid, data.draw(st.integers(1, rest[lid]), label="quantity")) for lid in chosen
        ]
    else:
        choices = [line.id for line in agg.line_items] + ["LineItem-404"]
        for _ in range(data.draw(st.integers(0, 4), label="lines")):
            lid = data.draw(st.sampled_from(choices), label="line")
            lines.append(FulfillmentLine(lid, data.draw(st.integers(-1, 7), label="quantity")))
    info = data.draw(st.sampled_from([None, None, UPS_IN, CUSTOM, BAD]), label="tracking")
    status = data.draw(st.sampled_from(list(S)), label="shipment")
    draft = FulfillmentDraft(tuple(lines), info, status)
    attempt = fulfillment_attempt("create", lambda a, c: fulfillments.create(a, draft, c))
    if agg.order.status is not OS.APPROVED:
        attempt.refused = E.INVALID_TRANSITION
    else:
        attempt.refused = line_problem(agg, draft.lines)
        if attempt.refused is None and info is not None and KEPT[info] is None:
            attempt.refused = E.INVALID

    def effect(before: OrderAggregate, after: OrderAggregate) -> None:
        assert after.fulfillments[:-1] == before.fulfillments
        new = after.fulfillments[-1]
        assert (new.lines, new.status, new.tracking) == (draft.lines, status, KEPT[info] if info else None)
        grew = {fl.line_item_id: fl.quantity for fl in draft.lines}
        for old, line in zip(before.line_items, after.line_items, strict=True):
            assert line.fulfilled_quantity == old.fulfilled_quantity + grew.get(line.id, 0)

    attempt.effect = effect
    return attempt


def plan_update(data: st.DataObject, agg: OrderAggregate, total: Decimal, now: datetime) -> Attempt:
    fid = pick_fulfillment(data, agg)
    current = next((f for f in agg.fulfillments if f.id == fid), None)
    onward = [s for s in S if current and STAGE[s] > STAGE[current.status]]
    status: ShipmentStatus | Unset | None = data.draw(
        st.sampled_from([UNSET, UNSET, None, *S, *onward, *onward]), label="status"
    )
    info: TrackingInfo | Unset | None = data.draw(
        st.sampled_from([UNSET, UNSET, None, UPS_IN, DHL_IN, BAD]), label="tracking"
    )
    patch = UpdateFulfillment(status=status, tracking=info)
    attempt = fulfillment_attempt("update", lambda a, c: fulfillments.update(a, fid, patch, c))
    if agg.order.status is OS.CANCELED:
        attempt.refused = E.INVALID_TRANSITION
    elif current is None:
        attempt.refused = E.NOT_FOUND
    elif status is None:
        attempt.refused = E.INVALID
    elif not isinstance(status, Unset) and STAGE[status] < STAGE[current.status]:
        attempt.refused = E.INVALID_TRANSITION
    elif isinstance(info, TrackingInfo) and KEPT[info] is None:
        attempt.refused = E.INVALID
    else:
        new_status = current.status if isinstance(status, Unset) else status
        new_tracking = current.tracking if isinstance(info, Unset) else (KEPT[info] if info else None)
        attempt.no_op = (new_status, new_tracking) == (current.status, current.tracking)

        def effect(before: OrderAggregate, after: OrderAggregate) -> None:
            assert [f.id for f in after.fulfillments] == [f.id for f in before.fulfillments]
            f = next(f for f in after.fulfillments if f.id == fid)
            assert (f.status, f.tracking, f.lines, f.updated_at) == (
                new_status,
                new_tracking,
                current.lines,
                now,
            )
            assert after.line_items == before.line_items

        attempt.effect = effect
    return attempt


def plan_delete(data: st.DataObject, agg: OrderAggregate, total: Decimal, now: datetime) -> Attempt:
    fid = pick_fulfillment(data, agg)
    attempt = fulfillment_attempt("delete", lambda a, c: fulfillments.delete(a, fid, c))
    gone = next((f for f in agg.fulfillments if f.id == fid), None)
    if agg.order.status in {OS.CANCELED, OS.COMPLETED}:
        attempt.refused = E.INVALID_TRANSITION
    elif gone is None:
        attempt.refused = E.NOT_FOUND

    def effect(before: OrderAggregate, after: OrderAggregate) -> None:
        assert gone is not None
        assert after.fulfillments == [f for f in before.fulfillments if f.id != fid]
        freed = {fl.line_item_id: fl.quantity for fl in gone.lines}
        for old, line in zip(before.line_items, after.line_items, strict=True):
            assert line.fulfilled_quantity == old.fulfilled_quantity - freed.get(line.id, 0)

    attempt.effect = effect
    return attempt


def plan_advance(
    target: ShipmentStatus,
) -> Callable[[st.DataObject, OrderAggregate, Decimal, datetime], Attempt]:
    step = fulfillments.mark_sent if target is S.SHIPPED else fulfillments.mark_delivered

    def plan(data: st.DataObject, agg: OrderAggregate, total: Decimal, now: datetime) -> Attempt:
        attempt = fulfillment_attempt(f"mark {target}", step)
        rest = unfulfilled(agg)
        behind = [f.id for f in agg.fulfillments if STAGE[f.status] < STAGE[target]]
        if agg.order.status not in SHIPPING:
            attempt.refused = E.INVALID_TRANSITION
        attempt.no_op = not rest and not behind

        def effect(before: OrderAggregate, after: OrderAggregate) -> None:
            assert len(after.fulfillments) == len(before.fulfillments) + (1 if rest else 0)
            for old, new in zip(before.fulfillments, after.fulfillments, strict=False):
                assert (new.id, new.lines, new.tracking) == (old.id, old.lines, old.tracking)
                assert new.status is (old.status if STAGE[old.status] >= STAGE[target] else target)
            if rest:
                new = after.fulfillments[-1]
                assert new.status is target
                assert {fl.line_item_id: fl.quantity for fl in new.lines} == rest
            assert all(line.fulfilled_quantity == line.quantity for line in after.line_items)

        attempt.effect = effect
        return attempt

    return plan


def plan_track(data: st.DataObject, agg: OrderAggregate, total: Decimal, now: datetime) -> Attempt:
    info = data.draw(st.sampled_from([UPS_IN, DHL_IN, CUSTOM, BAD]), label="tracking")
    attempt = fulfillment_attempt("track", lambda a, c: fulfillments.add_tracking(a, info, c))
    rest = unfulfilled(agg)
    kept = KEPT[info]
    if agg.order.status not in SHIPPING:
        attempt.refused = E.INVALID_TRANSITION
    elif kept is None:
        attempt.refused = E.INVALID
    elif not rest:
        attempt.no_op = agg.fulfillments[-1].tracking == kept

    def effect(before: OrderAggregate, after: OrderAggregate) -> None:
        if rest:
            assert after.fulfillments[:-1] == before.fulfillments
            new = after.fulfillments[-1]
            assert (new.status, new.tracking) == (S.PENDING, kept)
            assert {fl.line_item_id: fl.quantity for fl in new.lines} == rest
        else:
            assert after.fulfillments[:-1] == before.fulfillments[:-1]
            old, new = before.fulfillments[-1], after.fulfillments[-1]
            assert (new.id, new.status, new.lines, new.tracking) == (old.id, old.status, old.lines, kept)

    attempt.effect = effect
    return attempt


def plan_complete(data: st.DataObject, agg: OrderAggregate, total: Decimal, now: datetime) -> Attempt:
    refused = None if agg.order.status is OS.APPROVED else E.INVALID_TRANSITION
    return Attempt(
        "complete",
        changes.complete,
        refused,
        event=EventType.ORDER_COMPLETED,
        kinds={HistoryKind.ORDER_COMPLETED},
    )


def plan_cancel(data: st.DataObject, agg: OrderAggregate, total: Decimal, now: datetime) -> Attempt:
    refused = None if agg.order.status in {OS.APPROVED, OS.INITIALIZED} else E.INVALID_TRANSITION
    return Attempt(
        "cancel",
        lambda a, c: changes.cancel(a, None, c),
        refused,
        event=EventType.ORDER_CANCELED,
        kinds={HistoryKind.ORDER_CANCELED},
    )


PLANS: dict[str, tuple[int, Callable[[st.DataObject, OrderAggregate, Decimal, datetime], Attempt]]] = {
    "add": (6, plan_add),
    "status": (4, plan_status),
    "refund": (6, plan_refund),
    "paid": (2, plan_paid),
    "create": (8, plan_create),
    "update": (4, plan_update),
    "delete": (3, plan_delete),
    "sent": (2, plan_advance(S.SHIPPED)),
    "delivered": (2, plan_advance(S.DELIVERED)),
    "track": (2, plan_track),
    "complete": (1, plan_complete),
    "cancel": (1, plan_cancel),
}
WEIGHTED = [name for name, (weight, _) in PLANS.items() for _ in range(weight)]


# ---------------------------------------------------------------------------------------------- the order


@st.composite
def new_orders(draw: st.DrawFn) -> tuple[CreateOrder, Decimal]:
    """A create request with random lines, and its total computed from the contract's formulas."""
    cur = draw(st.sampled_from(sorted(DIGITS)), label="currency")
    lines = []
    total = D(0)
    for i in range(draw(st.integers(1, 4), label="line count")):
        quantity = draw(st.integers(1, 5), label="quantity")
        price = money(draw(st.integers(0, 20_000), label="price"), cur)
        discount = (
            money(draw(st.integers(0, minor(price, cur) * quantity)), cur) if draw(st.booleans()) else D(0)
        )
        rate = draw(st.sampled_from(RATES), label="tax rate")
        lines.append(LineItemDraft(f"Item {i}", quantity, price, discount, rate))
        net = price * quantity - discount
        total += net + rounded(net * rate, cur)
    shipping = None
    if draw(st.booleans()):
        shipping = ShippingLine("Post", money(draw(st.integers(0, 2_000), label="shipping"), cur))
        total += shipping.price
    cmd = CreateOrder(currency=cur, line_items=tuple(lines), shipping_line=shipping)
    return cmd, rounded(total, cur)


@given(order=new_orders(), data=st.data())
@settings(max_examples=200, deadline=None)
def test_random_changes_keep_the_order_consistent(
    order: tuple[CreateOrder, Decimal], data: st.DataObject
) -> None:
    cmd, total = order
    clock = Clock()
    change = changes.new_order(
        rules.create_order(cmd, T0), clock.tick(), ids.encode("local", "Order", "x"), "1", "local"
    )
    agg = change.aggregate
    assert agg.order.status is OS.APPROVED
    check_invariants(agg, total)

    for _ in range(data.draw(st.integers(1, 30), label="steps")):
        ctx = clock.tick()
        plan = PLANS[data.draw(st.sampled_from(WEIGHTED), label="operation")][1]
        attempt = plan(data, agg, total, ctx.now)
        before = snapshot(agg)
        error: DomainError | None = None
        result: Result = None
        try:
            result = attempt.run(agg, ctx)
        except DomainError as err:
            error = err
        if error is not None:
            assert attempt.refused is error.code, (attempt.name, error.code, error.message)
            assert agg == before, attempt.name
            event(f"{attempt.name}: refused {error.code}")
        else:
            assert attempt.refused is None, (attempt.name, attempt.refused)
            if result is None:
                assert attempt.no_op, attempt.name
                assert agg == before, attempt.name
                event(f"{attempt.name}: no change")
            else:
                assert not attempt.no_op, attempt.name
                assert result.aggregate is agg
                assert agg.order.revision == before.order.revision + 1
                assert agg.order.updated_at == ctx.now
                assert result.history, attempt.name
                assert {h.kind for h in result.history} <= attempt.kinds
                assert all((h.author, h.created_at) == ("tester", ctx.now) for h in result.history)
                assert result.events == [(attempt.event, result.history[0].id)]
                if attempt.effect is not None:
                    attempt.effect(before, agg)
                event(f"{attempt.name}: changed")
        check_invariants(agg, total)
