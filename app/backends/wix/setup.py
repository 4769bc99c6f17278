"""Wiring of the Wix backend from settings: its client, the backend, and the webhook receiver."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.serialization import load_pem_public_key

from app.backends.local.upstream_events import UpstreamEventLog
from app.backends.wix.backend import WixBackend
from app.backends.wix.client import RetryPolicy, WixClient
from app.backends.wix.idempotency import IdempotencyKeys
from app.backends.wix.webhooks import WixWebhooks, load_public_key

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from app.backends.local.database import Database
    from app.config import Settings


@dataclass(frozen=True, slots=True)
class Wix:
    """The Wix backend and its webhook receiver."""

    backend: WixBackend
    webhooks: WixWebhooks


def build_wix(settings: Settings, database: Database, clock: Callable[[], datetime]) -> Wix:
    """The Wix backend for `settings` (which must have it enabled); a bad webhook key fails here."""
    assert settings.wix_api_key
    assert settings.wix_site_id
    public_key = None
    if settings.wix_webhook_public_key:
        public_key = load_public_key(settings.wix_webhook_public_key)
        try:
            load_pem_public_key(public_key.encode())
        except ValueError as err:
            raise ValueError("GATEWAY_WIX_WEBHOOK_PUBLIC_KEY is not a PEM public key") from err
    client = WixClient(
        settings.wix_base_url,
        settings.wix_api_key,
        settings.wix_site_id,
        connect_timeout_s=settings.wix_connect_timeout_s,
        read_timeout_s=settings.wix_read_timeout_s,
        retry=RetryPolicy(attempts=settings.wix_retries),
    )
    log = UpstreamEventLog(database, "wix", clock)
    return Wix(WixBackend(client, log, IdempotencyKeys(database), clock), WixWebhooks(public_key, log, clock))
