"""Events of upstream backends (Wix webhooks, the Retailys poller) written into the durable log.

An upstream change arrives with an identity of its own (a webhook's event id, an order's change stamp);
`UpstreamEventLog.append` logs each identity once, whatever number of times it is delivered, and can
save the adapter's position (`state`) in the same transaction, so a restart neither loses nor replays
events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from app.backends.local.database import DbConnection, dialect_insert
from app.backends.local.event_log import before_appending
from app.backends.local.tables import events_t, upstream_state_t

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from datetime import datetime

    from app.backends.local.database import Database
    from app.domain.model import EventType


@dataclass(frozen=True, slots=True)
class UpstreamEvent:
    """One change seen upstream: `key` is its identity there (a redelivery carries the same key)."""

    key: str
    type: EventType
    order_id: str
    occurred_at: datetime


class UpstreamEventLog:
    """Appends one upstream's events to `order_events` (deduplicated by key) and keeps its state."""

    def __init__(self, db: Database, source: str, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.source = source
        self.clock = clock

    def _dedup_key(self, key: str) -> str:
        return f"{self.source}:{key}"[:300]

    async def append(
        self, events: Sequence[UpstreamEvent], state: Mapping[str, str] | None = None
    ) -> list[UpstreamEvent]:
        """Logs the events not logged before, in the given order, and saves `state`; returns the new ones."""
        async with self.db.write(counted=False) as conn:
            fresh = await self._unseen(conn, events)
            if fresh:
                await before_appending(conn)
                await conn.execute(
                    dialect_insert(conn, events_t).on_conflict_do_nothing(index_elements=["dedup_key"]),
                    [
                        {
                            "order_id": event.order_id,
                            "type": event.type.value,
                            "occurred_at": event.occurred_at,
                            "history_entry_id": None,
                            "source": self.source,
                            "dedup_key": self._dedup_key(event.key),
                        }
                        for event in fresh
                    ],
                )
            if state:
                await self._save_state(conn, state)
        return fresh

    async def _unseen(self, conn: DbConnection, events: Sequence[UpstreamEvent]) -> list[UpstreamEvent]:
        wanted: dict[str, UpstreamEvent] = {}
        for event in events:
            wanted.setdefault(self._dedup_key(event.key), event)
        if not wanted:
            return []
        found = await conn.execute(select(events_t.c.dedup_key).where(events_t.c.dedup_key.in_(wanted)))
        seen = set(found.scalars())
        return [event for key, event in wanted.items() if key not in seen]

    async def _save_state(self, conn: DbConnection, state: Mapping[str, str]) -> None:
        now = self.clock()
        stmt = dialect_insert(conn, upstream_state_t)
        await conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["source", "name"],
                set_={"value": stmt.excluded.value, "updated_at": stmt.excluded.updated_at},
            ),
            [{"source": self.source, "name": k, "value": v, "updated_at": now} for k, v in state.items()],
        )

    async def state(self, names: Sequence[str] | None = None) -> dict[str, str]:
        """What is saved for this source (everything, or just `names`), by name."""
        t = upstream_state_t
        stmt = select(t.c.name, t.c.value).where(t.c.source == self.source)
        if names is not None:
            stmt = stmt.where(t.c.name.in_(names))
        async with self.db.read(counted=False) as conn:
            return {name: value for name, value in (await conn.execute(stmt)).all()}
