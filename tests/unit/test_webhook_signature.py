"""``fortnox_bridge.webhooks``: the signature a receiver checks, and nothing else of the bridge
needed to check it."""

from __future__ import annotations

import hashlib
import hmac
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from fortnox_bridge.webhooks import SignatureError, sign, signature, verify

SECRET = "whsec_test-secret"
BODY = b'{"id":"7","type":"record.changed","tenant":1,"data":{"city":"Ume\xc3\xa5"}}'
T = 1_767_225_600  # 2026-01-01T00:00:00Z


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET.encode(), f"{T}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert signature(SECRET, T, BODY) == expected
    assert sign(SECRET, T, BODY) == f"t={T},v1={expected}"
    assert signature(SECRET, T, BODY.decode()) == expected  # text bodies are UTF-8


def test_a_genuine_delivery_verifies_and_gives_its_timestamp() -> None:
    header = sign(SECRET, T, BODY)
    assert verify(SECRET, header, BODY, now=T + 299) == T
    assert verify(SECRET, header, BODY, now=datetime(2026, 1, 1, 0, 4, tzinfo=UTC)) == T
    assert verify(SECRET, header, BODY.decode(), now=T - 10) == T


@pytest.mark.parametrize(
    ("secret", "body", "now", "says"),
    [
        (SECRET, BODY.replace(b"Ume", b"Lul"), T, "does not match the body"),
        (SECRET, BODY + b" ", T, "does not match the body"),
        ("whsec_another", BODY, T, "does not match the body"),
        (SECRET, BODY, T + 301, "301 s old"),
        (SECRET, BODY, T - 400, "in the future"),
    ],
)
def test_a_changed_body_a_wrong_secret_or_an_old_delivery_is_refused(
    secret: str, body: bytes, now: int, says: str
) -> None:
    with pytest.raises(SignatureError, match=says):
        verify(secret, sign(SECRET, T, BODY), body, now=now)


@pytest.mark.parametrize(
    ("header", "says"),
    [
        (None, "no Fortnox-Bridge-Signature header"),
        ("", "no Fortnox-Bridge-Signature header"),
        ("v1=abc", r"no timestamp \(t=...\)"),
        (f"t={T}", r"no v1=... signature"),
        ("t=yesterday,v1=abc", "not a unix time"),
    ],
)
def test_a_malformed_header_is_refused_with_the_reason(header: str | None, says: str) -> None:
    with pytest.raises(SignatureError, match=says):
        verify(SECRET, header, BODY, now=T)


def test_during_a_rotation_either_secret_verifies() -> None:
    header = sign(["whsec_new", "whsec_old"], T, BODY)
    assert header.count("v1=") == 2
    assert verify("whsec_new", header, BODY, now=T) == T
    assert verify("whsec_old", header, BODY, now=T) == T
    with pytest.raises(SignatureError):
        verify("whsec_other", header, BODY, now=T)


def test_the_tolerance_can_be_chosen_and_a_naive_now_is_refused() -> None:
    header = sign(SECRET, T, BODY)
    with pytest.raises(SignatureError, match="tolerance 60 s"):
        verify(SECRET, header, BODY, now=T + 61, tolerance=60)
    with pytest.raises(ValueError, match="timezone-aware"):
        verify(SECRET, header, BODY, now=datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="at least one secret"):
        sign([], T, BODY)


def test_the_module_loads_nothing_else_of_the_bridge() -> None:
    code = (
        "import sys, fortnox_bridge.webhooks; "
        "print(sorted(m for m in sys.modules if m.startswith('fortnox_bridge')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "['fortnox_bridge', 'fortnox_bridge.webhooks']"
