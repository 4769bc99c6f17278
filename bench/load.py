"""The load generator, run as its own process (`python -m bench.load`) so it never shares a CPU with
the server's event loop: a fixed number of keep-alive connections, each sending requests back to back
(the scenario's bodies in turn, shared round-robin across connections), a warm-up, then a measured
window bracketed by /proc samples of the server process. Every response must pass the scenario's check.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

import aiohttp

from bench import BenchError
from bench.graphql import HEADERS, problem
from bench.procstat import sample
from bench.scenarios import SCENARIOS
from bench.server import PACKAGE_ROOT
from bench.sizes import SIZE_SCENARIOS

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from pathlib import Path

    from bench.graphql import Check
    from bench.profiles import Profile

MAX_ERROR_SAMPLES = 5


@dataclass(frozen=True)
class LoadResult:
    """What one target did in the measured window (errors count the warm-up too)."""

    requests: int
    errors: int
    error_samples: list[str]
    elapsed_s: float
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    connections_opened: int
    client_cpu_utilisation: float
    server_cpu_s: float
    server_rss_kib_before: int
    server_rss_kib_after: int

    @property
    def server_cpu_s_per_request(self) -> float:
        """Server CPU (user + system) spent per measured request."""
        return self.server_cpu_s / self.requests


@dataclass
class _Window:
    start: float = math.inf
    end: float = math.inf


@dataclass
class _Recorder:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)

    def error(self, reason: str) -> None:
        self.errors += 1
        if len(self.error_samples) < MAX_ERROR_SAMPLES:
            self.error_samples.append(reason)


def _percentile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending, non-empty list."""
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


@dataclass(frozen=True)
class _Requests:
    """The bodies to send, in turn across all connections, and the check every response must pass."""

    url: str
    payloads: Sequence[bytes]
    turns: Iterator[int]
    check: Check

    def next_payload(self) -> bytes:
        return self.payloads[next(self.turns) % len(self.payloads)]


async def _worker(
    session: aiohttp.ClientSession, requests: _Requests, window: _Window, recorder: _Recorder
) -> None:
    url = requests.url
    while (sent := time.perf_counter()) < window.end:
        payload = requests.next_payload()
        try:
            async with session.post(url, data=payload, headers=HEADERS) as response:
                body = await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            recorder.error(repr(exc))
            continue
        done = time.perf_counter()
        if reason := problem(status, body, requests.check):
            recorder.error(reason)
        elif window.start <= sent and done <= window.end:
            recorder.latencies.append(done - sent)


async def measure(
    url: str,
    payloads: Sequence[bytes],
    check: Check,
    connections: int,
    warmup_s: float,
    duration_s: float,
    server_pid: int,
) -> LoadResult:
    """Drives `url` with `connections` concurrent keep-alive connections and measures after the warm-up.

    The connections take `payloads` round-robin; a response `check` refuses counts as an error.
    """
    requests = _Requests(url, payloads, itertools.count(), check)
    window, recorder = _Window(), _Recorder()
    opened = 0

    async def count_connection(*_: object) -> None:
        nonlocal opened
        opened += 1

    trace = aiohttp.TraceConfig()
    trace.on_connection_create_end.append(count_connection)
    connector = aiohttp.TCPConnector(limit=connections)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout, trace_configs=[trace]) as session:
        workers = [
            asyncio.create_task(_worker(session, requests, window, recorder)) for _ in range(connections)
        ]
        await asyncio.sleep(warmup_s)
        before, client_cpu_before = sample(server_pid), time.process_time()
        window.start = time.perf_counter()
        await asyncio.sleep(duration_s)
        window.end = time.perf_counter()
        after, client_cpu_after = sample(server_pid), time.process_time()
        await asyncio.gather(*workers)

    elapsed = window.end - window.start
    ordered = sorted(recorder.latencies) or [math.nan]
    return LoadResult(
        requests=len(recorder.latencies),
        errors=recorder.errors,
        error_samples=recorder.error_samples,
        elapsed_s=elapsed,
        requests_per_s=len(recorder.latencies) / elapsed,
        p50_ms=_percentile(ordered, 0.50) * 1000,
        p99_ms=_percentile(ordered, 0.99) * 1000,
        mean_ms=sum(ordered) / len(ordered) * 1000,
        max_ms=ordered[-1] * 1000,
        connections_opened=opened,
        client_cpu_utilisation=(client_cpu_after - client_cpu_before) / elapsed,
        server_cpu_s=after.cpu_s - before.cpu_s,
        server_rss_kib_before=before.rss_kib,
        server_rss_kib_after=after.rss_kib,
    )


def run_load(url: str, payloads_file: Path, scenario: str, server_pid: int, profile: Profile) -> LoadResult:
    """Runs the load generator in a child process; raises BenchError if it fails or saw any error.

    `payloads_file` holds the request bodies as a JSON array of strings; `scenario` is the slug whose
    check every response must pass.
    """
    argv = [sys.executable, "-m", "bench.load", url, str(payloads_file), scenario, str(server_pid)]
    argv += [f"--connections={profile.connections}", f"--warmup={profile.warmup_s}"]
    argv += [f"--duration={profile.duration_s}"]
    limit = profile.warmup_s + profile.duration_s + 60
    try:
        done = subprocess.run(
            argv, cwd=PACKAGE_ROOT, capture_output=True, text=True, timeout=limit, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"load generator still running after {limit:.0f} s") from exc
    if done.returncode != 0:
        raise BenchError(f"load generator exited with {done.returncode}:\n{done.stderr[-3000:]}")
    result = LoadResult(**json.loads(done.stdout))
    if result.errors:
        samples = "\n  ".join(result.error_samples)
        raise BenchError(f"{result.errors} error responses from {url}, e.g.:\n  {samples}")
    if not result.requests:
        raise BenchError(f"no request to {url} completed in the measured window")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("url")
    parser.add_argument("payloads_file", help="the request bodies: a JSON array of strings")
    parser.add_argument(
        "scenario",
        choices=[scenario.slug for scenario in (*SCENARIOS, *SIZE_SCENARIOS)],
        help="the scenario whose check every response must pass",
    )
    parser.add_argument("server_pid", type=int, help="process whose CPU and RSS are sampled")
    parser.add_argument("--connections", type=int, required=True)
    parser.add_argument("--warmup", type=float, required=True, help="seconds before measuring")
    parser.add_argument("--duration", type=float, required=True, help="seconds measured")
    args = parser.parse_args()
    with open(args.payloads_file, encoding="utf-8") as file:
        payloads = [payload.encode() for payload in json.load(file)]
    if not payloads:
        parser.error(f"{args.payloads_file} holds no request body")
    check = {scenario.slug: scenario for scenario in (*SCENARIOS, *SIZE_SCENARIOS)}[args.scenario].check
    result = asyncio.run(
        measure(args.url, payloads, check, args.connections, args.warmup, args.duration, args.server_pid)
    )
    print(json.dumps(asdict(result)))


if __name__ == "__main__":
    main()
