"""The data directory as the bridge leaves it: only its owner can read it (the directory 0700,
the SQLite store with its WAL files, the secret key and the sandbox's state 0600), and a lost
secret key stops the bridge instead of being replaced by one that can read nothing stored."""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fortnox_bridge.cli.app import app
from fortnox_bridge.clock import ManualClock
from fortnox_bridge.config import Settings
from fortnox_bridge.engine.errors import SecretKeyError
from fortnox_bridge.engine.outbox.webhook_secrets import EndpointSecrets, new_secret, seal
from fortnox_bridge.engine.tenancy.crypto import KEY_FILE, TokenCipher
from fortnox_bridge.runtime.stack import open_stack
from fortnox_bridge.sandbox import SandboxState
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.tenants import TenantRepository
from fortnox_bridge.store.webhooks import WebhookRepository


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def _connected_tenant(settings: Settings, clock: ManualClock) -> int:
    """A tenant connected to the in-process sandbox: its tokens are stored, encrypted."""
    async with open_stack(settings, clock=clock) as stack:
        with stack.sessions.begin() as session:
            tenant = TenantRepository(session).create("Filer AB", now=clock.now()).id
        await stack.connect_sandbox(tenant)
        return tenant


async def test_the_data_directory_and_its_files_are_for_the_owner_only(
    tmp_path: Path, clock: ManualClock
) -> None:
    data = tmp_path / "var"
    await _connected_tenant(Settings(data_dir=data), clock)
    assert _mode(data) == 0o700
    files = sorted(p.name for p in data.iterdir())
    assert {"fortnox-bridge.sqlite", KEY_FILE, "sandbox.sqlite"} <= set(files)
    for path in data.iterdir():  # the stores' -wal and -shm files too
        assert _mode(path) == 0o600, (path.name, oct(_mode(path)))


async def test_an_older_store_readable_by_others_is_tightened(
    tmp_path: Path, clock: ManualClock
) -> None:
    data = tmp_path / "var"
    await _connected_tenant(Settings(data_dir=data), clock)
    for path in data.iterdir():
        path.chmod(0o644)
    async with open_stack(Settings(data_dir=data), clock=clock):
        pass
    for path in data.iterdir():  # the stores' -wal and -shm files too
        assert _mode(path) == 0o600, path.name


async def _open(settings: Settings, clock: ManualClock) -> None:
    async with open_stack(settings, clock=clock):
        pass


async def _stored_tokens(settings: Settings, clock: ManualClock, tenant: int) -> str | None:
    async with open_stack(settings, clock=clock) as stack:
        with stack.sessions.begin() as session:
            connection = ConnectionRepository(session).for_tenant(tenant)
            assert connection is not None
            assert connection.tokens_ciphertext is not None
            return stack.cipher.decrypt_tokens(connection.tokens_ciphertext).refresh_token


def test_a_lost_key_stops_the_bridge_and_says_what_to_restore(
    tmp_path: Path, clock: ManualClock
) -> None:
    data = tmp_path / "var"
    settings = Settings(data_dir=data)
    tenant = asyncio.run(_connected_tenant(settings, clock))
    key_file = data / KEY_FILE
    saved = key_file.read_bytes()
    key_file.unlink()

    with pytest.raises(SecretKeyError) as stopped:
        asyncio.run(_open(settings, clock))
    message = str(stopped.value)
    assert f"the secret key file {key_file} is missing" in message
    assert "1 connection(s)' Fortnox tokens or app credentials" in message
    assert f"Restore {KEY_FILE} from a backup of {data}" in message
    assert not key_file.exists()  # no new key that would make the tokens unreadable

    printed = CliRunner().invoke(app, ["status", "--data-dir", str(data)], env={"COLUMNS": "300"})
    assert printed.exit_code == 2
    assert f"the secret key file {key_file} is missing" in " ".join(printed.output.split())
    assert not key_file.exists()

    key_file.write_bytes(saved)  # restored: everything reads again
    key_file.chmod(0o600)
    assert asyncio.run(_stored_tokens(settings, clock, tenant))


async def test_webhook_secrets_alone_also_keep_the_key_from_being_replaced(
    tmp_path: Path, clock: ManualClock
) -> None:
    data = tmp_path / "var"
    settings = Settings(data_dir=data)
    async with open_stack(settings, clock=clock) as stack:
        with stack.sessions.begin() as session:
            tenant = TenantRepository(session).create("Krokar AB", now=clock.now()).id
            WebhookRepository(session).create(
                tenant,
                url="https://hooks.example.se/in",
                event_types=["*"],
                description="",
                secret_ciphertext=seal(stack.cipher, EndpointSecrets(new_secret())),
                now=clock.now(),
            )
    (data / KEY_FILE).unlink()
    with pytest.raises(SecretKeyError, match=r"1 webhook endpoint\(s\)' signing secrets"):
        async with open_stack(settings, clock=clock):
            pass


async def test_a_fresh_store_gets_a_new_key(tmp_path: Path, clock: ManualClock) -> None:
    data = tmp_path / "var"
    async with open_stack(Settings(data_dir=data), clock=clock) as stack:
        assert isinstance(stack.cipher, TokenCipher)
    assert _mode(data / KEY_FILE) == 0o600


def test_a_standalone_sandbox_s_state_file_is_for_the_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "sandbox-data" / "state.sqlite"
    state = SandboxState(data_path=path)
    try:
        state.add_company("Sandlåda AB")
        state.flush()
    finally:
        state.close()
    assert _mode(path.parent) == 0o700
    for made in path.parent.iterdir():
        assert _mode(made) == 0o600, made.name
