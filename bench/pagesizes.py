"""Cost by page size: the page of every nested list at each of `PAGE_SIZES`, with the gateway's CPU per
request and per order, and the SQL statements per request its /metrics counted (`gateway_sql_statements_
per_request`, the same per-request counter the batching tests read through the store).
"""

from __future__ import annotations

import json
import re
import urllib.request
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from bench import BenchError
from bench.graphql import encode
from bench.load import run_load
from bench.scenarios import PAGE_SIZE_SCENARIOS, PAGE_SIZES
from bench.server import HOST

if TYPE_CHECKING:
    from pathlib import Path

    from bench.load import LoadResult
    from bench.profiles import Profile
    from bench.server import GatewayProcess

# Enough to keep the gateway busy; more would only queue, and the largest pages, answered a second or
# more late on a loaded machine, would then not fit whole in a short measured window.
CONNECTIONS = 2
_STATEMENTS = re.compile(rb"^gateway_sql_statements_per_request_(sum|count) (\S+)$", re.MULTILINE)


@dataclass(frozen=True)
class PageSizeResult:
    """One page size: its load and the SQL statements each of its requests ran."""

    first: int
    load: LoadResult
    statements_per_request: float

    @property
    def cpu_ms_per_request(self) -> float:
        """Gateway CPU milliseconds per request."""
        return self.load.server_cpu_s_per_request * 1000

    @property
    def cpu_us_per_order(self) -> float:
        """Gateway CPU microseconds per order in the page."""
        return self.load.server_cpu_s_per_request * 1e6 / self.first


def statement_totals(gateway: GatewayProcess) -> tuple[float, float]:
    """The gateway's SQL statements so far over all GraphQL HTTP requests, and those requests."""
    with urllib.request.urlopen(f"http://{HOST}:{gateway.port}/metrics", timeout=10) as response:
        found = dict(_STATEMENTS.findall(response.read()))
    if set(found) != {b"sum", b"count"}:
        raise BenchError("the gateway's /metrics has no gateway_sql_statements_per_request")
    return float(found[b"sum"]), float(found[b"count"])


def run_page_sizes(gateway: GatewayProcess, workdir: Path, profile: Profile) -> list[PageSizeResult]:
    """Measures the page of every nested list at each page size on `gateway`, in shorter runs than the
    scenarios' (what matters is how the figures move with the page size) on `CONNECTIONS` connections."""
    timing = replace(
        profile,
        warmup_s=min(profile.warmup_s, 1.0),
        duration_s=min(profile.duration_s, 5.0),
        connections=CONNECTIONS,
    )
    results = []
    for first, scenario in zip(PAGE_SIZES, PAGE_SIZE_SCENARIOS, strict=True):
        payloads_file = workdir / f"{scenario.slug}.payloads.json"
        payloads_file.write_text(json.dumps([encode(scenario.query).decode()]))
        statements_before, requests_before = statement_totals(gateway)
        load = run_load([gateway.graphql_url], payloads_file, scenario.slug, [gateway.pid], timing)
        statements_after, requests_after = statement_totals(gateway)
        per_request = (statements_after - statements_before) / (requests_after - requests_before)
        results.append(PageSizeResult(first, load, per_request))
    return results
