"""`python -m bench [--quick]`: measures every scenario against the gateway and the baseline."""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bench import BenchError, report, server
from bench.baseline import baseline
from bench.fanout import FanoutResult, allow_open_files, run_fanout
from bench.graphql import Captured, capture, encode
from bench.load import LoadResult, run_load
from bench.profiles import FULL, QUICK, Profile
from bench.scenarios import SCENARIOS, Scenario
from bench.seed import seed


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run(profile: Profile, workdir: Path) -> tuple[list[report.ScenarioResult], FanoutResult]:
    """Seeds a fresh gateway, measures each scenario on it, then on a baseline replaying its response;
    then the fan-out of order events to many subscribers."""
    measured: list[tuple[Scenario, bytes, Captured, LoadResult]] = []
    _progress("starting the gateway")
    with server.gateway(workdir) as gateway:
        _progress(f"seeding {profile.orders} orders")
        asyncio.run(seed(gateway.graphql_url, profile.orders, profile.seed_concurrency))
        for scenario in SCENARIOS:
            payload = encode(scenario.query)
            captured = asyncio.run(capture(gateway.graphql_url, payload))
            scenario.check(captured.document())
            _progress(f"measuring the gateway: {scenario.title}")
            measured.append(
                (scenario, payload, captured, run_load(gateway.graphql_url, payload, gateway.pid, profile))
            )
        _progress(f"measuring the fan-out: {profile.subscribers} subscribers, {profile.changes} changes")
        fanout = run_fanout(gateway.graphql_url, gateway.pid, profile)
    results = []
    for scenario, payload, captured, on_gateway in measured:
        _progress(f"measuring the baseline: {scenario.title}")
        with baseline(workdir, captured) as bare:
            on_baseline = run_load(bare.graphql_url, payload, bare.pid, profile)
        results.append(report.ScenarioResult(scenario, profile, len(captured.body), on_gateway, on_baseline))
    return results, fanout


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="1 s warm-up + 4 s measured instead of 3 s + 15 s"
    )
    args = parser.parse_args()
    if not sys.platform.startswith("linux"):
        print("bench failed: reading server CPU and RSS needs Linux /proc", file=sys.stderr)
        return 1
    started = datetime.now(UTC)
    profile = QUICK if args.quick else FULL
    try:
        allow_open_files(profile.subscribers)  # the gateway, started from here, inherits the limit
        with tempfile.TemporaryDirectory(prefix="orders-bench-") as workdir:
            results, fanout = run(profile, Path(workdir))
    except BenchError as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 1
    for result in results:
        print(report.table(result))
        print(f"\nwrote {report.write_json(result, started)}\n")
    print(report.fanout_table(fanout))
    print(f"\nwrote {report.write_fanout_json(fanout, profile, started)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
