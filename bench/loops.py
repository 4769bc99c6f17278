"""The load generator's loops over its connections: closed (each connection sends again once answered) or
open (requests due on a timetable whatever the responses)."""

from __future__ import annotations

import asyncio
import itertools
import math
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bench.graphql import problem
from bench.http1 import Connection

if TYPE_CHECKING:
    from collections.abc import Sequence

    from bench.graphql import Check
    from bench.http1 import Target

MAX_ERROR_SAMPLES = 5


@dataclass
class _Window:
    """The measured window in the event loop's time: unbounded until its ends are set."""

    start: float = math.inf
    end: float = math.inf


class Driver:
    """Sends the bodies in turn over the connections and records each response.

    Closed loop (`rate` None): every connection sends its next request as soon as its response is in, until
    the window ends; a latency counts if it was sent and answered inside the window. Open loop: requests
    are due on a timetable of `rate` per second whatever the responses; a due request goes out on an idle
    connection or waits for one, and its latency runs from when it was due (so that a slow response does
    not hide the delay of the requests behind it); every request due inside the window counts.
    """

    def __init__(self, requests: dict[Target, list[bytes]], check: Check, rate: float | None) -> None:
        self._loop = asyncio.get_running_loop()
        self._requests = requests
        self._check = check
        self._rate = rate
        self._turns = itertools.count()
        self.window = _Window()
        self.latencies: list[float] = []
        self.lags: list[float] = []  # open loop: how late the generator took up each due request
        self.errors = 0
        self.error_samples: list[str] = []
        self.opened = 0
        self._connections: dict[Connection, Target] = {}
        self._idle: list[Connection] = []
        self._due: deque[float] = deque()  # open loop: due times waiting for an idle connection
        self._schedule_done = rate is None
        self.finished: asyncio.Future[None] = self._loop.create_future()

    async def connect(self, targets: Sequence[Target], connections: int) -> None:
        """Opens `connections` connections, spread in turn over `targets`."""
        for i in range(connections):
            target = targets[i % len(targets)]
            _, connection = await self._loop.create_connection(
                lambda: Connection(self._on_response, self._on_lost), target.host, target.port
            )
            self._connections[connection] = target
            self.opened += 1

    def start(self) -> None:
        """Starts sending: on every connection (closed loop) or on the timetable (open loop)."""
        now = self._loop.time()
        if self._rate is None:
            for connection in self._connections:
                self._send(connection, now)
        else:
            self._idle = list(self._connections)
            self._tick(now, 0)

    def close(self) -> None:
        """Closes every connection."""
        for connection in self._connections:
            connection.close()

    def _send(self, connection: Connection, sent_at: float) -> None:
        requests = self._requests[self._connections[connection]]
        connection.send(requests[next(self._turns) % len(requests)], sent_at)

    def _tick(self, first: float, index: int) -> None:
        """Sends every request due by now; `first` is when request 0 was due, `index` the next one's."""
        assert self._rate is not None
        now = self._loop.time()
        due = first + index / self._rate
        while due <= now and due < self.window.end:
            if due >= self.window.start:
                self.lags.append(now - due)
            if self._idle:
                self._send(self._idle.pop(), due)
            else:
                self._due.append(due)
            index += 1
            due = first + index / self._rate
        if due < self.window.end:
            self._loop.call_at(due, self._tick, first, index)
        else:
            self._schedule_done = True
            self._settle()

    def _on_response(self, connection: Connection, status: int, body: bytes) -> None:
        done = self._loop.time()
        sent = connection.sent_at
        if reason := problem(status, body, self._check):
            self._error(reason)
        elif self._rate is None:
            if self.window.start <= sent and done <= self.window.end:
                self.latencies.append(done - sent)
        elif self.window.start <= sent < self.window.end:
            self.latencies.append(done - sent)
        if self._rate is None:
            if done < self.window.end:
                self._send(connection, done)
                return
        elif self._due:
            self._send(connection, self._due.popleft())
            return
        self._idle.append(connection)
        self._settle()

    def _on_lost(self, connection: Connection, reason: str) -> None:
        self._error(reason)
        del self._connections[connection]
        if connection in self._idle:
            self._idle.remove(connection)
        self._settle()

    def _error(self, reason: str) -> None:
        self.errors += 1
        if len(self.error_samples) < MAX_ERROR_SAMPLES:
            self.error_samples.append(reason)

    def _settle(self) -> None:
        """Resolves `finished` once nothing is due or in flight any more after the window."""
        if self._schedule_done and len(self._idle) == len(self._connections) and not self.finished.done():
            self.finished.set_result(None)
