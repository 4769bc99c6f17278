"""Prometheus metrics of one running gateway, in a registry of its own (several apps in one process, as in
the tests, never share series).

Per request: `gateway_requests_total{operation,outcome}`, `gateway_request_duration_seconds{operation_type}`,
and what it cost, `gateway_sql_statements_per_request` and `gateway_upstream_calls_per_request` (every
order lives in the local store for now, so the latter observes zeros). Live: `gateway_requests_in_flight`,
`gateway_open_subscriptions` and `gateway_event_lag_seconds` (how late events reach subscribers).
Operation labels are bounded: the first `MAX_OPERATIONS` distinct names are kept, later ones and
anything unnamed count as `other`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

if TYPE_CHECKING:
    from app.events.hub import EventHub
    from app.request_scope import RequestRecord

CONTENT_TYPE = CONTENT_TYPE_LATEST
MAX_OPERATIONS = 200
MAX_OPERATION_LENGTH = 100
OTHER = "other"
_TYPES = frozenset({"query", "mutation", "subscription"})


class Metrics:
    """The gateway's series; `observe` records a finished request, `watch` follows the event hub."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        registry = self.registry
        self.requests = Counter(
            "gateway_requests",
            "GraphQL HTTP requests by operation and outcome",
            ["operation", "outcome"],
            registry=registry,
        )
        self.duration = Histogram(
            "gateway_request_duration_seconds",
            "GraphQL HTTP request latency by operation type",
            ["operation_type"],
            registry=registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.statements = Histogram(
            "gateway_sql_statements_per_request",
            "SQL statements run for one GraphQL HTTP request",
            registry=registry,
            buckets=(0, 1, 2, 4, 6, 8, 12, 16, 24, 32, 64),
        )
        self.upstream_calls = Histogram(
            "gateway_upstream_calls_per_request",
            "Upstream order system calls for one GraphQL HTTP request",
            registry=registry,
            buckets=(0, 1, 2, 4, 8, 16),
        )
        self.in_flight = Gauge(
            "gateway_requests_in_flight", "GraphQL HTTP requests being served", registry=registry
        )
        self.subscriptions = Gauge(
            "gateway_open_subscriptions", "Live subscriptions receiving events", registry=registry
        )
        self.event_lag = Histogram(
            "gateway_event_lag_seconds",
            "Time from an event's commit until subscribers receive it",
            registry=registry,
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
        )
        self._operations: set[str] = set()

    def watch(self, hub: EventHub) -> None:
        """Reports `hub`'s subscribers and the lag of what it delivers."""
        self.subscriptions.set_function(lambda: hub.subscribers)
        hub.observe_lag = self.event_lag.observe

    def observe(self, record: RequestRecord, outcome: str, seconds: float) -> None:
        """Records a finished GraphQL HTTP request."""
        self.requests.labels(self.operation_label(record.operation), outcome).inc()
        kind = record.operation_type if record.operation_type in _TYPES else OTHER
        self.duration.labels(kind).observe(seconds)
        self.statements.observe(record.statements)
        self.upstream_calls.observe(record.upstream_calls)

    def operation_label(self, operation: str) -> str:
        """`operation` while it is one of the first MAX_OPERATIONS names seen (and short), else other."""
        if operation in self._operations:
            return operation
        if len(self._operations) >= MAX_OPERATIONS or len(operation) > MAX_OPERATION_LENGTH:
            return OTHER
        self._operations.add(operation)
        return operation

    def exposition(self) -> bytes:
        """Every series in the Prometheus text format."""
        return generate_latest(self.registry)
