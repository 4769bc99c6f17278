"""Fixtures: the Wix emulator on a free port, and a gateway whose Wix backend points at it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa

from app.config import Settings
from tests.conftest import Gateway, new_database, start_gateway
from tests.wix.emulator import API_KEY, SITE_ID, WixEmulator
from tests.wix.signing import key_pair

CREATE_WIX = """mutation($input: CreateOrderInput!, $key: String) {
  createOrder(input: $input, idempotencyKey: $key) {
    order { id number source status paymentStatus externalId balance { paid due }
            lineItems { id productName quantity price taxAmount totalPrice fulfilledQuantity } }
    userErrors { field message code } } }"""


@dataclass
class WixSite:
    """The emulated Wix site, its URL, and the private half of the webhook key pair."""

    emulator: WixEmulator
    url: str
    private_key: rsa.RSAPrivateKey


@dataclass
class WixGateway(Gateway):
    """A gateway with the Wix backend on, and the site behind it."""

    site: WixSite

    @property
    def wix(self) -> WixEmulator:
        return self.site.emulator

    async def webhook(self, body: str) -> tuple[int, Any]:
        async with self.http.post(f"{self.url}/webhooks/wix", data=body) as response:
            return response.status, await response.json(content_type=None)

    def wix_input(self, **fields: Any) -> dict[str, Any]:
        base: dict[str, Any] = {
            "source": "wix",
            "currency": "USD",
            "buyer": {"email": "ann@example.com", "firstName": "Ann", "lastName": "Lee"},
            "lineItems": [{"productName": "Desk", "quantity": 2, "price": "100.00", "taxRate": "0.1"}],
        }
        base.update(fields)
        return base

    async def create_wix(self, key: str | None = None, **fields: Any) -> dict[str, Any]:
        """Creates an order on Wix through the gateway; fails on userErrors."""
        payload = (await self.query(CREATE_WIX, {"input": self.wix_input(**fields), "key": key}))[
            "createOrder"
        ]
        assert payload["userErrors"] == [], payload["userErrors"]
        return payload["order"]  # type: ignore[no-any-return]


@pytest_asyncio.fixture(scope="module")
async def site(store: str) -> AsyncIterator[WixSite]:
    """A fresh emulated site for each module and store (its state starts empty)."""
    emulator = WixEmulator()
    runner = web.AppRunner(emulator.app())
    await runner.setup()
    tcp = web.TCPSite(runner, "127.0.0.1", 0)
    await tcp.start()
    private, _ = key_pair()
    yield WixSite(emulator, f"http://127.0.0.1:{runner.addresses[0][1]}", private)
    await runner.cleanup()


def wix_settings(database_url: str, site: WixSite, **extra: Any) -> Settings:
    from cryptography.hazmat.primitives import serialization

    pem = site.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    values: dict[str, Any] = {
        "database_url": database_url,
        "port": 0,
        "wix_api_key": API_KEY,
        "wix_site_id": SITE_ID,
        "wix_base_url": site.url,
        "wix_webhook_public_key": pem.decode(),
        "wix_read_timeout_s": 2,
        "events_poll_ms": 50,
    }
    values.update(extra)
    return Settings(**values)


@pytest_asyncio.fixture(scope="module")
async def wix_gateway(
    store: str, site: WixSite, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[WixGateway]:
    """A gateway whose Wix backend calls the emulator, on each store (SQLite and PostgreSQL)."""
    url = await new_database(store, request, tmp_path_factory)
    runner, base = await start_gateway(wix_settings(url, site))
    async with aiohttp.ClientSession() as http:
        yield WixGateway(base, runner.app, http, site)
    await runner.cleanup()
