"""The bench's load generator: its HTTP/1.1 response parsing and both loops against a bare aiohttp server."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import pytest
from aiohttp import web

from bench.http1 import Connection, ProtocolError, Target, parse_head
from bench.load import measure
from bench.report import linear_fit

if TYPE_CHECKING:
    from collections.abc import AsyncIterator


def test_a_head_gives_its_status_and_content_length() -> None:
    head = b"HTTP/1.1 404 Not Found\r\nServer: x\r\ncontent-LENGTH:  17\r\nDate: y"
    assert parse_head(head) == (404, 17)


@pytest.mark.parametrize(
    "head",
    [
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked",
        b"HTTP/1.1 200 OK\r\nX-Content-Length: 5",
        b"SPDY/3 200 OK\r\nContent-Length: 5",
    ],
)
def test_a_head_without_content_length_or_status_is_refused(head: bytes) -> None:
    with pytest.raises(ProtocolError):
        parse_head(head)


def test_a_post_is_encoded_once_with_its_length_and_headers() -> None:
    target = Target.parse("http://127.0.0.1:8080/graphql")
    request = target.post(b'{"query":"{a}"}', {"Content-Type": "application/json"})
    assert request == (
        b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Type: application/json\r\n"
        b'Content-Length: 15\r\n\r\n{"query":"{a}"}'
    )


def test_responses_split_anywhere_are_read_whole() -> None:
    got: list[tuple[int, bytes]] = []
    connection = Connection(lambda _, status, body: got.append((status, body)), lambda _, reason: None)
    stream = (
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello" + b"HTTP/1.1 500 E\r\nContent-Length: 0\r\n\r\n"
    )
    for i in range(0, len(stream), 7):
        connection.data_received(stream[i : i + 7])
    assert got == [(200, b"hello"), (500, b"")]


def test_a_line_fits_its_points() -> None:
    assert linear_fit([(10, 3.0), (20, 5.0), (40, 9.0)]) == pytest.approx((1.0, 0.2))


@pytest.fixture
async def server() -> AsyncIterator[str]:
    async def graphql(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"data": {"ok": True}})

    app = web.Application()
    app.router.add_post("/graphql", graphql)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}/graphql"
    await runner.cleanup()


def _ok(document: dict[str, Any]) -> str | None:
    return None if document["data"]["ok"] else "not ok"


async def test_the_closed_loop_keeps_its_connections_busy(server: str) -> None:
    result = await measure([server], [b"{}"], _ok, 2, 0.1, 0.3, [os.getpid()])
    assert result.errors == 0
    assert result.requests > 10
    assert result.connections_opened == 2
    assert result.offered_per_s is None


async def test_the_open_loop_sends_at_its_rate(server: str) -> None:
    result = await measure([server], [b"{}"], _ok, 2, 0.1, 0.5, [os.getpid()], rate=100)
    assert result.errors == 0
    assert result.requests == pytest.approx(50, abs=2)
    assert result.offered_per_s == 100


async def test_a_refused_response_counts_as_an_error(server: str) -> None:
    result = await measure([server], [b"{}"], lambda _: "refused", 1, 0.0, 0.1, [os.getpid()])
    assert result.requests == 0
    assert result.errors > 0
    assert result.error_samples[0] == "refused"
