"""The contract's DateTime and Decimal scalars (replacing Strawberry's defaults for those types)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

import strawberry
from strawberry.types.scalar import ScalarDefinition

MAX_DECIMAL_CHARS = 40


def serialize_datetime(value: datetime) -> str:
    """UTC, millisecond precision, Z suffix: 2026-11-22T14:36:46.123Z."""
    utc = value if value.tzinfo is UTC else value.astimezone(UTC)
    return utc.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def parse_datetime(value: object) -> datetime:
    """ISO-8601 text; a time without an offset is kept naive so the rules can refuse it (INVALID)."""
    if not isinstance(value, str) or len(value) > 40:
        raise ValueError("DateTime must be an ISO-8601 string")
    parsed = datetime.fromisoformat(value)
    return parsed.astimezone(UTC) if parsed.utcoffset() is not None else parsed


def serialize_decimal(value: Decimal) -> str:
    """Plain digits, never an exponent; amounts arrive already quantized to their currency."""
    text = str(value)  # plain already for the amounts and rates the store holds, and quicker than format
    return format(value, "f") if "E" in text else text


def parse_decimal(value: object) -> Decimal:
    """A decimal string (or an integer); floats are refused because they are not exact."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError('Decimal must be a string such as "19.99"')
    text = str(value)
    if len(text) > MAX_DECIMAL_CHARS:
        raise ValueError("Decimal is too long")
    try:
        parsed = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a decimal number") from None
    if not parsed.is_finite() or abs(parsed.adjusted()) > 20:
        raise ValueError(f"{text!r} is not a usable decimal number")
    return parsed


DateTimeScalar = strawberry.scalar(
    name="DateTime",
    description="ISO-8601 date-time; output in UTC with millisecond precision and a Z suffix.",
    serialize=serialize_datetime,
    parse_value=parse_datetime,
)
DecimalScalar = strawberry.scalar(
    name="Decimal",
    description='A decimal number serialized as a string, e.g. "19.99". Money is never a float.',
    serialize=serialize_decimal,
    parse_value=parse_decimal,
)
SCALARS: dict[object, ScalarDefinition] = {datetime: DateTimeScalar, Decimal: DecimalScalar}
