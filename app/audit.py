"""The audit trail: every mutation field, recorded after its response is computed, off the request path.

`record` only schedules the write (one INSERT in a background task), so a mutation never waits for its
audit row; `drain` waits for the pending writes (the server drains before closing the database). A crash
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
    """Records mutation calls in the background and lists them, newest first."""

    def __init__(self, log: AuditLog, clock: Callable[[], datetime]) -> None:
        self._log = log
        self._clock = clock
        self._pending: set[asyncio.Task[None]] = set()

    def record(
        self, principal: Principal, request_id: str, operation: str, order_ids: Sequence[str], outcome: str
    ) -> None:
        """Schedules one entry, stamped now; returns at once."""
        entry = AuditEntry(
            at=self._clock(),
            request_id=request_id,
            client_name=principal.client_name,
            key_id=principal.key_id,
            operation=operation,
            order_ids=tuple(dict.fromkeys(order_ids)),
            outcome=outcome,
        )
        task = asyncio.get_running_loop().create_task(self._write(entry))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _write(self, entry: AuditEntry) -> None:
        try:
            await self._log.append([entry])
        except Exception:
            log.exception(
                "could not write the audit entry of %s (request %s)", entry.operation, entry.request_id
            )

    async def drain(self) -> None:
        """Waits until every scheduled entry is written (or has failed and been logged)."""
        while self._pending:
            await asyncio.gather(*self._pending)

    async def latest(self, limit: int = 50) -> list[AuditEntry]:
        return await self._log.latest(limit)
