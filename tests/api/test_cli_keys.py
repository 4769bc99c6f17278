"""`orders-gateway keys` and `audit`, as an operator runs them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from app.cli import main
from app.domain.access import hash_secret


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
