"""The client-side limiter: a flood of writes stays under Retailys' 100 requests/s and loses nothing."""

from __future__ import annotations

import asyncio

from app.domain import ids
from tests.conftest import Gateway
from tests.system.emulator import LIMIT, Emulator

FLOOD = 100
HISTORY = """mutation($id: ID!, $m: String!) { addOrderHistory(orderId: $id, input: {message: $m}) {
  userErrors { code message } } }"""


async def test_a_flood_stays_under_the_limit_and_every_write_lands(
    gateway: Gateway, emulator: Emulator
) -> None:
    orders = [ids.encode("system", "Order", str(emulator.add_order()["id"])) for _ in range(10)]
    first_request = len(emulator.requests)
    results = await asyncio.gather(
        *(gateway.field(HISTORY, id=orders[i % len(orders)], m=f"note {i}") for i in range(FLOOD))
    )
    print("max in a second", emulator.max_in_any_second(), "throttled", emulator.throttled)
    assert [r["userErrors"] for r in results if r["userErrors"]][:2] == []
    assert len(emulator.requests) - first_request >= 3 * FLOOD  # read, write, read back
    assert emulator.throttled == 0
    assert emulator.max_in_any_second() <= LIMIT
    written = sorted(body["record"]["name"] for _, body in emulator.history)
    assert written == sorted(f"note {i}" for i in range(FLOOD))


async def test_the_emulator_does_throttle_above_the_limit(emulator: Emulator) -> None:
    """Without the limiter the same emulator answers 429 (so the test above can fail)."""
    import httpx

    async with httpx.AsyncClient(base_url=emulator.base_url, headers={"token": "test-token"}) as http:
        answers = await asyncio.gather(*(http.get("/System/Orders/Statuses") for _ in range(LIMIT + 20)))
    assert sum(answer.status_code == 429 for answer in answers) >= 20
    assert answers[-1].headers.get("Retry-After") is not None or any(a.status_code == 429 for a in answers)
