from __future__ import annotations

import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from fortnox_bridge.engine.errors import SecretKeyError
from fortnox_bridge.engine.tenancy.crypto import KEY_FILE, TokenCipher, load_secret_key
from fortnox_bridge.fortnox.tokens import TokenSet

TOKENS = TokenSet(
    access_token="eyJ-access",
    refresh_token="refresh-1",
    expires_at=datetime(2026, 3, 1, 13, 0, tzinfo=UTC),
    scope="salary",
    tenant_id=42,
)


def test_key_file_is_generated_once_with_mode_0600(tmp_path: Path) -> None:
    key = load_secret_key(tmp_path / "data")
    path = tmp_path / "data" / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_secret_key(tmp_path / "data") == key  # read back, not regenerated
    Fernet(key.encode())  # a valid Fernet key


def test_configured_key_wins_and_is_validated(tmp_path: Path) -> None:
    configured = Fernet.generate_key().decode()
    assert load_secret_key(tmp_path, configured) == configured
    assert not (tmp_path / KEY_FILE).exists()
    with pytest.raises(SecretKeyError, match="not a Fernet key"):
        load_secret_key(tmp_path, "not-a-key")


def test_tokens_round_trip_encrypted_and_keys_rotate() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    stored = TokenCipher(old).encrypt_tokens(TOKENS)
    assert "eyJ-access" not in stored
    assert "refresh-1" not in stored
    rotated = TokenCipher(f"{new},{old}")
    assert rotated.decrypt_tokens(stored) == TOKENS
    with pytest.raises(SecretKeyError, match="cannot be decrypted"):
        TokenCipher(new).decrypt_tokens(stored)


def test_a_missing_key_file_is_not_made_anew_while_encrypted_data_is_stored(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    with pytest.raises(SecretKeyError) as stopped:
        load_secret_key(data, protected="1 connection(s)' Fortnox tokens or app credentials")
    message = str(stopped.value)
    assert f"the secret key file {data / KEY_FILE} is missing" in message
    assert "(1 connection(s)' Fortnox tokens or app credentials)" in message
    assert f"Restore {KEY_FILE} from a backup of {data}" in message
    assert "FORTNOX_BRIDGE_SECRET_KEY" in message
    assert not (data / KEY_FILE).exists()
    configured = Fernet.generate_key().decode()  # a configured key needs no file
    assert load_secret_key(data, configured, protected="anything") == configured


def test_a_new_data_directory_is_0700_and_a_loose_key_file_is_tightened(tmp_path: Path) -> None:
    data = tmp_path / "new" / "data"
    load_secret_key(data)
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    key = data / KEY_FILE
    key.chmod(0o644)  # as an older version (or a copy) left it
    load_secret_key(data)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
