"""createOrder on two gateway processes serving one PostgreSQL database, the load spread over both."""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import replace
from typing import TYPE_CHECKING

from bench import server
from bench.load import run_load
from bench.scenarios import CREATE_ORDER

if TYPE_CHECKING:
    from pathlib import Path

    from bench.load import LoadResult
    from bench.profiles import Profile

PROCESSES = 2
TARGET = "≥ 1,500 req/s"
FRESH_WARMUP_S = 3.0  # at least: the gateways start cold, unlike the one that ran every scenario before


def run_two_processes(workdir: Path, url: str, payloads_file: Path, profile: Profile) -> LoadResult:
    """Starts `PROCESSES` gateways on the database at `url` and measures createOrder (its bodies in
    `payloads_file`) on them together: the profile's connections spread over them, CPU and RSS summed,
    after a warm-up of at least `FRESH_WARMUP_S`."""
    with ExitStack() as stack:
        gateways = [
            stack.enter_context(server.gateway(workdir, url=url, name=f"gateway-{i + 1}"))
            for i in range(PROCESSES)
        ]
        return run_load(
            [gateway.graphql_url for gateway in gateways],
            payloads_file,
            CREATE_ORDER.slug,
            [gateway.pid for gateway in gateways],
            replace(profile, warmup_s=max(profile.warmup_s, FRESH_WARMUP_S)),
        )
