from __future__ import annotations

import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from fortnox_bridge.engine.crypto import KEY_FILE, TokenCipher, load_secret_key
from fortnox_bridge.engine.errors import SecretKeyError
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
