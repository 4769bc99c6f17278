"""Money arithmetic: half-up rounding, input amount checks and the minor-unit round trip."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.errors import DomainError, ErrorCode
from app.domain.money import MAX_AMOUNT, check_amount, exponent_of, from_minor, quantize, to_minor

CURRENCIES = ("EUR", "JPY", "KWD")
DIGITS = {"EUR": 2, "JPY": 0, "KWD": 3}


@pytest.mark.parametrize(
    ("currency", "expected"),
    [("EUR", Decimal("0.01")), ("JPY", Decimal("1")), ("KWD", Decimal("0.001")), ("CLF", Decimal("0.0001"))],
)
def test_exponent_of_is_the_currency_quantum(currency: str, expected: Decimal) -> None:
    assert exponent_of(currency) == expected
    assert exponent_of(currency).as_tuple().exponent == expected.as_tuple().exponent


def test_exponent_of_unknown_currency_is_invalid() -> None:
    with pytest.raises(DomainError) as exc:
        exponent_of("XYZ")
    assert exc.value.code is ErrorCode.INVALID
    assert exc.value.field == ("currency",)


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("1.005", "EUR", "1.01"),
        ("1.004", "EUR", "1.00"),
        ("2.675", "EUR", "2.68"),
        ("0.5", "JPY", "1"),
        ("1.5", "JPY", "2"),
        ("2.5", "JPY", "3"),
        ("0.49", "JPY", "0"),
        ("1.0005", "KWD", "1.001"),
        ("1.0004", "KWD", "1.000"),
        ("7", "KWD", "7.000"),
        ("19.9", "EUR", "19.90"),
        ("-1.005", "EUR", "-1.01"),
    ],
)
def test_quantize_rounds_half_up_to_the_minor_unit(amount: str, currency: str, expected: str) -> None:
    result = quantize(Decimal(amount), currency)
    assert result == Decimal(expected)
    assert str(result) == expected


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("19.9", "EUR", "19.90"),
        ("19.90", "EUR", "19.90"),
        ("0", "EUR", "0.00"),
        ("1990", "JPY", "1990"),
        ("1.5", "KWD", "1.500"),
        ("1.234", "KWD", "1.234"),
        ("1.00", "JPY", "1"),
    ],
)
def test_check_amount_accepts_and_quantizes(amount: str, currency: str, expected: str) -> None:
    assert str(check_amount(Decimal(amount), currency, "price")) == expected


@pytest.mark.parametrize(
    ("amount", "currency"),
    [("1.005", "EUR"), ("0.001", "EUR"), ("1.5", "JPY"), ("0.1", "JPY"), ("1.2345", "KWD")],
)
def test_check_amount_refuses_too_many_decimals(amount: str, currency: str) -> None:
    with pytest.raises(DomainError) as exc:
        check_amount(Decimal(amount), currency, "lineItems", "0", "price")
    assert exc.value.code is ErrorCode.INVALID
    assert exc.value.field == ("lineItems", "0", "price")
    assert currency in exc.value.message


@pytest.mark.parametrize("amount", ["-0.01", "-1", "-1000000"])
def test_check_amount_refuses_negatives(amount: str) -> None:
    with pytest.raises(DomainError) as exc:
        check_amount(Decimal(amount), "EUR", "discount")
    assert exc.value.code is ErrorCode.INVALID
    assert exc.value.field == ("discount",)
    assert "negative" in exc.value.message


def test_check_amount_zero_is_fine_unless_positive_is_required() -> None:
    assert check_amount(Decimal(0), "EUR", "discount") == Decimal("0.00")
    with pytest.raises(DomainError) as exc:
        check_amount(Decimal("0.00"), "EUR", "amount", positive=True)
    assert exc.value.code is ErrorCode.INVALID
    assert exc.value.field == ("amount",)
    assert "greater than zero" in exc.value.message


def test_check_amount_positive_refuses_negatives_too() -> None:
    with pytest.raises(DomainError) as exc:
        check_amount(Decimal("-5"), "EUR", "amount", positive=True)
    assert exc.value.field == ("amount",)


def test_check_amount_positive_accepts_smallest_unit() -> None:
    assert check_amount(Decimal("0.01"), "EUR", "amount", positive=True) == Decimal("0.01")
    assert check_amount(Decimal("1"), "JPY", "amount", positive=True) == Decimal("1")


@pytest.mark.parametrize("amount", ["NaN", "sNaN", "Infinity", "-Infinity"])
def test_check_amount_refuses_non_finite(amount: str) -> None:
    with pytest.raises(DomainError) as exc:
        check_amount(Decimal(amount), "EUR", "price")
    assert exc.value.code is ErrorCode.INVALID
    assert exc.value.field == ("price",)


def test_check_amount_refuses_huge_amounts() -> None:
    with pytest.raises(DomainError) as exc:
        check_amount(MAX_AMOUNT, "EUR", "price")
    assert exc.value.field == ("price",)
    assert check_amount(MAX_AMOUNT - Decimal("0.01"), "EUR", "price") == Decimal("999999999999.99")


def test_check_amount_without_field_has_no_path() -> None:
    with pytest.raises(DomainError) as exc:
        check_amount(Decimal("-1"), "EUR")
    assert exc.value.field is None


@pytest.mark.parametrize(
    ("units", "currency", "text"),
    [
        (1990, "EUR", "19.90"),
        (0, "EUR", "0.00"),
        (5, "EUR", "0.05"),
        (100, "EUR", "1.00"),
        (1990, "JPY", "1990"),
        (0, "JPY", "0"),
        (1, "KWD", "0.001"),
        (12000, "KWD", "12.000"),
    ],
)
def test_from_minor_keeps_the_currency_digits(units: int, currency: str, text: str) -> None:
    assert str(from_minor(units, currency)) == text


def test_to_minor_examples() -> None:
    assert to_minor(Decimal("19.90"), "EUR") == 1990
    assert to_minor(Decimal("19.9"), "EUR") == 1990
    assert to_minor(Decimal("1990"), "JPY") == 1990
    assert to_minor(Decimal("1.234"), "KWD") == 1234
    assert to_minor(Decimal("1.005"), "EUR") == 101


@given(units=st.integers(min_value=-(10**15), max_value=10**15), currency=st.sampled_from(CURRENCIES))
def test_minor_round_trip_from_integers(units: int, currency: str) -> None:
    amount = from_minor(units, currency)
    assert amount.as_tuple().exponent == -DIGITS[currency]
    assert to_minor(amount, currency) == units
    assert quantize(amount, currency) == amount


@given(units=st.integers(min_value=0, max_value=10**11), currency=st.sampled_from(CURRENCIES))
def test_from_minor_output_passes_check_amount(units: int, currency: str) -> None:
    amount = from_minor(units, currency)
    assert check_amount(amount, currency, "amount") == amount


@given(
    amount=st.decimals(min_value=-(10**9), max_value=10**9, places=6, allow_nan=False, allow_infinity=False),
    currency=st.sampled_from(CURRENCIES),
)
def test_quantize_is_half_up_and_within_half_a_unit(amount: Decimal, currency: str) -> None:
    result = quantize(amount, currency)
    unit = exponent_of(currency)
    assert result.as_tuple().exponent == -DIGITS[currency]
    assert abs(result - amount) <= unit / 2
    # exactly half a unit away only when rounding away from zero
    if abs(result - amount) == unit / 2:
        assert abs(result) > abs(amount)
    assert from_minor(to_minor(amount, currency), currency) == result
