"""Sanity checks for the ISO 4217 and ISO 3166-1 reference tables."""

from __future__ import annotations

import re

import pytest

from app.domain.countries import COUNTRY_CODES, is_country_code
from app.domain.currencies import MINOR_UNITS, minor_unit


def test_currency_count_is_in_sane_range() -> None:
    assert 150 <= len(MINOR_UNITS) <= 185


def test_country_count_is_exact() -> None:
    assert len(COUNTRY_CODES) == 249


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("EUR", 2),
        ("USD", 2),
        ("CZK", 2),
        ("HUF", 2),
        ("JPY", 0),
        ("KRW", 0),
        ("XOF", 0),
        ("KWD", 3),
        ("BHD", 3),
        ("TND", 3),
        ("CLF", 4),
        ("UYW", 4),
    ],
)
def test_known_minor_units(code: str, expected: int) -> None:
    assert minor_unit(code) == expected


@pytest.mark.parametrize("code", ["XXX", "ABC", "XAU", "XDR", "", "EURO"])
def test_unknown_currency_codes_are_rejected(code: str) -> None:
    assert minor_unit(code) is None


@pytest.mark.parametrize("code", ["eur", "Eur", "jpy"])
def test_lowercase_currency_codes_are_rejected(code: str) -> None:
    assert minor_unit(code) is None


def test_currency_keys_are_three_uppercase_ascii_letters() -> None:
    pattern = re.compile(r"[A-Z]{3}", re.ASCII)
    assert all(pattern.fullmatch(code) for code in MINOR_UNITS)


def test_minor_units_are_small_non_negative_ints() -> None:
    assert set(MINOR_UNITS.values()) <= {0, 2, 3, 4}


def test_minor_units_table_is_read_only() -> None:
    with pytest.raises(TypeError):
        MINOR_UNITS["EUR"] = 3  # type: ignore[index]


def test_known_country_codes_are_accepted() -> None:
    for code in ("GB", "US", "DE", "JP", "CZ", "AX", "SS"):
        assert is_country_code(code)


@pytest.mark.parametrize("code", ["ZZ", "UK", "XK", "EU", "", "GBR"])
def test_unknown_country_codes_are_rejected(code: str) -> None:
    assert not is_country_code(code)


@pytest.mark.parametrize("code", ["gb", "Gb", "us"])
def test_lowercase_country_codes_are_rejected(code: str) -> None:
    assert not is_country_code(code)


def test_country_codes_are_two_uppercase_ascii_letters() -> None:
    pattern = re.compile(r"[A-Z]{2}", re.ASCII)
    assert all(pattern.fullmatch(code) for code in COUNTRY_CODES)
