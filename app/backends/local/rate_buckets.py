"""Rate-limit buckets in PostgreSQL, shared by every gateway process on the database.

Each bucket is a row: its points and when it held them. Taking, giving back and reading are one statement
each, computed with the database's clock under the row's lock, so processes (with clocks of their own)
share one bucket per key exactly. The anonymous bucket of open local mode (one process, loopback only,
never refused) stays in the process and costs no statement.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sqlalchemy import text

from app.limits import ANONYMOUS, Admission, InProcessBuckets

if TYPE_CHECKING:
    from app.backends.local.database import Database

_ELAPSED = "CAST(EXTRACT(EPOCH FROM clock_timestamp() - at) AS double precision)"
_LEVEL = f"LEAST(CAST(:capacity AS double precision), points + {_ELAPSED} * CAST(:rate AS double precision))"
_TAKE = text(f"""
WITH held AS (SELECT {_LEVEL} AS level FROM rate_buckets WHERE bucket = :bucket FOR UPDATE)
UPDATE rate_buckets
SET points = held.level - CASE WHEN held.level >= :points THEN :points ELSE 0 END, at = clock_timestamp()
FROM held WHERE bucket = :bucket
RETURNING held.level
""")
_CREATE = text("""
INSERT INTO rate_buckets (bucket, points, at) VALUES (:bucket, :capacity, clock_timestamp())
ON CONFLICT (bucket) DO NOTHING
""")
_GIVE_BACK = text(f"""
UPDATE rate_buckets SET points = LEAST(CAST(:capacity AS double precision), {_LEVEL} + :points),
  at = clock_timestamp()
WHERE bucket = :bucket RETURNING points
""")
_READ = text(f"SELECT {_LEVEL} FROM rate_buckets WHERE bucket = :bucket")


class DatabaseBuckets:
    """`RateLimiter` over the `rate_buckets` table (PostgreSQL): the same leaky buckets as
    `InProcessBuckets`, one per key for all processes."""

    def __init__(self, db: Database, capacity: int, per_second: float) -> None:
        self._db = db
        self._capacity = capacity
        self._per_second = per_second
        self._anonymous = InProcessBuckets(capacity, per_second)

    def _params(self, bucket: str, points: int = 0) -> dict[str, object]:
        return {"bucket": bucket, "points": points, "capacity": self._capacity, "rate": self._per_second}

    async def take(self, bucket: str, points: int) -> Admission:
        """Takes `points` when the bucket holds them; otherwise takes nothing and says when to retry."""
        if bucket == ANONYMOUS:
            return await self._anonymous.take(bucket, points)
        params = self._params(bucket, points)
        async with self._db.write(counted=False) as conn:
            level = (await conn.execute(_TAKE, params)).scalar_one_or_none()
            if level is None:  # a bucket's first use: it starts full
                await conn.execute(_CREATE, params)
                level = (await conn.execute(_TAKE, params)).scalar_one()
        if points <= level:
            return Admission(True, int(level - points))
        return Admission(False, int(level), max(1, math.ceil((points - level) / self._per_second)))

    async def give_back(self, bucket: str, points: int) -> int:
        """Returns unused points (never above capacity); the points now held."""
        if bucket == ANONYMOUS:
            return await self._anonymous.give_back(bucket, points)
        async with self._db.write(counted=False) as conn:
            held = (await conn.execute(_GIVE_BACK, self._params(bucket, max(0, points)))).scalar_one_or_none()
        return self._capacity if held is None else int(held)

    async def level(self, bucket: str) -> int:
        """The points the bucket holds now."""
        if bucket == ANONYMOUS:
            return await self._anonymous.level(bucket)
        async with self._db.read(counted=False) as conn:
            held = (await conn.execute(_READ, self._params(bucket))).scalar_one_or_none()
        return self._capacity if held is None else int(held)
