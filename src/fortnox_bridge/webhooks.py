"""Signing and verifying the bridge's webhook deliveries (for host applications in Python).

Every delivery carries ``Fortnox-Bridge-Signature: t=<unix time>,v1=<hex>``, where ``<hex>`` is the
HMAC-SHA256 of ``f"{t}.{raw body}"`` keyed with the endpoint's secret (the whole ``whsec_...``
string, UTF-8). Right after a secret rotation the header carries one ``v1`` per valid secret.

A receiver checks a delivery with :func:`verify` on the raw request body, before parsing it::

    from fortnox_bridge.webhooks import SignatureError, verify

    try:
        verify(secret, request.headers["Fortnox-Bridge-Signature"], raw_body)
    except SignatureError:
        return 400

This module needs nothing but the standard library: importing it loads no other part of the
bridge, and a receiver written without the bridge installed can copy it as it is.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Sequence
from datetime import datetime

SIGNATURE_HEADER = "Fortnox-Bridge-Signature"
EVENT_ID_HEADER = "Fortnox-Bridge-Event-Id"
DELIVERY_ID_HEADER = "Fortnox-Bridge-Delivery-Id"
#: How far (seconds) a delivery's timestamp may be from the receiver's clock by default.
DEFAULT_TOLERANCE = 300
SCHEME = "v1"


class SignatureError(ValueError):
    """A delivery's signature is missing, malformed, too old or does not match the body."""


def _bytes(body: bytes | str) -> bytes:
    return body.encode("utf-8") if isinstance(body, str) else body


def signature(secret: str, timestamp: int, body: bytes | str) -> str:
    """The hex HMAC-SHA256 of ``f"{timestamp}.{body}"`` keyed with ``secret``."""
    message = str(int(timestamp)).encode("ascii") + b"." + _bytes(body)
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign(secret: str | Sequence[str], timestamp: int, body: bytes | str) -> str:
    """The ``Fortnox-Bridge-Signature`` header value for ``body`` sent at ``timestamp``.

    ``secret`` may be several secrets (during a rotation): each adds a ``v1`` entry.
    """
    secrets = [secret] if isinstance(secret, str) else list(secret)
    if not secrets:
        raise ValueError("sign() needs at least one secret")
    parts = [f"t={int(timestamp)}"]
    parts += [f"{SCHEME}={signature(s, timestamp, body)}" for s in secrets]
    return ",".join(parts)


def _unix(now: float | datetime | None) -> float:
    if now is None:
        return time.time()
    if isinstance(now, datetime):
        if now.tzinfo is None:
            raise ValueError("verify(now=...) needs a timezone-aware datetime (or a unix time)")
        return now.timestamp()
    return float(now)


def _parse(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            if not value.isdigit():
                raise SignatureError(f"the timestamp t={value!r} is not a unix time in seconds")
            timestamp = int(value)
        elif key == SCHEME:
            signatures.append(value)
    if timestamp is None:
        raise SignatureError(f"no timestamp (t=...) in the {SIGNATURE_HEADER} header")
    if not signatures:
        raise SignatureError(f"no {SCHEME}=... signature in the {SIGNATURE_HEADER} header")
    return timestamp, signatures


def verify(
    secret: str,
    header: str | None,
    body: bytes | str,
    now: float | datetime | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
) -> int:
    """Check a delivery; returns its timestamp, raises :class:`SignatureError` if it is not
    genuine.

    ``body`` must be the raw request body as received. ``now`` (a unix time or an aware
    datetime; default: the system clock) must be within ``tolerance`` seconds of the signed
    timestamp, which stops an old delivery from being replayed later.
    """
    if not header:
        raise SignatureError(f"the request has no {SIGNATURE_HEADER} header")
    timestamp, signatures = _parse(header)
    age = _unix(now) - timestamp
    if abs(age) > tolerance:
        raise SignatureError(
            f"the signature's timestamp is {abs(age):.0f} s "
            f"{'old' if age > 0 else 'in the future'} (tolerance {tolerance:g} s); check the "
            "receiver's clock, or the delivery is a replay"
        )
    expected = signature(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
        raise SignatureError(
            "the signature does not match the body: the body was changed on the way, it was "
            "parsed and re-serialised before checking, or the secret is not this endpoint's"
        )
    return timestamp
