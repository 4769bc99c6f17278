"""Money arithmetic: amounts are `Decimal` with exactly the currency's minor-unit digits.

Computed amounts round half-up; an input with more digits than the currency allows is refused, never
rounded silently:

    >>> quantize(Decimal("1.005"), "EUR")
    Decimal('1.01')
    >>> check_amount(Decimal("1.005"), "EUR", "price")  # raises DomainError(INVALID)
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from app.domain.currencies import minor_unit
from app.domain.errors import invalid

ZERO = Decimal(0)
MAX_AMOUNT = Decimal("1e12")


@lru_cache(maxsize=256)
def exponent_of(currency: str) -> Decimal:
    """The quantum of `currency`, e.g. Decimal('0.01') for EUR, Decimal('1') for JPY."""
    digits = minor_unit(currency)
    if digits is None:
        raise invalid(f"{currency!r} is not an ISO 4217 currency code", "currency")
    return Decimal(1).scaleb(-digits)


def quantize(amount: Decimal, currency: str) -> Decimal:
    """`amount` rounded half-up to the currency's minor unit."""
    return amount.quantize(exponent_of(currency), rounding=ROUND_HALF_UP)


def check_amount(amount: Decimal, currency: str, *field: str, positive: bool = False) -> Decimal:
    """Validates an input amount (finite, ≥ 0 or > 0, within the currency's digits); returns it quantized."""
    if not amount.is_finite():
        raise invalid("amount must be a finite number", *field)
    if amount < 0 or (positive and amount == 0):
        raise invalid(
            "amount must be greater than zero" if positive else "amount must not be negative", *field
        )
    if amount >= MAX_AMOUNT:
        raise invalid(f"amount must be below {MAX_AMOUNT:f}", *field)
    exact = quantize(amount, currency)
    if exact != amount:
        raise invalid(f"{currency} amounts have at most {minor_unit(currency)} decimals", *field)
    return exact


def to_minor(amount: Decimal, currency: str) -> int:
    """The amount as an integer count of minor units (what the store keeps)."""
    return int(quantize(amount, currency).scaleb(minor_unit(currency) or 0))


def from_minor(units: int, currency: str) -> Decimal:
    """The inverse of `to_minor`."""
    return Decimal(units).scaleb(-(minor_unit(currency) or 0))
