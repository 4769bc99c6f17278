"""Load benchmark for orders-gateway: `python -m bench [--quick]` (or `make bench [QUICK=1]`).

Starts the gateway as its own process on a temporary SQLite database, seeds it over HTTP, then measures
each scenario from a separate load-generator process against the gateway and against a bare aiohttp
baseline that replies with the very same bytes, so the ratio shows what the gateway itself costs.
"""

from __future__ import annotations


class BenchError(Exception):
    """A failed step; the message says what went wrong and the run exits non-zero."""
