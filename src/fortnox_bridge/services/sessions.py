"""Sign-in sessions of admin users: the password check that starts one, finding the user behind
a session token, and ending it.

The store keeps a SHA-256 of each token only. A session ends when its user signs out, gets a new
password or is disabled, after ``idle`` without a request and ``absolute`` after sign-in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.services.passwords import hash_password, needs_rehash, verify_password
from fortnox_bridge.store.models import AdminSession
from fortnox_bridge.store.users import AdminSessionRepository, AdminUserRepository

__all__ = ["SessionUser", "SignInSessions", "Started", "Timeouts", "timed_out"]

#: A hash to check against when the e-mail is unknown, so both answers take as long.
_DUMMY_HASH = hash_password("not a password of anyone")


@dataclass(frozen=True)
class Timeouts:
    """How long a session lasts: ``idle`` without a request, ``absolute`` after sign-in."""

    idle: timedelta
    absolute: timedelta


@dataclass(frozen=True)
class Started:
    """A new session: the token for the browser's cookie, the user's language and id."""

    token: str
    language: str
    user_id: int


@dataclass(frozen=True)
class SessionUser:
    """The admin user behind a session."""

    id: int
    email: str
    name: str
    language: str


def timed_out(found: AdminSession, now: datetime, timeouts: Timeouts) -> bool:
    """Whether a session is over: idle too long, or signed in too long ago."""
    return now - found.last_seen_at >= timeouts.idle or now - found.created_at >= timeouts.absolute


class SignInSessions:
    """Starts, finds and ends the sessions of admin users."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def sign_in(
        self, email: str, password: str, now: datetime, timeouts: Timeouts
    ) -> Started | None:
        """A new session when the password is right and the user enabled, else ``None``.
        Argon2 runs with no database connection held meanwhile; every user's timed-out
        sessions are deleted then, so the table stays small."""
        with self.sessions.begin() as session:
            user = AdminUserRepository(session).by_email(email)
            known = user.password_hash if user is not None else _DUMMY_HASH
        if not verify_password(known, password) or user is None:
            return None
        rehashed = hash_password(password) if needs_rehash(known) else None
        with self.sessions.begin() as session:
            user = AdminUserRepository(session).get(user.id)
            if user is None or user.disabled or user.password_hash != known:
                return None  # disabled, or a new password, while this one was checked
            if rehashed is not None:
                user.password_hash = rehashed
            user.last_login_at = now
            tokens = AdminSessionRepository(session)
            tokens.purge(idle_since=now - timeouts.idle, started_before=now - timeouts.absolute)
            return Started(tokens.start(user.id, now=now), user.language, user.id)

    def user_of(
        self, token: str, now: datetime, timeouts: Timeouts, *, touch_every: timedelta
    ) -> SessionUser | None:
        """The enabled user whose session ``token`` names, or ``None`` (a timed-out session is
        deleted). The session's last request is written at most every ``touch_every``."""
        with self.sessions.begin() as session:
            found = AdminSessionRepository(session).find(token)
            if found is not None and timed_out(found, now, timeouts):
                session.delete(found)
            elif found is not None:
                user = AdminUserRepository(session).get(found.user_id)
                if user is not None and not user.disabled:
                    if now - found.last_seen_at >= touch_every:
                        found.last_seen_at = now
                    return SessionUser(user.id, user.email, user.name, user.language)
        return None

    def choose_language(self, user_id: int, language: str) -> None:
        """Keep ``language`` as the user's (a later sign-in, on any device, starts in it)."""
        with self.sessions.begin() as session:
            user = AdminUserRepository(session).get(user_id)
            if user is not None:
                user.language = language

    def end(self, token: str) -> None:
        """End one session (signing out)."""
        with self.sessions.begin() as session:
            AdminSessionRepository(session).end(token)
