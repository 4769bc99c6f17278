"""The one composition root: builds the engine, the backends and the service from settings.

The upstream adapters (Wix, Retailys: httpx, PyJWT, cryptography, aiolimiter) and the PostgreSQL-only
parts (asyncpg's LISTEN, the shared rate buckets) are imported only when the settings use them, so a
gateway serving its embedded store does not carry them in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.access import Access
from app.audit import AuditTrail
from app.backends.local.audit import LocalAuditLog
from app.backends.local.database import Database, ensure_sqlite_dir
from app.backends.local.event_log import LocalEventLog
from app.backends.local.keys import LocalKeyStore
from app.backends.local.store import LocalBackend, utcnow
from app.backends.registry import BackendRegistry
from app.events.hub import EventHub
from app.events.service import EventService
from app.limits import InProcessBuckets
from app.orders import OrderService

if TYPE_CHECKING:
    from collections.abc import Callable

    from app.backends.base import OrderBackend
    from app.backends.local.notifications import EventNotifications
    from app.backends.system.wiring import SystemParts
    from app.backends.wix.setup import Wix
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


def build(settings: Settings) -> Gateway:
    """Wires the gateway; does no I/O beyond creating the SQLite folder."""
    ensure_sqlite_dir(settings.database_url)
    database = Database(
        settings.database_url,
        pool_size=settings.db_pool_size,
        statement_timeout_ms=settings.db_statement_timeout_ms,
    )
    wix = _wix(settings, database) if settings.wix_enabled else None
    system = _system(settings, database) if settings.system_enabled else None
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
    shared = not database.is_sqlite
    limiter = _shared_buckets(database, capacity, rate) if shared else InProcessBuckets(capacity, rate)
    return Gateway(
        database=database,
        service=OrderService(registry, utcnow),
        events=EventService(LocalEventLog(database), hub),
        access=Access(LocalKeyStore(database), utcnow),
        audit=AuditTrail(LocalAuditLog(database), utcnow),
        limiter=limiter,
        notifications=None if database.is_sqlite else _notifications(database, hub.notify),
        wix=wix,
        system=system,
    )


def _wix(settings: Settings, database: Database) -> Wix:
    from app.backends.wix.setup import build_wix

    return build_wix(settings, database, utcnow)


def _system(settings: Settings, database: Database) -> SystemParts:
    from app.backends.system.wiring import build_system

    return build_system(settings, database, utcnow)


def _shared_buckets(database: Database, capacity: int, rate: float) -> RateLimiter:
    from app.backends.local.rate_buckets import DatabaseBuckets

    return DatabaseBuckets(database, capacity, rate)


def _notifications(database: Database, wake: Callable[[], None]) -> EventNotifications:
    from app.backends.local.notifications import EventNotifications

    return EventNotifications(database.engine, wake)
