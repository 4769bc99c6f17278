"""Derived values: line amounts, price summary, balance and the derived statuses, per the contract."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain import totals
from app.domain.model import (
    Balance,
    DeliveryStatus,
    Fulfillment,
    FulfillmentLine,
    FulfillmentStatus,
    LineItem,
    Payment,
    PaymentStatus,
    ShipmentStatus,
    ShippingLine,
    TransactionStatus,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)
D = Decimal


def line(
    price: str | Decimal,
    quantity: int = 1,
    discount: str | Decimal = "0",
    tax_rate: str | Decimal = "0",
    *,
    fulfilled: int = 0,
    line_id: str = "L1",
    currency: str = "EUR",
) -> LineItem:
    p, d, r = D(price), D(discount), D(tax_rate)
    tax, total = totals.line_amounts(p, quantity, d, r, currency)
    return LineItem(
        id=line_id,
        product_name="Thing",
        quantity=quantity,
        price=p,
        discount=d,
        tax_rate=r,
        tax_amount=tax,
        total_price=total,
        fulfilled_quantity=fulfilled,
    )


def payment(amount: str | Decimal, status: TransactionStatus, refunded: str | Decimal = "0") -> Payment:
    return Payment(
        id="P",
        amount=D(amount),
        method="CASH",
        status=status,
        created_at=NOW,
        updated_at=NOW,
        refunded_amount=D(refunded),
    )


def fulfillment(status: ShipmentStatus, *lines: tuple[str, int]) -> Fulfillment:
    return Fulfillment(
        id="F",
        status=status,
        lines=tuple(FulfillmentLine(line_id, qty) for line_id, qty in lines),
        created_at=NOW,
        updated_at=NOW,
    )


# ---------------------------------------------------------------------------------------------- lines


@pytest.mark.parametrize(
    ("price", "qty", "discount", "rate", "currency", "tax", "total"),
    [
        ("10.00", 2, "0", "0.21", "EUR", "4.20", "24.20"),
        ("10.00", 2, "5.00", "0.21", "EUR", "3.15", "18.15"),
        # 0.05 * 0.10 = 0.005 → 0.01 half-up
        ("0.05", 1, "0", "0.10", "EUR", "0.01", "0.06"),
        # 0.04 * 0.10 = 0.004 → 0.00
        ("0.04", 1, "0", "0.10", "EUR", "0.00", "0.04"),
        ("19.99", 3, "0.97", "0.19", "EUR", "11.21", "70.21"),
        ("100", 1, "0", "0.105", "JPY", "11", "111"),
        ("100", 1, "0", "0.104", "JPY", "10", "110"),
        ("1.000", 1, "0", "0.0005", "KWD", "0.001", "1.001"),
        ("10.00", 1, "10.00", "0.21", "EUR", "0.00", "0.00"),
        ("9.99", 7, "0", "0", "EUR", "0.00", "69.93"),
        ("12.50", 4, "0", "1", "EUR", "50.00", "100.00"),
    ],
)
def test_line_amounts(
    price: str, qty: int, discount: str, rate: str, currency: str, tax: str, total: str
) -> None:
    got_tax, got_total = totals.line_amounts(D(price), qty, D(discount), D(rate), currency)
    assert str(got_tax) == tax
    assert str(got_total) == total


# ---------------------------------------------------------------------------------------------- summary


def test_price_summary_example() -> None:
    lines = [
        line("10.00", 2, "1.00", "0.21", line_id="A"),  # net 19.00, tax 3.99
        line("5.50", 3, "0", "0.10", line_id="B"),  # net 16.50, tax 1.65
    ]
    summary = totals.price_summary(lines, D("2.00"), ShippingLine("Post", D("4.90")), "EUR")
    assert summary.subtotal == D("36.50")
    assert summary.discount == D("3.00")
    assert summary.shipping == D("4.90")
    assert summary.tax == D("5.64")
    assert summary.total == D("44.04")
    assert [
        str(v) for v in (summary.subtotal, summary.discount, summary.shipping, summary.tax, summary.total)
    ] == [
        "36.50",
        "3.00",
        "4.90",
        "5.64",
        "44.04",
    ]


def test_price_summary_without_shipping_or_order_discount() -> None:
    summary = totals.price_summary([line("3", 1)], None, None, "EUR")
    assert str(summary.subtotal) == "3.00"
    assert str(summary.discount) == "0.00"
    assert str(summary.shipping) == "0.00"
    assert str(summary.tax) == "0.00"
    assert str(summary.total) == "3.00"


def test_price_summary_shipping_and_order_discount_are_not_taxed() -> None:
    lines = [line("100.00", 1, "0", "0.20")]
    summary = totals.price_summary(lines, D("50.00"), ShippingLine("Express", D("10.00")), "EUR")
    assert summary.tax == D("20.00")
    assert summary.total == D("80.00")


def test_price_summary_in_jpy_has_no_decimals() -> None:
    summary = totals.price_summary([line("1990", 2, "0", "0.10", currency="JPY")], None, None, "JPY")
    assert str(summary.subtotal) == "3980"
    assert str(summary.tax) == "398"
    assert str(summary.total) == "4378"


def test_price_summary_of_no_lines_is_zero() -> None:
    summary = totals.price_summary([], None, None, "EUR")
    assert summary.total == 0
    assert summary.total.as_tuple().exponent == -2


# ---------------------------------------------------------------------------------------------- balance


def test_balance_counts_only_captured_payments() -> None:
    payments = [
        payment("10.00", TransactionStatus.APPROVED),
        payment("5.00", TransactionStatus.PENDING),
        payment("7.00", TransactionStatus.AUTHORIZED),
        payment("3.00", TransactionStatus.DECLINED),
        payment("2.00", TransactionStatus.CANCELED),
        payment("1.00", TransactionStatus.VOIDED),
    ]
    bal = totals.balance(D("30.00"), payments, "EUR")
    assert bal == Balance(paid=D("10.00"), refunded=D("0.00"), due=D("20.00"))


def test_balance_with_refunds() -> None:
    payments = [
        payment("20.00", TransactionStatus.PARTIALLY_REFUNDED, "5.00"),
        payment("10.00", TransactionStatus.REFUNDED, "10.00"),
    ]
    bal = totals.balance(D("30.00"), payments, "EUR")
    assert bal.paid == D("15.00")
    assert bal.refunded == D("15.00")
    # total - (paid + refunded)
    assert bal.due == D("0.00")


def test_balance_due_never_negative_on_overpayment() -> None:
    bal = totals.balance(D("10.00"), [payment("25.00", TransactionStatus.APPROVED)], "EUR")
    assert bal.due == D("0.00")
    assert bal.paid == D("25.00")


def test_balance_amounts_have_currency_digits() -> None:
    bal = totals.balance(D("10"), [payment("4", TransactionStatus.APPROVED)], "EUR")
    assert (str(bal.paid), str(bal.refunded), str(bal.due)) == ("4.00", "0.00", "6.00")


def status_of(total: str, *payments: Payment) -> PaymentStatus:
    bal = totals.balance(D(total), payments, "EUR")
    return totals.payment_status(bal, payments)


def test_payment_status_fully_refunded() -> None:
    assert status_of("10", payment("10", TransactionStatus.REFUNDED, "10")) is PaymentStatus.FULLY_REFUNDED


def test_payment_status_partially_refunded() -> None:
    p = payment("10", TransactionStatus.PARTIALLY_REFUNDED, "4")
    assert status_of("10", p) is PaymentStatus.PARTIALLY_REFUNDED


def test_refund_beats_paid_even_when_nothing_is_due() -> None:
    # due is 0 (10 - (6 + 4)), but refunded > 0 comes first in the ordered rules
    p = payment("10", TransactionStatus.PARTIALLY_REFUNDED, "4")
    bal = totals.balance(D("10"), [p], "EUR")
    assert bal.due == 0
    assert totals.payment_status(bal, [p]) is PaymentStatus.PARTIALLY_REFUNDED


def test_payment_status_paid() -> None:
    assert status_of("10", payment("10", TransactionStatus.APPROVED)) is PaymentStatus.PAID
    assert status_of(
        "10", payment("6", TransactionStatus.APPROVED), payment("4", TransactionStatus.APPROVED)
    ) is (PaymentStatus.PAID)


def test_zero_total_is_paid() -> None:
    assert status_of("0") is PaymentStatus.PAID
    assert status_of("0", payment("5", TransactionStatus.PENDING)) is PaymentStatus.PAID


def test_payment_status_partially_paid() -> None:
    assert status_of("10", payment("3", TransactionStatus.APPROVED)) is PaymentStatus.PARTIALLY_PAID
    # paid > 0 wins over a pending payment
    assert status_of(
        "10", payment("3", TransactionStatus.APPROVED), payment("7", TransactionStatus.PENDING)
    ) is (PaymentStatus.PARTIALLY_PAID)


@pytest.mark.parametrize("status", [TransactionStatus.PENDING, TransactionStatus.AUTHORIZED])
def test_payment_status_pending(status: TransactionStatus) -> None:
    assert status_of("10", payment("10", status)) is PaymentStatus.PENDING
    assert (
        status_of("10", payment("1", TransactionStatus.DECLINED), payment("10", status))
        is PaymentStatus.PENDING
    )


@pytest.mark.parametrize(
    "status", [TransactionStatus.DECLINED, TransactionStatus.CANCELED, TransactionStatus.VOIDED]
)
def test_payment_status_not_paid(status: TransactionStatus) -> None:
    assert status_of("10") is PaymentStatus.NOT_PAID
    assert status_of("10", payment("10", status)) is PaymentStatus.NOT_PAID


# ---------------------------------------------------------------------------------------------- fulfillment


def test_fulfillment_status() -> None:
    assert totals.fulfillment_status([line("1", 2), line("1", 3)]) is FulfillmentStatus.NOT_FULFILLED
    assert totals.fulfillment_status([line("1", 2, fulfilled=1), line("1", 3)]) is (
        FulfillmentStatus.PARTIALLY_FULFILLED
    )
    assert totals.fulfillment_status([line("1", 2, fulfilled=2), line("1", 3)]) is (
        FulfillmentStatus.PARTIALLY_FULFILLED
    )
    assert totals.fulfillment_status([line("1", 2, fulfilled=2), line("1", 3, fulfilled=3)]) is (
        FulfillmentStatus.FULFILLED
    )
    assert totals.fulfillment_status([]) is FulfillmentStatus.NOT_FULFILLED


def test_delivery_status() -> None:
    lines = [line("1", 2, line_id="A"), line("1", 1, line_id="B")]
    S = ShipmentStatus
    assert totals.delivery_status(lines, []) is DeliveryStatus.NOT_SHIPPED
    assert (
        totals.delivery_status(lines, [fulfillment(S.PENDING, ("A", 2), ("B", 1))])
        is DeliveryStatus.NOT_SHIPPED
    )
    assert (
        totals.delivery_status(lines, [fulfillment(S.SHIPPED, ("A", 1))]) is DeliveryStatus.PARTIALLY_SHIPPED
    )
    assert (
        totals.delivery_status(lines, [fulfillment(S.DELIVERED, ("A", 1))])
        is DeliveryStatus.PARTIALLY_SHIPPED
    )
    assert (
        totals.delivery_status(lines, [fulfillment(S.SHIPPED, ("A", 2), ("B", 1))]) is DeliveryStatus.SHIPPED
    )
    assert (
        totals.delivery_status(lines, [fulfillment(S.DELIVERED, ("A", 2)), fulfillment(S.SHIPPED, ("B", 1))])
        is DeliveryStatus.SHIPPED
    )
    assert (
        totals.delivery_status(lines, [fulfillment(S.DELIVERED, ("A", 2)), fulfillment(S.PENDING, ("B", 1))])
        is DeliveryStatus.PARTIALLY_SHIPPED
    )
    assert (
        totals.delivery_status(
            lines, [fulfillment(S.DELIVERED, ("A", 2)), fulfillment(S.DELIVERED, ("B", 1))]
        )
        is DeliveryStatus.DELIVERED
    )


# ---------------------------------------------------------------------------------------------- properties

cents = st.integers(min_value=0, max_value=1_000_000).map(lambda c: D(c).scaleb(-2))
rates = st.integers(min_value=0, max_value=10_000).map(lambda r: D(r).scaleb(-4))


@st.composite
def random_line(draw: st.DrawFn) -> LineItem:
    qty = draw(st.integers(min_value=1, max_value=1000))
    price = draw(cents)
    gross_cents = int(price * qty * 100)
    discount = D(draw(st.integers(min_value=0, max_value=gross_cents))).scaleb(-2)
    return line(price, qty, discount, draw(rates))


@given(lines=st.lists(random_line(), min_size=1, max_size=20), shipping=st.none() | cents, data=st.data())
def test_summary_total_is_exact(lines: list[LineItem], shipping: Decimal | None, data: st.DataObject) -> None:
    goods_cents = int(sum((ln.price * ln.quantity - ln.discount for ln in lines), D(0)) * 100)
    order_discount = data.draw(
        st.none() | st.integers(min_value=0, max_value=goods_cents).map(lambda c: D(c).scaleb(-2))
    )
    ship = ShippingLine("Post", shipping) if shipping is not None else None
    s = totals.price_summary(lines, order_discount, ship, "EUR")

    assert s.total == s.subtotal - s.discount + s.shipping + s.tax
    for amount in (s.subtotal, s.discount, s.shipping, s.tax, s.total):
        assert amount.as_tuple().exponent == -2
    assert s.tax >= 0
    assert s.total >= 0
    assert s.subtotal == sum((ln.price * ln.quantity for ln in lines), D(0))
    assert s.discount == sum((ln.discount for ln in lines), D(0)) + (order_discount or 0)
    assert s.tax == sum((ln.tax_amount for ln in lines), D(0))
    for ln in lines:
        assert ln.tax_amount >= 0
        assert ln.tax_amount.as_tuple().exponent == -2
        assert ln.total_price == ln.price * ln.quantity - ln.discount + ln.tax_amount


@given(
    price=cents,
    qty=st.integers(min_value=1, max_value=1000),
    rate=rates,
)
def test_line_tax_is_rounded_half_up(price: Decimal, qty: int, rate: Decimal) -> None:
    tax, _ = totals.line_amounts(price, qty, D(0), rate, "EUR")
    exact = price * qty * rate
    assert abs(tax - exact) <= D("0.005")
    if abs(tax - exact) == D("0.005"):
        assert tax > exact


@st.composite
def random_payment(draw: st.DrawFn) -> Payment:
    amount = draw(cents.filter(lambda a: a > 0))
    refunded = D(draw(st.integers(min_value=0, max_value=int(amount * 100)))).scaleb(-2)
    return payment(amount, draw(st.sampled_from(list(TransactionStatus))), refunded)


@given(total=cents, payments=st.lists(random_payment(), max_size=10))
def test_due_is_between_zero_and_total(total: Decimal, payments: list[Payment]) -> None:
    bal = totals.balance(total, payments, "EUR")
    assert 0 <= bal.due <= total
    assert bal.refunded == sum((p.refunded_amount for p in payments), D(0))
    for amount in (bal.paid, bal.refunded, bal.due):
        assert amount.as_tuple().exponent == -2
    status = totals.payment_status(bal, payments)
    if bal.refunded > 0:
        assert status in (PaymentStatus.FULLY_REFUNDED, PaymentStatus.PARTIALLY_REFUNDED)
    elif bal.due == 0:
        assert status is PaymentStatus.PAID
    else:
        assert status is not PaymentStatus.PAID
