"""Admin users of the web UI and their sessions. Passwords are hashed by the caller; the store
keeps the hash. A session's token is kept as its SHA-256 only."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from fortnox_bridge.store.models import AdminSession, AdminUser


class UserExists(ValueError):
    """An admin user with that e-mail address already exists."""


class AdminUserRepository:
    """Reads and writes admin users."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def create(
        self, email: str, name: str, password_hash: str, *, now: datetime, language: str = "en"
    ) -> AdminUser:
        """A new user; :class:`UserExists` when the address is taken (case ignored)."""
        address = email.strip().lower()
        if self.by_email(address) is not None:
            raise UserExists(f"an admin user with the e-mail address {address} already exists")
        user = AdminUser(
            email=address,
            name=name.strip(),
            password_hash=password_hash,
            language=language,
            created_at=now,
        )
        self.session.add(user)
        self.session.flush()
        return user

    def by_email(self, email: str) -> AdminUser | None:
        """The user with that address (case ignored)."""
        address = email.strip().lower()
        return self.session.scalars(
            select(AdminUser).where(func.lower(AdminUser.email) == address)
        ).first()

    def get(self, user_id: int) -> AdminUser | None:
        """The user with that id."""
        return self.session.get(AdminUser, user_id)

    def all(self) -> list[AdminUser]:
        """Every user, by e-mail address."""
        return list(self.session.scalars(select(AdminUser).order_by(AdminUser.email)))

    def set_password(self, user: AdminUser, password_hash: str) -> None:
        """A new password; sessions signed in with the old one end."""
        user.password_hash = password_hash
        user.session_generation += 1
        AdminSessionRepository(self.session).end_all(user.id)

    def set_disabled(self, user: AdminUser, disabled: bool) -> None:
        """Disable (ending every session) or enable a user."""
        user.disabled = disabled
        user.session_generation += 1
        AdminSessionRepository(self.session).end_all(user.id)


def token_hash(token: str) -> str:
    """What the store keeps of a session token."""
    return hashlib.sha256(token.encode()).hexdigest()


class AdminSessionRepository:
    """Starts, finds and ends the sessions of admin users."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def start(self, user_id: int, *, now: datetime) -> str:
        """A new session of the user; the token for the browser's cookie (never stored)."""
        token = secrets.token_urlsafe(32)
        self.session.add(
            AdminSession(
                token_hash=token_hash(token), user_id=user_id, created_at=now, last_seen_at=now
            )
        )
        self.session.flush()
        return token

    def find(self, token: str) -> AdminSession | None:
        """The session with that token."""
        return self.session.scalars(
            select(AdminSession).where(AdminSession.token_hash == token_hash(token))
        ).first()

    def end(self, token: str) -> None:
        """End one session (signing out)."""
        self.session.execute(
            delete(AdminSession).where(AdminSession.token_hash == token_hash(token))
        )

    def end_all(self, user_id: int) -> None:
        """End every session of a user (new password, disabled)."""
        self.session.execute(delete(AdminSession).where(AdminSession.user_id == user_id))

    def purge(self, *, idle_since: datetime, started_before: datetime) -> int:
        """Delete the sessions that timed out: unused since ``idle_since`` or started before
        ``started_before``; how many."""
        result = self.session.execute(
            delete(AdminSession).where(
                or_(
                    AdminSession.last_seen_at < idle_since,
                    AdminSession.created_at < started_before,
                )
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def count(self, user_id: int) -> int:
        """How many sessions the user has open."""
        return int(
            self.session.scalar(
                select(func.count())
                .select_from(AdminSession)
                .where(AdminSession.user_id == user_id)
            )
            or 0
        )
