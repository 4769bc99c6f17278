"""Polling Retailys for new and changed orders, since it pushes nothing but a `new-order` callback.

Every `interval_s` (or when the callback wakes it, though never twice within `MIN_GAP_S`) the poller
reads the orders dated from its cursor on (`GET /System/Orders?from=`, newest first, 250 a page), and every
`rescan_s` all orders dated since it first ran, and hands each page to `OrderChanges.observe`, which logs
what changed; the backend keeps the orders read (`keep`), so subscribers resolving the events' orders
cost no further calls. The cursor is saved once every page is observed, so a restart or a failed poll resumes
where the last complete poll stopped, and replays nothing (each change is logged once).
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from datetime import datetime
from typing import TYPE_CHECKING

from app.backends.system import mapping, paging
from app.background import Background
from app.domain.errors import DomainError

if TYPE_CHECKING:
    from collections.abc import Callable

    from app.backends.local.upstream_events import UpstreamEvent
    from app.backends.system.changes import OrderChanges
    from app.backends.system.client import SystemClient

log = logging.getLogger("orders_gateway.system")
ORDERS = "/System/Orders"
EVENTS = "/System/Events"
MIN_GAP_S = 0.5  # between two polls, however often the callback wakes the poller


async def register_callback(client: SystemClient, url: str) -> bool:
    """Registers `url` for Retailys' `new-order` event unless it is there already; whether it posted."""
    listed = await client.get(EVENTS, {"path": url, "per_page": paging.MAX_PER_PAGE})
    if any(event.get("event") == "new-order" for event in listed.get("events") or ()):
        return False
    body = {"event": "new-order", "path": url, "method": "POST", "parameters": []}
    await client.call("POST", EVENTS, body=body, idempotent=False)
    return True


class SystemPoller:
    """The background task that turns Retailys orders into events (see the module docstring)."""

    def __init__(
        self,
        client: SystemClient,
        changes: OrderChanges,
        clock: Callable[[], datetime],
        keep: Callable[[mapping.Json], mapping.Json],
        *,
        interval_s: float,
        rescan_s: float,
        callback_url: str | None = None,
    ) -> None:
        self.client = client
        self.changes = changes
        self.clock = clock
        self.keep = keep
        self.interval_s = interval_s
        self.rescan_s = rescan_s
        self.callback_url = callback_url
        self.polls = 0  # polls finished (well or not) by the background task
        self._wake = asyncio.Event()
        self._runner = Background("system-poller")

    def wake(self) -> None:
        """Polls now instead of at the next interval (wakes during a poll cause one more poll)."""
        self._wake.set()

    def start(self) -> None:
        self._runner.start(self._run())

    async def stop(self) -> None:
        await self._runner.stop()

    async def _run(self) -> None:
        if self.callback_url:
            try:
                await register_callback(self.client, self.callback_url)
            except DomainError as error:
                log.warning("could not register the Retailys new-order callback: %s", error.message)
        while True:
            self._wake.clear()
            try:
                await self.poll_once()
            except DomainError as error:
                log.warning("polling Retailys failed: %s", error.message)
            except Exception:
                log.exception("polling Retailys failed")
            self.polls += 1
            await asyncio.sleep(MIN_GAP_S)
            with suppress(TimeoutError):  # asyncio.timeout keeps a cancellation wait_for may drop (3.11)
                async with asyncio.timeout(self.interval_s):
                    await self._wake.wait()

    async def poll_once(self) -> list[UpstreamEvent]:
        """One poll: reads and observes page by page, then saves the cursor; returns the events logged."""
        state = await self.changes.log.state(["since", "cursor", "rescanned"])
        now = self.clock()
        since = state.get("since") or mapping.wire_time(now)
        cursor = state.get("cursor") or since
        rescanned = datetime.fromisoformat(state.get("rescanned") or mapping.wire_time(now))
        rescan = (now - rescanned).total_seconds() >= self.rescan_s
        newest = datetime.fromisoformat(cursor)
        logged: list[UpstreamEvent] = []
        page = 1
        while True:
            params: dict[str, str | int] = {
                "from": since if rescan else cursor,
                "page": page,
                "per_page": paging.MAX_PER_PAGE,
                "expanded": "true",
            }
            body = await self.client.get(ORDERS, params)
            orders = [self.keep(raw) for raw in body.get("orders") or []]
            logged += await self.changes.observe(orders)
            dates = [d for raw in orders if (d := mapping.parse_time(raw.get("date_order"))) is not None]
            newest = max([newest, *dates])
            if page >= int((body.get("paginator") or {}).get("pages") or 1):
                break
            page += 1
        saved = {
            "since": since,
            "cursor": mapping.wire_time(min(newest, now)),  # an order dated ahead must not hide later ones
            "rescanned": mapping.wire_time(now if rescan else rescanned),
        }
        await self.changes.observe([], saved)
        return logged
