"""Building the Retailys backend and its poller from settings, and their lifecycle."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.backends.local.upstream_events import UpstreamEventLog
from app.backends.local.upstream_keys import UpstreamKeys
from app.backends.system.backend import SystemBackend
from app.backends.system.changes import OrderChanges
from app.backends.system.client import SystemClient
from app.backends.system.mapping import SOURCE, Shippers
from app.backends.system.poller import SystemPoller
from app.backends.system.reads import SystemOptions
from app.domain.model import HistoryKind

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from app.backends.local.database import Database
    from app.config import Settings

HISTORY_TYPES = frozenset({"order", "email", "apps", "status"})


def parse_pairs(text: str, setting: str) -> dict[str, str]:
    """`a=1,b=2` as a dict; a malformed pair is a ValueError naming the setting."""
    pairs: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise ValueError(f"{setting}: {part!r} is not name=value")
        pairs[name.strip()] = value.strip()
    return pairs


def shippers(text: str) -> Shippers:
    """GATEWAY_SYSTEM_SHIPPERS (`provider=shipper_id,...`)."""
    pairs = parse_pairs(text, "GATEWAY_SYSTEM_SHIPPERS")
    bad = [value for value in pairs.values() if not value.isdigit()]
    if bad:
        raise ValueError(f"GATEWAY_SYSTEM_SHIPPERS: shipper ids are integers, not {bad[0]!r}")
    return Shippers({name: int(value) for name, value in pairs.items()})


def history_types(text: str) -> dict[HistoryKind, str]:
    """GATEWAY_SYSTEM_HISTORY_TYPES (`HISTORY_KIND=type,...`, types: order, email, apps, status)."""
    found: dict[HistoryKind, str] = {}
    for kind, upstream in parse_pairs(text, "GATEWAY_SYSTEM_HISTORY_TYPES").items():
        if kind not in HistoryKind.__members__ or upstream not in HISTORY_TYPES:
            raise ValueError(f"GATEWAY_SYSTEM_HISTORY_TYPES: {kind}={upstream} is not HistoryKind=type")
        found[HistoryKind(kind)] = upstream
    return found


@dataclass
class SystemParts:
    """The Retailys backend, its poller and the HTTP client they share."""

    backend: SystemBackend
    poller: SystemPoller
    client: SystemClient

    def start(self) -> None:
        self.poller.start()

    async def close(self) -> None:
        """Stops the poller, then closes the HTTP client."""
        await self.poller.stop()
        await self.client.aclose()


def build_system(settings: Settings, database: Database, clock: Callable[[], datetime]) -> SystemParts:
    """The Retailys parts for `settings` (which must have GATEWAY_SYSTEM_TOKEN set); does no I/O."""
    assert settings.system_token
    options = SystemOptions(
        shippers=shippers(settings.system_shippers),
        history_types=history_types(settings.system_history_types),
        cache_s=settings.system_cache_s,
    )
    client = SystemClient(
        settings.system_base_url,
        settings.system_token,
        rate=settings.system_rate_limit,
        timeout_s=settings.system_timeout_s,
    )
    changes = OrderChanges(UpstreamEventLog(database, SOURCE, clock), clock)
    backend = SystemBackend(client, changes, options, clock, UpstreamKeys(database, clock))
    poller = SystemPoller(
        client,
        changes,
        clock,
        backend.snapshots.keep,
        interval_s=settings.system_poll_s,
        rescan_s=settings.system_rescan_s,
        callback_url=settings.system_callback_url,
    )
    return SystemParts(backend, poller, client)
