"""`python -m bench [--quick]`: measures every scenario against the gateway and the baseline."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bench import BenchError, report, server
from bench.baseline import baseline
from bench.fanout import FanoutResult, allow_open_files, run_fanout
from bench.graphql import Captured, capture
from bench.load import LoadResult, run_load
from bench.profiles import FULL, QUICK, Profile
from bench.scenarios import SCENARIOS, Scenario
from bench.seed import BULK_MAX, seed


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _write_payloads(workdir: Path, scenario: Scenario, payloads: list[bytes]) -> Path:
    """The request bodies as the load generator reads them: a JSON array of strings."""
    path = workdir / f"{scenario.slug}.payloads.json"
    path.write_text(json.dumps([payload.decode() for payload in payloads]))
    return path


def run(profile: Profile, workdir: Path) -> tuple[list[report.ScenarioResult], FanoutResult]:
    """Seeds a fresh gateway, measures each scenario on it, then on a baseline replaying its response;
    then the fan-out of order events to many subscribers.

    The response captured (to check, and for the baseline to replay) is that to the first request body.
    """
    measured: list[tuple[Scenario, Path, int, Captured, LoadResult]] = []
    pool_orders = profile.write_payloads * BULK_MAX
    _progress("starting the gateway")
    with server.gateway(workdir) as gateway:
        _progress(f"seeding {pool_orders} pool orders, then {profile.orders} orders")
        seeded = asyncio.run(seed(gateway.graphql_url, profile.orders, pool_orders, profile.seed_concurrency))
        for scenario in SCENARIOS:
            payloads = scenario.payloads(seeded)
            if not payloads:
                raise BenchError(f"{scenario.title}: seeding left nothing to send")
            payloads_file = _write_payloads(workdir, scenario, payloads)
            captured = asyncio.run(capture(gateway.graphql_url, payloads[0], scenario.check))
            _progress(f"measuring the gateway: {scenario.title}")
            on_gateway = run_load(gateway.graphql_url, payloads_file, scenario.slug, gateway.pid, profile)
            measured.append((scenario, payloads_file, len(payloads), captured, on_gateway))
        _progress(f"measuring the fan-out: {profile.subscribers} subscribers, {profile.changes} changes")
        fanout = run_fanout(gateway.graphql_url, gateway.pid, profile)
    results = []
    for scenario, payloads_file, payload_count, captured, on_gateway in measured:
        _progress(f"measuring the baseline: {scenario.title}")
        with baseline(workdir, captured) as bare:
            on_baseline = run_load(bare.graphql_url, payloads_file, scenario.slug, bare.pid, profile)
        results.append(
            report.ScenarioResult(
                scenario, profile, payload_count, len(captured.body), on_gateway, on_baseline
            )
        )
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
