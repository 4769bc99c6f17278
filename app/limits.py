"""Rate limits: a leaky bucket of query cost points per API key.

Each bucket holds up to `capacity` points and refills at `per_second` points a second. An operation is
admitted when its bucket holds at least its requested cost, which is then taken; once it has run, the part
it did not use (requested minus actual) is given back. A refusal says how long until the bucket holds
enough (`retry_after`, whole seconds, at least 1).

`RateLimiter` is the port; `InProcessBuckets` keeps the buckets in this process. Buckets shared by several
processes need a shared store (PostgreSQL) behind the same port.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable

ANONYMOUS = "anonymous"
"""The one bucket of requests made without a key (open local mode)."""


@dataclass(frozen=True, slots=True)
class Admission:
    """The bucket's answer: admitted or not, the points left after it, and when to retry when refused."""

    admitted: bool
    remaining: int
    retry_after: int = 0


class RateLimiter(Protocol):
    """Buckets of cost points, by bucket name (a key id, or `ANONYMOUS`)."""

    async def take(self, bucket: str, points: int) -> Admission: ...
    async def give_back(self, bucket: str, points: int) -> int: ...
    async def level(self, bucket: str) -> int: ...


class InProcessBuckets:
    """Leaky buckets kept in this process's memory (one float and one timestamp per bucket)."""

    def __init__(self, capacity: int, per_second: float, clock: Callable[[], float] = time.monotonic) -> None:
        if capacity < 1 or per_second <= 0:
            raise ValueError("a bucket needs a capacity of at least 1 and a positive refill rate")
        self._capacity = capacity
        self._per_second = per_second
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}

    def _refilled(self, bucket: str) -> tuple[float, float]:
        now = self._clock()
        points, at = self._buckets.get(bucket, (float(self._capacity), now))
        return min(float(self._capacity), points + (now - at) * self._per_second), now

    async def take(self, bucket: str, points: int) -> Admission:
        """Takes `points` when the bucket holds them; otherwise takes nothing and says when to retry."""
        held, now = self._refilled(bucket)
        if points <= held:
            self._buckets[bucket] = (held - points, now)
            return Admission(True, int(held - points))
        self._buckets[bucket] = (held, now)
        wait = (points - held) / self._per_second
        return Admission(False, int(held), max(1, math.ceil(wait)))

    async def give_back(self, bucket: str, points: int) -> int:
        """Returns unused points (never above capacity); the points now held."""
        held, now = self._refilled(bucket)
        held = min(float(self._capacity), held + max(0, points))
        self._buckets[bucket] = (held, now)
        return int(held)

    async def level(self, bucket: str) -> int:
        """The points the bucket holds now."""
        return int(self._refilled(bucket)[0])
