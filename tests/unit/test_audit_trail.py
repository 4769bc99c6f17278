"""The audit trail writes a burst of entries together, never losing one, and drains before shutdown."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

from app.audit import AuditTrail
from app.domain.access import Principal
from app.domain.audit import AuditEntry

WHO = Principal("shop-frontend", frozenset(), key_id="k1")


class SlowLog:
    """An audit log whose every append takes a while, as a write waiting for SQLite's lock would."""

    def __init__(self) -> None:
        self.appends: list[list[AuditEntry]] = []

    async def append(self, entries: Sequence[AuditEntry]) -> None:
        await asyncio.sleep(0.05)
        self.appends.append(list(entries))

    async def latest(self, limit: int) -> list[AuditEntry]:
        return [e for batch in reversed(self.appends) for e in reversed(batch)][:limit]


async def test_a_burst_is_written_in_few_appends_and_drained_in_order() -> None:
    log = SlowLog()
    trail = AuditTrail(log, lambda: datetime(2026, 1, 1, tzinfo=UTC))
    for i in range(20):
        trail.record(WHO, f"req-{i}", "addPayments", [f"order-{i}", f"order-{i}"], "OK")
        if i == 0:
            await asyncio.sleep(0)  # the first write starts; the rest queue behind it
    await trail.drain()
    written = [e.request_id for batch in log.appends for e in batch]
    assert written == [f"req-{i}" for i in range(20)]
    assert len(log.appends) == 2
    assert log.appends[0][0].order_ids == ("order-0",)


async def test_drain_with_nothing_recorded_returns() -> None:
    trail = AuditTrail(SlowLog(), lambda: datetime(2026, 1, 1, tzinfo=UTC))
    await trail.drain()
