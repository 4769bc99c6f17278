"""The order event log in the local store (`order_events`), read with SQLAlchemy Core.

Readers rely on one promise: sequence order is commit order, so once a reader sees event N, every event
before N is visible too and it can go on from N. On SQLite writes are serialized (one writer,
`BEGIN IMMEDIATE`), which keeps it. On PostgreSQL a sequence number is taken at insert, not at commit, so
two transactions could commit in the other order than they numbered their events; every transaction that
appends events therefore first takes one transaction-level advisory lock (`before_appending`), held until
it commits: events are numbered and committed one transaction at a time, while everything the
transactions did before (loading, deciding, writing the orders) still runs in parallel. The same
statement queues a NOTIFY on `CHANNEL`, which PostgreSQL delivers at commit, and only then, to every
gateway process listening (app/backends/local/notifications.py): it carries no payload; readers read the
log.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, select, text

from app.backends.local.tables import EventRow
from app.domain.events import LoggedEvent
from app.domain.model import EventType

if TYPE_CHECKING:
    from sqlalchemy import Table

    from app.backends.local.database import Database, DbConnection
    from app.domain.events import EventFilter

events_t: Table = EventRow.__table__  # type: ignore[attr-defined]
_COLUMNS = (
    events_t.c.seq,
    events_t.c.type,
    events_t.c.order_id,
    events_t.c.occurred_at,
    events_t.c.history_entry_id,
)

CHANNEL = "order_events"
_SEQUENCING = text(f"SELECT pg_advisory_xact_lock(hashtext('{CHANNEL}')), pg_notify('{CHANNEL}', '')")


async def before_appending(conn: DbConnection) -> None:
    """Call in a write transaction right before it inserts events, so they commit in sequence order."""
    if conn.dialect.name == "postgresql":
        await conn.execute(_SEQUENCING)


class LocalEventLog:
    """`EventLog` over the local database (`background`: reads that no request pays for, left uncounted)."""

    def __init__(self, db: Database, *, background: bool = False) -> None:
        self.db = db
        self.background = background

    async def read(
        self, after: int, filter: EventFilter, limit: int, until: int | None = None
    ) -> list[LoggedEvent]:
        if filter.matches_nothing:
            return []
        stmt = select(*_COLUMNS).where(events_t.c.seq > after).order_by(events_t.c.seq).limit(limit)
        if until is not None:
            stmt = stmt.where(events_t.c.seq <= until)
        if filter.order_ids is not None:
            stmt = stmt.where(events_t.c.order_id.in_(sorted(filter.order_ids)))
        if filter.types is not None:
            stmt = stmt.where(events_t.c.type.in_(sorted(filter.types)))
        async with self.db.read(counted=not self.background) as conn:
            rows = (await conn.execute(stmt)).all()
        return [
            LoggedEvent(seq, EventType(kind), order_id, at, entry) for seq, kind, order_id, at, entry in rows
        ]

    async def head(self) -> int:
        async with self.db.read(counted=not self.background) as conn:
            return int((await conn.execute(select(func.coalesce(func.max(events_t.c.seq), 0)))).scalar_one())

    async def contains(self, seq: int) -> bool:
        async with self.db.read(counted=not self.background) as conn:
            found = await conn.execute(select(events_t.c.seq).where(events_t.c.seq == seq))
            return found.first() is not None
