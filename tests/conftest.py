"""Fixtures: a real gateway on a free port of 127.0.0.1 over its own database, and a client for it.

The module-scoped `store` fixture runs each module whose gateways use it twice: on a SQLite file and on a
database of its own in one PostgreSQL server (from the `pgserver` wheel) that the session starts in a
temporary directory.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import asyncpg
import pgserver
import pytest
import pytest_asyncio
from aiohttp import web
from sqlalchemy import select

from app import bootstrap
from app.backends.local.database import Database
from app.backends.local.migrations import upgrade
from app.backends.local.tables import events_t
from app.config import Settings
from app.domain.access import Scope
from app.server import GATEWAY, create_app

REPO = Path(__file__).resolve().parents[1]
CONTRACT = REPO.parent / "shared" / "contract" / "schema.graphql"

ORDER_FIELDS = """
  id number source externalId status paymentStatus fulfillmentStatus deliveryStatus currency note revision
  createdAt updatedAt
  buyer { email firstName lastName phone customerId }
  billingAddress { firstName lastName company line1 line2 city postalCode region countryCode phone }
  shippingAddress { firstName lastName line1 city postalCode countryCode }
  shippingLine { title price }
  customStatus { id name color }
  priceSummary { subtotal discount shipping tax total }
  balance { paid refunded due }
  lineItems { id productName sku catalogItemId imageUrl quantity fulfilledQuantity price discount taxRate
              taxAmount totalPrice }
  history { id kind message author createdAt }
"""
PAYLOAD = f"order {{ {ORDER_FIELDS} }} userErrors {{ field message code }}"
CREATE = f"""mutation($input: CreateOrderInput!, $key: String) {{
  createOrder(input: $input, idempotencyKey: $key) {{ {PAYLOAD} }}
}}"""


class Requests:
    """GraphQL over HTTP to the gateway at `url`, for `Client` and `Gateway`."""

    url: str
    http: aiohttp.ClientSession

    async def post(self, body: Any, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        async with self.http.post(f"{self.url}/graphql", json=body, headers=headers) as response:
            return response.status, await response.json(content_type=None)

    async def query(
        self, query: str, variables: dict[str, Any] | None = None, **headers: str
    ) -> dict[str, Any]:
        """Runs an operation that must succeed without GraphQL errors; returns its data."""
        status, body = await self.post({"query": query, "variables": variables or {}}, headers or None)
        assert status == 200, body
        assert "errors" not in body, body["errors"]
        return body["data"]  # type: ignore[no-any-return]

    async def errors(self, query: str, variables: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Runs an operation that must fail with GraphQL errors; returns them."""
        status, body = await self.post({"query": query, "variables": variables or {}})
        assert status in (200, 400), body
        assert body.get("errors"), body
        return body["errors"]  # type: ignore[no-any-return]

    async def field(self, query: str, **variables: Any) -> dict[str, Any]:
        """Runs an operation that must succeed; returns the value of its (first) top-level field."""
        data = await self.query(query, variables)
        return next(iter(data.values()))  # type: ignore[no-any-return]

    async def create(self, key: str | None = None, **fields: Any) -> dict[str, Any]:
        """Creates an order (defaults: EUR, one line) and returns it; fails on userErrors."""
        payload = (await self.query(CREATE, {"input": order_input(**fields), "key": key}))["createOrder"]
        assert payload["userErrors"] == [], payload["userErrors"]
        return payload["order"]  # type: ignore[no-any-return]


@dataclass
class Client(Requests):
    """An HTTP client of a gateway that runs elsewhere (another process)."""

    url: str
    http: aiohttp.ClientSession


@dataclass
class Gateway(Requests):
    """A gateway running in this process, and an HTTP client for it."""

    url: str
    app: web.Application
    http: aiohttp.ClientSession

    @property
    def statements(self) -> int:
        """SQL statements the gateway's database has run so far."""
        return self.app[GATEWAY].database.statements

    async def event_types(self, order_id: str) -> list[str]:
        """The types of the order's stored events, oldest first."""
        async with self.app[GATEWAY].database.read() as conn:
            stmt = select(events_t.c.type).where(events_t.c.order_id == order_id).order_by(events_t.c.seq)
            return list((await conn.execute(stmt)).scalars())


def order_input(**fields: Any) -> dict[str, Any]:
    """A valid CreateOrderInput, overridden by `fields`."""
    base: dict[str, Any] = {
        "currency": "EUR",
        "buyer": {"email": f"{uuid.uuid4().hex[:10]}@example.com", "firstName": "Ann", "lastName": "Lee"},
        "lineItems": [{"productName": "Blue Mug", "quantity": 2, "price": "9.95", "taxRate": "0.21"}],
    }
    base.update(fields)
    return base


async def start_gateway(settings: Settings) -> tuple[web.AppRunner, str]:
    """Starts the app on a free port of 127.0.0.1; returns the runner and the base URL."""
    runner = web.AppRunner(create_app(settings))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}"


async def issue_keys(database_url: str, wanted: Mapping[str, Iterable[Scope]]) -> dict[str, str]:
    """Migrates the database and creates a key per client name there; returns each name's token."""
    await asyncio.to_thread(upgrade, database_url)
    gateway = bootstrap.build(Settings(database_url=database_url))
    try:
        return {name: (await gateway.access.create_key(name, scopes))[1] for name, scopes in wanted.items()}
    finally:
        await gateway.close()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class KeyedGateway(Gateway):
    """A gateway started with keys configured, and the token of each key by client name."""

    tokens: dict[str, str]
    database_url: str

    def as_client(self, name: str) -> dict[str, str]:
        """The headers of a request made with the key of client `name`."""
        return bearer(self.tokens[name])


STORES = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The unix socket directory of a PostgreSQL server started for this session; fails if it cannot start."""
    try:
        server = pgserver.get_server(tmp_path_factory.mktemp("pgdata"), cleanup_mode="stop")
        socket_dir = parse_qs(urlsplit(server.get_uri()).query)["host"][0]
    except Exception as error:
        pytest.fail(f"cannot start PostgreSQL (pgserver): {error!r}", pytrace=False)
    yield socket_dir
    server.cleanup()


async def new_database(
    store: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """The URL of a new, empty database on `store` ("sqlite" or "postgresql")."""
    if store == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('store') / 'orders.db'}"
    socket_dir: str = request.getfixturevalue("postgres")
    name = f"orders_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(host=socket_dir, user="postgres", database="postgres")
    try:
        await conn.execute(f"CREATE DATABASE {name}")
    finally:
        await conn.close()
    return f"postgresql+asyncpg://postgres@/{name}?host={socket_dir}"


@pytest_asyncio.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated SQLite file of its own (`tmp_path / "orders.db"`), for store-level tests."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'orders.db'}"
    await asyncio.to_thread(upgrade, url)
    database = Database(url)
    yield database
    await database.dispose()


@pytest_asyncio.fixture
async def postgres_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Database]:
    """A migrated database of its own on the session's PostgreSQL server, for store-level tests."""
    url = await new_database("postgresql", request, tmp_path_factory)
    await asyncio.to_thread(upgrade, url)
    database = Database(url)
    yield database
    await database.dispose()


# Keys of the `keyed_gateway`: "all" has every scope; "only S" just S; "without S" every scope but S.
KEYS: dict[str, frozenset[Scope]] = {
    "all": frozenset(Scope),
    **{f"only {s}": frozenset({s}) for s in Scope},
    **{f"without {s}": frozenset(Scope) - {s} for s in Scope},
}


@pytest.fixture(scope="module", params=STORES)
def store(request: pytest.FixtureRequest) -> str:
    """The store the module's gateways run on: each API module runs on both."""
    return request.param  # type: ignore[no-any-return]


@pytest_asyncio.fixture(scope="module")
async def keyed_gateway(
    store: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[KeyedGateway]:
    """A fresh gateway that requires API keys (those of `KEYS`), for each test module."""
    url = await new_database(store, request, tmp_path_factory)
    tokens = await issue_keys(url, KEYS)
    runner, base = await start_gateway(Settings(database_url=url, port=0))
    async with aiohttp.ClientSession() as http:
        yield KeyedGateway(base, runner.app, http, tokens, url)
    await runner.cleanup()


@pytest_asyncio.fixture(scope="module")
async def gateway(
    store: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Gateway]:
    """A fresh gateway (and database) for each test module."""
    database_url = await new_database(store, request, tmp_path_factory)
    runner, url = await start_gateway(Settings(database_url=database_url, port=0))
    async with aiohttp.ClientSession() as http:
        yield Gateway(url, runner.app, http)
    await runner.cleanup()
