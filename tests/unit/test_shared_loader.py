"""Loaders shared by the subscribers of one batch of events: one read for all, and no caller can spoil it."""

from __future__ import annotations

import asyncio

from schema.loaders import SharedDataLoader


async def test_a_cancelled_caller_does_not_cancel_the_others_result() -> None:
    calls: list[list[str]] = []
    release = asyncio.Event()

    async def load(keys: list[str]) -> list[str]:
        calls.append(keys)
        await release.wait()
        return [key.upper() for key in keys]

    loader: SharedDataLoader[str, str] = SharedDataLoader(load_fn=load)
    gone = asyncio.ensure_future(loader.load("o1"))  # a subscriber whose client leaves mid-load
    staying = asyncio.ensure_future(loader.load("o1"))
    await asyncio.sleep(0)
    gone.cancel()
    release.set()
    assert await staying == "O1"
    assert await loader.load("o1") == "O1"
    assert calls == [["o1"]]
