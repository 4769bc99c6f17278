"""ISO 4217 currency codes (list one, current) and their minor units.

Codes whose minor unit is "N.A." (precious metals, SDR, bond units, XTS, XXX) are left out.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Mapping

# Whitespace-separated codes, grouped by minor unit.
_ZERO_DIGITS: Final = """
    BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF
"""

_THREE_DIGITS: Final = "BHD IQD JOD KWD LYD OMR TND"

_FOUR_DIGITS: Final = "CLF UYW"

_TWO_DIGITS: Final = """
    AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BMD BND BOB BOV BRL BSD BTN BWP
    BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB
    EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES
    KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR
    MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD
    RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP
    TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XAD XCD XCG YER ZAR ZMW ZWG
"""

MINOR_UNITS: Final[Mapping[str, int]] = MappingProxyType(
    {
        **dict.fromkeys(_TWO_DIGITS.split(), 2),
        **dict.fromkeys(_ZERO_DIGITS.split(), 0),
        **dict.fromkeys(_THREE_DIGITS.split(), 3),
        **dict.fromkeys(_FOUR_DIGITS.split(), 4),
    }
)


def minor_unit(code: str) -> int | None:
    """Return the ISO 4217 minor unit (decimal exponent) for ``code``, or None if it is not listed.

    Matching is exact: ``code`` must be the uppercase alphabetic code, e.g. ``"EUR"``.
    """
    return MINOR_UNITS.get(code)
