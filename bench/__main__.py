"""`python -m bench [--quick] [--db postgres]`: measures every scenario against the gateway and its
baselines, on SQLite (the default) or on a PostgreSQL server the bench starts."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from bench import BenchError, postgres, report, server
from bench.baseline import baseline
from bench.fanout import allow_open_files, run_fanout
from bench.graphql import Captured, capture
from bench.load import LoadResult, run_load
from bench.pagesizes import PageSizeResult, run_page_sizes
from bench.processes import PROCESSES, run_two_processes
from bench.procstat import sample
from bench.profiles import FULL, QUICK, Profile
from bench.rawsql import rawsql_baseline
from bench.scenarios import CREATE_ORDER, SCENARIOS, Scenario
from bench.seed import BULK_MAX, seed
from bench.sizes import SIZE_SCENARIOS, grow, size_payloads

IDLE_SETTLE_S = 1.0  # after /readyz, before reading the idle RSS


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _payloads_path(workdir: Path, scenario: Scenario) -> Path:
    return workdir / f"{scenario.slug}.payloads.json"


def _write_payloads(workdir: Path, scenario: Scenario, payloads: list[bytes]) -> Path:
    """The request bodies as the load generator reads them: a JSON array of strings."""
    path = _payloads_path(workdir, scenario)
    path.write_text(json.dumps([payload.decode() for payload in payloads]))
    return path


@dataclass(frozen=True)
class _OnGateway:
    """A scenario measured on the gateway (and the raw SQL baseline), its aiohttp baseline still to come."""

    scenario: Scenario
    payloads_file: Path
    payload_count: int
    captured: Captured
    gateway: LoadResult
    rawsql: LoadResult | None
    paced: LoadResult | None
    uncached: LoadResult | None
    uncached_paced: LoadResult | None


def _measure(
    gateway: server.GatewayProcess,
    scenario: Scenario,
    payloads_file: Path,
    timing: Profile,
    variant: str = "",
) -> tuple[LoadResult, LoadResult | None]:
    """The scenario closed loop on `gateway`, and open loop at its `paced_at` of the max just found."""
    _progress(f"measuring the gateway{variant}: {scenario.title}")
    closed = run_load([gateway.graphql_url], payloads_file, scenario.slug, [gateway.pid], timing)
    if not scenario.paced_at:
        return closed, None
    rate = scenario.paced_at * closed.requests_per_s
    _progress(f"measuring the gateway{variant} at {rate:,.0f} req/s: {scenario.title}")
    return closed, run_load([gateway.graphql_url], payloads_file, scenario.slug, [gateway.pid], timing, rate)


def run(profile: Profile, workdir: Path, url: str | None = None) -> report.Measured:
    """Starts a gateway on an empty store (timing its start and reading its idle RSS), seeds it, measures
    each scenario on it (a paced one also open loop at its fraction of the max req/s just found) and, for
    reads, on the raw SQL baseline reading the same rows from its database; then on a bare aiohttp
    baseline replaying each response; then the fan-out of order events to many subscribers. Before the
    first write, it measures the page of every nested list at each page size.

    The response captured (to check, and for the baselines to replay) is that to the first request body.
    With `url` (PostgreSQL) the gateway serves that database; the raw SQL baseline reads SQLite files only.
    """
    measured: list[_OnGateway] = []
    pool_orders = profile.write_payloads * BULK_MAX
    _progress("starting the gateway")
    with server.gateway(workdir, url=url) as gateway:
        time.sleep(IDLE_SETTLE_S)
        startup = report.Startup(ready_s=gateway.ready_s, idle_rss_kib=sample(gateway.pid).rss_kib)
        _progress(f"seeding {pool_orders} pool orders, then {profile.orders} orders")
        seeded = asyncio.run(seed(gateway.graphql_url, profile.orders, pool_orders, profile.seed_concurrency))
        page_sizes: list[PageSizeResult] = []
        with ExitStack() as twins:
            # SQLite: a twin on the same file that executes every query, for the reads' execution cost
            uncached = None
            if url is None:
                _progress("starting a twin gateway with the response cache off")
                twin = server.gateway(workdir, gateway.database, name="uncached", settings=server.CACHE_OFF)
                uncached = twins.enter_context(twin)
            for scenario in SCENARIOS:
                if scenario.writes and not page_sizes:  # while the seeded orders are still the newest
                    _progress("measuring the page of every nested list at each page size")
                    page_sizes = run_page_sizes(uncached or gateway, workdir, profile)
                payloads = scenario.payloads(seeded)
                if not payloads:
                    raise BenchError(f"{scenario.title}: seeding left nothing to send")
                payloads_file = _write_payloads(workdir, scenario, payloads)
                captured = asyncio.run(capture(gateway.graphql_url, payloads[0], scenario.check))
                timing = scenario.profile_for(profile)
                on_gateway, paced = _measure(gateway, scenario, payloads_file, timing)
                on_twin, twin_paced = None, None
                if uncached is not None and not scenario.writes:
                    on_twin, twin_paced = _measure(uncached, scenario, payloads_file, timing, ", cache off")
                on_rawsql = None
                if not scenario.writes and gateway.database is not None:
                    _progress(f"measuring the raw SQL baseline: {scenario.title}")
                    with rawsql_baseline(workdir, gateway.database, scenario.query, captured) as raw:
                        on_rawsql = run_load(
                            [raw.graphql_url], payloads_file, scenario.slug, [raw.pid], timing
                        )
                measured.append(
                    _OnGateway(
                        scenario,
                        payloads_file,
                        len(payloads),
                        captured,
                        on_gateway,
                        on_rawsql,
                        paced,
                        on_twin,
                        twin_paced,
                    )
                )
        _progress(f"measuring the fan-out: {profile.subscribers} subscribers, {profile.changes} changes")
        fanout = run_fanout(gateway.graphql_url, gateway.pid, profile)
    results = []
    for done in measured:
        scenario = done.scenario
        _progress(f"measuring the aiohttp baseline: {scenario.title}")
        with baseline(workdir, done.captured) as bare:
            on_baseline = run_load(
                [bare.graphql_url],
                done.payloads_file,
                scenario.slug,
                [bare.pid],
                scenario.profile_for(profile),
            )
        response_bytes = len(done.captured.body)
        results.append(
            report.ScenarioResult(
                scenario,
                profile,
                done.payload_count,
                response_bytes,
                done.gateway,
                on_baseline,
                done.rawsql,
                done.paced,
                done.uncached,
                done.uncached_paced,
            )
        )
    return report.Measured(startup, results, fanout, page_sizes)


def run_sizes(profile: Profile, workdir: Path) -> list[report.SizeResult]:
    """Seeds a store of its own with the regular and rich orders only, grows a copy of it to each of the
    profile's sizes, and measures the size reads on a gateway serving each (shorter runs: what matters is
    how the figures move with size)."""
    timing = replace(profile, warmup_s=min(profile.warmup_s, 1.0), duration_s=min(profile.duration_s, 5.0))
    template = workdir / "sizes-template.db"
    _progress(f"seeding {profile.orders} orders for the store sizes")
    with server.gateway(workdir, template) as gateway:
        asyncio.run(seed(gateway.graphql_url, profile.orders, 0, profile.seed_concurrency))
    results = []
    for size in profile.sizes:
        _progress(f"growing the store to {size:,} orders")
        started = time.monotonic()
        grown = grow(template, workdir / f"size-{size}.db", size)
        grow_s = time.monotonic() - started
        loads: dict[str, LoadResult] = {}
        with server.gateway(workdir, grown.database, settings=server.CACHE_OFF) as gateway:
            bodies = size_payloads(grown)
            for scenario in SIZE_SCENARIOS:
                payloads_file = workdir / f"{scenario.slug}.payloads.json"
                payloads_file.write_text(json.dumps([bodies[scenario.title].decode()]))
                asyncio.run(capture(gateway.graphql_url, bodies[scenario.title], scenario.check))
                _progress(f"measuring at {size:,} orders: {scenario.title}")
                loads[scenario.title] = run_load(
                    [gateway.graphql_url], payloads_file, scenario.slug, [gateway.pid], timing
                )
        results.append(report.SizeResult(grown.orders, grow_s, loads))
    return results


def _write_scenarios(measured: report.Measured, profile: Profile, started: datetime) -> None:
    """Prints and writes what was measured before the store sizes (which take long at full size)."""
    print(report.startup_table(measured.startup))
    print(f"\nwrote {report.write_startup_json(measured.startup, started)}\n")
    for result in measured.scenarios:
        print(report.table(result))
        print(f"\nwrote {report.write_json(result, started)}\n")
    print(report.page_sizes_table(measured.page_sizes))
    print(f"\nwrote {report.write_page_sizes_json(measured.page_sizes, profile, started)}\n")
    print(report.fanout_table(measured.fanout))
    print(f"\nwrote {report.write_fanout_json(measured.fanout, profile, started)}\n", flush=True)
    if measured.two_processes:
        print(report.two_processes_table(measured.two_processes))
        print(f"\nwrote {report.write_two_processes_json(measured.two_processes, profile, started)}\n")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="0.3 s warm-up + 1 s measured instead of 3 s + 15 s, and a store of 1k orders only",
    )
    parser.add_argument(
        "--db",
        choices=("sqlite", "postgres"),
        default="sqlite",
        help="the store: SQLite (default) or PostgreSQL (scenarios only; results in bench/results/postgres/)",
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
            if args.db == "postgres":
                return _on_postgres(profile, Path(workdir), started)
            measured = run(profile, Path(workdir))
            _write_scenarios(measured, profile, started)
            sizes = run_sizes(profile, Path(workdir))
    except BenchError as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 1
    print(report.sizes_table(sizes))
    print(f"\nwrote {report.write_sizes_json(sizes, profile, started)}\n")
    print(f"wrote {report.write_markdown(measured, sizes, started)}")
    return 0


def _on_postgres(profile: Profile, workdir: Path, started: datetime) -> int:
    """The scenarios on PostgreSQL (the store sizes and the raw SQL baseline are measured on SQLite), then
    createOrder on two gateway processes."""
    report.RESULTS_DIR = report.RESULTS_DIR / "postgres"
    _progress("starting PostgreSQL")
    with postgres.database(workdir) as url:
        measured = run(profile, workdir, url)
        _progress(f"measuring {CREATE_ORDER.title} on {PROCESSES} gateway processes")
        payloads_file = _payloads_path(workdir, CREATE_ORDER)
        measured = replace(measured, two_processes=run_two_processes(workdir, url, payloads_file, profile))
    _write_scenarios(measured, profile, started)
    print(f"wrote {report.write_markdown(measured, [], started, 'PostgreSQL')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
