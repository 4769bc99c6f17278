"""Payment changes: add payments, change a payment's status, refund, mark an order paid.

A provider's transaction is recorded once per order: a repeated `providerTransactionId` is refused, so a
client that retries `addPayments` after a lost response cannot record the payment twice.

Each function is a step (see `changes.Applied`): it checks the request against the aggregate, mutates the
aggregate and says what to record. Payment statuses move along `TRANSITIONS`; the refund statuses are
reached only through `refund`, which never gives back more than what is left of the payment.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from app.domain import rules
from app.domain.changes import Applied, new_payment
from app.domain.commands import PaymentDraft
from app.domain.errors import DomainError, ErrorCode, NotFound, bad_transition, invalid
from app.domain.model import EventType, HistoryKind, TransactionStatus
from app.domain.money import check_amount
from app.domain.transitions import Operation, check_allowed

if TYPE_CHECKING:
    from collections.abc import Sequence
    from decimal import Decimal

    from app.domain.changes import ChangeContext
    from app.domain.model import OrderAggregate, Payment

T = TransactionStatus
MAX_BULK = 300
OFFLINE = "OFFLINE"

TRANSITIONS: dict[TransactionStatus, frozenset[TransactionStatus]] = {
    T.PENDING: frozenset({T.AUTHORIZED, T.APPROVED, T.DECLINED, T.CANCELED}),
    T.AUTHORIZED: frozenset({T.APPROVED, T.VOIDED}),
    T.APPROVED: frozenset(),
    T.PARTIALLY_REFUNDED: frozenset(),
    T.DECLINED: frozenset(),
    T.CANCELED: frozenset(),
    T.VOIDED: frozenset(),
    T.REFUNDED: frozenset(),
}
BY_REFUND = frozenset({T.REFUNDED, T.PARTIALLY_REFUNDED})
REFUNDABLE = frozenset({T.APPROVED, T.PARTIALLY_REFUNDED})


def describe(payment: Payment, currency: str) -> str:
    return f"{payment.amount} {currency} by {payment.method}"


def _index(agg: OrderAggregate, payment_id: str) -> int:
    for i, payment in enumerate(agg.payments):
        if payment.id == payment_id:
            return i
    raise NotFound("the order has no payment with that id", ("paymentId",))


def _append(agg: OrderAggregate, payments: Sequence[Payment], kind: HistoryKind, prefix: str) -> Applied:
    agg.payments.extend(payments)
    cur = agg.order.currency
    return Applied(
        [
            (kind, f"{prefix}{describe(p, cur)} ({p.status})", EventType.TRANSACTIONS_UPDATED)
            for p in payments
        ],
        tuple(p.id for p in payments),
    )


def add(agg: OrderAggregate, drafts: Sequence[PaymentDraft], ctx: ChangeContext) -> Applied:
    """1..50 payments at once; each may be back-dated but not dated in the future."""
    check_allowed(agg.order.status, Operation.ADD_PAYMENT)
    if not drafts:
        raise invalid("give at least one payment", "payments")
    if len(drafts) > rules.MAX_PAYMENTS_PER_CALL:
        raise DomainError(
            f"at most {rules.MAX_PAYMENTS_PER_CALL} payments at once", ("payments",), ErrorCode.LIMIT_EXCEEDED
        )
    checked = []
    seen = {p.provider_transaction_id for p in agg.payments if p.provider_transaction_id}
    for i, draft in enumerate(drafts):
        try:
            checked.append(rules.payment(draft, agg.order.currency, ctx.now))
        except DomainError as err:
            raise err.at("payments", str(i)) from None
        if draft.provider_transaction_id in seen:
            raise invalid(
                "this providerTransactionId is recorded on the order already",
                *("payments", str(i), "providerTransactionId"),
            )
        if draft.provider_transaction_id:
            seen.add(draft.provider_transaction_id)
    added = [new_payment(draft, ctx.new_id("Payment"), ctx.now) for draft in checked]
    return _append(agg, added, HistoryKind.PAYMENT_ADDED, "Payment of ")


def set_status(
    agg: OrderAggregate, payment_id: str, status: TransactionStatus, ctx: ChangeContext
) -> Applied:
    """Moves a payment along `TRANSITIONS`; asking for the status it has changes nothing."""
    check_allowed(agg.order.status, Operation.PAYMENT_STATUS)
    index = _index(agg, payment_id)
    payment = agg.payments[index]
    if payment.status is status:
        return Applied([], (payment.id,))
    if status in BY_REFUND:
        raise bad_transition(f"a payment becomes {status} only through refundPayment", "status")
    if status not in TRANSITIONS[payment.status]:
        raise bad_transition(f"a payment cannot go from {payment.status} to {status}", "status")
    agg.payments[index] = replace(payment, status=status, updated_at=ctx.now)
    message = f"Payment of {describe(payment, agg.order.currency)}: {payment.status} → {status}"
    return Applied(
        [(HistoryKind.PAYMENT_STATUS_CHANGED, message, EventType.TRANSACTIONS_UPDATED)], (payment.id,)
    )


def refund(
    agg: OrderAggregate, payment_id: str, amount: Decimal, reason: str | None, ctx: ChangeContext
) -> Applied:
    """Gives back part or all of what is left of a captured payment."""
    check_allowed(agg.order.status, Operation.REFUND)
    index = _index(agg, payment_id)
    payment = agg.payments[index]
    cur = agg.order.currency
    if payment.status is T.REFUNDED:
        raise DomainError("nothing is left of this payment to refund", ("amount",), ErrorCode.AMOUNT_EXCEEDED)
    if payment.status not in REFUNDABLE:
        raise bad_transition(f"a {payment.status} payment cannot be refunded", "paymentId")
    value = check_amount(amount, cur, "amount", positive=True)
    left = payment.amount - payment.refunded_amount
    if value > left:
        raise DomainError(
            f"only {left} {cur} of this payment is left to refund", ("amount",), ErrorCode.AMOUNT_EXCEEDED
        )
    note = rules.text(reason, "reason", limit=rules.TEXT_MAX)
    refunded = payment.refunded_amount + value
    status = T.REFUNDED if refunded == payment.amount else T.PARTIALLY_REFUNDED
    agg.payments[index] = replace(payment, refunded_amount=refunded, status=status, updated_at=ctx.now)
    message = f"Refunded {value} {cur} of the payment of {describe(payment, cur)}"
    if note and note.strip():
        message += f": {note}"
    return Applied([(HistoryKind.REFUNDED, message, EventType.TRANSACTIONS_UPDATED)], (payment.id,))


def mark_paid(agg: OrderAggregate, ctx: ChangeContext) -> Applied:
    """An APPROVED OFFLINE payment of exactly what is due."""
    check_allowed(agg.order.status, Operation.ADD_PAYMENT)
    due = agg.order.balance.due
    if due <= 0:
        raise invalid("nothing is due on this order", "id")
    draft = PaymentDraft(amount=due, method=OFFLINE, status=T.APPROVED)
    payment = new_payment(draft, ctx.new_id("Payment"), ctx.now)
    return _append(agg, [payment], HistoryKind.PAYMENT_ADDED, "Marked paid: payment of ")
