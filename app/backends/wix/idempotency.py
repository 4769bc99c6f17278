"""Idempotency keys of orders created on Wix, kept in the gateway's own store beside the local ones.

Keys live in the `idempotency_keys` table under a `wix:` prefix, so they never meet a local store's key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import insert, select

from app.backends.local.tables import idempotency_t

if TYPE_CHECKING:
    from datetime import datetime

    from app.backends.local.database import Database

PREFIX = "wix:"


@dataclass(frozen=True, slots=True)
class Remembered:
    fingerprint: str
    order_id: str


class IdempotencyKeys:
    """Which Wix order a client's idempotency key created, and from which input."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def find(self, key: str) -> Remembered | None:
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    select(idempotency_t.c.fingerprint, idempotency_t.c.order_id).where(
                        idempotency_t.c.key == PREFIX + key
                    )
                )
            ).first()
        return Remembered(row.fingerprint, row.order_id) if row else None

    async def remember(self, key: str, fingerprint: str, order_id: str, now: datetime) -> None:
        async with self.db.write() as conn:
            await conn.execute(
                insert(idempotency_t).values(
                    key=PREFIX + key, fingerprint=fingerprint, order_id=order_id, created_at=now
                )
            )
