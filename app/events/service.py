"""The event use cases: a page of the log (`orderEventLog`) and a stream of it (`orderEvents`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.domain.events import EventPage, check_log_page, seq_of, unknown_cursor
from app.events import stream

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator

    from app.domain.events import EventFilter
    from app.events.hub import Delivery, EventHub
    from app.events.log import EventLog


class EventService:
    """Reads the one event log, stored and live, with the same filters and cursors."""

    def __init__(self, log: EventLog, hub: EventHub) -> None:
        self.log = log
        self.hub = hub

    async def page(self, filter: EventFilter, after: str | None, first: int) -> EventPage:
        """Up to `first` (1..500) matching events after the cursor `after`, oldest first."""
        check_log_page(first)
        events = await self.log.read(await self._position(after), filter, first + 1)
        return EventPage(events[:first], has_next=len(events) > first)

    async def follow(self, filter: EventFilter, after: str | None) -> AsyncGenerator[Delivery, None]:
        """The stream of matching events after `after`, then live ones; checks the cursor before it starts."""
        position = None if after is None else await self._position(after)
        return stream.follow(self.log, self.hub, filter, position)

    async def _position(self, cursor: str | None) -> int:
        """The sequence a cursor stands for; 0 (the log's start) for none. Unknown cursors are NOT_FOUND."""
        if cursor is None:
            return 0
        seq = seq_of(cursor, "after")
        if seq and not await self.log.contains(seq):
            raise unknown_cursor("after")
        return seq
