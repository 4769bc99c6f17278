"""Live fan-out within one process: one task tails the event log and hands new events to subscribers.

The tail reader wakes when `notify()` is called (after a local commit; a PostgreSQL LISTEN would call it
too) and otherwise every `poll_interval` seconds, which is how events written by other processes arrive.
One read serves every subscriber: filters apply in memory and each subscriber has a bounded queue. A
subscriber that falls `queue_size` events behind is dropped and told so; the hub never waits for one.
`observe_lag`, when set, hears how late each batch reaches the subscribers (seconds since its oldest
event occurred).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from contextlib import suppress
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from app.background import Background
from app.domain.events import EVERY_EVENT
from app.events.log import EventBatch

if TYPE_CHECKING:
    from collections.abc import Callable

    from app.domain.events import EventFilter, LoggedEvent
    from app.events.log import EventLog

log = logging.getLogger("orders_gateway.events")

Delivery = tuple["LoggedEvent", EventBatch]
READ_LIMIT = 1000


class Subscriber:
    """One live subscription: its filter, where the hub stood when it joined, and its bounded queue."""

    __slots__ = ("_idle", "_limit", "_queue", "_waiter", "filter", "overflowed", "start")

    def __init__(self, filter: EventFilter, start: int, limit: int) -> None:
        self.filter = filter
        self.start = start
        self.overflowed = False
        self._limit = limit
        self._queue: deque[Delivery] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._idle: asyncio.Future[None] | None = None

    @property
    def queued(self) -> int:
        """Events taken from the log that this subscriber has not taken yet."""
        return len(self._queue)

    async def next(self) -> Delivery | None:
        """The next event, once there is one; None once the hub dropped this subscriber for falling behind."""
        while not self._queue:
            if self.overflowed:
                return None
            self._waiter = asyncio.get_running_loop().create_future()
            self.release()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._queue.popleft()

    async def handed_on(self) -> None:
        """Returns once it waits for events with nothing queued: everything it took is handed on."""
        waiting = self._waiter is not None and not self._waiter.done()
        if not waiting and not self.overflowed:
            self._idle = asyncio.get_running_loop().create_future()
            try:
                await self._idle
            finally:
                self._idle = None

    def release(self) -> None:
        """Ends a wait in `handed_on` (it waits for events now, or it left the hub)."""
        if self._idle is not None and not self._idle.done():
            self._idle.set_result(None)

    def offer(self, batch: EventBatch) -> bool:
        """Queues the events of `batch` this subscriber wants; False when they do not fit."""
        matches, queue = self.filter.matches, self._queue
        added = False
        for event in batch.events:
            if matches(event):
                if len(queue) >= self._limit:
                    return False
                queue.append((event, batch))
                added = True
        if added:
            self._wake()
        return True

    def drop(self) -> None:
        """Ends the subscription for falling behind: frees its queue and wakes it to find out."""
        self.overflowed = True
        self._queue.clear()
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)


class EventHub:
    """Tails the log (from where it stood at `start()`) and fans each new batch out to the subscribers."""

    def __init__(self, log: EventLog, *, poll_interval: float, queue_size: int) -> None:
        self.position = 0
        self._log = log
        self._poll_interval = poll_interval
        self._queue_size = queue_size
        self._subscribers: dict[Subscriber, None] = {}  # in joining order: fan-out order is predictable
        self._wake = asyncio.Event()
        self._ready = asyncio.Event()
        self._reading = asyncio.Lock()
        self._runner = Background("event-hub")
        self.observe_lag: Callable[[float], None] | None = None

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    @property
    def deepest_queue(self) -> int:
        """The most events any subscriber has waiting (at most `queue_size`)."""
        return max((subscriber.queued for subscriber in self._subscribers), default=0)

    @property
    def queue_size(self) -> int:
        """How many events a subscriber may fall behind before it is dropped."""
        return self._queue_size

    def start(self) -> None:
        """Starts tailing the log from its head (as soon as the database answers)."""
        self._runner.start(self._run())

    async def stop(self) -> None:
        await self._runner.stop()

    def notify(self) -> None:
        """Says the log may have grown: the tail reader reads it now rather than at its next poll."""
        self._wake.set()

    async def subscribe(self, filter: EventFilter) -> Subscriber:
        """A subscriber that receives every matching event after `position` (its `start`)."""
        await self._ready.wait()  # the position is known once the log's head was read
        subscriber = Subscriber(filter, self.position, self._queue_size)
        self._subscribers[subscriber] = None
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.pop(subscriber, None)
        subscriber.release()

    async def catch_up(self) -> None:
        """Reads every event after `position` and hands it out (with nobody listening, just moves on)."""
        async with self._reading:
            while True:
                if not self._subscribers:
                    head = await self._log.head()
                    if not self._subscribers:  # still nobody to tell (no one joined during the read)
                        self.position = max(self.position, head)
                        self._ready.set()
                        return
                events = await self._log.read(self.position, EVERY_EVENT, READ_LIMIT)
                if events:
                    self._publish(EventBatch(tuple(events)))
                if len(events) < READ_LIMIT:
                    return

    async def drain(self) -> None:
        """Hands out every event committed so far, then waits until each subscriber has handed its own on."""
        await self.catch_up()
        await asyncio.gather(*(subscriber.handed_on() for subscriber in list(self._subscribers)))

    def _publish(self, batch: EventBatch) -> None:
        # No await in here: a subscriber joins either before a batch (and gets it) or after (and its
        # `start` is past it).
        self.position = batch.events[-1].seq
        if self.observe_lag is not None:
            self.observe_lag((datetime.now(UTC) - batch.events[0].occurred_at).total_seconds())
        behind = [subscriber for subscriber in self._subscribers if not subscriber.offer(batch)]
        for subscriber in behind:
            del self._subscribers[subscriber]
            subscriber.drop()
        if behind:
            log.warning("dropped %d subscriber(s) that fell %d events behind", len(behind), self._queue_size)

    async def _run(self) -> None:
        failing = False
        while True:
            try:
                await self.catch_up()
            except Exception:
                if not failing:
                    log.exception("reading the order event log failed; retrying at every poll")
                failing = True
            else:
                if failing:
                    log.info("reading the order event log works again")
                failing = False
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancellation that arrives
            # as the wake-up does, and `stop()` would then wait for this loop forever.
            with suppress(TimeoutError):
                async with asyncio.timeout(self._poll_interval):
                    await self._wake.wait()
            self._wake.clear()
