"""`orders-gateway keys` and `serve` with and without keys, as an operator runs them."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from app.cli import main
from app.domain.access import hash_secret
from tests.api.test_cli import free_port
from tests.support.cli import SCRIPT, orders_gateway


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Runs `orders-gateway ARGS` in this process; returns its exit code, stdout and stderr."""
    try:
        main(list(args))
        code = 0
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else 1
        if isinstance(exit.code, str):
            print(exit.code, file=sys.stderr)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'db' / 'o.db'}")


@pytest.mark.usefixtures("database")
def test_keys_are_created_listed_and_revoked_and_the_secret_is_shown_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, token, note = cli(
        capsys,
        "keys",
        "create",
        "--name",
        "shop frontend",
        "--scope",
        "orders:read",
        "--scope",
        "orders:write",
    )
    assert code == 0, note
    token = token.strip()
    assert token.startswith("og_") and "\n" not in token
    key_id, secret = token.split("_", 2)[1:]
    assert key_id in note and "only time" in note and secret not in note

    assert cli(capsys, "keys", "create", "--name", "ops", "--scope", "admin")[0] == 0
    code, revoked, _ = cli(capsys, "keys", "revoke", key_id)
    assert code == 0 and f"revoked key {key_id} (shop frontend)" in revoked

    code, listed, _ = cli(capsys, "keys", "list")
    assert code == 0
    header, first, second = listed.splitlines()
    assert header.split() == ["ID", "NAME", "SCOPES", "CREATED", "REVOKED"]
    assert first.startswith(key_id) and "shop frontend" in first and "orders:read orders:write" in first
    assert first.split()[-1].endswith("Z") and second.split()[-1] == "-"
    everything = note + revoked + listed
    assert secret not in everything and hash_secret(secret) not in everything


@pytest.mark.usefixtures("database")
def test_keys_commands_refuse_bad_input_with_a_message(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "keys", "revoke", "0123456789abcdef")
    assert code == 1 and "no API key has the id" in err
    code, _, err = cli(capsys, "keys", "create", "--name", "a;b", "--scope", "admin")
    assert code == 1 and "client name" in err
    code, _, err = cli(capsys, "keys", "create", "--name", "shop")
    assert code == 2 and "--scope" in err
    code, _, err = cli(capsys, "keys", "create", "--name", "shop", "--scope", "root")
    assert code == 2 and "invalid choice" in err
    code, _, err = cli(capsys, "audit", "--limit", "0")
    assert code == 2 and "must be 1 or more" in err


async def test_serve_without_keys_refuses_a_public_address(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'o.db'}"
    refused = await orders_gateway("serve", database_url=url, GATEWAY_HOST="0.0.0.0", GATEWAY_PORT="0")
    assert refused.returncode != 0
    assert "no API key is configured" in refused.stderr and "0.0.0.0" in refused.stderr
    assert "Traceback" not in refused.stderr + refused.stdout


async def test_serve_says_it_runs_open_on_loopback(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env |= {"GATEWAY_PORT": str(port), "GATEWAY_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'o.db'}"}
    process = await asyncio.create_subprocess_exec(
        str(SCRIPT), "serve", env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    assert process.stdout is not None
    lines: list[str] = []
    try:
        async with asyncio.timeout(30):
            while not lines or "serving" not in lines[-1]:
                line = (await process.stdout.readline()).decode()
                assert line, "".join(lines)
                lines.append(line)
    finally:
        process.send_signal(signal.SIGINT)
        await asyncio.wait_for(process.wait(), 15)
    output = "".join(lines)
    assert "open local mode on 127.0.0.1" in output
    assert f"serving http://127.0.0.1:{port}/graphql (GraphiQL in a browser)" in output
