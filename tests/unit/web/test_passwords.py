"""Admin passwords: Argon2id hashes with argon2-cffi's recommended cost, and the strength rules."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from argon2.profiles import RFC_9106_LOW_MEMORY

from fortnox_bridge.services.passwords import (
    WeakPassword,
    check_strength,
    hash_password,
    needs_rehash,
    verify_password,
)


def test_hashes_are_argon2id_with_the_recommended_cost_and_verify() -> None:
    hashed = hash_password("correct horse battery")
    assert hashed.startswith("$argon2id$")
    params = PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY)
    assert f"m={params.memory_cost},t={params.time_cost},p={params.parallelism}" in hashed
    assert verify_password(hashed, "correct horse battery")
    assert not verify_password(hashed, "correct horse batterY")
    assert not verify_password("not a hash", "correct horse battery")
    assert not needs_rehash(hashed)


def test_a_hash_of_a_lower_cost_is_made_again() -> None:
    cheap = PasswordHasher(time_cost=1, memory_cost=1024).hash("correct horse battery")
    assert verify_password(cheap, "correct horse battery")
    assert needs_rehash(cheap)


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short", "at least 10 characters"),
        ("anna@example.se", "must not be the e-mail address"),
        ("aaaaabbbbbbb", "repeats too few characters"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password: str, reason: str) -> None:
    with pytest.raises(WeakPassword, match=reason):
        check_strength(password, "anna@example.se")
    assert check_strength("a long passphrase", "anna@example.se") == "a long passphrase"
