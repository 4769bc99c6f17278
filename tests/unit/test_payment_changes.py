"""Payment changes on the aggregate: adding, the status table, refunds, mark paid, and what each records."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial

import pytest

from app.domain import changes, ids, payments, rules
from app.domain.commands import CreateOrder, LineItemDraft, PaymentDraft
from app.domain.errors import DomainError, ErrorCode
from app.domain.model import (
    Balance,
    EventType,
    HistoryKind,
    OrderAggregate,
    OrderStatus,
    PaymentStatus,
    TransactionStatus,
)
from tests.support.clock import T0, T1, Clock

D = Decimal
T = TransactionStatus
ORDER_ID = ids.encode("local", "Order", "pay")
TOTAL = D("27.99")  # Mug 2 × 10.00 − 1.00 + 21 % tax = 22.99, Tea 5.00


def aggregate(
    status: OrderStatus = OrderStatus.APPROVED, currency: str = "EUR", clock: Clock | None = None
) -> OrderAggregate:
    clock = clock or Clock()
    if currency == "JPY":
        lines: tuple[LineItemDraft, ...] = (LineItemDraft("Tea set", 1, D("5000"), tax_rate=D("0.10")),)
    else:
        lines = (
            LineItemDraft("Mug", 2, D("10.00"), D("1.00"), D("0.21")),
            LineItemDraft("Tea", 1, D("5.00")),
        )
    cmd = rules.create_order(CreateOrder(currency=currency, line_items=lines), T0)
    agg = changes.new_order(cmd, clock.ctx(), ORDER_ID, "10001", "local").aggregate
    if status is not OrderStatus.APPROVED:
        agg.order = replace(agg.order, status=status)
    return agg


def committed(
    agg: OrderAggregate, applied: changes.Applied, clock: Clock, now: datetime = T1
) -> changes.Change:
    change = changes.finish(agg, clock.ctx(now), applied)
    assert change is not None
    return change


def add_one(
    agg: OrderAggregate, clock: Clock, amount: str = "10.00", status: TransactionStatus = T.APPROVED
) -> str:
    """Adds one payment and returns its id."""
    change = committed(agg, payments.add(agg, [PaymentDraft(D(amount), "CARD", status)], clock.ctx()), clock)
    return change.aggregate.payments[-1].id


def refused(agg: OrderAggregate, attempt: Callable[[], object]) -> DomainError:
    """Runs `attempt`, which must raise; checks that the aggregate did not change."""
    before = copy.deepcopy(agg)
    with pytest.raises(DomainError) as exc:
        attempt()
    assert agg == before
    return exc.value


# ---------------------------------------------------------------------------------------------- add


def test_add_payments_records_each_and_recomputes_the_balance() -> None:
    clock = Clock()
    agg = aggregate(clock=clock)
    drafts = [
        PaymentDraft(D("10.00"), "CREDIT_CARD", T.APPROVED, provider_transaction_id="tx-1"),
        PaymentDraft(D("5.00"), "CASH", T.PENDING),
    ]
    applied = payments.add(agg, drafts, clock.ctx(T1))
    change = committed(agg, applied, clock)
    card, cash = change.aggregate.payments
    assert (card.amount, card.method, card.status, card.provider_transaction_id) == (
        D("10.00"),
        "CREDIT_CARD",
        T.APPROVED,
        "tx-1",
    )
    assert (cash.amount, cash.status, cash.refunded_amount) == (D("5.00"), T.PENDING, D(0))
    assert card.created_at == card.updated_at == T1
    assert card.id != cash.id
    assert applied.touched == (card.id, cash.id)
    assert change.touched == (card.id, cash.id)
    assert change.order.balance == Balance(D("10.00"), D("0.00"), D("17.99"))
    assert change.order.payment_status is PaymentStatus.PARTIALLY_PAID
    assert change.order.revision == 2
    assert change.order.updated_at == T1
    assert [h.kind for h in change.history] == [HistoryKind.PAYMENT_ADDED, HistoryKind.PAYMENT_ADDED]
    assert "10.00 EUR by CREDIT_CARD" in change.history[0].message
    assert "5.00 EUR by CASH" in change.history[1].message
    assert change.events == [(EventType.TRANSACTIONS_UPDATED, change.history[0].id)]


def test_pending_payment_makes_the_order_pending() -> None:
    clock = Clock()
    agg = aggregate(clock=clock)
    add_one(agg, clock, "27.99", T.AUTHORIZED)
    assert agg.order.payment_status is PaymentStatus.PENDING
    assert agg.order.balance == Balance(D("0.00"), D("0.00"), TOTAL)


def test_payment_of_the_whole_total_makes_the_order_paid() -> None:
    clock = Clock()
    agg = aggregate(clock=clock)
    add_one(agg, clock, "27.99")
    assert agg.order.payment_status is PaymentStatus.PAID
    assert agg.order.balance == Balance(TOTAL, D("0.00"), D("0.00"))


def test_overpayment_leaves_nothing_due() -> None:
    clock = Clock()
    agg = aggregate(clock=clock)
    add_one(agg, clock, "50.00")
    assert agg.order.balance == Balance(D("50.00"), D("0.00"), D("0.00"))
    assert agg.order.payment_status is PaymentStatus.PAID


def test_declined_payment_changes_no_money() -> None:
    clock = Clock()
    agg = aggregate(clock=clock)
    add_one(agg, clock, "27.99", T.DECLINED)
    assert agg.order.balance.due == TOTAL
    assert agg.order.payment_status is PaymentStatus.NOT_PAID


@pytest.mark.parametrize(
    ("count", "code"),
    [(0, ErrorCode.INVALID), (rules.MAX_PAYMENTS_PER_CALL + 1, ErrorCode.LIMIT_EXCEEDED)],
)
def test_add_payments_count_limits(count: int, code: ErrorCode) -> None:
    clock = Clock()
    agg = aggregate(clock=clock)
    drafts = [PaymentDraft(D("0.01"), "CASH")] * count
    err = refused(agg, lambda: payments.add(agg, drafts, clock.ctx()))
    assert err.code is code
    assert err.field == ("payments",)


def test_add_fifty_payments_at_once() -> None:
    clock = Clock()
    agg = aggregate(clock=clock)
    drafts = [PaymentDraft(D("0.01"), "CASH")] * rules.MAX_PAYMENTS_PER_CALL
    change = committed(agg, payments.add(agg, drafts, clock.ctx()), clock)
    assert len(change.aggregate.payments) == 50
    assert len({p.id for p in change.aggregate.payments}) == 50
    assert change.order.balance.paid == D("0.50")
    assert len(change.history) == 50
    assert [e for e, _ in change.events] == [EventType.TRANSACTIONS_UPDATED]
    assert change.order.revision == 2


def test_back_dated_payment_keeps_its_date() -> None:
    clock = Clock()
    agg = aggregate(clock=clock)
    earlier = T0 - timedelta(days=30)
    draft = PaymentDraft(D("5.00"), "BANK_TRANSFER", created_at=earlier)
    change = committed(agg, payments.add(agg, [draft], clock.ctx(T1)), clock)
    payment = change.aggregate.payments[0]
    assert payment.created_at == earlier
    assert payment.updated_at == T1


def test_payment_dated_exactly_now_is_accepted() -> None:
    clock = Clock()
    agg = aggregate(clock=clock)
    change = committed(
        agg, payments.add(agg, [PaymentDraft(D("1"), "CASH", created_at=T1)], clock.ctx(T1)), clock
    )
    assert change.aggregate.payments[0].created_at == T1


def test_payment_dated_in_the_future_is_refused_and_nothing_is_added() -> None:
    clock = Clock()
    agg = aggregate(clock=clock)
    drafts = [
        PaymentDraft(D("5.00"), "CASH"),
        PaymentDraft(D("5.00"), "CASH", created_at=T1 + timedelta(seconds=1)),
    ]
    err = refused(agg, lambda: payments.add(agg, drafts, clock.ctx(T1)))
    assert err.code is ErrorCode.INVALID
    assert err.field == ("payments", "1", "createdAt")
    assert agg.payments == []


def test_payment_date_without_offset_is_refused() -> None:
    clock = Clock()
    agg = aggregate(clock=clock)
    naive = PaymentDraft(D("5.00"), "CASH", created_at=datetime(2026, 1, 1, 12, 0))
    err = refused(agg, lambda: payments.add(agg, [naive], clock.ctx()))
    assert err.field == ("payments", "0", "createdAt")


@pytest.mark.parametrize(
    ("draft", "field"),
    [
        (PaymentDraft(D("0"), "CASH"), ("payments", "0", "amount")),
        (PaymentDraft(D("-1.00"), "CASH"), ("payments", "0", "amount")),
        (PaymentDraft(D("1.005"), "CASH"), ("payments", "0", "amount")),
        (PaymentDraft(D("NaN"), "CASH"), ("payments", "0", "amount")),
        (PaymentDraft(D("1.00"), "  "), ("payments", "0", "method")),
        (PaymentDraft(D("1.00"), "CASH", T.REFUNDED), ("payments", "0", "status")),
        (PaymentDraft(D("1.00"), "CASH", T.PARTIALLY_REFUNDED), ("payments", "0", "status")),
    ],
)
def test_add_payment_refusals_point_at_the_item(draft: PaymentDraft, field: tuple[str, ...]) -> None:
    clock = Clock()
    agg = aggregate(clock=clock)
    err = refused(agg, lambda: payments.add(agg, [draft], clock.ctx()))
    assert err.code is ErrorCode.INVALID
    assert err.field == field


def test_jpy_payment_amounts_have_no_decimals() -> None:
    clock = Clock()
    agg = aggregate(currency="JPY", clock=clock)
    assert agg.order.price_summary.total == D("5500")
    err = refused(agg, lambda: payments.add(agg, [PaymentDraft(D("100.5"), "CASH")], clock.ctx()))
    assert err.field == ("payments", "0", "amount")
    change = committed(agg, payments.add(agg, [PaymentDraft(D("2000"), "CASH")], clock.ctx()), clock)
    assert change.order.balance == Balance(D("2000"), D("0"), D("3500"))
    assert str(change.order.balance.due) == "3500"


def test_add_payment_refused_on_canceled_order() -> None:
    clock = Clock()
    agg = aggregate(OrderStatus.CANCELED, clock=clock)
    err = refused(agg, lambda: payments.add(agg, [PaymentDraft(D("1.00"), "CASH")], clock.ctx()))
    assert err.code is ErrorCode.INVALID_TRANSITION


@pytest.mark.parametrize("status", [OrderStatus.INITIALIZED, OrderStatus.COMPLETED])
def test_add_payment_allowed_on_open_and_completed_orders(status: OrderStatus) -> None:
    clock = Clock()
    agg = aggregate(status, clock=clock)
    change = committed(agg, payments.add(agg, [PaymentDraft(D("7.99"), "CASH")], clock.ctx()), clock)
    assert change.order.status is status
    assert change.order.balance.due == D("20.00")


# ---------------------------------------------------------------------------------------------- status table

ALLOWED = {
    (T.PENDING, T.AUTHORIZED),
    (T.PENDING, T.APPROVED),
    (T.PENDING, T.DECLINED),
    (T.PENDING, T.CANCELED),
    (T.AUTHORIZED, T.APPROVED),
    (T.AUTHORIZED, T.VOIDED),
}
BY_REFUND = {T.REFUNDED, T.PARTIALLY_REFUNDED}
ALL_PAIRS = list(itertools.product(TransactionStatus, TransactionStatus))


def payment_in(status: TransactionStatus) -> tuple[OrderAggregate, str, Clock]:
    """An order with one 10.00 payment in `status` (refund statuses reached through refunds)."""
    clock = Clock()
    agg = aggregate(clock=clock)
    if status in BY_REFUND:
        pid = add_one(agg, clock)
        amount = D("10.00") if status is T.REFUNDED else D("4.00")
        committed(agg, payments.refund(agg, pid, amount, None, clock.ctx()), clock)
    else:
        pid = add_one(agg, clock, status=status)
    assert agg.payments[0].status is status
    return agg, pid, clock


def test_transition_table_is_the_documented_one() -> None:
    assert set(payments.TRANSITIONS) == set(TransactionStatus)
    assert {(a, b) for a, targets in payments.TRANSITIONS.items() for b in targets} == ALLOWED


@pytest.mark.parametrize(("current", "target"), ALL_PAIRS)
def test_every_status_pair(current: TransactionStatus, target: TransactionStatus) -> None:
    agg, pid, clock = payment_in(current)
    revision = agg.order.revision
    if current is target:
        before = copy.deepcopy(agg)
        applied = payments.set_status(agg, pid, target, clock.ctx(T1))
        assert applied.records == []
        assert changes.finish(agg, clock.ctx(T1), applied) is None
        assert agg == before
    elif (current, target) in ALLOWED:
        change = committed(agg, payments.set_status(agg, pid, target, clock.ctx(T1)), clock)
        payment = change.aggregate.payments[0]
        assert payment.status is target
        assert payment.updated_at == T1
        assert change.order.revision == revision + 1
        assert change.touched == (pid,)
        assert [h.kind for h in change.history] == [HistoryKind.PAYMENT_STATUS_CHANGED]
        assert f"{current} → {target}" in change.history[0].message
        assert change.events == [(EventType.TRANSACTIONS_UPDATED, change.history[0].id)]
    else:
        err = refused(agg, lambda: payments.set_status(agg, pid, target, clock.ctx(T1)))
        assert err.code is ErrorCode.INVALID_TRANSITION
        assert err.field == ("status",)
        if target in BY_REFUND:
            assert "refundPayment" in err.message


@pytest.mark.parametrize(
    ("start", "target", "paid", "due", "expected"),
    [
        (T.PENDING, T.APPROVED, "10.00", "17.99", PaymentStatus.PARTIALLY_PAID),
        (T.PENDING, T.AUTHORIZED, "0.00", "27.99", PaymentStatus.PENDING),
        (T.PENDING, T.DECLINED, "0.00", "27.99", PaymentStatus.NOT_PAID),
        (T.PENDING, T.CANCELED, "0.00", "27.99", PaymentStatus.NOT_PAID),
        (T.AUTHORIZED, T.APPROVED, "10.00", "17.99", PaymentStatus.PARTIALLY_PAID),
        (T.AUTHORIZED, T.VOIDED, "0.00", "27.99", PaymentStatus.NOT_PAID),
    ],
)
def test_status_change_recomputes_the_balance(
    start: TransactionStatus, target: TransactionStatus, paid: str, due: str, expected: PaymentStatus
) -> None:
    agg, pid, clock = payment_in(start)
    change = committed(agg, payments.set_status(agg, pid, target, clock.ctx()), clock)
    assert change.order.balance == Balance(D(paid), D("0.00"), D(due))
    assert change.order.payment_status is expected


def test_status_of_unknown_payment() -> None:
    agg, _, clock = payment_in(T.PENDING)
    err = refused(agg, lambda: payments.set_status(agg, "Payment-404", T.APPROVED, clock.ctx()))
    assert err.code is ErrorCode.NOT_FOUND
    assert err.field == ("paymentId",)


def test_status_change_allowed_on_canceled_order() -> None:
    agg, pid, clock = payment_in(T.AUTHORIZED)
    agg.order = replace(agg.order, status=OrderStatus.CANCELED)
    change = committed(agg, payments.set_status(agg, pid, T.VOIDED, clock.ctx()), clock)
    assert change.aggregate.payments[0].status is T.VOIDED
    assert change.order.status is OrderStatus.CANCELED


def test_status_change_allowed_on_completed_order() -> None:
    agg, pid, clock = payment_in(T.PENDING)
    agg.order = replace(agg.order, status=OrderStatus.COMPLETED)
    change = committed(agg, payments.set_status(agg, pid, T.APPROVED, clock.ctx()), clock)
    assert change.order.balance.paid == D("10.00")


# ---------------------------------------------------------------------------------------------- refunds


def test_partial_then_full_refund() -> None:
    clock = Clock()
    agg = aggregate(clock=clock)
    pid = add_one(agg, clock, "27.99")
    assert agg.order.revision == 2

    partial = committed(agg, payments.refund(agg, pid, D("10.00"), "broken handle", clock.ctx(T1)), clock)
    payment = partial.aggregate.payments[0]
    assert (payment.status, payment.refunded_amount, payment.updated_at) == (
        T.PARTIALLY_REFUNDED,
        D("10.00"),
        T1,
    )
    assert partial.order.balance == Balance(D("17.99"), D("10.00"), D("0.00"))
    assert partial.order.payment_status is PaymentStatus.PARTIALLY_REFUNDED
    assert partial.order.revision == 3
    assert partial.touched == (pid,)
    assert [h.kind for h in partial.history] == [HistoryKind.REFUNDED]
    assert "10.00 EUR" in partial.history[0].message
    assert partial.history[0].message.endswith(": broken handle")
    assert partial.events == [(EventType.TRANSACTIONS_UPDATED, partial.history[0].id)]

    full = committed(agg, payments.refund(agg, pid, D("17.99"), None, clock.ctx(T1)), clock)
    payment = full.aggregate.payments[0]
    assert (payment.status, payment.refunded_amount, payment.amount) == (T.REFUNDED, TOTAL, TOTAL)
    assert full.order.balance == Balance(D("0.00"), TOTAL, D("0.00"))
    assert full.order.payment_status is PaymentStatus.FULLY_REFUNDED
    assert full.order.revision == 4


def test_refund_in_one_go() -> None:
    clock = Clock()
    agg = aggregate(clock=clock)
    pid = add_one(agg, clock, "10.00")
    change = committed(agg, payments.refund(agg, pid, D("10"), "  ", clock.ctx()), clock)
    assert change.aggregate.payments[0].status is T.REFUNDED
    assert not change.history[0].message.endswith(":")
    # 10.00 was taken and given back: nothing held, and the due amount stays as it was after the payment
    assert change.order.balance == Balance(D("0.00"), D("10.00"), D("17.99"))
    assert change.order.payment_status is PaymentStatus.FULLY_REFUNDED


def test_refund_of_one_payment_among_several() -> None:
    clock = Clock()
    agg = aggregate(clock=clock)
    first = add_one(agg, clock, "20.00")
    add_one(agg, clock, "7.99")
    change = committed(agg, payments.refund(agg, first, D("20.00"), None, clock.ctx()), clock)
    assert [p.status for p in change.aggregate.payments] == [T.REFUNDED, T.APPROVED]
    assert change.order.balance == Balance(D("7.99"), D("20.00"), D("0.00"))
    assert change.order.payment_status is PaymentStatus.PARTIALLY_REFUNDED


def test_refund_of_more_than_is_left() -> None:
    clock = Clock()
    agg = aggregate(clock=clock)
    pid = add_one(agg, clock, "10.00")
    committed(agg, payments.refund(agg, pid, D("4.00"), None, clock.ctx()), clock)
    err = refused(agg, lambda: payments.refund(agg, pid, D("6.01"), None, clock.ctx()))
    assert err.code is ErrorCode.AMOUNT_EXCEEDED
    assert err.field == ("amount",)
    assert "6.00" in err.message
    assert agg.payments[0].refunded_amount == D("4.00")


def test_refund_of_more_than_the_payment_at_once() -> None:
    clock = Clock()
    agg = aggregate(clock=clock)
    pid = add_one(agg, clock, "10.00")
    err = refused(agg, lambda: payments.refund(agg, pid, D("10.01"), None, clock.ctx()))
    assert err.code is ErrorCode.AMOUNT_EXCEEDED
    assert err.field == ("amount",)


def test_fully_refunded_payment_has_nothing_left_to_refund() -> None:
    agg, pid, clock = payment_in(T.REFUNDED)
    err = refused(agg, lambda: payments.refund(agg, pid, D("0.01"), None, clock.ctx()))
    assert err.code is ErrorCode.AMOUNT_EXCEEDED
    assert err.field == ("amount",)


@pytest.mark.parametrize("status", [T.PENDING, T.AUTHORIZED, T.DECLINED, T.CANCELED, T.VOIDED])
def test_uncaptured_payment_cannot_be_refunded(status: TransactionStatus) -> None:
    agg, pid, clock = payment_in(status)
    err = refused(agg, lambda: payments.refund(agg, pid, D("1.00"), None, clock.ctx()))
    assert err.code is ErrorCode.INVALID_TRANSITION
    assert err.field == ("paymentId",)


@pytest.mark.parametrize("amount", ["0", "-1.00", "0.001", "Infinity"])
def test_refund_amount_must_be_a_positive_currency_amount(amount: str) -> None:
    agg, pid, clock = payment_in(T.APPROVED)
    err = refused(agg, lambda: payments.refund(agg, pid, D(amount), None, clock.ctx()))
    assert err.code is ErrorCode.INVALID
    assert err.field == ("amount",)


def test_refund_reason_is_bounded() -> None:
    agg, pid, clock = payment_in(T.APPROVED)
    err = refused(agg, lambda: payments.refund(agg, pid, D("1.00"), "r" * 5001, clock.ctx()))
    assert err.field == ("reason",)


def test_refund_of_unknown_payment() -> None:
    agg, _, clock = payment_in(T.APPROVED)
    err = refused(agg, lambda: payments.refund(agg, "Payment-404", D("1.00"), None, clock.ctx()))
    assert err.code is ErrorCode.NOT_FOUND
    assert err.field == ("paymentId",)


@pytest.mark.parametrize("status", [OrderStatus.CANCELED, OrderStatus.COMPLETED])
def test_refund_allowed_on_terminal_orders(status: OrderStatus) -> None:
    agg, pid, clock = payment_in(T.APPROVED)
    agg.order = replace(agg.order, status=status)
    change = committed(agg, payments.refund(agg, pid, D("10.00"), "order canceled", clock.ctx()), clock)
    assert change.order.status is status
    assert change.order.balance == Balance(D("0.00"), D("10.00"), D("17.99"))
    assert change.order.payment_status is PaymentStatus.FULLY_REFUNDED


def test_refunded_payment_statuses_cannot_be_set_back() -> None:
    agg, pid, clock = payment_in(T.PARTIALLY_REFUNDED)
    for target in (T.APPROVED, T.PENDING, T.VOIDED, T.REFUNDED):
        err = refused(agg, partial(payments.set_status, agg, pid, target, clock.ctx()))
        assert err.code is ErrorCode.INVALID_TRANSITION
    # the rest can still be refunded, and the payment then reaches REFUNDED
    committed(agg, payments.refund(agg, pid, D("6.00"), None, clock.ctx()), clock)
    assert agg.payments[0].status is T.REFUNDED


# ---------------------------------------------------------------------------------------------- mark paid


def test_mark_paid_pays_exactly_what_is_due() -> None:
    clock = Clock()
    agg = aggregate(clock=clock)
    add_one(agg, clock, "7.99")
    add_one(agg, clock, "5.00", T.PENDING)
    change = committed(agg, payments.mark_paid(agg, clock.ctx(T1)), clock)
    offline = change.aggregate.payments[-1]
    assert (offline.amount, offline.method, offline.status) == (D("20.00"), "OFFLINE", T.APPROVED)
    assert offline.created_at == offline.updated_at == T1
    assert change.touched == (offline.id,)
    assert change.order.balance == Balance(TOTAL, D("0.00"), D("0.00"))
    assert change.order.payment_status is PaymentStatus.PAID
    assert change.order.revision == 4
    assert [h.kind for h in change.history] == [HistoryKind.PAYMENT_ADDED]
    assert "20.00 EUR by OFFLINE" in change.history[0].message
    assert change.events == [(EventType.TRANSACTIONS_UPDATED, change.history[0].id)]


def test_mark_paid_with_nothing_due() -> None:
    clock = Clock()
    agg = aggregate(clock=clock)
    add_one(agg, clock, "27.99")
    err = refused(agg, lambda: payments.mark_paid(agg, clock.ctx()))
    assert err.code is ErrorCode.INVALID
    assert err.field == ("id",)
    assert len(agg.payments) == 1


def test_mark_paid_after_a_refund_is_refused() -> None:
    # a refund never makes the buyer owe again
    clock = Clock()
    agg = aggregate(clock=clock)
    pid = add_one(agg, clock, "27.99")
    committed(agg, payments.refund(agg, pid, D("27.99"), None, clock.ctx()), clock)
    assert agg.order.balance.due == 0
    err = refused(agg, lambda: payments.mark_paid(agg, clock.ctx()))
    assert err.code is ErrorCode.INVALID


def test_mark_paid_in_jpy() -> None:
    clock = Clock()
    agg = aggregate(currency="JPY", clock=clock)
    change = committed(agg, payments.mark_paid(agg, clock.ctx()), clock)
    assert str(change.aggregate.payments[0].amount) == "5500"
    assert change.order.payment_status is PaymentStatus.PAID


def test_mark_paid_refused_on_canceled_order() -> None:
    clock = Clock()
    agg = aggregate(OrderStatus.CANCELED, clock=clock)
    err = refused(agg, lambda: payments.mark_paid(agg, clock.ctx()))
    assert err.code is ErrorCode.INVALID_TRANSITION


def test_mark_paid_on_completed_order() -> None:
    clock = Clock()
    agg = aggregate(OrderStatus.COMPLETED, clock=clock)
    change = committed(agg, payments.mark_paid(agg, clock.ctx()), clock)
    assert change.order.balance.due == 0
    assert change.order.payment_status is PaymentStatus.PAID


def test_a_provider_transaction_id_is_refused_when_the_order_has_it() -> None:
    clock = Clock()
    agg = aggregate(clock=clock)
    first = PaymentDraft(D("1.00"), "CARD", provider_transaction_id="ch_1")
    payments.add(agg, [first], clock.ctx())
    err = refused(agg, lambda: payments.add(agg, [first], clock.ctx()))
    assert (err.code, err.field) == (ErrorCode.INVALID, ("payments", "0", "providerTransactionId"))
    both = [PaymentDraft(D("1.00"), "CARD", provider_transaction_id="ch_2")] * 2
    err = refused(agg, lambda: payments.add(agg, both, clock.ctx()))
    assert err.field == ("payments", "1", "providerTransactionId")
    payments.add(agg, [PaymentDraft(D("1.00"), "CARD"), PaymentDraft(D("1.00"), "CARD")], clock.ctx())
    assert len(agg.payments) == 3
