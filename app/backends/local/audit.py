"""The audit log in the local SQL store, written off the request path (uncounted, see Database)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import insert, select

from app.backends.local.tables import audit_t
from app.domain.audit import AuditEntry

if TYPE_CHECKING:
    from collections.abc import Sequence

    from app.backends.local.database import Database


class LocalAuditLog:
    """Appends entries in one INSERT; reads them newest first."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def append(self, entries: Sequence[AuditEntry]) -> None:
        rows = [
            {
                "at": e.at,
                "request_id": e.request_id,
                "client_name": e.client_name,
                "key_id": e.key_id,
                "operation": e.operation,
                "order_ids": list(e.order_ids),
                "outcome": e.outcome,
            }
            for e in entries
        ]
        async with self._db.write(counted=False) as conn:
            await conn.execute(insert(audit_t), rows)

    async def latest(self, limit: int) -> list[AuditEntry]:
        async with self._db.read() as conn:
            rows = await conn.execute(select(audit_t).order_by(audit_t.c.seq.desc()).limit(limit))
        return [
            AuditEntry(
                at=row.at,
                request_id=row.request_id,
                client_name=row.client_name,
                key_id=row.key_id,
                operation=row.operation,
                order_ids=tuple(row.order_ids),
                outcome=row.outcome,
            )
            for row in rows
        ]
