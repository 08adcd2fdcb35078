"""The people who sign in to the admin web UI: created, listed, given a new password, disabled
and enabled again (used by ``fortnox-bridge users`` and the demo)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.services.passwords import WeakPassword, check_strength, hash_password
from fortnox_bridge.store.users import AdminUserRepository, UserExists

__all__ = [
    "LANGUAGES",
    "AdminUser",
    "CreatedUser",
    "InvalidUser",
    "UserExists",
    "WeakPassword",
    "all_admins",
    "create_admin",
    "set_disabled",
    "set_password",
]

#: The languages a user's pages can be in.
LANGUAGES = ("en", "sv")


class InvalidUser(ValueError):
    """An e-mail address, name or language that cannot be used; the message says why."""


@dataclass(frozen=True)
class CreatedUser:
    """A new admin user."""

    id: int
    email: str
    name: str


@dataclass(frozen=True)
class AdminUser:
    """An admin user as lists show it (never the password hash)."""

    id: int
    email: str
    name: str
    language: str
    disabled: bool
    last_login_at: datetime | None


def _address(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise InvalidUser(f"e-mail address {email!r}: {exc}") from None


def create_admin(
    sessions: sessionmaker[Session],
    clock: Clock,
    *,
    email: str,
    name: str,
    password: str,
    language: str = "en",
) -> CreatedUser:
    """A new admin user; :class:`InvalidUser`, :class:`WeakPassword` or :class:`UserExists`."""
    address = _address(email)
    if not name.strip():
        raise InvalidUser("the name is empty; give the person's name")
    if language not in LANGUAGES:
        raise InvalidUser(f"language {language!r}: use one of {', '.join(LANGUAGES)}")
    check_strength(password, address)
    with sessions.begin() as session:
        user = AdminUserRepository(session).create(
            address, name, hash_password(password), now=clock.now(), language=language
        )
        return CreatedUser(user.id, user.email, user.name)


def set_password(sessions: sessionmaker[Session], *, email: str, password: str) -> None:
    """A new password for a user (their sessions end); ``LookupError`` if there is none."""
    check_strength(password, email)
    with sessions.begin() as session:
        users = AdminUserRepository(session)
        user = users.by_email(email)
        if user is None:
            raise LookupError(f"no admin user with the e-mail address {email}")
        users.set_password(user, hash_password(password))


def all_admins(sessions: sessionmaker[Session]) -> list[AdminUser]:
    """Every admin user, as the store lists them."""
    with sessions.begin() as session:
        return [
            AdminUser(u.id, u.email, u.name, u.language, u.disabled, u.last_login_at)
            for u in AdminUserRepository(session).all()
        ]


def set_disabled(sessions: sessionmaker[Session], *, email: str, disabled: bool) -> None:
    """Disable a user (their sessions end) or enable them again; ``LookupError`` if there is
    none."""
    with sessions.begin() as session:
        users = AdminUserRepository(session)
        user = users.by_email(email)
        if user is None:
            raise LookupError(f"no admin user with the e-mail address {email}")
        users.set_disabled(user, disabled)
