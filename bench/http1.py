"""A minimal HTTP/1.1 keep-alive client for the load generator: one `asyncio.Protocol` per connection,
sending pre-encoded requests one at a time and parsing only the status line, Content-Length and body of
each response. The gateway and the baselines (aiohttp `web.Response`s) frame every body with
Content-Length, so anything else (chunked, read-until-close) counts as an error.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

_HEAD_END = b"\r\n\r\n"
_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*(\d+)", re.IGNORECASE)


class ProtocolError(Exception):
    """A response this client does not read: no Content-Length, or a malformed status line."""


@dataclass(frozen=True)
class Target:
    """Where requests go: host, port and path of an `http://` URL."""

    host: str
    port: int
    path: str

    @classmethod
    def parse(cls, url: str) -> Target:
        """The target of `url`; raises ValueError unless it is plain HTTP with a host."""
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"not an http:// URL with a host: {url}")
        return cls(parts.hostname, parts.port or 80, parts.path or "/")

    def post(self, body: bytes, headers: Mapping[str, str]) -> bytes:
        """The bytes of a keep-alive POST of `body` with `headers`."""
        lines = [f"POST {self.path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def parse_head(head: bytes) -> tuple[int, int]:
    """The status code and Content-Length of a response head (without its final blank line)."""
    try:
        status = int(head[9:12]) if head.startswith(b"HTTP/1.") else -1
    except ValueError:
        status = -1
    if status < 0:
        raise ProtocolError(f"not an HTTP/1.x status line: {head[:80]!r}")
    found = _CONTENT_LENGTH.search(head)
    if found is None:
        raise ProtocolError(f"response without Content-Length: {head[:300]!r}")
    return status, int(found[1])


class Connection(asyncio.Protocol):
    """One keep-alive connection: `send` writes a request; `on_response(self, status, body)` runs when its
    response is in, `on_lost(self, reason)` when the connection closes or a response cannot be read."""

    def __init__(
        self,
        on_response: Callable[[Connection, int, bytes], None],
        on_lost: Callable[[Connection, str], None],
    ) -> None:
        self._on_response = on_response
        self._on_lost = on_lost
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._status = 0
        self._length = -1  # of the body awaited, once its head is in
        self._closing = False
        self.sent_at = 0.0  # when the request in flight counts as sent (set by whoever sends it)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def send(self, request: bytes, sent_at: float) -> None:
        """Writes `request`, which counts as sent at `sent_at`."""
        assert self._transport is not None, "not connected"
        self.sent_at = sent_at
        self._transport.write(request)

    def close(self) -> None:
        """Closes the connection without reporting it lost."""
        self._closing = True
        if self._transport is not None:
            self._transport.close()

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        if self._length < 0:
            end = buffer.find(_HEAD_END)
            if end < 0:
                return
            try:
                self._status, self._length = parse_head(bytes(buffer[:end]))
            except ProtocolError as exc:
                self._lose(str(exc))
                return
            del buffer[: end + len(_HEAD_END)]
        if len(buffer) < self._length:
            return
        body = bytes(buffer[: self._length])
        del buffer[: self._length]
        self._length = -1
        self._on_response(self, self._status, body)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._closing:
            self._closing = True
            self._on_lost(self, f"connection lost: {exc!r}")

    def _lose(self, reason: str) -> None:
        self.close()
        self._on_lost(self, reason)
