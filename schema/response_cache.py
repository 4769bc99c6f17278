"""Repeated reads answered from memory while the store provably has not changed.

A query's answer is kept by (API key, request body) when it ran on the local store alone (no upstream
call), came back without an error, and the store's data version was read before it ran. It is served
again only while that version still holds: on SQLite the version (`PRAGMA data_version`) changes with
every commit by any connection of any process, so an answer is never older than the last commit. On
PostgreSQL there is no such version and nothing is kept.

A kept answer still pays the rate limit: each hit is charged what the query was charged when it ran,
and its cost extension carries the caller's remaining points. Answers are evicted least recently used
first once they hold more than `max_bytes`.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

Key = tuple[str | None, bytes]  # (API key id, request body)


@dataclass(frozen=True, slots=True)
class KeptAnswer:
    """A query's answer as it was computed at data `version`."""

    version: int | None
    data: bytes  # the JSON of the answer's `data`
    extensions: Mapping[str, Any]  # as answered; `cost` holds `requested` and `actual`
    operation: str

    @property
    def cost(self) -> Mapping[str, int]:
        """What the query cost when it ran (`requested`, `actual`, `limit`)."""
        cost: Mapping[str, int] = self.extensions["cost"]
        return cost


class ResponseCache:
    """Answers by (API key id, request body), each valid while the store's data version is unchanged."""

    def __init__(self, version: Callable[[], int | None], max_bytes: int) -> None:
        self._version = version
        self._max_bytes = max_bytes
        self._held = 0
        self._answers: OrderedDict[Key, KeptAnswer] = OrderedDict()

    def __len__(self) -> int:
        return len(self._answers)

    def version(self) -> int | None:
        """The store's data version now (read it before running a query whose answer may be kept); None
        when the store has none."""
        return self._version()

    def get(self, key: Key) -> KeptAnswer | None:
        """The answer kept for `key` if the store has not changed since it was computed."""
        answer = self._answers.get(key)
        if answer is None:
            return None
        if answer.version != self._version():
            self._drop(key)
            return None
        self._answers.move_to_end(key)
        return answer

    def keep(self, key: Key, answer: KeptAnswer) -> None:
        """Keeps `answer` for `key` (not if it alone is over the bound, or the store changed meanwhile)."""
        size = _size(key, answer)
        if size > self._max_bytes or answer.version is None or answer.version != self._version():
            return
        self._drop(key)
        self._answers[key] = answer
        self._held += size
        while self._held > self._max_bytes:
            self._drop(next(iter(self._answers)))

    def _drop(self, key: Key) -> None:
        answer = self._answers.pop(key, None)
        if answer is not None:
            self._held -= _size(key, answer)


def _size(key: Key, answer: KeptAnswer) -> int:
    return len(key[1]) + len(answer.data)
