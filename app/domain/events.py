"""Order events as the log holds them: the record, the filter, and the opaque cursor.

The log numbers events with a sequence that only grows, in commit order; an event's public id is that
number, encoded opaquely (`cursor_of`), and is also the cursor to resume after it (`seq_of`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.domain import ids
from app.domain.errors import DomainError, ErrorCode, NotFound, invalid
from app.domain.listing import check_first

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from app.domain.model import EventType

MAX_LOG_PAGE = 500
MAX_FILTER_IDS = 500
_KIND = "OrderEvent"


def cursor_of(seq: int) -> str:
    """The public id (and cursor) of the event numbered `seq`."""
    return ids.encode("local", _KIND, str(seq))


def seq_of(cursor: str, *field: str) -> int:
    """The number inside an event cursor; anything that is not one is INVALID (at `field`)."""
    try:
        parsed = ids.decode(cursor, _KIND)
    except NotFound:
        raise invalid("not an order event cursor", *field) from None
    native = parsed.native
    if parsed.source != "local" or not native.isascii() or not native.isdigit() or len(native) > 18:
        raise invalid("not an order event cursor", *field)
    return int(native)


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """One event of the log: what happened to which order, and the history entry the change wrote."""

    seq: int
    type: EventType
    order_id: str
    occurred_at: datetime
    history_entry_id: str | None
    id: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", cursor_of(self.seq))


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Events of any of `order_ids` and of any of `types`; None matches all, an empty set matches none."""

    order_ids: frozenset[str] | None = None
    types: frozenset[EventType] | None = None

    @classmethod
    def of(
        cls, order_ids: Iterable[str] | None = None, types: Iterable[EventType] | None = None
    ) -> EventFilter:
        """A checked filter: at most MAX_FILTER_IDS order ids (LIMIT_EXCEEDED)."""
        wanted = None if order_ids is None else frozenset(order_ids)
        if wanted is not None and len(wanted) > MAX_FILTER_IDS:
            raise DomainError(
                f"at most {MAX_FILTER_IDS} order ids", ("filter", "orderIds"), ErrorCode.LIMIT_EXCEEDED
            )
        return cls(wanted, None if types is None else frozenset(types))

    @property
    def matches_nothing(self) -> bool:
        return self.order_ids == frozenset() or self.types == frozenset()

    def matches(self, event: LoggedEvent) -> bool:
        return (self.order_ids is None or event.order_id in self.order_ids) and (
            self.types is None or event.type in self.types
        )


EVERY_EVENT = EventFilter()


@dataclass(frozen=True, slots=True)
class EventPage:
    """Events in log order, and whether more match after the last."""

    events: list[LoggedEvent]
    has_next: bool


def check_log_page(first: int) -> int:
    """`first` of `orderEventLog`: 1..MAX_LOG_PAGE, else INVALID."""
    return check_first(first, MAX_LOG_PAGE)


def unknown_cursor(*field: str) -> DomainError:
    """The error for a well-formed cursor of an event the log does not hold."""
    return NotFound("no order event has that cursor", field or None)
