"""The Wix backend is on exactly when its API key and site id are set; a bad webhook key stops the start."""

from __future__ import annotations

import pytest

from app.backends.local.database import Database
from app.backends.local.store import utcnow
from app.backends.wix.setup import build_wix
from app.config import Settings


def test_on_only_with_both_the_api_key_and_the_site_id(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().wix_enabled is False
    assert Settings().wix_base_url == "https://www.wixapis.com"
    monkeypatch.setenv("GATEWAY_WIX_API_KEY", "key")
    assert Settings().wix_enabled is False
    monkeypatch.setenv("GATEWAY_WIX_SITE_ID", "site")
    monkeypatch.setenv("GATEWAY_WIX_BASE_URL", "http://127.0.0.1:1")
    settings = Settings()
    assert (settings.wix_enabled, settings.wix_api_key, settings.wix_base_url) == (
        True,
        "key",
        "http://127.0.0.1:1",
    )


async def test_a_webhook_key_that_is_not_a_pem_public_key_is_refused_at_start() -> None:
    settings = Settings(wix_api_key="k", wix_site_id="s", wix_webhook_public_key="not a key")
    database = Database("sqlite+aiosqlite:///:memory:")
    try:
        with pytest.raises(ValueError, match="GATEWAY_WIX_WEBHOOK_PUBLIC_KEY is not a PEM public key"):
            build_wix(settings, database, utcnow)
    finally:
        await database.dispose()
