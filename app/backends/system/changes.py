"""Turning Retailys orders as seen now into the contract's events, each change logged once.

Retailys has no change feed, so an order's state is cut into aspects (flags, payment, shipment, the rest),
each with a fingerprint. `OrderChanges.observe` compares what it sees with the fingerprints it saved last
time (in the upstream state, in the same transaction as the events): an order seen for the first time is
ORDER_CREATED then ORDER_APPROVED, a changed aspect is its event. Every event's key names the order, the
aspect and the new fingerprint, so the poller and the backend (which observes the orders it changed) can
see the same change any number of times and log it once.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

from app.backends.local.upstream_events import UpstreamEvent
from app.backends.system import mapping
from app.domain.model import EventType

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from datetime import datetime

    from app.backends.local.upstream_events import UpstreamEventLog
    from app.backends.system.mapping import Json

# aspect → the event a change of it is; the order the events of one observation are logged in
ASPECTS: dict[str, EventType] = {
    "rest": EventType.ORDER_UPDATED,
    "paid": EventType.TRANSACTIONS_UPDATED,
    "shipment": EventType.FULFILLMENTS_UPDATED,
    "done": EventType.ORDER_COMPLETED,
    "canceled": EventType.ORDER_CANCELED,
}
_PAYMENT = ("paid", "date_paid", "external_payment_id", "external_payment_url")
_OWN = {*_PAYMENT, "sent", "delivered", "trackings", "done", "canceled"}


def _digest(value: object) -> str:
    raw = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def fingerprints(raw: Json) -> dict[str, str]:
    """The fingerprint of each aspect of an `OrderModel`."""
    rest = {k: v for k, v in raw.items() if k not in _OWN}
    return {
        "rest": _digest(rest),
        "paid": _digest([raw.get(name) for name in _PAYMENT]),
        "shipment": _digest([raw.get("sent"), raw.get("delivered"), raw.get("trackings")]),
        "done": "1" if raw.get("done") else "0",
        "canceled": "1" if raw.get("canceled") else "0",
    }


def _state_name(native: object) -> str:
    return f"order:{native}"


class OrderChanges:
    """Logs the events of Retailys orders as they are observed (see the module docstring)."""

    def __init__(self, log: UpstreamEventLog, clock: Callable[[], datetime]) -> None:
        self.log = log
        self.clock = clock

    async def observe(
        self, orders: Sequence[Json], state: Mapping[str, str] | None = None
    ) -> list[UpstreamEvent]:
        """Logs what changed in `orders` since last observed, saving `state` along; returns the new events."""
        if not orders:
            if state:
                await self.log.append([], state)
            return []
        saved = await self.log.state([_state_name(raw["id"]) for raw in orders])
        events: list[UpstreamEvent] = []
        new_state: dict[str, str] = dict(state or {})
        now = self.clock()
        for raw in orders:
            name = _state_name(raw["id"])
            seen = fingerprints(raw)
            public_id = mapping.order_id(raw["id"])
            before = saved.get(name)
            if before is None:
                created = mapping.parse_time(raw.get("date_order")) or now
                events.append(
                    UpstreamEvent(f"{raw['id']}:created", EventType.ORDER_CREATED, public_id, created)
                )
                events.append(
                    UpstreamEvent(f"{raw['id']}:approved", EventType.ORDER_APPROVED, public_id, created)
                )
            else:
                previous = json.loads(before)
                for aspect, event_type in ASPECTS.items():
                    if previous.get(aspect) != seen[aspect] and (
                        aspect in ("rest", "paid", "shipment") or seen[aspect] == "1"
                    ):
                        key = f"{raw['id']}:{aspect}:{seen[aspect]}"
                        events.append(UpstreamEvent(key, event_type, public_id, now))
            encoded = json.dumps(seen, sort_keys=True)
            if before != encoded:
                new_state[name] = encoded
        if events or new_state:
            return await self.log.append(events, new_state)
        return []

    async def record(self, native: int, key: str, event_type: EventType) -> None:
        """Logs one event the order's JSON cannot show (a history record written through us)."""
        await self.log.append(
            [UpstreamEvent(f"{native}:{key}", event_type, mapping.order_id(native), self.clock())]
        )
