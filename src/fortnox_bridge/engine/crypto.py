"""Encryption at rest for Fortnox tokens and app credentials (Fernet: AES-128-CBC + HMAC).

The key comes from ``FORTNOX_BRIDGE_SECRET_KEY`` (Settings ``secret_key``) or from a key file
``<data_dir>/secret.key`` that is generated on first use with mode 0600. Several comma-separated
keys rotate: the first encrypts, all decrypt (``cryptography``'s ``MultiFernet``).
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from fortnox_bridge.engine.errors import SecretKeyError
from fortnox_bridge.fortnox.tokens import TokenSet

KEY_FILE = "secret.key"


def load_secret_key(data_dir: Path, configured: str | None = None) -> str:
    """The configured key(s), or the key file's content (created with mode 0600 if missing)."""
    if configured:
        _fernet(configured)  # refuse a malformed key at start, not at the first token
        return configured
    path = data_dir / KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            # O_EXCL: when two processes start at once, one writes and the other reads its key.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(Fernet.generate_key() + b"\n")
    key = path.read_text(encoding="ascii").strip()
    _fernet(key)
    return key


def _fernet(keys: str) -> MultiFernet:
    try:
        return MultiFernet([Fernet(part.strip()) for part in keys.split(",") if part.strip()])
    except (ValueError, TypeError) as exc:
        raise SecretKeyError(
            "the secret key is not a Fernet key (32 url-safe base64-encoded bytes); generate one "
            "with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'"
        ) from exc


class TokenCipher:
    """Encrypts and decrypts token sets and app credentials with the bridge's secret key."""

    def __init__(self, keys: str) -> None:
        self._fernet = _fernet(keys)

    def encrypt_json(self, data: dict[str, Any]) -> str:
        """``data`` as a Fernet token (text)."""
        return self._fernet.encrypt(json.dumps(data).encode()).decode("ascii")

    def decrypt_json(self, token: str) -> dict[str, Any]:
        """The data behind a Fernet token made with one of the keys."""
        try:
            data = json.loads(self._fernet.decrypt(token.encode("ascii")))
        except InvalidToken as exc:
            raise SecretKeyError(
                "stored tokens cannot be decrypted with the configured secret key; restore the "
                "old key (FORTNOX_BRIDGE_SECRET_KEY=new,old rotates) or connect again"
            ) from exc
        if not isinstance(data, dict):
            raise SecretKeyError("stored tokens are not a JSON object")
        return data

    def encrypt_tokens(self, tokens: TokenSet) -> str:
        """A token set, encrypted."""
        return self.encrypt_json(
            {
                "access_token": tokens.access_token,
                "refresh_token": tokens.refresh_token,
                "expires_at": tokens.expires_at.isoformat(),
                "scope": tokens.scope,
                "tenant_id": tokens.tenant_id,
            }
        )

    def decrypt_tokens(self, token: str) -> TokenSet:
        """The token set behind an encrypted value."""
        data = self.decrypt_json(token)
        return TokenSet(
            access_token=str(data["access_token"]),
            refresh_token=data.get("refresh_token"),
            expires_at=datetime.fromisoformat(str(data["expires_at"])),
            scope=str(data.get("scope", "")),
            tenant_id=data.get("tenant_id"),
        )
