"""Where the commands find the bridge's data: ``--data-dir``, ``FORTNOX_BRIDGE_DATA_DIR``, or an
existing ``./var``. Commands that work on existing data never create it; without it they stop
with an error that says how to point at it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from fortnox_bridge.cli.app import app

READING = [
    ("tenants",),
    ("tenants", "list"),
    ("tenants", "set", "Bygg AB", "--interval", "15"),
    ("tenants", "map", "Bygg AB", "--kind", "paxml_code", "--local", "ÖT1", "--fortnox", "OT1"),
    ("status",),
    ("sync",),
    ("connect", "--tenant", "Bygg AB"),
    ("keys", "list", "--tenant", "Bygg AB"),
    ("keys", "create", "--tenant", "Bygg AB"),
    ("admin-keys", "list"),
    ("users", "list"),
    ("repair", "duplicates"),
    ("hr", "first-sync", "show", "--tenant", "Bygg AB"),
    ("paxml", "export", "--tenant", "Bygg AB", "--from", "2026-03-01", "--to", "2026-03-31"),
]


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory and no FORTNOX_BRIDGE_* setting from outside."""
    for name in list(os.environ):
        if name.startswith("FORTNOX_BRIDGE_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _cli(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200", **(env or {})})


@pytest.mark.parametrize("args", READING, ids=" ".join)
def test_without_data_a_command_says_where_it_looked_and_creates_nothing(
    here: Path, args: tuple[str, ...]
) -> None:
    result = _cli(*args)
    assert result.exit_code == 2, result.output
    assert "no bridge data in var (the default" in result.output
    assert "--data-dir DIR or FORTNOX_BRIDGE_DATA_DIR=DIR" in result.output
    assert list(here.iterdir()) == []  # no ./var, no store, no key file


def test_an_explicit_directory_without_a_store_is_refused_too(here: Path) -> None:
    result = _cli("keys", "list", "--tenant", "Bygg AB", "--data-dir", "elsewhere")
    assert result.exit_code == 2
    assert "no bridge data in elsewhere: the directory does not exist" in result.output
    (here / "empty").mkdir()
    result = _cli("status", "--data-dir", "empty")
    assert "no bridge data in empty: the directory has no fortnox-bridge.sqlite" in result.output
    assert list((here / "empty").iterdir()) == []


def test_a_new_bridge_starts_with_tenants_add_and_is_then_found(here: Path) -> None:
    added = _cli("tenants", "add", "Bygg AB")
    assert added.exit_code == 0, added.output
    assert (here / "var" / "fortnox-bridge.sqlite").exists()
    listed = _cli("tenants", "list")  # ./var exists now: found without --data-dir
    assert listed.exit_code == 0, listed.output
    assert "Bygg AB" in listed.output
    assert _cli("keys", "list", "--tenant", "Bygg AB").exit_code == 0


def test_the_environment_variable_names_the_data(here: Path) -> None:
    assert _cli("tenants", "add", "Lön AB", "--data-dir", "data").exit_code == 0
    env = {"FORTNOX_BRIDGE_DATA_DIR": str(here / "data")}
    listed = _cli("tenants", "list", env=env)
    assert listed.exit_code == 0, listed.output
    assert "Lön AB" in listed.output
    missing = _cli("tenants", "list", env={"FORTNOX_BRIDGE_DATA_DIR": str(here / "nope")})
    assert missing.exit_code == 2
    assert "(the default" not in missing.output
    assert not (here / "nope").exists()


def test_with_a_database_url_the_key_file_still_has_to_be_found(here: Path, db_url: str) -> None:
    env = {"FORTNOX_BRIDGE_DATABASE_URL": db_url}
    assert _cli("tenants", "add", "Bygg AB", "--data-dir", "var", env=env).exit_code == 0
    # The store is the database: reading it needs no data directory ...
    assert _cli("keys", "list", "--tenant", "Bygg AB", "--data-dir", "x", env=env).exit_code == 0
    # ... but Fortnox tokens are encrypted with the key kept in the data directory.
    refused = _cli("sync", "--data-dir", "x", env=env)
    assert refused.exit_code == 2
    assert "FORTNOX_BRIDGE_SECRET_KEY" in refused.output
    assert not (here / "x").exists()
