"""Signed, expiring links to a document, which a host hands to its users: whoever holds the
link reads the document without an API key, until it expires. The ledger's documents use them,
and so do the service family's invoice PDFs (each with a purpose of its own, so a link made for
one never opens the other).

A link's token is itsdangerous' URL-safe timed serialisation of the tenant and the document,
signed with a key derived from the bridge's secret key (never the key itself; with several keys,
as when they rotate, a link made with any of them is honoured and new ones are signed with the
first). The time in the token comes from the bridge's clock, so tests move it instead of waiting.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from fortnox_bridge.clock import Clock
from fortnox_bridge.config import Settings
from fortnox_bridge.engine.tenancy.crypto import KEY_FILE, load_secret_key
from fortnox_bridge.services.errors import ServiceError, Unavailable

#: What the derived signing key is for (a different purpose gives a different key).
PURPOSE = b"fortnox-bridge ledger document link"
SALT = "ledger-document"


class LinkRefused(ServiceError):
    """A link that was tampered with, made with another key, or has expired."""

    code = "link_invalid"


class LinkExpired(LinkRefused):
    """A link past its expiry."""

    code = "link_expired"


@dataclass(frozen=True)
class SharedDocument:
    """What a valid link names."""

    tenant_id: int
    document_id: int


@dataclass(frozen=True)
class Link:
    """A new link's token and when it stops working."""

    token: str
    expires_at: datetime


def secret_keys_of(settings: Settings) -> Callable[[], str]:
    """Reads the bridge's secret key(s) when a link is first made or checked: the configured
    ones, or the key file of the data directory (which ``serve`` makes at its start). Without
    either: :class:`Unavailable` (no file is made here)."""

    def read() -> str:
        configured = settings.secret_key.get_secret_value() if settings.secret_key else None
        if not configured and not (settings.data_dir / KEY_FILE).exists():
            raise Unavailable(
                "this bridge has no secret key to sign links with: set "
                "FORTNOX_BRIDGE_SECRET_KEY or start it with 'fortnox-bridge serve', which makes "
                f"the key file {KEY_FILE} in its data directory",
                code="no_secret_key",
            )
        return load_secret_key(settings.data_dir, configured)

    return read


def link_key(secret_key: str, purpose: bytes = PURPOSE) -> str:
    """The key that signs links for ``purpose``, derived from one of the bridge's secret
    keys."""
    return hmac.new(secret_key.encode(), purpose, hashlib.sha256).hexdigest()


class DocumentLinks:
    """Makes and checks links (see the module)."""

    def __init__(
        self,
        secret_keys: Callable[[], str],
        clock: Clock,
        lifetime: timedelta,
        *,
        purpose: bytes = PURPOSE,
        salt: str = SALT,
    ) -> None:
        self._secret_keys = secret_keys
        self._serializer: URLSafeTimedSerializer | None = None
        self.clock, self.lifetime = clock, lifetime
        self.purpose, self.salt = purpose, salt

    def _signer(self) -> URLSafeTimedSerializer:
        if self._serializer is None:
            parts = [part.strip() for part in self._secret_keys().split(",") if part.strip()]
            clock = self.clock

            class ClockSigner(TimestampSigner):
                def get_timestamp(self) -> int:
                    return int(clock.now().timestamp())

            # itsdangerous signs with the last key and accepts any of them.
            keys = [link_key(part, self.purpose) for part in reversed(parts)]
            self._serializer = URLSafeTimedSerializer(keys, salt=self.salt, signer=ClockSigner)
        return self._serializer

    def make(self, tenant_id: int, document_id: int) -> Link:
        """A link to the tenant's document, valid for :attr:`lifetime`."""
        token = self._signer().dumps([tenant_id, document_id])
        return Link(token, self.clock.now() + self.lifetime)

    def check(self, token: str) -> SharedDocument:
        """What the link names; :class:`LinkExpired` or :class:`LinkRefused` otherwise."""
        found = self._load(token)
        if not (isinstance(found, list) and len(found) == 2 and all(type(n) is int for n in found)):
            raise LinkRefused("this link is not valid; ask for a new one")
        return SharedDocument(tenant_id=found[0], document_id=found[1])

    def make_named(self, tenant_id: int, name: str) -> Link:
        """A link to the tenant's document known by ``name`` (a host record's id)."""
        token = self._signer().dumps([tenant_id, name])
        return Link(token, self.clock.now() + self.lifetime)

    def check_named(self, token: str) -> tuple[int, str]:
        """``(tenant id, name)`` of a link of :meth:`make_named`; refused as :meth:`check`."""
        found = self._load(token)
        valid = isinstance(found, list) and len(found) == 2
        if not (valid and type(found[0]) is int and isinstance(found[1], str)):
            raise LinkRefused("this link is not valid; ask for a new one")
        return found[0], found[1]

    def _load(self, token: str) -> Any:
        minutes = round(self.lifetime.total_seconds() / 60)
        try:
            found = self._signer().loads(token, max_age=int(self.lifetime.total_seconds()))
        except SignatureExpired:
            raise LinkExpired(
                f"this link has expired: links to documents work for {minutes} minutes; ask "
                "the application that gave it to you for a new one"
            ) from None
        except BadSignature:
            raise LinkRefused(
                "this link is not valid: it was changed or cut short, or made by another "
                "bridge; ask the application that gave it to you for a new one"
            ) from None
        return found
