"""The load generator, run as its own process (`python -m bench.load`) so it never shares a CPU with
the server's event loop: a fixed number of keep-alive connections (bench/http1.py), each sending requests
back to back (closed loop) or as a timetable makes them due (open loop, `--rate`), the scenario's bodies in
turn across connections; a warm-up, then a measured window bracketed by /proc samples of the server
processes. Every response must pass the scenario's check.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from bench import BenchError
from bench.graphql import HEADERS
from bench.http1 import Target
from bench.loops import Driver
from bench.procstat import ProcSample, sample
from bench.scenarios import PAGE_SIZE_SCENARIOS, SCENARIOS
from bench.server import PACKAGE_ROOT
from bench.sizes import SIZE_SCENARIOS

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from bench.graphql import Check
    from bench.profiles import Profile

CHECKS = {scenario.slug: scenario.check for scenario in (*SCENARIOS, *PAGE_SIZE_SCENARIOS, *SIZE_SCENARIOS)}
DRAIN_TIMEOUT_S = 30.0  # for the responses still due after the window


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
    client_cpu_s: float
    server_cpu_s: float
    server_rss_kib_before: int
    server_rss_kib_after: int
    offered_per_s: float | None = None  # the open loop's rate; None for a closed loop
    # Open loop: the 99th percentile of how late the generator itself took up due requests, part of
    # their latency (a busy machine delays the generator's timer as it delays the server).
    p99_lag_ms: float | None = None

    @property
    def server_cpu_s_per_request(self) -> float:
        """Server CPU (user + system) spent per measured request."""
        return self.server_cpu_s / self.requests

    @property
    def client_cpu_s_per_request(self) -> float:
        """The load generator's CPU spent per measured request."""
        return self.client_cpu_s / self.requests


def _percentile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending, non-empty list."""
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


async def measure(
    urls: Sequence[str],
    payloads: Sequence[bytes],
    check: Check,
    connections: int,
    warmup_s: float,
    duration_s: float,
    server_pids: Sequence[int],
    rate: float | None = None,
) -> LoadResult:
    """Drives `urls` with `connections` keep-alive connections (spread over them in turn) and measures
    after the warm-up; closed loop, or open loop at `rate` requests per second.

    The requests take `payloads` round-robin; a response `check` refuses counts as an error. The servers'
    CPU and RSS are those of `server_pids`, summed.
    """
    targets = [Target.parse(url) for url in urls]
    requests = {target: [target.post(payload, HEADERS) for payload in payloads] for target in targets}
    driver = Driver(requests, check, rate)
    await driver.connect(targets, connections)
    driver.start()
    await asyncio.sleep(warmup_s)
    before, client_cpu_before = _sample(server_pids), time.process_time()
    driver.window.start = asyncio.get_running_loop().time()
    await asyncio.sleep(duration_s)
    driver.window.end = asyncio.get_running_loop().time()
    after, client_cpu_after = _sample(server_pids), time.process_time()
    await asyncio.wait_for(driver.finished, DRAIN_TIMEOUT_S)
    driver.close()

    elapsed = driver.window.end - driver.window.start
    ordered = sorted(driver.latencies) or [math.nan]
    client_cpu_s = client_cpu_after - client_cpu_before
    return LoadResult(
        requests=len(driver.latencies),
        errors=driver.errors,
        error_samples=driver.error_samples,
        elapsed_s=elapsed,
        requests_per_s=len(driver.latencies) / elapsed,
        p50_ms=_percentile(ordered, 0.50) * 1000,
        p99_ms=_percentile(ordered, 0.99) * 1000,
        mean_ms=sum(ordered) / len(ordered) * 1000,
        max_ms=ordered[-1] * 1000,
        connections_opened=driver.opened,
        client_cpu_utilisation=client_cpu_s / elapsed,
        client_cpu_s=client_cpu_s,
        server_cpu_s=after.cpu_s - before.cpu_s,
        server_rss_kib_before=before.rss_kib,
        server_rss_kib_after=after.rss_kib,
        offered_per_s=rate,
        p99_lag_ms=_percentile(sorted(driver.lags), 0.99) * 1000 if driver.lags else None,
    )


def _sample(pids: Sequence[int]) -> ProcSample:
    """The CPU seconds and RSS of `pids` together."""
    samples = [sample(pid) for pid in pids]
    return ProcSample(sum(s.cpu_s for s in samples), sum(s.rss_kib for s in samples))


def run_load(
    urls: Sequence[str],
    payloads_file: Path,
    scenario: str,
    server_pids: Sequence[int],
    profile: Profile,
    rate: float | None = None,
) -> LoadResult:
    """Runs the load generator in a child process; raises BenchError if it fails or saw any error.

    `payloads_file` holds the request bodies as a JSON array of strings; `scenario` is the slug whose
    check every response must pass; `rate` makes it an open loop of that many requests per second.
    """
    argv = [sys.executable, "-m", "bench.load", str(payloads_file), scenario]
    argv += [f"--url={url}" for url in urls] + [f"--pid={pid}" for pid in server_pids]
    argv += [f"--connections={profile.connections}", f"--warmup={profile.warmup_s}"]
    argv += [f"--duration={profile.duration_s}"] + ([f"--rate={rate}"] if rate else [])
    limit = profile.warmup_s + profile.duration_s + DRAIN_TIMEOUT_S + 30
    try:
        done = subprocess.run(
            argv, cwd=PACKAGE_ROOT, capture_output=True, text=True, timeout=limit, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"load generator still running after {limit:.0f} s") from exc
    if done.returncode != 0:
        raise BenchError(f"load generator exited with {done.returncode}:\n{done.stderr[-3000:]}")
    result = LoadResult(**json.loads(done.stdout))
    where = ", ".join(urls)
    if result.errors:
        samples = "\n  ".join(result.error_samples)
        raise BenchError(f"{result.errors} error responses from {where}, e.g.:\n  {samples}")
    if not result.requests:
        raise BenchError(f"no request to {where} completed in the measured window")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("payloads_file", help="the request bodies: a JSON array of strings")
    parser.add_argument(
        "scenario",
        choices=list(CHECKS),
        help="the scenario whose check every response must pass",
    )
    parser.add_argument(
        "--url", action="append", required=True, help="a server to send to (repeat to spread connections)"
    )
    parser.add_argument(
        "--pid", action="append", type=int, required=True, help="a process whose CPU and RSS count"
    )
    parser.add_argument("--connections", type=int, required=True)
    parser.add_argument("--warmup", type=float, required=True, help="seconds before measuring")
    parser.add_argument("--duration", type=float, required=True, help="seconds measured")
    parser.add_argument("--rate", type=float, help="requests per second on a timetable (open loop)")
    args = parser.parse_args()
    with open(args.payloads_file, encoding="utf-8") as file:
        payloads = [payload.encode() for payload in json.load(file)]
    if not payloads:
        parser.error(f"{args.payloads_file} holds no request body")
    check = CHECKS[args.scenario]
    result = asyncio.run(
        measure(args.url, payloads, check, args.connections, args.warmup, args.duration, args.pid, args.rate)
    )
    print(json.dumps(asdict(result)))


if __name__ == "__main__":
    main()
