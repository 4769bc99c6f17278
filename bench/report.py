"""The results: a table on stdout and one JSON file per scenario under bench/results/."""

from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.seed import BULK_MAX, LINES_PER_ORDER

if TYPE_CHECKING:
    from datetime import datetime

    from bench.fanout import FanoutResult
    from bench.load import LoadResult
    from bench.profiles import Profile
    from bench.scenarios import Scenario

RESULTS_DIR = Path(__file__).resolve().parent / "results"
CLIENT_BOUND = 0.9


@dataclass(frozen=True)
class ScenarioResult:
    """One scenario measured against the gateway and against the baseline."""

    scenario: Scenario
    profile: Profile
    payload_count: int
    response_bytes: int
    gateway: LoadResult
    baseline: LoadResult

    @property
    def ratio(self) -> float:
        """Gateway req/s ÷ baseline req/s."""
        return self.gateway.requests_per_s / self.baseline.requests_per_s

    @property
    def data(self) -> str:
        """What the scenario runs on."""
        if self.scenario.writes:
            return (
                f"write cycling {self.payload_count} payloads over "
                f"{self.payload_count * BULK_MAX:,} pool orders × 1 line"
            )
        return f"{self.profile.orders} orders × {LINES_PER_ORDER} lines, 1–2 payments, 1 fulfillment"


def table(result: ScenarioResult) -> str:
    """A plain-text table of both targets."""
    profile = result.profile
    lines = [
        f"{result.scenario.title}: {profile.connections} connections, {profile.warmup_s:g} s warm-up + "
        f"{profile.duration_s:g} s measured, {result.data}, response {result.response_bytes:,} B",
        "",
        f"{'target':<10}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'requests':>10}"
        f"{'CPU ms/req':>12}{'RSS MiB':>9}{'client CPU':>12}",
    ]
    for name, load in (("gateway", result.gateway), ("baseline", result.baseline)):
        lines.append(
            f"{name:<10}{load.requests_per_s:>10,.1f}{load.p50_ms:>9.2f}{load.p99_ms:>9.2f}{load.requests:>10,}"
            f"{load.server_cpu_s_per_request * 1000:>12.3f}{load.server_rss_kib_after / 1024:>9.1f}"
            f"{load.client_cpu_utilisation:>12.0%}"
        )
    lines += ["", f"gateway ÷ baseline (req/s): {result.ratio:.3f}"]
    for name, load in (("gateway", result.gateway), ("baseline", result.baseline)):
        if load.client_cpu_utilisation >= CLIENT_BOUND:
            lines.append(
                f"note: the load generator was CPU-bound against the {name}, so its req/s is a lower bound"
            )
    return "\n".join(lines)


def _target(load: LoadResult) -> dict[str, Any]:
    return asdict(load) | {"server_cpu_s_per_request": load.server_cpu_s_per_request}


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
        "gateway_to_baseline_rps_ratio": result.ratio,
        "host": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
    }
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{result.scenario.slug}-{started:%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path


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
        "host": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
    }
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"order-events-fanout-{started:%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path
