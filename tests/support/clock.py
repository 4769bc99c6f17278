"""A fixed clock and sequential child ids for domain tests, so every run draws the same values."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from app.domain import changes

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
T1 = T0 + timedelta(minutes=5)


class Clock:
    """Hands out change contexts at a given time, with ids `Kind-1`, `Kind-2`, ..."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)

    def ctx(self, now: datetime = T0, author: str = "tester") -> changes.ChangeContext:
        return changes.ChangeContext(now, author, lambda kind: f"{kind}-{next(self._ids)}")
