"""A gateway as its own OS process (`python -m app.cli serve`), as operators run it."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class GatewayProcess:
    url: str
    process: asyncio.subprocess.Process

    async def output(self) -> str:
        """Everything it printed (once it has exited)."""
        assert self.process.stdout is not None
        return (await self.process.stdout.read()).decode(errors="replace")


@asynccontextmanager
async def gateway_process(database_url: str, **settings: str) -> AsyncIterator[GatewayProcess]:
    """Serves `database_url` in a child process on a free port; yields once /readyz answers 200."""
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("GATEWAY_")}
    env |= {"GATEWAY_DATABASE_URL": database_url, "GATEWAY_HOST": "127.0.0.1", "GATEWAY_PORT": str(port)}
    env |= {f"GATEWAY_{key.upper()}": value for key, value in settings.items()}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.cli",
        "serve",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        async with aiohttp.ClientSession() as http:
            while True:
                try:
                    async with http.get(url + "/readyz") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    pass
                assert process.returncode is None and time.monotonic() < deadline, "the gateway did not start"
                await asyncio.sleep(0.05)
        yield GatewayProcess(url, process)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
