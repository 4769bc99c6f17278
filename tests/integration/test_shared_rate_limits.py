"""On PostgreSQL, a key's rate-limit bucket is one for all gateway processes on the database."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from itertools import cycle

import aiohttp
import pytest
from sqlalchemy import event, func, select

from app.backends.local.database import Database
from app.backends.local.rate_buckets import DatabaseBuckets
from app.backends.local.tables import rate_buckets_t
from app.config import Settings
from app.domain.access import Scope
from app.limits import ANONYMOUS, Admission
from app.server import GATEWAY
from tests.api.test_rate_limits import ORDER, PAGE, SMALL, post
from tests.conftest import bearer, issue_keys, new_database, start_gateway
from tests.support.processes import gateway_process

CREATE = "mutation($i: CreateOrderInput!) { createOrder(input: $i) { order { id } } }"


@pytest.fixture
def db(postgres_db: Database) -> Database:
    return postgres_db


async def test_two_limiters_on_one_database_share_each_keys_bucket(db: Database) -> None:
    one, other = DatabaseBuckets(db, 100, 0.001), DatabaseBuckets(db, 100, 0.001)
    assert await one.level("k1") == 100  # an unused bucket is full
    assert await one.take("k1", 60) == Admission(True, 40)
    refused = await other.take("k1", 50)
    assert (refused.admitted, refused.remaining) == (False, 40)
    assert refused.retry_after > 1000  # 10 points at 0.001 a second
    assert await other.give_back("k1", 30) == 70
    assert await one.level("k1") == 70
    assert await other.give_back("k1", 500) == 100  # never above capacity
    assert await other.take("k2", 100) == Admission(True, 0)  # each key its own bucket


async def test_a_keyed_bucket_costs_one_statement_per_call(db: Database) -> None:
    buckets = DatabaseBuckets(db, 100, 1)
    await buckets.take("k", 1)  # the bucket's first use also creates its row
    run: list[str] = []
    event.listen(db.engine.sync_engine, "before_cursor_execute", lambda _c, _cur, sql, *_: run.append(sql))
    await buckets.take("k", 10)
    await buckets.give_back("k", 5)
    await buckets.level("k")
    assert [sql.split()[0] for sql in run] == ["WITH", "UPDATE", "SELECT"]


async def test_buckets_refill_with_the_databases_clock(db: Database) -> None:
    buckets = DatabaseBuckets(db, 100, 50)
    assert (await buckets.take("k", 100)).remaining == 0
    await asyncio.sleep(0.5)
    assert 20 <= await buckets.level("k") <= 40


async def test_the_anonymous_bucket_of_open_local_mode_costs_no_statement(db: Database) -> None:
    buckets = DatabaseBuckets(db, 100, 1)
    run: list[str] = []  # every statement, counted or not (the buckets' own are left out of db.statements)
    event.listen(db.engine.sync_engine, "before_cursor_execute", lambda _c, _cur, sql, *_: run.append(sql))
    assert (await buckets.take(ANONYMOUS, 10)).admitted
    await buckets.give_back(ANONYMOUS, 5)
    assert await buckets.level(ANONYMOUS) == 95
    async with db.read() as conn:
        assert (await conn.execute(select(func.count()).select_from(rate_buckets_t))).scalar_one() == 0
    assert len(run) == 1  # the count just made


async def test_a_flood_spread_over_two_processes_is_held_to_one_bucket(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    database = await new_database("postgresql", request, tmp_path_factory)
    tokens = await issue_keys(database, {"flooder": set(Scope), "writer": set(Scope)})
    settings = {key: str(value) for key, value in SMALL.items()} | {"rate_limit_per_second": "0.5"}
    async with AsyncExitStack() as stack:
        urls = [
            (await stack.enter_async_context(gateway_process(database, **settings))).url for _ in range(2)
        ]
        http = await stack.enter_async_context(aiohttp.ClientSession())
        for _ in range(5):  # so that the page costs what it asks for and no point is given back
            body = {"query": CREATE, "variables": {"i": ORDER}}
            assert (await post(http, urls[0], body, bearer(tokens["writer"])))[0] == 200
        targets = cycle(urls)
        answers = await asyncio.gather(
            *(post(http, next(targets), {"query": PAGE}, bearer(tokens["flooder"])) for _ in range(16))
        )
    statuses = [status for status, _, _ in answers]
    # 60 points, 11 a query, 0.5 a second back: five get through; with a bucket per process, ten would
    assert statuses.count(200) == 5, statuses
    assert statuses.count(429) == 11


async def test_a_query_that_uses_its_whole_cost_charges_its_bucket_once(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    database = await new_database("postgresql", request, tmp_path_factory)
    tokens = await issue_keys(database, {"reader": set(Scope)})
    runner, url = await start_gateway(Settings(database_url=database, port=0))
    run: list[str] = []
    engine = runner.app[GATEWAY].database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, sql, *_: run.append(sql))
    try:
        async with aiohttp.ClientSession() as http:
            created = await post(
                http, url, {"query": CREATE, "variables": {"i": ORDER}}, bearer(tokens["reader"])
            )
            assert created[0] == 200
            run.clear()
            full = {"query": "{ orders(first: 1) { nodes { id } } }"}  # gets the one order it asks for
            status, _, body = await post(http, url, full, bearer(tokens["reader"]))
            assert (
                status == 200
                and body["extensions"]["cost"]["actual"] == body["extensions"]["cost"]["requested"]
            )
            assert sum("rate_buckets" in sql for sql in run) == 1  # nothing unused: no give-back
            run.clear()
            partly = {"query": "{ orders(first: 20) { nodes { id } } }"}  # asks for 21, gets 2
            await post(http, url, partly, bearer(tokens["reader"]))
            assert sum("rate_buckets" in sql for sql in run) == 2  # take, then give back the rest
    finally:
        await runner.cleanup()
