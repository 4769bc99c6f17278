"""The one composition root: builds the engine, the backends and the service from settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url

from app.access import Access
from app.audit import AuditTrail
from app.backends.local.audit import LocalAuditLog
from app.backends.local.database import Database
from app.backends.local.keys import LocalKeyStore
from app.backends.local.store import LocalBackend, utcnow
from app.backends.registry import BackendRegistry
from app.orders import OrderService

if TYPE_CHECKING:
    from app.config import Settings


@dataclass
class Gateway:
    """What a running gateway holds: the local database, the service over all backends, keys and audit."""

    database: Database
    service: OrderService
    access: Access
    audit: AuditTrail

    async def close(self) -> None:
        """Writes the pending audit entries, then closes the database."""
        await self.audit.drain()
        await self.database.dispose()


def ensure_sqlite_dir(url: str) -> None:
    """Creates the folder of a SQLite file (the embedded default lives under ./data/)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def build(settings: Settings) -> Gateway:
    """Wires the gateway; does no I/O beyond creating the SQLite folder."""
    ensure_sqlite_dir(settings.database_url)
    database = Database(
        settings.database_url,
        pool_size=settings.db_pool_size,
        statement_timeout_ms=settings.db_statement_timeout_ms,
    )
    registry = BackendRegistry([LocalBackend(database, utcnow)])
    return Gateway(
        database=database,
        service=OrderService(registry, utcnow),
        access=Access(LocalKeyStore(database), utcnow),
        audit=AuditTrail(LocalAuditLog(database), utcnow),
    )
