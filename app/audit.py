"""The audit trail: every mutation field, recorded after its response is computed, off the request path.

`record` only queues the entry (a background task INSERTs what is queued), so a mutation never waits for
its audit row; `drain` waits for the pending writes (the server drains before closing the database). A crash
between the response and the INSERT loses that row: the trail is a record of use, not a ledger.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Protocol

from app.domain.audit import AuditEntry

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import datetime

    from app.domain.access import Principal

log = logging.getLogger("orders_gateway.audit")


class AuditLog(Protocol):
    """Where entries are kept."""

    async def append(self, entries: Sequence[AuditEntry]) -> None: ...
    async def latest(self, limit: int) -> list[AuditEntry]: ...


class AuditTrail:
    """Records mutation calls in the background and lists them, newest first.

    Entries recorded while a write is under way are written together by the next one, so a burst of
    mutations costs a few audit transactions, not one each (on SQLite every write takes the one write lock).
    """

    def __init__(self, log: AuditLog, clock: Callable[[], datetime]) -> None:
        self._log = log
        self._clock = clock
        self._queued: list[AuditEntry] = []
        self._writer: asyncio.Task[None] | None = None

    def record(
        self, principal: Principal, request_id: str, operation: str, order_ids: Sequence[str], outcome: str
    ) -> None:
        """Queues one entry, stamped now; returns at once."""
        self._queued.append(
            AuditEntry(
                at=self._clock(),
                request_id=request_id,
                client_name=principal.client_name,
                key_id=principal.key_id,
                operation=operation,
                order_ids=tuple(dict.fromkeys(order_ids)),
                outcome=outcome,
            )
        )
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._write_queued())

    async def _write_queued(self) -> None:
        while self._queued:
            entries, self._queued = self._queued, []
            try:
                await self._log.append(entries)
            except Exception:
                for i, entry in enumerate(entries):
                    log.error(
                        "could not write the audit entry of %s (request %s)",
                        entry.operation,
                        entry.request_id,
                        exc_info=i == 0,
                    )

    async def drain(self) -> None:
        """Waits until every queued entry is written (or has failed and been logged)."""
        while self._writer is not None and not self._writer.done():
            await self._writer

    async def latest(self, limit: int = 50) -> list[AuditEntry]:
        return await self._log.latest(limit)
