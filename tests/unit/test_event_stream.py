"""The hub and the replay-then-live stream over an in-memory log, with writes landing at chosen moments."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import aclosing
from datetime import UTC, datetime

import pytest

from app.domain.events import EVERY_EVENT, EventFilter, LoggedEvent, cursor_of
from app.domain.model import EventType
from app.events.hub import EventHub
from app.events.stream import SlowConsumer, follow

NOW = datetime(2026, 1, 1, tzinfo=UTC)


class MemoryLog:
    """An `EventLog` in a list; `during_read` runs inside the next read, as a concurrent commit would."""

    def __init__(self) -> None:
        self.events: list[LoggedEvent] = []
        self.row_reads = 0
        self.during_read: Callable[[], None] | None = None

    def append(self, count: int = 1, type: EventType = EventType.ORDER_UPDATED, order_id: str = "o1") -> None:
        for _ in range(count):
            self.events.append(LoggedEvent(len(self.events) + 1, type, order_id, NOW, None))

    async def read(
        self, after: int, filter: EventFilter, limit: int, until: int | None = None
    ) -> list[LoggedEvent]:
        self.row_reads += 1
        found = [
            e
            for e in self.events
            if e.seq > after and (until is None or e.seq <= until) and filter.matches(e)
        ][:limit]
        if self.during_read is not None:
            hook, self.during_read = self.during_read, None
            hook()
        await asyncio.sleep(0)
        return found

    async def head(self) -> int:
        return len(self.events)

    async def contains(self, seq: int) -> bool:
        return 0 < seq <= len(self.events)


async def started(log: MemoryLog, queue_size: int = 100) -> EventHub:
    """A hub that has read the log's head (its reader task is not running: tests call `catch_up`)."""
    hub = EventHub(log, poll_interval=3600, queue_size=queue_size)
    await hub.catch_up()
    return hub


async def joined(hub: EventHub, subscribers: int) -> None:
    """Lets the streams run until the hub holds `subscribers`."""
    for _ in range(100):
        if hub.subscribers == subscribers:
            return
        await asyncio.sleep(0)
    raise AssertionError(f"{hub.subscribers} subscribers, expected {subscribers}")


async def take(stream: object, count: int) -> list[int]:
    async with asyncio.timeout(1):
        return [(await anext(stream))[0].seq for _ in range(count)]  # type: ignore[call-overload]


async def test_events_committed_while_it_catches_up_are_neither_lost_nor_repeated() -> None:
    log = MemoryLog()
    log.append(3)
    hub = await started(log)
    # Event 4 commits during the replay read and the hub publishes it before the subscriber has joined:
    # only the read up to the hub's position after joining can deliver it.
    log.during_read = lambda: (log.append(), asyncio.ensure_future(hub.catch_up()))  # type: ignore[func-returns-value]
    async with aclosing(follow(log, hub, EVERY_EVENT, 0)) as stream:
        assert await take(stream, 3) == [1, 2, 3]
        await asyncio.sleep(0.01)
        assert hub.position == 4
        assert await take(stream, 1) == [4]
        log.append()
        await hub.catch_up()
        assert await take(stream, 1) == [5]


async def test_events_the_hub_publishes_late_are_not_repeated() -> None:
    log = MemoryLog()
    log.append(2)
    hub = await started(log)
    log.append(3)  # 3..5 committed; the hub has not read them yet
    async with aclosing(follow(log, hub, EVERY_EVENT, 0)) as stream:
        assert await take(stream, 5) == [1, 2, 3, 4, 5]
        step = asyncio.ensure_future(anext(stream))
        await joined(hub, 1)
        await hub.catch_up()  # publishes 3..5 to the subscriber, which has sent them already
        log.append()
        await hub.catch_up()
        assert (await asyncio.wait_for(step, 1))[0].seq == 6


async def test_without_after_only_events_committed_later() -> None:
    log = MemoryLog()
    log.append(3)
    hub = EventHub(log, poll_interval=3600, queue_size=10)
    await hub.catch_up()
    log.append()  # committed, not yet read by the hub: still before the subscription
    async with aclosing(follow(log, hub, EVERY_EVENT, None)) as stream:
        step = asyncio.ensure_future(anext(stream))
        await joined(hub, 1)
        await hub.catch_up()
        log.append()
        await hub.catch_up()
        assert (await asyncio.wait_for(step, 1))[0].seq == 5


async def test_filters_apply_in_memory_to_live_events() -> None:
    log = MemoryLog()
    hub = await started(log)
    wanted = EventFilter.of(["o2"], [EventType.ORDER_APPROVED])
    async with aclosing(follow(log, hub, wanted, None)) as stream:
        step = asyncio.ensure_future(anext(stream))
        await joined(hub, 1)
        log.append(type=EventType.ORDER_APPROVED, order_id="o1")
        log.append(type=EventType.ORDER_UPDATED, order_id="o2")
        log.append(type=EventType.ORDER_APPROVED, order_id="o2")
        await hub.catch_up()
        assert (await asyncio.wait_for(step, 1))[0].seq == 3


async def test_a_subscriber_that_falls_behind_is_dropped_without_holding_up_the_others() -> None:
    log = MemoryLog()
    hub = await started(log, queue_size=3)
    async with (
        aclosing(follow(log, hub, EVERY_EVENT, None)) as stalled,
        aclosing(follow(log, hub, EVERY_EVENT, None)) as healthy,
    ):
        first_stalled = asyncio.ensure_future(anext(stalled))
        first_healthy = asyncio.ensure_future(anext(healthy))
        await joined(hub, 2)
        log.append()
        await hub.catch_up()
        assert (await first_stalled)[0].seq == 1
        assert (await first_healthy)[0].seq == 1
        received = []
        for _ in range(5):  # the stalled one takes nothing more; the healthy one keeps up
            log.append()
            await hub.catch_up()
            received += await take(healthy, 1)
        assert received == [2, 3, 4, 5, 6]
        assert hub.subscribers == 1
        with pytest.raises(SlowConsumer) as dropped:
            await anext(stalled)
        assert dropped.value.after == cursor_of(1)


async def test_with_nobody_listening_the_hub_reads_only_the_head() -> None:
    log = MemoryLog()
    hub = await started(log)
    log.append(5)
    await hub.catch_up()
    assert (log.row_reads, hub.position) == (0, 5)


async def test_drain_returns_once_every_subscriber_has_handed_its_events_on() -> None:
    log = MemoryLog()
    hub = await started(log)
    handed_on: list[int] = []

    async def consume() -> None:
        async with aclosing(follow(log, hub, EVERY_EVENT, None)) as stream:
            async for event, _ in stream:
                await asyncio.sleep(0.01)  # sending it
                handed_on.append(event.seq)

    consumer = asyncio.ensure_future(consume())
    await joined(hub, 1)
    log.append(4)
    await hub.drain()
    assert handed_on == [1, 2, 3, 4]
    consumer.cancel()


async def test_subscribing_waits_until_the_hub_knows_its_position() -> None:
    log = MemoryLog()
    log.append(2)
    hub = EventHub(log, poll_interval=3600, queue_size=10)
    joining = asyncio.ensure_future(hub.subscribe(EVERY_EVENT))
    await asyncio.sleep(0.01)
    assert not joining.done()
    await hub.catch_up()
    assert (await joining).start == 2


async def test_stopping_right_after_a_wake_up_stops() -> None:
    log = MemoryLog()
    for _ in range(5):
        hub = EventHub(log, poll_interval=3600, queue_size=10)
        hub.start()
        await asyncio.sleep(0.01)  # the tail reader has read the head and waits for a wake-up
        hub.notify()  # the wake-up and the cancellation now arrive in the same tick
        stopping = asyncio.create_task(hub.stop())
        await asyncio.wait({stopping}, timeout=2)
        assert stopping.done()  # the cancellation was not lost to the wake-up
