"""Creating and changing admin users (used by ``fortnox-bridge users`` and the demo)."""

from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.store.users import AdminUserRepository, UserExists
from fortnox_bridge.web.i18n import LANGUAGES
from fortnox_bridge.web.passwords import WeakPassword, check_strength, hash_password

__all__ = ["InvalidUser", "UserExists", "WeakPassword", "create_admin", "set_password"]


class InvalidUser(ValueError):
    """An e-mail address, name or language that cannot be used; the message says why."""


@dataclass(frozen=True)
class CreatedUser:
    """A new admin user."""

    id: int
    email: str
    name: str


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
