"""Admin users of the web UI. Passwords are hashed by the caller; the store keeps the hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fortnox_bridge.store.models import AdminUser


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

    def set_disabled(self, user: AdminUser, disabled: bool) -> None:
        """Disable (ending every session) or enable a user."""
        user.disabled = disabled
        user.session_generation += 1
