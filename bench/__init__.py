"""Load benchmark for orders-gateway: `python -m bench [--quick]` (or `make bench [QUICK=1]`).

Starts the gateway as its own process on a temporary SQLite database (timing its cold start and reading
its idle RSS), seeds it over HTTP, then measures each scenario from a separate load-generator process
against the gateway and against two baselines measured in the same run: a bare aiohttp handler that
replies with the very same bytes (the transport's ceiling) and, for reads, the raw SQL reads of the same
rows with the same driver (the data's ceiling). order(id) also runs open loop at 70 % of its max, and the
page of every nested list at each page size (CPU and SQL statements per request). Then the event fan-out,
and the store-size reads on the store grown to 1k, 100k and 1M orders (`--quick`: 1k only). With
`--db postgres`, createOrder also runs on two gateway processes. Results go to bench/results/.
"""

from __future__ import annotations


class BenchError(Exception):
    """A failed step; the message says what went wrong and the run exits non-zero."""
