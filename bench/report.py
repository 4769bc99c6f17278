"""The results: a table on stdout and one JSON file per scenario under bench/results/."""

from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench import processes
from bench.scenarios import CREATE_ORDER
from bench.seed import LINES_PER_ORDER

if TYPE_CHECKING:
    from datetime import datetime

    from bench.fanout import FanoutResult
    from bench.load import LoadResult
    from bench.pagesizes import PageSizeResult
    from bench.profiles import Profile
    from bench.scenarios import Scenario

RESULTS_DIR = Path(__file__).resolve().parent / "results"
CLIENT_BOUND = 0.9


@dataclass(frozen=True)
class ScenarioResult:
    """One scenario measured against the gateway and its baselines: the bare aiohttp handler replaying the
    response (`baseline`) and, for reads, the raw SQL reads of the same rows (`rawsql`)."""

    scenario: Scenario
    profile: Profile
    payload_count: int
    response_bytes: int
    gateway: LoadResult
    baseline: LoadResult
    rawsql: LoadResult | None = None
    paced: LoadResult | None = None  # the gateway open loop at the scenario's `paced_at` of its max
    # The same on a twin gateway that executes every query (SQLite reads only: the default gateway
    # answers a repeated query from memory while the store is unchanged).
    uncached: LoadResult | None = None
    uncached_paced: LoadResult | None = None

    @property
    def ratio(self) -> float:
        """Gateway req/s ÷ baseline req/s."""
        return self.gateway.requests_per_s / self.baseline.requests_per_s

    @property
    def gateway_to_rawsql(self) -> float | None:
        """Gateway req/s ÷ raw SQL baseline req/s (reads only)."""
        return self.gateway.requests_per_s / self.rawsql.requests_per_s if self.rawsql else None

    @property
    def data(self) -> str:
        """What the scenario runs on."""
        return f"{self.scenario.data} ({self.payload_count} request bodies)"

    def targets(self) -> list[tuple[str, LoadResult]]:
        """The gateway and each baseline measured, by name."""
        found = [("gateway", self.gateway)]
        found += [("no cache", self.uncached)] if self.uncached else []
        found += [("aiohttp", self.baseline)]
        return found + ([("raw SQL", self.rawsql)] if self.rawsql else [])


def table(result: ScenarioResult) -> str:
    """A plain-text table of both targets."""
    profile = result.profile
    lines = [
        f"{result.scenario.title}: {result.scenario.profile_for(profile).connections} connections, "
        f"{profile.warmup_s:g} s warm-up + "
        f"{profile.duration_s:g} s measured, {result.data}, response {result.response_bytes:,} B",
        "",
        f"{'target':<10}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'requests':>10}"
        f"{'CPU ms/req':>12}{'RSS MiB':>9}{'client CPU':>12}{'client µs/req':>15}",
    ]
    for name, load in result.targets():
        lines.append(
            f"{name:<10}{load.requests_per_s:>10,.1f}{load.p50_ms:>9.2f}{load.p99_ms:>9.2f}{load.requests:>10,}"
            f"{load.server_cpu_s_per_request * 1000:>12.3f}{load.server_rss_kib_after / 1024:>9.1f}"
            f"{load.client_cpu_utilisation:>12.0%}{load.client_cpu_s_per_request * 1e6:>15.0f}"
        )
    if result.paced:
        lines += ["", paced_line(result.scenario, result.paced)]
    if result.uncached_paced:
        lines += [paced_line(result.scenario, result.uncached_paced, " (response cache off)")]
    lines += ["", f"gateway ÷ aiohttp baseline (req/s): {result.ratio:.3f}"]
    if result.rawsql:
        lines.append(f"gateway ÷ raw SQL baseline (req/s): {result.gateway_to_rawsql:.3f}")
    for name, load in result.targets():
        if load.client_cpu_utilisation >= CLIENT_BOUND:
            lines.append(
                f"note: the load generator was CPU-bound against the {name}, so its req/s is a lower bound"
            )
    return "\n".join(lines)


def paced_line(scenario: Scenario, paced: LoadResult, variant: str = "") -> str:
    """The open-loop latency of `scenario` at its fraction of the max req/s."""
    return (
        f"{scenario.title}{variant} at {scenario.paced_at * 100:.0f} % of max "
        f"({paced.offered_per_s or 0:,.0f} req/s, "
        f"open loop): p50 {paced.p50_ms:.2f} ms, p99 {paced.p99_ms:.2f} ms from when each request was due "
        f"(the generator's own lag: p99 {paced.p99_lag_ms or 0:.2f} ms)"
    )


def _paced_row(scenario: Scenario, paced: LoadResult, variant: str = "") -> str:
    return (
        f"| {scenario.title}{variant} at {scenario.paced_at * 100:.0f} % of max (open loop) "
        f"| {scenario.paced_target} "
        f"| p99 {paced.p99_ms:.1f} ms; p50 {paced.p50_ms:.1f} ms at {paced.offered_per_s or 0:,.0f} req/s "
        f"(generator's lag p99 {paced.p99_lag_ms or 0:.1f} ms) |"
    )


def _two_processes_row(load: LoadResult, store: str) -> str:
    return (
        f"| {CREATE_ORDER.title}, {processes.PROCESSES} processes, {store} | {processes.TARGET} "
        f"| {load.requests_per_s:,.0f} req/s; p99 {load.p99_ms:.1f} ms; "
        f"{load.server_cpu_s_per_request * 1000:.2f} gateways' CPU ms/req |"
    )


def _target(load: LoadResult) -> dict[str, Any]:
    return asdict(load) | {
        "server_cpu_s_per_request": load.server_cpu_s_per_request,
        "client_cpu_s_per_request": load.client_cpu_s_per_request,
    }


def _save(name: str, document: dict[str, Any], started: datetime) -> Path:
    """Writes `document` to bench/results/<name>-<timestamp>.json and returns its path."""
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{name}-{started:%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path


def write_json(result: ScenarioResult, started: datetime) -> Path:
    """Writes bench/results/<scenario>-<timestamp>.json and returns its path."""
    document = {
        "scenario": result.scenario.slug,
        "title": result.scenario.title,
        "query": result.scenario.query,
        "kind": "write" if result.scenario.writes else "read",
        "payload_count": result.payload_count,
        "data": result.data,
        "started_at": started.isoformat(),
        "profile": asdict(result.profile),
        "lines_per_order": LINES_PER_ORDER,
        "response_bytes": result.response_bytes,
        "gateway": _target(result.gateway),
        "baseline": _target(result.baseline),
        "rawsql_baseline": _target(result.rawsql) if result.rawsql else None,
        "gateway_paced": _target(result.paced) if result.paced else None,
        "gateway_response_cache_off": _target(result.uncached) if result.uncached else None,
        "gateway_response_cache_off_paced": _target(result.uncached_paced) if result.uncached_paced else None,
        "paced_at": result.scenario.paced_at or None,
        "gateway_to_baseline_rps_ratio": result.ratio,
        "gateway_to_rawsql_rps_ratio": result.gateway_to_rawsql,
        "host": _host(),
    }
    return _save(result.scenario.slug, document, started)


@dataclass(frozen=True)
class Startup:
    """The gateway's start on an empty store (its schema made at start) and its memory once idle."""

    ready_s: float
    idle_rss_kib: int


@dataclass(frozen=True)
class Measured:
    """What one run measured on one store, the store sizes aside."""

    startup: Startup
    scenarios: list[ScenarioResult]
    fanout: FanoutResult
    page_sizes: list[PageSizeResult]
    two_processes: LoadResult | None = None  # createOrder on two gateway processes (PostgreSQL)


def linear_fit(points: list[tuple[float, float]]) -> tuple[float, float]:
    """The least-squares line through `points` (x, y): its intercept and slope."""
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / spread if spread else 0.0
    return mean_y - slope * mean_x, slope


def _page_size_fit(page_sizes: list[PageSizeResult]) -> str:
    fixed_ms, per_order_ms = linear_fit([(p.first, p.cpu_ms_per_request) for p in page_sizes])
    statements = sorted({f"{p.statements_per_request:g}" for p in page_sizes})
    return (
        f"least squares: CPU ≈ {fixed_ms:.2f} ms + {per_order_ms * 1000:.0f} µs × orders; "
        f"SQL statements per request: {', '.join(statements)}"
    )


def page_sizes_table(page_sizes: list[PageSizeResult]) -> str:
    """Req/s, CPU per request and per order, and statements per request at each page size."""
    lines = [
        "orders page with every nested list, by page size",
        "",
        f"{'orders':>7}{'req/s':>10}{'p99 ms':>9}{'CPU ms/req':>12}{'CPU µs/order':>14}{'SQL/req':>9}",
    ]
    for p in page_sizes:
        lines.append(
            f"{p.first:>7}{p.load.requests_per_s:>10,.1f}{p.load.p99_ms:>9.1f}{p.cpu_ms_per_request:>12.2f}"
            f"{p.cpu_us_per_order:>14.0f}{p.statements_per_request:>9.2f}"
        )
    return "\n".join([*lines, "", _page_size_fit(page_sizes)])


def two_processes_table(load: LoadResult) -> str:
    """A plain-text line for createOrder on two gateway processes."""
    return (
        f"{CREATE_ORDER.title} on {processes.PROCESSES} gateway processes, "
        f"{load.connections_opened} connections over them: "
        f"{load.requests_per_s:,.1f} req/s, p50 {load.p50_ms:.2f} ms, p99 {load.p99_ms:.2f} ms, "
        f"{load.server_cpu_s_per_request * 1000:.3f} CPU ms/req of both gateways"
    )


def write_two_processes_json(load: LoadResult, profile: Profile, started: datetime) -> Path:
    """Writes bench/results/<createOrder>-2-processes-<timestamp>.json and returns its path."""
    slug = f"{CREATE_ORDER.slug}-{processes.PROCESSES}-processes"
    document = {
        "scenario": slug,
        "started_at": started.isoformat(),
        "profile": asdict(profile),
        "processes": processes.PROCESSES,
        "gateways": _target(load),
        "host": _host(),
    }
    return _save(slug, document, started)


def write_page_sizes_json(page_sizes: list[PageSizeResult], profile: Profile, started: datetime) -> Path:
    """Writes bench/results/page-sizes-<timestamp>.json and returns its path."""
    document = {
        "scenario": "page-sizes",
        "started_at": started.isoformat(),
        "profile": asdict(profile),
        "page_sizes": [
            {
                "first": p.first,
                "statements_per_request": p.statements_per_request,
                "cpu_us_per_order": p.cpu_us_per_order,
                "gateway": _target(p.load),
            }
            for p in page_sizes
        ],
        "host": _host(),
    }
    return _save("page-sizes", document, started)


@dataclass(frozen=True)
class SizeResult:
    """The size reads on a store of `orders` orders (grown in `grow_s` seconds)."""

    orders: int
    grow_s: float
    loads: dict[str, LoadResult]


def sizes_table(sizes: list[SizeResult]) -> str:
    """Req/s and p99 of each size read at each store size."""
    if not sizes:
        return ""
    names = list(sizes[0].loads)
    header = f"{'read at store size':<26}" + "".join(f"{s.orders:>24,}" for s in sizes)
    lines = ["reads as the store grows: req/s (p99 ms)", "", header]
    for name in names:
        cells = "".join(
            f"{s.loads[name].requests_per_s:>14,.1f} ({s.loads[name].p99_ms:>6.1f})" for s in sizes
        )
        lines.append(f"{name:<26}{cells}")
    return "\n".join(lines)


def write_sizes_json(sizes: list[SizeResult], profile: Profile, started: datetime) -> Path:
    """Writes bench/results/store-sizes-<timestamp>.json and returns its path."""
    document = {
        "scenario": "store-sizes",
        "started_at": started.isoformat(),
        "profile": asdict(profile),
        "sizes": [
            {"orders": s.orders, "grow_s": s.grow_s, "reads": {n: _target(x) for n, x in s.loads.items()}}
            for s in sizes
        ],
        "host": _host(),
    }
    return _save("store-sizes", document, started)


STARTUP_TARGET = "≤ 1.5 s to ready; idle RSS ≤ 80 MB"
FANOUT_TARGET = "≥ 100 events/s to all 1,000 (100k messages/s); p99 ≤ 100 ms; ≤ 30 KB per idle subscriber"


def startup_table(startup: Startup) -> str:
    """A plain-text line for the start."""
    return (
        f"cold start to ready: {startup.ready_s:.2f} s (empty store, its schema made at start); "
        f"idle RSS {startup.idle_rss_kib / 1024:.1f} MiB"
    )


def _host() -> dict[str, Any]:
    return {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()}


def write_startup_json(startup: Startup, started: datetime) -> Path:
    """Writes bench/results/cold-start-<timestamp>.json and returns its path."""
    document = {
        "scenario": "cold-start",
        "started_at": started.isoformat(),
        "result": asdict(startup),
        "host": _host(),
    }
    return _save("cold-start", document, started)


def write_markdown(
    measured: Measured, sizes: list[SizeResult], started: datetime, store: str = "SQLite WAL"
) -> Path:
    """Writes bench/results/RESULTS.md, the run's figures beside the targets, and returns its path."""
    startup, results, fanout = measured.startup, measured.scenarios, measured.fanout
    profile = results[0].profile if results else None
    lines = [
        f"# Benchmark results ({profile.name if profile else '-'} profile, {started:%Y-%m-%d %H:%M} UTC)",
        "",
        f"One gateway process, {store}, {os.cpu_count()} CPUs shared with the load generator; "
        f"{profile.connections if profile else '-'} connections. Baselines measured in the same run: "
        "a bare aiohttp handler replying the same bytes, and (on SQLite) the raw SQL reads of the same "
        "rows (the standard library's sqlite3 on the loop's thread, as the gateway reads). Per-scenario JSON "
        "beside this file.",
        "",
        "| scenario | target | req/s | p50 ms | p99 ms | CPU ms/req | RSS MiB | "
        "÷ aiohttp | ÷ raw SQL | data |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for result in results:
        variants = [("", result.gateway)]
        variants += [(", response cache off", result.uncached)] if result.uncached else []
        for variant, load in variants:
            to_raw = load.requests_per_s / result.rawsql.requests_per_s if result.rawsql else None
            raw = f"{to_raw:.2f}" if to_raw else "—"
            lines.append(
                f"| {result.scenario.title}{variant} | {result.scenario.target or '—'} "
                f"| {load.requests_per_s:,.1f} | {load.p50_ms:.1f} | {load.p99_ms:.1f} "
                f"| {load.server_cpu_s_per_request * 1000:.2f} | {load.server_rss_kib_after / 1024:.0f} "
                f"| {load.requests_per_s / result.baseline.requests_per_s:.3f} | {raw} | {result.data} |"
            )
    lines += [
        "",
        "| other | target | measured |",
        "|---|---|---|",
        f"| cold start, idle RSS | {STARTUP_TARGET} | {startup.ready_s:.2f} s; "
        f"{startup.idle_rss_kib / 1024:.1f} MiB |",
        *(_paced_row(result.scenario, result.paced) for result in results if result.paced),
        *(
            _paced_row(result.scenario, result.uncached_paced, ", response cache off")
            for result in results
            if result.uncached_paced
        ),
        *([_two_processes_row(measured.two_processes, store)] if measured.two_processes else []),
        f"| order events to {fanout.subscribers:,} subscribers | {FANOUT_TARGET} | "
        f"{fanout.deliveries_per_s:,.0f} deliveries/s; p99 {fanout.p99_ms:.1f} ms; "
        f"{fanout.server_kib_per_subscriber:.1f} KiB per subscriber |",
        "",
        *_page_sizes_markdown(measured.page_sizes),
    ]
    if sizes:
        lines += [
            "Reads as the store grows (req/s, p99 ms in brackets); the store is the seeded one plus clones.",
            "",
            "| read | " + " | ".join(f"{s.orders:,} orders" for s in sizes) + " |",
            "|---|" + "---:|" * len(sizes),
        ]
        for name in sizes[0].loads:
            cells = " | ".join(
                f"{s.loads[name].requests_per_s:,.0f} ({s.loads[name].p99_ms:.1f})" for s in sizes
            )
            lines.append(f"| {name} | {cells} |")
        lines.append("")
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / "RESULTS.md"
    path.write_text("\n".join(lines))
    return path


def _page_sizes_markdown(page_sizes: list[PageSizeResult]) -> list[str]:
    if not page_sizes:
        return []
    lines = [
        "## Cost by page size",
        "",
        "The orders page with every nested list; gateway CPU should grow linearly with the page and the SQL "
        "statements per request (from the gateway's /metrics) stay constant.",
        "",
        "| orders | req/s | p99 ms | CPU ms/req | CPU µs/order | SQL statements/req |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for p in page_sizes:
        lines.append(
            f"| {p.first} | {p.load.requests_per_s:,.1f} | {p.load.p99_ms:.1f} | {p.cpu_ms_per_request:.2f} "
            f"| {p.cpu_us_per_order:.0f} | {p.statements_per_request:.2f} |"
        )
    return [*lines, "", _page_size_fit(page_sizes) + ".", ""]


def fanout_table(result: FanoutResult) -> str:
    """A plain-text summary of the fan-out scenario."""
    lines = [
        f"order events fan-out: {result.subscribers:,} WebSocket subscribers, {result.changes} changes, "
        f"{result.deliveries:,} deliveries in {result.elapsed_s:.2f} s",
        "",
        f"{'deliveries/s':>13}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'KiB/subscriber':>16}"
        f"{'server CPU s':>14}{'client CPU':>12}",
        f"{result.deliveries_per_s:>13,.0f}{result.p50_ms:>9.1f}{result.p99_ms:>9.1f}{result.max_ms:>9.1f}"
        f"{result.server_kib_per_subscriber:>16.1f}{result.server_cpu_s:>14.2f}{result.client_cpu_utilisation:>12.0%}",
    ]
    if result.client_cpu_utilisation >= CLIENT_BOUND:
        lines.append("note: the subscribers' process was CPU-bound, so deliveries/s is a lower bound")
    return "\n".join(lines)


def write_fanout_json(result: FanoutResult, profile: Profile, started: datetime) -> Path:
    """Writes bench/results/order-events-fanout-<timestamp>.json and returns its path."""
    document = {
        "scenario": "order-events-fanout",
        "started_at": started.isoformat(),
        "profile": asdict(profile),
        "result": asdict(result) | {"server_kib_per_subscriber": result.server_kib_per_subscriber},
        "host": _host(),
    }
    return _save("order-events-fanout", document, started)
