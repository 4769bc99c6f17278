"""The baseline: a bare aiohttp handler replying with fixed bytes (`python -m bench.baseline`)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web

from bench.server import HOST, ServerProcess, free_port

if TYPE_CHECKING:
    from bench.graphql import Captured


def create_app(body: bytes, content_type: str) -> web.Application:
    """POST /graphql answers `body` whatever was asked; GET /readyz answers 200."""

    async def graphql(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(body=body, headers={"Content-Type": content_type})

    async def readyz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ready"})

    app = web.Application()
    app.router.add_post("/graphql", graphql)
    app.router.add_get("/readyz", readyz)
    return app


def baseline(workdir: Path, captured: Captured) -> ServerProcess:
    """The baseline server replaying `captured`, as its own process."""
    body_file = workdir / "baseline-body.json"
    body_file.write_bytes(captured.body)
    port = free_port()
    argv = [sys.executable, "-m", "bench.baseline", str(port), str(body_file), captured.content_type]
    return ServerProcess("baseline", argv, dict(os.environ), port, workdir / "baseline.log")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.baseline", description=__doc__)
    parser.add_argument("port", type=int)
    parser.add_argument("body_file", type=Path)
    parser.add_argument("content_type")
    args = parser.parse_args()
    app = create_app(args.body_file.read_bytes(), args.content_type)
    web.run_app(app, host=HOST, port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
