"""Running the `orders-gateway` console script from async tests, without blocking the served gateway."""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(sys.executable).with_name("orders-gateway")


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


async def orders_gateway(*args: str, database_url: str, **env: str) -> Ran:
    """Runs `orders-gateway ARGS` against `database_url` in a subprocess (GATEWAY_* from `env` only)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    environment |= {"GATEWAY_DATABASE_URL": database_url, **env}
    process = await asyncio.create_subprocess_exec(
        str(SCRIPT), *args, env=environment, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return Ran(process.returncode, out.decode(), err.decode())
