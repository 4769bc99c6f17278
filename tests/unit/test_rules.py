"""Input rules for creating orders and defining statuses: canonical values and field paths of refusals."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from app.domain import rules
from app.domain.commands import CreateOrder, DefineStatus, LineItemDraft, PaymentDraft
from app.domain.errors import DomainError, ErrorCode
from app.domain.model import Address, Buyer, OrderStatus, ShippingLine

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
D = Decimal


def draft(**overrides: object) -> LineItemDraft:
    base = LineItemDraft(
        product_name="Mug", quantity=2, price=D("10.00"), discount=D("1.00"), tax_rate=D("0.21")
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def command(**overrides: object) -> CreateOrder:
    base = CreateOrder(currency="EUR", line_items=(draft(),))
    return replace(base, **overrides)  # type: ignore[arg-type]


def refused(cmd: CreateOrder) -> DomainError:
    with pytest.raises(DomainError) as exc:
        rules.create_order(cmd, NOW)
    return exc.value


# ---------------------------------------------------------------------------------------------- currency


def test_valid_command_passes_and_is_canonical() -> None:
    cmd = rules.create_order(command(currency="eur"), NOW)
    assert cmd.currency == "EUR"
    assert cmd.line_items[0].price == D("10.00")
    assert cmd.status is OrderStatus.APPROVED


def test_amounts_are_quantized_to_the_currency() -> None:
    cmd = rules.create_order(
        command(
            line_items=(draft(price=D("10"), discount=D("0")),),
            shipping_line=ShippingLine("Post", D("4.9")),
            discount=D("1"),
        ),
        NOW,
    )
    assert str(cmd.line_items[0].price) == "10.00"
    assert str(cmd.line_items[0].discount) == "0.00"
    assert str(cmd.shipping_line.price) == "4.90"  # type: ignore[union-attr]
    assert str(cmd.discount) == "1.00"


def test_tax_rate_keeps_its_digits() -> None:
    cmd = rules.create_order(command(line_items=(draft(tax_rate=D("0.2100")),)), NOW)
    assert str(cmd.line_items[0].tax_rate) == "0.2100"


@pytest.mark.parametrize("code", ["XYZ", "EURO", "", "€", "12"])
def test_unknown_currency(code: str) -> None:
    err = refused(command(currency=code))
    assert err.code is ErrorCode.INVALID
    assert err.field == ("currency",)


# ---------------------------------------------------------------------------------------------- status and lines


@pytest.mark.parametrize("status", [OrderStatus.COMPLETED, OrderStatus.CANCELED])
def test_status_must_be_initialized_or_approved(status: OrderStatus) -> None:
    err = refused(command(status=status))
    assert err.code is ErrorCode.INVALID
    assert err.field == ("status",)


def test_initialized_is_accepted() -> None:
    assert rules.create_order(command(status=OrderStatus.INITIALIZED), NOW).status is OrderStatus.INITIALIZED


def test_no_lines() -> None:
    err = refused(command(line_items=()))
    assert err.code is ErrorCode.INVALID
    assert err.field == ("lineItems",)


def test_too_many_lines() -> None:
    err = refused(command(line_items=(draft(),) * 301))
    assert err.code is ErrorCode.LIMIT_EXCEEDED
    assert err.field == ("lineItems",)


def test_three_hundred_lines_are_fine() -> None:
    assert len(rules.create_order(command(line_items=(draft(),) * 300), NOW).line_items) == 300


def test_too_many_payments() -> None:
    err = refused(command(payments=(PaymentDraft(D("1"), "CASH"),) * 51))
    assert err.code is ErrorCode.LIMIT_EXCEEDED
    assert err.field == ("payments",)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": -1}, "quantity"),
        ({"quantity": 100_001}, "quantity"),
        ({"price": D("-1.00")}, "price"),
        ({"price": D("1.001")}, "price"),
        ({"discount": D("-0.01")}, "discount"),
        ({"discount": D("20.01")}, "discount"),
        ({"tax_rate": D("1.5")}, "taxRate"),
        ({"tax_rate": D("-0.1")}, "taxRate"),
        ({"tax_rate": D("0.1234567")}, "taxRate"),
        ({"tax_rate": D("NaN")}, "taxRate"),
        ({"product_name": ""}, "productName"),
        ({"product_name": "   "}, "productName"),
        ({"product_name": "x" * 201}, "productName"),
        ({"product_name": "a\x00b"}, "productName"),
        ({"sku": "s" * 101}, "sku"),
        ({"image_url": "javascript:alert(1)"}, "imageUrl"),
        ({"image_url": "ftp://example.com/a.png"}, "imageUrl"),
        ({"image_url": "https://" + "a" * 2050}, "imageUrl"),
    ],
)
def test_bad_line_item(overrides: dict[str, object], field: str) -> None:
    ok = draft()
    err = refused(command(line_items=(ok, ok, draft(**overrides))))
    assert err.code is ErrorCode.INVALID
    assert err.field == ("lineItems", "2", field)


def test_line_item_limits_are_inclusive() -> None:
    cmd = rules.create_order(
        command(
            line_items=(
                draft(product_name="x" * 200, quantity=100_000, discount=D("0")),
                draft(quantity=1, price=D("5.00"), discount=D("5.00"), tax_rate=D("1")),
                draft(
                    price=D("0"),
                    discount=D("0"),
                    tax_rate=D("0.123456"),
                    image_url="HTTPS://cdn.example/a.png",
                ),
            )
        ),
        NOW,
    )
    assert len(cmd.line_items) == 3


# ---------------------------------------------------------------------------------------------- buyer, addresses


def test_country_code_is_canonicalised() -> None:
    cmd = rules.create_order(
        command(shipping_address=Address(country_code="de"), billing_address=Address(country_code="Fr")), NOW
    )
    assert cmd.shipping_address.country_code == "DE"  # type: ignore[union-attr]
    assert cmd.billing_address.country_code == "FR"  # type: ignore[union-attr]


@pytest.mark.parametrize("code", ["XX", "DEU", "D", "", "UK"])
def test_bad_country_code(code: str) -> None:
    err = refused(command(shipping_address=Address(city="Berlin", country_code=code)))
    assert err.code is ErrorCode.INVALID
    assert err.field == ("shippingAddress", "countryCode")


def test_bad_billing_postal_code() -> None:
    err = refused(command(billing_address=Address(postal_code="1" * 21)))
    assert err.field == ("billingAddress", "postalCode")


@pytest.mark.parametrize(
    "email", ["nobody", "a@b", "a b@c.de", "@c.de", "a@@c.de", "a@c.de\n", "x" * 250 + "@c.de"]
)
def test_bad_email(email: str) -> None:
    err = refused(command(buyer=Buyer(email=email)))
    assert err.code is ErrorCode.INVALID
    assert err.field == ("buyer", "email")


def test_good_email_and_buyer_names() -> None:
    cmd = rules.create_order(command(buyer=Buyer(email="ada@example.com", first_name="Ada")), NOW)
    assert cmd.buyer == Buyer(email="ada@example.com", first_name="Ada")


def test_long_buyer_name() -> None:
    err = refused(command(buyer=Buyer(last_name="x" * 201)))
    assert err.field == ("buyer", "lastName")


def test_shipping_line_needs_a_title_and_valid_price() -> None:
    assert refused(command(shipping_line=ShippingLine(" ", D("1")))).field == ("shippingLine", "title")
    assert refused(command(shipping_line=ShippingLine("Post", D("-1")))).field == ("shippingLine", "price")


def test_long_note_and_external_id() -> None:
    assert refused(command(note="n" * 5001)).field == ("note",)
    assert rules.create_order(command(note="n" * 5000), NOW).note == "n" * 5000
    assert refused(command(external_id="e" * 201)).field == ("externalId",)


# ---------------------------------------------------------------------------------------------- order discount


def test_order_discount_up_to_the_goods() -> None:
    # goods: 2 × 10.00 − 1.00 = 19.00
    assert rules.create_order(command(discount=D("19.00")), NOW).discount == D("19.00")


def test_order_discount_larger_than_goods() -> None:
    err = refused(command(discount=D("19.01")))
    assert err.code is ErrorCode.INVALID
    assert err.field == ("discount",)


def test_negative_order_discount() -> None:
    assert refused(command(discount=D("-1"))).field == ("discount",)


# ---------------------------------------------------------------------------------------------- payments


def payment(**overrides: object) -> PaymentDraft:
    return replace(PaymentDraft(amount=D("5.00"), method="CASH"), **overrides)  # type: ignore[arg-type]


def test_payment_is_checked_and_quantized() -> None:
    cmd = rules.create_order(
        command(payments=(payment(amount=D("5"), created_at=NOW - timedelta(days=1)),)), NOW
    )
    assert str(cmd.payments[0].amount) == "5.00"


def test_payment_created_now_is_fine() -> None:
    assert rules.create_order(command(payments=(payment(created_at=NOW),)), NOW).payments[0].created_at == NOW


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"created_at": datetime(2026, 1, 1, 12, 0)}, "createdAt"),
        ({"created_at": NOW + timedelta(seconds=1)}, "createdAt"),
        ({"amount": D("0")}, "amount"),
        ({"amount": D("-5")}, "amount"),
        ({"amount": D("5.001")}, "amount"),
        ({"method": " "}, "method"),
        ({"method": "m" * 101}, "method"),
    ],
)
def test_bad_payment(overrides: dict[str, object], field: str) -> None:
    err = refused(command(payments=(payment(), payment(**overrides))))
    assert err.code is ErrorCode.INVALID
    assert err.field == ("payments", "1", field)


def test_future_payment_in_another_offset() -> None:
    later = (NOW + timedelta(minutes=5)).astimezone(timezone(timedelta(hours=-5)))
    assert refused(command(payments=(payment(created_at=later),))).field == ("payments", "0", "createdAt")


# ---------------------------------------------------------------------------------------------- statuses


@pytest.mark.parametrize("color", ["#abc", "#ABC", "#1e90ff", "#1E90FF", None])
def test_status_colors_accepted(color: str | None) -> None:
    cmd = DefineStatus(name="Waiting", color=color)
    assert rules.status_definition(cmd) == cmd


@pytest.mark.parametrize("color", ["red", "#12345", "#1234567", "1e90ff", "#ggg", "#abc\n", "", "#abcd"])
def test_status_colors_refused(color: str) -> None:
    with pytest.raises(DomainError) as exc:
        rules.status_definition(DefineStatus(name="Waiting", color=color))
    assert exc.value.code is ErrorCode.INVALID
    assert exc.value.field == ("color",)


@pytest.mark.parametrize("name", ["", "  ", "n" * 201])
def test_status_name_refused(name: str) -> None:
    with pytest.raises(DomainError) as exc:
        rules.status_definition(DefineStatus(name=name))
    assert exc.value.field == ("name",)


def test_history_message() -> None:
    assert rules.history_message("called the buyer") == "called the buyer"
    with pytest.raises(DomainError) as exc:
        rules.history_message(" ")
    assert exc.value.field == ("message",)


@pytest.mark.parametrize("code", ["ıdr", "ＥＵＲ"])
def test_non_ascii_lookalike_currencies_are_refused(code: str) -> None:
    with pytest.raises(DomainError) as caught:
        rules.currency(code)
    assert caught.value.code is ErrorCode.INVALID


def test_create_order_refuses_a_provider_transaction_listed_twice() -> None:
    pay = PaymentDraft(D("1.00"), "CARD", provider_transaction_id="ch_1")
    err = refused(command(payments=(pay, PaymentDraft(D("2.00"), "CASH"), pay)))
    assert (err.code, err.field) == (ErrorCode.INVALID, ("payments", "2", "providerTransactionId"))
    assert (
        len(rules.create_order(command(payments=(pay, PaymentDraft(D("2.00"), "CASH"))), NOW).payments) == 2
    )
