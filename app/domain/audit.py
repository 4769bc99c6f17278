"""The audit log's entries: who called which mutation, on which orders, when, and how it ended."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

OK = "OK"
FORBIDDEN = "FORBIDDEN"
ERROR = "ERROR"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One mutation field as executed (or refused).

    `outcome` is `OK`, the code of the first userError (`NOT_FOUND`, `INVALID_TRANSITION`, ...),
    `FORBIDDEN` (refused for a missing scope, nothing ran) or `ERROR` (it failed with a GraphQL error).
    `key_id` is None in open local mode.
    """

    at: datetime
    request_id: str
    client_name: str
    key_id: str | None
    operation: str
    order_ids: tuple[str, ...]
    outcome: str
