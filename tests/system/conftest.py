"""Fixtures: a Retailys emulator on a free port, and a gateway whose `system` backend talks to it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from app.backends.system.wiring import SystemParts
from app.config import Settings
from app.server import GATEWAY
from tests.conftest import Gateway, new_database, start_gateway
from tests.system.emulator import TOKEN, Emulator, start

STATUSES = [
    {
        "id": 1,
        "name": "New",
        "icon": "",
        "color": "#1e90ff",
        "sort": 2,
        "complete_order": False,
        "cancel_order": False,
    },
    {
        "id": 2,
        "name": "Packed",
        "icon": "",
        "color": "orange",
        "sort": 1,
        "complete_order": False,
        "cancel_order": False,
    },
    {
        "id": 3,
        "name": "Finished",
        "icon": "",
        "color": "#0a0",
        "sort": 3,
        "complete_order": True,
        "cancel_order": False,
    },
    {
        "id": 4,
        "name": "Storno",
        "icon": "",
        "color": "#a00",
        "sort": 4,
        "complete_order": False,
        "cancel_order": True,
    },
]


def system_settings(database_url: str, emulator: Emulator, **overrides: Any) -> Settings:
    """Settings of a gateway on `database_url` with the Retailys backend pointed at `emulator`."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "port": 0,
        "system_token": TOKEN,
        "system_base_url": emulator.base_url,
        "system_shippers": "ppl=2,FedEx=1",
        "system_poll_s": 3600,
        "system_timeout_s": 1,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="module")
def system_store() -> str:
    """The store of the module's gateways: SQLite, unless a module asks for both (see test_events)."""
    return "sqlite"


@pytest_asyncio.fixture(scope="module")
async def emulator(system_store: str) -> AsyncIterator[Emulator]:
    """A fresh emulator for each module (and store)."""
    emu = Emulator(statuses=[dict(s) for s in STATUSES])
    runner = await start(emu)
    yield emu
    await runner.cleanup()


GatewayFactory = Callable[..., Awaitable[Gateway]]


@pytest_asyncio.fixture(scope="module")
async def make_gateway(
    emulator: Emulator,
    system_store: str,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[GatewayFactory]:
    """Starts gateways on one database for this module (`settings` overrides as keywords)."""
    database_url = await new_database(system_store, request, tmp_path_factory)
    runners = []
    async with aiohttp.ClientSession() as http:

        async def make(**overrides: Any) -> Gateway:
            runner, url = await start_gateway(system_settings(database_url, emulator, **overrides))
            runners.append(runner)
            return Gateway(url, runner.app, http)

        yield make
        for runner in runners:
            await runner.cleanup()


async def first_poll_done(gateway: Gateway) -> None:
    """Waits until the gateway's poller has finished its first poll (at start)."""
    poller = system_of(gateway).poller
    for _ in range(500):
        if poller.polls:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the poller did not poll at start")


@pytest_asyncio.fixture(scope="module")
async def gateway(make_gateway: GatewayFactory) -> Gateway:
    """The module's gateway, its poller idle after its first poll (tests poll by hand)."""
    started = await make_gateway()
    await first_poll_done(started)
    return started


def system_of(gateway: Gateway) -> SystemParts:
    parts = gateway.app[GATEWAY].system
    assert parts is not None
    return parts
