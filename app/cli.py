"""`orders-gateway`: serve | migrate | export-schema."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from aiohttp import web

from app.bootstrap import ensure_sqlite_dir
from app.config import Settings


def _serve(settings: Settings) -> None:
    from app.server import create_app

    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    url = f"http://{settings.host}:{settings.port}/graphql"
    web.run_app(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        access_log=None,
        print=lambda _: print(f"orders-gateway serving {url} (GraphiQL in a browser)", flush=True),
    )


def _migrate(settings: Settings) -> None:
    from app.backends.local.migrations import upgrade

    ensure_sqlite_dir(settings.database_url)
    upgrade(settings.database_url)
    print("database is up to date")


def _export_schema(output: str | None) -> None:
    from schema import build_schema

    sdl = build_schema().as_str() + "\n"
    if output:
        Path(output).write_text(sdl)
    else:
        sys.stdout.write(sdl)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="orders-gateway", description="One GraphQL API for a shop's orders."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the HTTP server (migrates the database first)")
    serve.add_argument("--host", help="bind address (default GATEWAY_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default GATEWAY_PORT or 8000)")
    commands.add_parser("migrate", help="bring the database schema up to date")
    export = commands.add_parser("export-schema", help="print the served GraphQL schema (SDL)")
    export.add_argument("--output", "-o", help="write to this file instead of standard output")
    args = parser.parse_args(argv)

    if args.command == "export-schema":
        _export_schema(args.output)
        return
    overrides = {key: value for key in ("host", "port") if (value := getattr(args, key, None)) is not None}
    settings = Settings(**overrides)
    if args.command == "serve":
        _serve(settings)
    else:
        _migrate(settings)


if __name__ == "__main__":
    main()
