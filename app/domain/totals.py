"""Derived values: line totals, the price summary, the balance and the derived statuses.

Every formula is the one the contract's field descriptions state; stores keep the results on the order
header so lists can filter and sort by them, and recompute them in the same transaction as each change.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from app.domain.model import (
    Balance,
    DeliveryStatus,
    FulfillmentStatus,
    PaymentStatus,
    PriceSummary,
    ShipmentStatus,
    TransactionStatus,
)
from app.domain.money import ZERO, quantize

if TYPE_CHECKING:
    from collections.abc import Iterable
    from decimal import Decimal

    from app.domain.model import Fulfillment, LineItem, OrderAggregate, Payment, ShippingLine

CAPTURED = frozenset(
    {TransactionStatus.APPROVED, TransactionStatus.PARTIALLY_REFUNDED, TransactionStatus.REFUNDED}
)
OPEN = frozenset({TransactionStatus.PENDING, TransactionStatus.AUTHORIZED})


def line_amounts(
    price: Decimal, quantity: int, discount: Decimal, tax_rate: Decimal, currency: str
) -> tuple[Decimal, Decimal]:
    """(taxAmount, totalPrice) of a line: tax on (price × quantity − discount), rounded half-up."""
    net = price * quantity - discount
    tax = quantize(net * tax_rate, currency)
    return tax, quantize(net + tax, currency)


def price_summary(
    lines: Iterable[LineItem], order_discount: Decimal | None, shipping: ShippingLine | None, currency: str
) -> PriceSummary:
    """subtotal − discount + shipping + tax, each part as the contract defines it."""
    subtotal = discount = tax = ZERO
    for line in lines:
        subtotal += line.price * line.quantity
        discount += line.discount
        tax += line.tax_amount
    discount += order_discount or ZERO
    ship = shipping.price if shipping else ZERO
    q = quantize
    return PriceSummary(
        subtotal=q(subtotal, currency),
        discount=q(discount, currency),
        shipping=q(ship, currency),
        tax=q(tax, currency),
        total=q(subtotal - discount + ship + tax, currency),
    )


def balance(total: Decimal, payments: Iterable[Payment], currency: str) -> Balance:
    """Net paid (captured minus refunds), refunded, and what is still due (never below zero)."""
    captured = refunded = ZERO
    for payment in payments:
        if payment.status in CAPTURED:
            captured += payment.amount
        refunded += payment.refunded_amount
    paid = captured - refunded
    due = max(ZERO, total - (paid + refunded))
    return Balance(
        paid=quantize(paid, currency), refunded=quantize(refunded, currency), due=quantize(due, currency)
    )


def payment_status(bal: Balance, payments: Iterable[Payment]) -> PaymentStatus:
    """The contract's ordered rules for `Order.paymentStatus`."""
    if bal.refunded > 0:
        return PaymentStatus.FULLY_REFUNDED if bal.paid == 0 else PaymentStatus.PARTIALLY_REFUNDED
    if bal.due == 0:
        return PaymentStatus.PAID
    if bal.paid > 0:
        return PaymentStatus.PARTIALLY_PAID
    if any(p.status in OPEN for p in payments):
        return PaymentStatus.PENDING
    return PaymentStatus.NOT_PAID


def fulfillment_status(lines: Iterable[LineItem]) -> FulfillmentStatus:
    """FULFILLED when every unit is fulfilled, PARTIALLY when some are, else NOT_FULFILLED."""
    ordered = fulfilled = 0
    for line in lines:
        ordered += line.quantity
        fulfilled += line.fulfilled_quantity
    if ordered and fulfilled >= ordered:
        return FulfillmentStatus.FULFILLED
    return FulfillmentStatus.PARTIALLY_FULFILLED if fulfilled else FulfillmentStatus.NOT_FULFILLED


def delivery_status(lines: Iterable[LineItem], fulfillments: Iterable[Fulfillment]) -> DeliveryStatus:
    """Per ordered unit: DELIVERED, SHIPPED (or delivered), PARTIALLY_SHIPPED, else NOT_SHIPPED."""
    ordered = sum(line.quantity for line in lines)
    shipped = delivered = 0
    for f in fulfillments:
        units = sum(fl.quantity for fl in f.lines)
        if f.status is ShipmentStatus.DELIVERED:
            delivered += units
            shipped += units
        elif f.status is ShipmentStatus.SHIPPED:
            shipped += units
    if ordered and delivered >= ordered:
        return DeliveryStatus.DELIVERED
    if ordered and shipped >= ordered:
        return DeliveryStatus.SHIPPED
    return DeliveryStatus.PARTIALLY_SHIPPED if shipped else DeliveryStatus.NOT_SHIPPED


def recompute(agg: OrderAggregate) -> None:
    """Refreshes the header's derived fields from the aggregate's collections."""
    order = agg.order
    summary = price_summary(agg.line_items, order.discount, order.shipping_line, order.currency)
    bal = balance(summary.total, agg.payments, order.currency)
    agg.order = replace(
        order,
        price_summary=summary,
        balance=bal,
        payment_status=payment_status(bal, agg.payments),
        fulfillment_status=fulfillment_status(agg.line_items),
        delivery_status=delivery_status(agg.line_items, agg.fulfillments),
    )
