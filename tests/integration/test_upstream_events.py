"""Upstream events in the durable log: each upstream identity logged once, state saved with them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from app.backends.local.database import Database
from app.backends.local.event_log import LocalEventLog
from app.backends.local.migrations import upgrade
from app.backends.local.upstream_events import UpstreamEvent, UpstreamEventLog
from app.domain.events import EventFilter
from app.domain.model import EventType
from tests.conftest import STORES, new_database

AT = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)


@pytest.fixture(params=STORES)
async def db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Database]:
    url = await new_database(request.param, request, tmp_path_factory)
    await asyncio.to_thread(upgrade, url)
    database = Database(url)
    yield database
    await database.dispose()


def event(key: str, order: str = "o1", kind: EventType = EventType.ORDER_UPDATED) -> UpstreamEvent:
    return UpstreamEvent(key, kind, order, AT)


async def test_a_redelivered_event_is_logged_once_in_arrival_order(db: Database) -> None:
    log = UpstreamEventLog(db, "wix", lambda: AT)
    first = await log.append([event("e1", kind=EventType.ORDER_CREATED), event("e2"), event("e1")])
    again = await log.append([event("e2"), event("e3", "o2")])

    assert [e.key for e in first] == ["e1", "e2"]
    assert [e.key for e in again] == ["e3"]
    logged = await LocalEventLog(db).read(0, EventFilter(), 10)
    assert [(e.order_id, e.type) for e in logged] == [
        ("o1", EventType.ORDER_CREATED),
        ("o1", EventType.ORDER_UPDATED),
        ("o2", EventType.ORDER_UPDATED),
    ]


async def test_keys_of_different_sources_do_not_collide(db: Database) -> None:
    await UpstreamEventLog(db, "wix", lambda: AT).append([event("7")])
    fresh = await UpstreamEventLog(db, "system", lambda: AT).append([event("7")])
    assert len(fresh) == 1
    assert len(await LocalEventLog(db).read(0, EventFilter(), 10)) == 2


async def test_state_is_saved_with_the_events_and_overwritten(db: Database) -> None:
    wix, system = UpstreamEventLog(db, "wix", lambda: AT), UpstreamEventLog(db, "system", lambda: AT)
    await system.append([event("a")], {"cursor": "1", "seen": "x"})
    await system.append([], {"cursor": "2"})
    await wix.append([], {"cursor": "w"})
    assert await system.state() == {"cursor": "2", "seen": "x"}
    assert await wix.state() == {"cursor": "w"}


async def test_a_failed_append_saves_neither_events_nor_state(db: Database) -> None:
    log = UpstreamEventLog(db, "system", lambda: AT)
    await log.append([], {"cursor": "1"})
    broken: dict[str, str] = {"cursor": "2", "other": None}  # type: ignore[dict-item]  # NOT NULL fails
    with pytest.raises(Exception):  # noqa: B017, PT011 - the driver's own error differs by dialect
        await log.append([event("a")], broken)
    assert await log.state() == {"cursor": "1"}
    assert await LocalEventLog(db).read(0, EventFilter(), 10) == []
