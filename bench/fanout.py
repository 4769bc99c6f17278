"""The fan-out scenario, run as its own process (`python -m bench.fanout`): many WebSocket subscribers of
`orderEvents` on one gateway, a burst of changes, and how fast and how soon every subscriber hears of each.

Delivery latency is the time from an event's `occurredAt` (the server's clock, on this same host) to its
arrival at a subscriber. Memory per subscriber is the server's RSS growth from opening the subscriptions,
divided by their number.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import resource
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import aiohttp
import orjson

from bench import BenchError
from bench.graphql import HEADERS, encode, problem
from bench.procstat import sample
from bench.server import PACKAGE_ROOT

if TYPE_CHECKING:
    from bench.profiles import Profile

# Subscribing after the newest event, a subscription receives every later one however long it takes to start.
SUBSCRIPTION = (
    "subscription($after: String) "
    "{ orderEvents(after: $after) { id type orderId occurredAt order { id status revision } } }"
)
NEWEST = "query($id: ID!) { orderEventLog(filter: {orderIds: [$id]}) { pageInfo { endCursor } } }"
CREATE = (
    'mutation { createOrder(input: {currency: "EUR", lineItems: [{productName: "Mug", quantity: 1, '
    'price: "9.95"}]}) { order { id } userErrors { message } } }'
)
CHANGE = (
    "mutation($id: ID!, $m: String!) "
    "{ addOrderHistory(orderId: $id, input: {message: $m}) { userErrors { message } } }"
)
CONNECT_BATCH = 50
TIMEOUT_S = 120.0


@dataclass(frozen=True)
class FanoutResult:
    """What the subscribers saw of the measured changes."""

    subscribers: int
    changes: int
    deliveries: int
    elapsed_s: float
    deliveries_per_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    server_rss_kib_before: int
    server_rss_kib_subscribed: int
    server_rss_kib_after: int
    server_cpu_s: float
    client_cpu_utilisation: float

    @property
    def server_kib_per_subscriber(self) -> float:
        return (self.server_rss_kib_subscribed - self.server_rss_kib_before) / self.subscribers


def allow_open_files(count: int) -> None:
    """Raises this process's open-file limit (inherited by its children) to fit `count` sockets."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = count + 256
    if soft < wanted:
        if hard != resource.RLIM_INFINITY and hard < wanted:
            raise BenchError(f"{count} sockets need {wanted} open files; the hard limit is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


class _Subscriber:
    """One WebSocket subscription, recording each event's delivery latency."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.received = 0
        self.arrived = asyncio.Event()

    async def run(
        self, session: aiohttp.ClientSession, url: str, after: str, subscribed: asyncio.Future[None]
    ) -> None:
        async with session.ws_connect(url, protocols=["graphql-transport-ws"], heartbeat=None) as ws:
            await ws.send_str('{"type":"connection_init"}')
            ack = orjson.loads((await ws.receive()).data)
            if ack.get("type") != "connection_ack":
                raise BenchError(f"no connection_ack: {ack}")
            payload = {"query": SUBSCRIPTION, "variables": {"after": after}}
            await ws.send_str(orjson.dumps({"type": "subscribe", "id": "1", "payload": payload}).decode())
            subscribed.set_result(None)
            async for message in ws:
                arrived = time.time()
                document = orjson.loads(message.data)
                if document.get("type") != "next" or "errors" in document["payload"]:
                    raise BenchError(f"unexpected message: {message.data[:300]!r}")
                occurred = document["payload"]["data"]["orderEvents"]["occurredAt"]
                self.latencies.append(arrived - datetime.fromisoformat(occurred).timestamp())
                self.received += 1
                self.arrived.set()


async def _wait_for(subscribers: list[_Subscriber], count: int, tasks: list[asyncio.Task[None]]) -> None:
    """Until every subscriber received `count` events (raising what a subscriber task failed with)."""
    async with asyncio.timeout(TIMEOUT_S):
        for subscriber in subscribers:
            while subscriber.received < count:
                subscriber.arrived.clear()
                done = [task for task in tasks if task.done()]
                if done:
                    done[0].result()
                    raise BenchError("a subscription ended early")
                await subscriber.arrived.wait()


async def _post(session: aiohttp.ClientSession, url: str, body: bytes) -> dict[str, object]:
    async with session.post(url, data=body, headers=HEADERS) as response:
        raw = await response.read()
        if reason := problem(response.status, raw):
            raise BenchError(reason)
        document: dict[str, object] = orjson.loads(raw)["data"]
        return document


async def measure(url: str, server_pid: int, subscribers: int, changes: int) -> FanoutResult:
    """Subscribes `subscribers` times, checks all are live with one change, then measures `changes`."""
    ws_url = url.replace("http://", "ws://")
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        created = await _post(session, url, encode(CREATE))
        order_id = created["createOrder"]["order"]["id"]  # type: ignore[index]
        newest = await _post(session, url, encode(NEWEST, {"id": order_id}))
        after = newest["orderEventLog"]["pageInfo"]["endCursor"]  # type: ignore[index]
        before = sample(server_pid)
        listeners = [_Subscriber() for _ in range(subscribers)]
        tasks: list[asyncio.Task[None]] = []
        for start in range(0, subscribers, CONNECT_BATCH):
            batch = listeners[start : start + CONNECT_BATCH]
            opened = [asyncio.get_running_loop().create_future() for _ in batch]
            tasks += [
                asyncio.create_task(s.run(session, ws_url, after, f))
                for s, f in zip(batch, opened, strict=True)
            ]
            await asyncio.wait_for(asyncio.gather(*opened), TIMEOUT_S)

        await _post(session, url, encode(CHANGE, {"id": order_id, "m": "warm-up"}))
        await _wait_for(listeners, 1, tasks)  # every subscription is live
        subscribed = sample(server_pid)
        for listener in listeners:
            listener.latencies.clear()

        client_cpu, started = time.process_time(), time.perf_counter()
        for i in range(changes):
            await _post(session, url, encode(CHANGE, {"id": order_id, "m": f"change {i}"}))
        await _wait_for(listeners, 1 + changes, tasks)
        elapsed = time.perf_counter() - started
        client_cpu = time.process_time() - client_cpu
        after = sample(server_pid)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    latencies = sorted(x for listener in listeners for x in listener.latencies)
    deliveries = len(latencies)
    if deliveries != subscribers * changes:
        raise BenchError(f"{deliveries} deliveries, expected {subscribers * changes}")
    return FanoutResult(
        subscribers=subscribers,
        changes=changes,
        deliveries=deliveries,
        elapsed_s=elapsed,
        deliveries_per_s=deliveries / elapsed,
        p50_ms=_percentile(latencies, 0.50) * 1000,
        p99_ms=_percentile(latencies, 0.99) * 1000,
        max_ms=latencies[-1] * 1000,
        server_rss_kib_before=before.rss_kib,
        server_rss_kib_subscribed=subscribed.rss_kib,
        server_rss_kib_after=after.rss_kib,
        server_cpu_s=after.cpu_s - subscribed.cpu_s,
        client_cpu_utilisation=client_cpu / elapsed,
    )


def _percentile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending, non-empty list."""
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def run_fanout(url: str, server_pid: int, profile: Profile) -> FanoutResult:
    """Runs the fan-out in a child process; raises BenchError if it fails."""
    argv = [sys.executable, "-m", "bench.fanout", url, str(server_pid)]
    argv += [f"--subscribers={profile.subscribers}", f"--changes={profile.changes}"]
    try:
        done = subprocess.run(
            argv, cwd=PACKAGE_ROOT, capture_output=True, text=True, timeout=TIMEOUT_S * 3, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"fan-out still running after {TIMEOUT_S * 3:.0f} s") from exc
    if done.returncode != 0:
        raise BenchError(f"fan-out exited with {done.returncode}:\n{done.stderr[-3000:]}")
    return FanoutResult(**json.loads(done.stdout))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.fanout", description=__doc__)
    parser.add_argument("url", help="the gateway's /graphql URL")
    parser.add_argument("server_pid", type=int, help="process whose CPU and RSS are sampled")
    parser.add_argument("--subscribers", type=int, required=True)
    parser.add_argument("--changes", type=int, required=True)
    args = parser.parse_args()
    allow_open_files(args.subscribers)
    try:
        result = asyncio.run(measure(args.url, args.server_pid, args.subscribers, args.changes))
    except BenchError as exc:
        print(f"fan-out failed: {exc}", file=sys.stderr)
        sys.exit(1)
    print(json.dumps(asdict(result)))


if __name__ == "__main__":
    main()
