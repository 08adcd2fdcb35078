"""Encryption at rest for Fortnox tokens and app credentials (Fernet: AES-128-CBC + HMAC).

The key comes from ``FORTNOX_BRIDGE_SECRET_KEY`` (Settings ``secret_key``) or from a key file
``<data_dir>/secret.key`` (mode 0600). The file is generated only for a store that holds nothing
encrypted yet: when it is missing while tokens or webhook secrets are stored, the bridge stops and
says what to restore, since a new key could read none of them. Several comma-separated keys
rotate: the first encrypts, all decrypt (``cryptography``'s ``MultiFernet``).
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.engine.errors import SecretKeyError
from fortnox_bridge.files import private_dir, tighten
from fortnox_bridge.fortnox.tokens import TokenSet
from fortnox_bridge.store.models import Connection, WebhookEndpoint

KEY_FILE = "secret.key"


def load_secret_key(
    data_dir: Path, configured: str | None = None, *, protected: str | None = None
) -> str:
    """The configured key(s), or the key file's content.

    A missing key file is created (mode 0600) only when ``protected`` is ``None``: ``protected``
    says what the store holds encrypted (see :func:`encrypted_in_store`), and then a missing file
    is a :class:`SecretKeyError` saying what to restore.
    """
    if configured:
        _fernet(configured)  # refuse a malformed key at start, not at the first token
        return configured
    path = data_dir / KEY_FILE
    if not path.exists() and protected is not None:
        raise SecretKeyError(
            f"the secret key file {path} is missing, but the store holds data encrypted with it "
            f"({protected}). A new key could read none of it, so none is made. Restore "
            f"{KEY_FILE} from a backup of {data_dir} (mode 0600), or set "
            "FORTNOX_BRIDGE_SECRET_KEY to the key it held, and start again. If the key is lost "
            f"for good, write a new one to {path} yourself (python -c 'from "
            "cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'), then "
            "connect every tenant again and register its webhook endpoints anew"
        )
    if not path.exists():
        private_dir(data_dir)
        try:
            # O_EXCL: when two processes start at once, one writes and the other reads its key.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(Fernet.generate_key() + b"\n")
    tighten(path)  # a key file made by an older version may be readable by others
    key = path.read_text(encoding="ascii").strip()
    _fernet(key)
    return key


def encrypted_in_store(sessions: sessionmaker[Session]) -> str | None:
    """What the store holds encrypted with the secret key, in words (``"2 connections' tokens or
    app credentials, 1 webhook endpoint's secret"``), or ``None`` when nothing."""
    with sessions.begin() as session:
        connections = session.scalar(
            select(func.count())
            .select_from(Connection)
            .where(
                or_(
                    Connection.tokens_ciphertext.is_not(None),
                    Connection.app_ciphertext.is_not(None),
                )
            )
        )
        endpoints = session.scalar(select(func.count()).select_from(WebhookEndpoint))
    found = []
    if connections:
        found.append(f"{connections} connection(s)' Fortnox tokens or app credentials")
    if endpoints:
        found.append(f"{endpoints} webhook endpoint(s)' signing secrets")
    return ", ".join(found) or None


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
