"""Cross-process wake-ups on PostgreSQL: LISTEN on the event log's channel and wake the event hub.

Every transaction that appends events queues a NOTIFY (app/backends/local/event_log.py), which the
server delivers at commit. `EventNotifications` keeps one connection of its own (outside the pool) that
LISTENs and calls `wake` on each notification; the hub then reads the log. When the connection is lost it
reconnects, and wakes the hub once it is back, since notifications sent meanwhile are gone.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from typing import TYPE_CHECKING, Any

import asyncpg

from app.backends.local.event_log import CHANNEL
from app.background import Background

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger("orders_gateway.events")


class EventNotifications:
    """A LISTEN connection that calls `wake()` whenever another transaction appended events."""

    def __init__(self, engine: AsyncEngine, wake: Callable[[], None], *, retry_s: float = 1.0) -> None:
        args, params = engine.sync_engine.dialect.create_connect_args(engine.url)
        self._connect_args: tuple[Any, ...] = tuple(args)
        self._connect_params: dict[str, Any] = dict(params)
        self._wake = wake
        self._retry_s = retry_s
        self._runner = Background("event-notifications")
        self.listening = asyncio.Event()

    def start(self) -> None:
        self._runner.start(self._run())

    async def stop(self) -> None:
        await self._runner.stop()

    async def _run(self) -> None:
        while True:
            try:
                await self._listen()
            except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                log.warning("listening for event notifications failed (%s); retrying", error)
            self.listening.clear()
            await asyncio.sleep(self._retry_s)

    async def _listen(self) -> None:
        async with asyncio.timeout(10):  # not wait_for, which can swallow a cancellation on 3.11
            conn: asyncpg.Connection[Any] = await asyncpg.connect(*self._connect_args, **self._connect_params)
        lost = asyncio.Event()
        try:
            conn.add_termination_listener(lambda _conn: lost.set())
            await conn.add_listener(CHANNEL, lambda *_: self._wake())
            self.listening.set()
            self._wake()  # what was appended while nobody listened
            while not lost.is_set() and not conn.is_closed():
                with suppress(TimeoutError):
                    async with asyncio.timeout(5):
                        await lost.wait()
            log.warning("the event notification connection was lost; reconnecting")
        finally:
            if not conn.is_closed():
                conn.terminate()
