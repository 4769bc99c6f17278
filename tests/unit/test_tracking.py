"""Tracking input: the standard providers' links, canonical spelling, custom providers and link safety."""

from __future__ import annotations

from urllib.parse import quote, unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain import rules, tracking
from app.domain.errors import DomainError, ErrorCode
from app.domain.model import TrackingInfo

ODD_NUMBER = "AB 12/3?x"
ODD_ENCODED = "AB%2012%2F3%3Fx"
DOCUMENTED = ("fedex", "ups", "usps", "dhl", "canadaPost", "royalMail", "auPost", "dpd", "gls")


def refusal(info: TrackingInfo) -> DomainError:
    with pytest.raises(DomainError) as exc:
        tracking.checked(info)
    return exc.value


# ---------------------------------------------------------------------------------------------- the table


def test_the_documented_providers_are_standard() -> None:
    assert set(DOCUMENTED) <= set(tracking.PROVIDERS)


def test_provider_codes_differ_in_more_than_letter_case() -> None:
    assert len({code.lower() for code in tracking.PROVIDERS}) == len(tracking.PROVIDERS)


@pytest.mark.parametrize("code", sorted(tracking.PROVIDERS))
def test_every_provider_links_to_an_https_page_with_the_encoded_number(code: str) -> None:
    checked = tracking.checked(TrackingInfo(ODD_NUMBER, code))
    link = checked.tracking_link
    assert link is not None
    assert link.startswith("https://")
    assert ODD_ENCODED in link
    assert ODD_NUMBER not in link
    assert " " not in link
    assert link == tracking.PROVIDERS[code].replace("{n}", ODD_ENCODED)
    assert link == tracking.link_for(code, ODD_NUMBER)
    assert rules.url(link, "trackingLink") == link
    assert (checked.shipping_provider, checked.tracking_number) == (code, ODD_NUMBER)


@pytest.mark.parametrize("code", sorted(tracking.PROVIDERS))
def test_every_provider_matches_in_any_letter_case(code: str) -> None:
    for spelling in (code.upper(), code.lower(), code.swapcase(), f"  {code.upper()} "):
        assert tracking.canonical_provider(spelling) == code
        checked = tracking.checked(TrackingInfo("123", spelling))
        assert checked.shipping_provider == code
        assert checked.tracking_link == tracking.link_for(code, "123")


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("FEDEX", "fedex"),
        ("FedEx", "fedex"),
        ("CanadaPost", "canadaPost"),
        ("canadapost", "canadaPost"),
        ("ROYALMAIL", "royalMail"),
        ("AuPost", "auPost"),
        ("DHL", "dhl"),
    ],
)
def test_canonical_spelling(spelling: str, canonical: str) -> None:
    assert tracking.canonical_provider(spelling) == canonical
    assert tracking.checked(TrackingInfo("1", spelling)).shipping_provider == canonical


@pytest.mark.parametrize("name", ["FedEx Ground", "Canada Post", "royal-mail", "my courier", "upss"])
def test_near_misses_are_custom(name: str) -> None:
    assert tracking.canonical_provider(name) is None
    assert tracking.link_for(name, "1") is None


@pytest.mark.parametrize(
    ("number", "encoded"),
    [
        ("1Z 999", "1Z%20999"),
        ("100%", "100%25"),
        ("a&b=c", "a%26b%3Dc"),
        ("#frag", "%23frag"),
        ("Ünï-cödé", "%C3%9Cn%C3%AF-c%C3%B6d%C3%A9"),
        ("a+b", "a%2Bb"),
    ],
)
def test_numbers_are_percent_encoded(number: str, encoded: str) -> None:
    link = tracking.checked(TrackingInfo(number, "ups")).tracking_link
    assert link == f"https://wwwapps.ups.com/WebTracking/track?track=yes&trackNums={encoded}"


def test_number_and_provider_are_trimmed() -> None:
    checked = tracking.checked(TrackingInfo("  JD0146\n", " dhl "))
    assert checked == TrackingInfo(
        "JD0146", "dhl", "https://www.logistics.dhl/global-en/home/tracking.html?tracking-id=JD0146"
    )


@given(
    number=st.text(min_size=1, max_size=tracking.NUMBER_MAX).filter(lambda s: s.strip() and "\x00" not in s)
)
@settings(max_examples=100, deadline=None)
def test_any_number_round_trips_through_the_link(number: str) -> None:
    checked = tracking.checked(TrackingInfo(number, "dpd"))
    prefix = tracking.PROVIDERS["dpd"].replace("{n}", "")
    link = checked.tracking_link
    assert link is not None and link.startswith(prefix)
    assert unquote(link[len(prefix) :]) == number.strip() == checked.tracking_number
    assert link[len(prefix) :] == quote(number.strip(), safe="")
    assert rules.url(link, "trackingLink") == link


# ---------------------------------------------------------------------------------------------- custom providers


def test_custom_provider_needs_a_link() -> None:
    err = refusal(TrackingInfo("123", "Bike courier"))
    assert err.code is ErrorCode.INVALID
    assert err.field == ("trackingLink",)
    assert "Bike courier" in err.message


@pytest.mark.parametrize(
    "link",
    [
        "https://track.example.com/p/123?x=1#top",
        "http://track.example.com/123",
        "HTTPS://TRACK.EXAMPLE.COM/123",
        "https://track.example.com:8443/123",
    ],
)
def test_custom_provider_with_a_link_keeps_it(link: str) -> None:
    checked = tracking.checked(TrackingInfo(" 123 ", " Bike courier ", link))
    assert checked == TrackingInfo("123", "Bike courier", link)


def test_standard_provider_keeps_a_given_link() -> None:
    link = "https://example.com/ups/123"
    assert tracking.checked(TrackingInfo("123", "UPS", link)) == TrackingInfo("123", "ups", link)


BAD_LINKS = [
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)",
    "javascript://example.com/%0aalert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "ftp://example.com/track/1",
    "mailto:ops@example.com",
    "//example.com/track/1",
    "example.com/track/1",
    "/track/1",
    "https://",
    "https:///path",
    "https://exa mple.com/1",
    "https://example.com/a b",
    "https://example.com/\nalert",
    "https://example.com/1\n",
    "https://example.com/1\r",
    "https://example.com\t/1",
    " https://example.com/1",
    "https://example.com/1 ",
    "https://user@evil.example/1",
    "https://example.com/\x00",
    "",
    "https://example.com/" + "x" * rules.URL_MAX,
]


@pytest.mark.parametrize("provider", ["Bike courier", "ups"])
@pytest.mark.parametrize("link", BAD_LINKS)
def test_unsafe_or_malformed_links_are_refused(link: str, provider: str) -> None:
    err = refusal(TrackingInfo("123", provider, link))
    assert err.code is ErrorCode.INVALID
    assert err.field == ("trackingLink",)


# ---------------------------------------------------------------------------------------------- blanks, limits


@pytest.mark.parametrize("number", ["", " ", "\t\n"])
def test_blank_number(number: str) -> None:
    err = refusal(TrackingInfo(number, "ups"))
    assert err.code is ErrorCode.INVALID
    assert err.field == ("trackingNumber",)


@pytest.mark.parametrize("provider", ["", "   "])
def test_blank_provider(provider: str) -> None:
    err = refusal(TrackingInfo("123", provider, "https://example.com/1"))
    assert err.code is ErrorCode.INVALID
    assert err.field == ("shippingProvider",)


def test_long_number_and_provider() -> None:
    assert tracking.checked(TrackingInfo("9" * tracking.NUMBER_MAX, "ups")).tracking_number == "9" * 100
    assert refusal(TrackingInfo("9" * (tracking.NUMBER_MAX + 1), "ups")).field == ("trackingNumber",)
    long_name = "c" * (tracking.PROVIDER_MAX + 1)
    assert refusal(TrackingInfo("1", long_name, "https://example.com/1")).field == ("shippingProvider",)


def test_nul_in_number() -> None:
    assert refusal(TrackingInfo("12\x0034", "ups")).field == ("trackingNumber",)
