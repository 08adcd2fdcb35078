"""An endpoint's signing secrets: made, kept encrypted with the bridge's secret key, rotated
with an overlap in which deliveries carry both signatures."""

from __future__ import annotations

import secrets as secrets_module
from dataclasses import dataclass
from datetime import datetime, timedelta

from fortnox_bridge.engine.tenancy.crypto import TokenCipher

SECRET_PREFIX = "whsec_"


@dataclass(frozen=True)
class EndpointSecrets:
    """An endpoint's signing secret, and the one it replaced while that is still honoured."""

    current: str
    previous: str | None = None
    previous_until: datetime | None = None

    def signing(self, now: datetime) -> list[str]:
        """The secrets a delivery sent at ``now`` is signed with (current first)."""
        keys = [self.current]
        if self.previous and self.previous_until is not None and now < self.previous_until:
            keys.append(self.previous)
        return keys


def new_secret() -> str:
    """A fresh signing secret: ``whsec_`` and 256 random bits."""
    return SECRET_PREFIX + secrets_module.token_urlsafe(32)


def seal(cipher: TokenCipher, found: EndpointSecrets) -> str:
    """The secrets, encrypted with the bridge's secret key, for ``secret_ciphertext``."""
    return cipher.encrypt_json(
        {
            "secret": found.current,
            "previous": found.previous,
            "previous_until": found.previous_until.isoformat() if found.previous_until else None,
        }
    )


def unseal(cipher: TokenCipher, ciphertext: str) -> EndpointSecrets:
    """The secrets behind ``secret_ciphertext``."""
    data = cipher.decrypt_json(ciphertext)
    until = data.get("previous_until")
    return EndpointSecrets(
        current=str(data["secret"]),
        previous=data.get("previous"),
        previous_until=datetime.fromisoformat(until) if until else None,
    )


def rotate(
    cipher: TokenCipher, ciphertext: str, *, now: datetime, overlap: timedelta
) -> tuple[str, str, datetime | None]:
    """A new secret for an endpoint: ``(new secret, new ciphertext, old secret valid until)``.

    For ``overlap`` deliveries are signed with both, so a receiver can switch without rejecting
    any; ``overlap`` of zero drops the old secret at once.
    """
    old = unseal(cipher, ciphertext)
    fresh = new_secret()
    until = now + overlap if overlap > timedelta(0) else None
    sealed = seal(cipher, EndpointSecrets(fresh, old.current if until else None, until))
    return fresh, sealed, until
