"""The work of ``fortnox-bridge users`` (declared in :mod:`fortnox_bridge.cli.users`): the people
who sign in to the admin web UI.

Only the store is needed. Passwords are asked for at the prompt (hidden, twice) or read from
standard input with ``--password-stdin`` (for scripts); they are stored as Argon2id hashes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from fortnox_bridge.cli.work.keys import when
from fortnox_bridge.cli.work.runtime import refuse, settings
from fortnox_bridge.clock import SystemClock
from fortnox_bridge.runtime.stack import open_store
from fortnox_bridge.services.users import (
    InvalidUser,
    UserExists,
    WeakPassword,
    all_admins,
    create_admin,
    set_disabled,
    set_password,
)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    value: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


def create_user(
    email: str, name: str, language: str, password_stdin: bool, data_dir: Path | None
) -> None:
    """``users create``: may be the first command of a new bridge."""
    config, console = settings(need="new", data_dir=data_dir), Console()
    password = _password(password_stdin)
    with open_store(config, create=True) as store:
        sessions = store.sessions
        try:
            user = create_admin(
                sessions,
                SystemClock(),
                email=email,
                name=name,
                password=password,
                language=language,
            )
        except (InvalidUser, WeakPassword, UserExists) as exc:
            raise refuse(console, str(exc)) from None
    console.print(f"Created admin user {user.email} (id {user.id}); sign in at /ui/login.")


def list_users(data_dir: Path | None) -> None:
    """``users list``."""
    config, console = settings(need="store", data_dir=data_dir), Console()
    with open_store(config) as store:
        sessions = store.sessions
        table = Table("id", "e-mail", "name", "language", "state", "last sign-in")
        for user in all_admins(sessions):
            state = "disabled" if user.disabled else "active"
            table.add_row(
                str(user.id),
                user.email,
                user.name,
                user.language,
                state,
                when(user.last_login_at),
            )
    console.print(table)


def change_password(email: str, password_stdin: bool, data_dir: Path | None) -> None:
    """``users password``."""
    config, console = settings(need="store", data_dir=data_dir), Console()
    password = _password(password_stdin)
    with open_store(config) as store:
        sessions = store.sessions
        try:
            set_password(sessions, email=email, password=password)
        except (WeakPassword, LookupError) as exc:
            raise refuse(console, str(exc)) from None
    console.print(f"New password set for {email}; their sessions have ended.")


def disable_user(email: str, enable: bool, data_dir: Path | None) -> None:
    """``users disable``."""
    config, console = settings(need="store", data_dir=data_dir), Console()
    with open_store(config) as store:
        sessions = store.sessions
        try:
            set_disabled(sessions, email=email, disabled=not enable)
        except LookupError as exc:
            raise refuse(console, str(exc)) from None
    console.print(f"{email} is {'enabled' if enable else 'disabled'}.")
