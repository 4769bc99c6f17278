"""Idempotency keys of creates an upstream backend sends, kept in the gateway's own `idempotency_keys`.

An upstream has no idempotency of its own, so the key is claimed here before the create goes out (a row
with no order yet), settled with the order's id once it exists, and released if the create failed. The
row's primary key makes one claim win across processes; the fingerprint (which names the source) makes a
key reused with another input, on any backend, IDEMPOTENCY_MISMATCH.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import delete, select, update

from app.backends.local.database import Database, dialect_insert
from app.backends.local.tables import idempotency_t
from app.domain.errors import DomainError, ErrorCode, UpstreamError

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

PENDING = ""


class UpstreamKeys:
    """Claims, settles and releases idempotency keys (see the module docstring)."""

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.clock = clock

    async def claim(self, key: str, fingerprint: str) -> str | None:
        """None when this call now holds `key` and must create; else the id of the order made with it."""
        t = idempotency_t
        async with self.db.write() as conn:
            row = (await conn.execute(select(t).where(t.c.key == key))).mappings().first()
            if row is None:
                claimed = await conn.execute(
                    dialect_insert(conn, t).on_conflict_do_nothing(index_elements=["key"]),
                    {"key": key, "fingerprint": fingerprint, "order_id": PENDING, "created_at": self.clock()},
                )
                if claimed.rowcount == 1:
                    return None
                row = (await conn.execute(select(t).where(t.c.key == key))).mappings().one()
        if row["fingerprint"] != fingerprint:
            raise DomainError(
                "this idempotencyKey was used with a different input",
                ("idempotencyKey",),
                ErrorCode.IDEMPOTENCY_MISMATCH,
            )
        if row["order_id"] == PENDING:
            raise UpstreamError("the first create with this idempotencyKey is still running; retry shortly")
        return str(row["order_id"])

    async def settle(self, key: str, order_id: str) -> None:
        """Records the order the claimed key created."""
        async with self.db.write() as conn:
            await conn.execute(
                update(idempotency_t).where(idempotency_t.c.key == key).values(order_id=order_id)
            )

    async def release(self, key: str) -> None:
        """Frees a claimed key whose create failed, so a retry may create."""
        t = idempotency_t
        async with self.db.write() as conn:
            await conn.execute(delete(t).where(t.c.key == key, t.c.order_id == PENDING))
