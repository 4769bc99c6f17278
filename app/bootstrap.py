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
from app.backends.local.event_log import LocalEventLog
from app.backends.local.keys import LocalKeyStore
from app.backends.local.notifications import EventNotifications
from app.backends.local.rate_buckets import DatabaseBuckets
from app.backends.local.store import LocalBackend, utcnow
from app.backends.registry import BackendRegistry
from app.backends.system.wiring import SystemParts, build_system
from app.backends.wix.setup import Wix, build_wix
from app.events.hub import EventHub
from app.events.service import EventService
from app.limits import InProcessBuckets
from app.orders import OrderService

if TYPE_CHECKING:
    from app.backends.base import OrderBackend
    from app.config import Settings
    from app.limits import RateLimiter


@dataclass
class Gateway:
    """What a running gateway holds: the database, the service over all backends, events, keys, audit and
    the rate-limit buckets (in the database on PostgreSQL, so processes share them; else in-process)."""

    database: Database
    service: OrderService
    events: EventService
    access: Access
    audit: AuditTrail
    limiter: RateLimiter
    notifications: EventNotifications | None = None
    wix: Wix | None = None
    system: SystemParts | None = None

    def start(self) -> None:
        """Starts tailing the event log, listening for other processes' appends (PostgreSQL) and polling
        Retailys (when on)."""
        self.events.hub.start()
        if self.notifications is not None:
            self.notifications.start()
        if self.system is not None:
            self.system.start()

    async def close(self) -> None:
        """Stops polling, listening and the event hub, writes the pending audit entries, then closes the
        upstream clients and the database."""
        if self.system is not None:
            await self.system.close()
        if self.notifications is not None:
            await self.notifications.stop()
        await self.events.hub.stop()
        await self.audit.drain()
        if self.wix is not None:
            await self.wix.backend.close()
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
    wix = build_wix(settings, database, utcnow) if settings.wix_enabled else None
    system = build_system(settings, database, utcnow)
    backends: list[OrderBackend] = [LocalBackend(database, utcnow)]
    backends += [wix.backend] if wix else []
    backends += [system.backend] if system else []
    registry = BackendRegistry(backends)
    hub = EventHub(
        LocalEventLog(database, background=True),
        poll_interval=settings.events_poll_ms / 1000,
        queue_size=settings.events_queue_size,
    )
    database.on_commit(hub.notify)
    capacity, rate = settings.rate_limit_capacity, settings.rate_limit_per_second
    limiter = (
        InProcessBuckets(capacity, rate) if database.is_sqlite else DatabaseBuckets(database, capacity, rate)
    )
    return Gateway(
        database=database,
        service=OrderService(registry, utcnow),
        events=EventService(LocalEventLog(database), hub),
        access=Access(LocalKeyStore(database), utcnow),
        audit=AuditTrail(LocalAuditLog(database), utcnow),
        limiter=limiter,
        notifications=None if database.is_sqlite else EventNotifications(database.engine, hub.notify),
        wix=wix,
        system=system,
    )
