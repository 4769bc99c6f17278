"""Shipment tracking: the standard carriers, their public tracking pages, and the checks on tracking input.

A standard provider matches case-insensitively and is stored in its canonical spelling; its link is
generated from the table when the client sends none. Any other provider is custom and needs its own link.

    >>> checked(TrackingInfo("1Z 999", "UPS")).tracking_link
    'https://wwwapps.ups.com/WebTracking/track?track=yes&trackNums=1Z%20999'
"""

from __future__ import annotations

from urllib.parse import quote

from app.domain import rules
from app.domain.errors import invalid
from app.domain.model import TrackingInfo

NUMBER_MAX = 100
PROVIDER_MAX = 100

# canonical code → public tracking page, `{n}` standing for the URL-encoded tracking number
PROVIDERS: dict[str, str] = {
    "fedex": "https://www.fedex.com/apps/fedextrack/?action=track&trackingnumber={n}",
    "ups": "https://wwwapps.ups.com/WebTracking/track?track=yes&trackNums={n}",
    "usps": "https://tools.usps.com/go/TrackConfirmAction.action?tLabels={n}",
    "dhl": "https://www.logistics.dhl/global-en/home/tracking.html?tracking-id={n}",
    "canadaPost": "https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor={n}",
    "royalMail": "https://www.royalmail.com/track-your-item#/tracking-results/{n}",
    "auPost": "https://auspost.com.au/mypost/track/#/details/{n}",
    "dpd": "https://tracking.dpd.de/status/en_US/parcel/{n}",
    "gls": "https://gls-group.com/EU/en/parcel-tracking?match={n}",
    "tnt": "https://www.tnt.com/express/en_us/site/shipping-tools/tracking.html?searchType=con&cons={n}",
    "purolator": "https://www.purolator.com/en/shipping/tracker?pin={n}",
    "laPoste": "https://www.laposte.fr/outils/suivre-vos-envois?code={n}",
    "postNL": "https://jouw.postnl.nl/track-and-trace/{n}",
    "japanPost": "https://trackings.post.japanpost.jp/services/srv/search/?requestNo1={n}&locale=en",
    "aramex": "https://www.aramex.com/us/en/track/results?ShipmentNumber={n}",
}
_CANONICAL = {code.lower(): code for code in PROVIDERS}


def canonical_provider(name: str) -> str | None:
    """The canonical code of a standard provider (any letter case), or None for a custom one."""
    return _CANONICAL.get(name.strip().lower())


def link_for(provider: str, number: str) -> str | None:
    """The public tracking page of a standard provider for `number`, or None."""
    pattern = PROVIDERS.get(provider)
    return pattern.format(n=quote(number, safe="")) if pattern else None


def checked(info: TrackingInfo) -> TrackingInfo:
    """Tracking input made canonical: provider spelling, generated link; custom providers need a link."""
    number = rules.required_text(info.tracking_number.strip(), "trackingNumber", limit=NUMBER_MAX)
    name = rules.required_text(info.shipping_provider.strip(), "shippingProvider", limit=PROVIDER_MAX)
    link = rules.url(info.tracking_link, "trackingLink")
    provider = canonical_provider(name) or name
    if link is None:
        link = link_for(provider, number)
        if link is None:
            raise invalid(
                f"{name!r} is not a standard shipping provider: send its trackingLink", "trackingLink"
            )
    return TrackingInfo(tracking_number=number, shipping_provider=provider, tracking_link=link)
