"""The event log port, and a batch: events read from the log together.

The log is the single source of `orderEventLog` and `orderEvents`. A backend appends to it in the same
transaction as the change; this package only reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from app.domain.events import EventFilter, LoggedEvent


class EventLog(Protocol):
    """Reads of the durable log, in sequence order (which is commit order)."""

    async def read(
        self, after: int, filter: EventFilter, limit: int, until: int | None = None
    ) -> list[LoggedEvent]:
        """Up to `limit` events matching `filter` with `after < seq` (and `seq <= until`), oldest first."""
        ...

    async def head(self) -> int:
        """The sequence of the newest event (0 for an empty log)."""
        ...

    async def contains(self, seq: int) -> bool:
        """Whether the log holds the event numbered `seq`."""
        ...


@dataclass(frozen=True, slots=True, eq=False, weakref_slot=True)
class EventBatch:
    """Events read from the log in one statement.

    Every subscriber that receives them gets the same batch object, so whatever a consumer derives per
    batch (the GraphQL layer's loaders: one read of the orders for all subscribers) can be shared by
    identity.
    """

    events: tuple[LoggedEvent, ...]
