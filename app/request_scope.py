"""What the gateway learns about the HTTP request it is serving, for its metrics and logs.

The server's middleware opens a `RequestRecord` for each request in a context variable; the code serving
the request adds to it without being handed it: the database counts its statements (SQLAlchemy's async
engine runs its hooks in the caller's context), the GraphQL layer names the operation and its outcome, and
upstream backends (none yet) will count their calls. Log lines read the request id from it.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(slots=True)
class RequestRecord:
    """One request as observed: its id, the operation it ran, how that went, and what it cost."""

    request_id: str
    operation: str = "other"
    operation_type: str = "other"
    outcome: str | None = None  # None until the request's GraphQL result (or status) decides it
    statements: int = 0
    upstream_calls: int = 0


CURRENT: ContextVar[RequestRecord | None] = ContextVar("gateway_request", default=None)


def current() -> RequestRecord | None:
    """The record of the request being served in this context, if any."""
    return CURRENT.get()
