"""`orders-gateway`: serve | migrate | export-schema | keys create|list|revoke | audit."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from app.config import Settings
from app.domain.access import Scope
from app.domain.errors import DomainError
from app.logs import configure as configure_logs

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from app.bootstrap import Gateway

YOUNG_GC_THRESHOLD = 20_000  # allocations between collections of the youngest generation (default 700)


def _serve(settings: Settings) -> None:
    from app.backends.local.revision import start_migration

    # A SQLite file behind head starts migrating in a child process now, while the server imports.
    migrating = start_migration(settings.database_url, os.environ) if settings.auto_migrate else None
    from aiohttp import web

    from app.access import OpenModeRefused
    from app.server import GATE, create_app

    configure_logs(settings.log_level, settings.log_format)
    app = create_app(settings, migrating)

    def started(_: str) -> None:
        # What start-up built lives as long as the process: moved out of the collector's sight, it is not
        # walked again by every full collection that a large response's allocations set off.
        gc.collect()
        gc.freeze()
        # One event fanned out to a thousand subscribers allocates tens of thousands of objects that live
        # only until it is sent. Collected at the default 700, many are caught alive mid-delivery and
        # promoted, and the full collections they set off walk every open subscription.
        gc.set_threshold(YOUNG_GC_THRESHOLD, *gc.get_threshold()[1:])
        ide = " (GraphiQL in a browser)" if app[GATE].introspection else ""
        message = f"orders-gateway serving http://{settings.host}:{settings.port}/graphql{ide}"
        if settings.log_format == "json":  # standard output stays one JSON object per line
            logging.getLogger("orders_gateway.server").info(message)
        else:
            print(message, flush=True)

    # On SIGTERM it stops listening, closes WebSockets (app/server.py), then lets the requests in flight
    # finish for up to `shutdown_timeout_s` before it closes the database.
    try:
        web.run_app(
            app,
            host=settings.host,
            port=settings.port,
            access_log=None,
            print=started,
            shutdown_timeout=settings.shutdown_timeout_s,
        )
    except OpenModeRefused as refused:
        sys.exit(f"orders-gateway: {refused}")


def _migrate(settings: Settings) -> None:
    from app.backends.local.database import ensure_sqlite_dir
    from app.backends.local.migrations import upgrade

    ensure_sqlite_dir(settings.database_url)
    upgrade(settings.database_url)


def _export_schema(output: str | None) -> None:
    from schema import build_schema

    sdl = build_schema().as_str() + "\n"
    if output:
        Path(output).write_text(sdl)
    else:
        sys.stdout.write(sdl)


async def _keys(gateway: Gateway, args: argparse.Namespace) -> None:
    access = gateway.access
    if args.action == "create":
        key, token = await access.create_key(args.name, [Scope(s) for s in args.scope])
        print(token)
        print(
            f"created key {key.id} for {key.name} ({' '.join(sorted(key.scopes))}); this is the only time "
            "the key is shown: keep it secret",
            file=sys.stderr,
        )
    elif args.action == "list":
        rows = [
            [k.id, k.name, " ".join(sorted(k.scopes)), _time(k.created_at), _time(k.revoked_at)]
            for k in await access.keys()
        ]
        print(_table(["ID", "NAME", "SCOPES", "CREATED", "REVOKED"], rows))
    else:
        key = await access.revoke_key(args.id)
        print(f"revoked key {key.id} ({key.name}) at {_time(key.revoked_at)}")


async def _audit(gateway: Gateway, limit: int) -> None:
    rows = [
        [
            _time(e.at),
            e.request_id,
            e.client_name,
            e.key_id or "-",
            e.operation,
            e.outcome,
            ",".join(e.order_ids),
        ]
        for e in await gateway.audit.latest(limit)
    ]
    print(_table(["AT", "REQUEST", "CLIENT", "KEY", "OPERATION", "OUTCOME", "ORDERS"], rows))


def _time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else "-"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=False)]
    return "\n".join(
        "  ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in [headers, *rows]
    )


def _on_store(settings: Settings, args: argparse.Namespace) -> None:
    """Runs a keys or audit command against the configured database (migrated first if allowed)."""
    from app.bootstrap import build

    if settings.auto_migrate:
        _migrate(settings)

    async def run() -> None:
        gateway = build(settings)
        try:
            if args.command == "keys":
                await _keys(gateway, args)
            else:
                await _audit(gateway, args.limit)
        finally:
            await gateway.close()

    try:
        asyncio.run(run())
    except DomainError as err:
        sys.exit(f"orders-gateway: {err.message}")


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _parser() -> argparse.ArgumentParser:
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

    keys = commands.add_parser("keys", help="manage API keys").add_subparsers(dest="action", required=True)
    create = keys.add_parser("create", help="create a key and print it (the only time it is shown)")
    create.add_argument("--name", required=True, help="the client's name (the author of its changes)")
    create.add_argument(
        "--scope", required=True, action="append", choices=[s.value for s in Scope], help="repeat for more"
    )
    keys.add_parser("list", help="list keys: id, name, scopes, created, revoked (never the secret)")
    keys.add_parser("revoke", help="revoke a key for good").add_argument("id", help="the key's id")

    audit = commands.add_parser("audit", help="list the audit log of mutations, newest first")
    audit.add_argument("--limit", type=_positive, default=50, help="how many entries (default 50)")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    if args.command == "export-schema":
        _export_schema(args.output)
        return
    overrides = {key: value for key in ("host", "port") if (value := getattr(args, key, None)) is not None}
    settings = Settings(**overrides)
    if args.command == "serve":
        _serve(settings)
    elif args.command == "migrate":
        _migrate(settings)
        print("database is up to date")
    else:
        _on_store(settings, args)


if __name__ == "__main__":
    main()
