"""API keys in the local SQL store: one primary-key lookup per authenticated request, one query per
revocation check of the keys WebSockets hold open."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update

from app.backends.local.tables import api_keys_t
from app.domain.access import ApiKey, Scope

if TYPE_CHECKING:
    from collections.abc import Collection
    from datetime import datetime

    from app.backends.local.database import Database


class LocalKeyStore:
    """Stores keys with their secret's hash; revoking stamps `revoked_at` and never deletes."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def add(self, key: ApiKey) -> None:
        row = {
            "id": key.id,
            "name": key.name,
            "scopes": " ".join(sorted(key.scopes)),
            "secret_hash": key.secret_hash,
            "created_at": key.created_at,
            "revoked_at": key.revoked_at,
        }
        async with self._db.write() as conn:
            await conn.execute(insert(api_keys_t), [row])

    async def get(self, key_id: str) -> ApiKey | None:
        async with self._db.read() as conn:
            row = (await conn.execute(select(api_keys_t).where(api_keys_t.c.id == key_id))).first()
        return _key(row._mapping) if row else None

    async def all(self) -> list[ApiKey]:
        async with self._db.read() as conn:
            rows = await conn.execute(select(api_keys_t).order_by(api_keys_t.c.created_at, api_keys_t.c.id))
        return [_key(row._mapping) for row in rows]

    async def revoke(self, key_id: str, at: datetime) -> ApiKey | None:
        """Revokes the key (keeping an earlier revocation time); None when there is no such key."""
        async with self._db.write() as conn:
            await conn.execute(
                update(api_keys_t)
                .where(api_keys_t.c.id == key_id, api_keys_t.c.revoked_at.is_(None))
                .values(revoked_at=at)
            )
            row = (await conn.execute(select(api_keys_t).where(api_keys_t.c.id == key_id))).first()
        return _key(row._mapping) if row else None

    async def revoked(self, key_ids: Collection[str]) -> set[str]:
        """Those of `key_ids` that are revoked, in one query."""
        async with self._db.read() as conn:
            found = await conn.execute(
                select(api_keys_t.c.id).where(
                    api_keys_t.c.id.in_(key_ids), api_keys_t.c.revoked_at.is_not(None)
                )
            )
            return set(found.scalars())

    async def any_active(self) -> bool:
        async with self._db.read() as conn:
            found = await conn.execute(
                select(api_keys_t.c.id).where(api_keys_t.c.revoked_at.is_(None)).limit(1)
            )
            return found.first() is not None


def _key(row: Any) -> ApiKey:
    return ApiKey(
        id=row["id"],
        name=row["name"],
        scopes=frozenset(Scope(s) for s in row["scopes"].split()),
        secret_hash=row["secret_hash"],
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
    )
