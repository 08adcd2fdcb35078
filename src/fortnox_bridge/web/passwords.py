"""Password hashing for admin users: Argon2id with argon2-cffi's recommended parameters."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_HASHER = PasswordHasher()
#: Shortest password ``users create`` and the UI accept.
MIN_LENGTH = 10


class WeakPassword(ValueError):
    """A password that is too short or too plain; the message says what to change."""


def check_strength(password: str, email: str = "") -> str:
    """``password`` when it is acceptable, else :class:`WeakPassword`."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"the password must be at least {MIN_LENGTH} characters long")
    if email and password.lower() == email.strip().lower():
        raise WeakPassword("the password must not be the e-mail address")
    if len(set(password)) < 4:
        raise WeakPassword("the password repeats too few characters; use a passphrase")
    return password


def hash_password(password: str) -> str:
    """The Argon2id hash of ``password`` (salted, parameters encoded in the hash)."""
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches the hash (constant-time; a malformed hash is no match)."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's."""
    return _HASHER.check_needs_rehash(password_hash)
