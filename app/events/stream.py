"""One subscriber's stream: the stored events after its cursor, then live ones, each once and in order.

    1. catch up from the log page by page, holding no live queue (a long replay cannot overflow one);
       without a cursor, start from the log's head;
    2. join the hub, which from then on queues every event after its position P;
    3. read the log once more up to P (what was committed between the last page and joining);
    4. take live events from the queue, skipping any already sent (sequence <= the last one sent).

Sequence order is commit order and the hub publishes without awaiting, so steps 2-4 leave no gap.
"""

from __future__ import annotations

from contextlib import aclosing
from typing import TYPE_CHECKING

from app.domain.events import cursor_of
from app.events.log import EventBatch

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator

    from app.domain.events import EventFilter
    from app.events.hub import Delivery, EventHub
    from app.events.log import EventLog

REPLAY_PAGE = 500


class SlowConsumer(Exception):
    """The subscriber fell too far behind and was dropped; it resumes with `after`."""

    def __init__(self, after: str, limit: int) -> None:
        super().__init__(
            f"this subscription fell more than {limit} events behind and was closed; "
            "subscribe again with after set to the last event received"
        )
        self.after = after


async def follow(
    log: EventLog, hub: EventHub, filter: EventFilter, after: int | None
) -> AsyncGenerator[Delivery, None]:
    """Events matching `filter` after the event numbered `after`, then live ones; without `after`, the
    events committed from now on."""
    last = await log.head() if after is None else after
    async with aclosing(_stored(log, filter, last)) as stored:
        async for delivery in stored:
            yield delivery
            last = delivery[0].seq
    subscriber = await hub.subscribe(filter)
    try:
        if last < subscriber.start:
            async with aclosing(_stored(log, filter, last, subscriber.start)) as stored:
                async for delivery in stored:
                    yield delivery
                    last = delivery[0].seq
        while True:
            live = await subscriber.next()
            if live is None:
                raise SlowConsumer(cursor_of(last), hub.queue_size)
            if live[0].seq > last:
                yield live
                last = live[0].seq
    finally:
        hub.unsubscribe(subscriber)


async def _stored(
    log: EventLog, filter: EventFilter, after: int, until: int | None = None
) -> AsyncGenerator[Delivery, None]:
    """The matching events of the log after `after` (up to `until`), page by page."""
    while True:
        events = await log.read(after, filter, REPLAY_PAGE, until)
        if events:
            batch = EventBatch(tuple(events))
            for event in events:
                yield event, batch
            after = events[-1].seq
        if len(events) < REPLAY_PAGE:
            return
