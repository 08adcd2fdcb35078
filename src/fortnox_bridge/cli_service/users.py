"""``fortnox-bridge users``: the people who sign in to the admin web UI.

Only the store is needed. Passwords are asked for at the prompt (hidden, twice) or read from
standard input with ``--password-stdin`` (for scripts); they are stored as Argon2id hashes.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from fortnox_bridge.cli_service.commands import DataDir, settings
from fortnox_bridge.cli_service.keys import _fail, _store, _when
from fortnox_bridge.clock import SystemClock
from fortnox_bridge.store.users import AdminUserRepository
from fortnox_bridge.web.users import (
    InvalidUser,
    UserExists,
    WeakPassword,
    create_admin,
    set_password,
)

users_app = typer.Typer(
    help="Admin users of the web UI: create, list, set a password, disable.",
    no_args_is_help=True,
)
Email = Annotated[str, typer.Option("--email", help="The user's e-mail address (the login).")]
FromStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from standard input.")
]


def register(app: typer.Typer) -> None:
    """Add ``users`` to the ``fortnox-bridge`` command."""
    app.add_typer(users_app, name="users")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    value: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


@users_app.command("create")
def create_user(
    email: Email,
    name: Annotated[str, typer.Option("--name", help="The user's name, shown in the UI.")],
    language: Annotated[str, typer.Option("--language", help="en or sv.")] = "en",
    password_stdin: FromStdin = False,
    data_dir: DataDir = None,
) -> None:
    """Create an admin user who can sign in to the web UI."""
    config, console = settings(data_dir=data_dir), Console()
    password = _password(password_stdin)
    with _store(config) as sessions:
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
            raise _fail(console, str(exc)) from None
    console.print(f"Created admin user {user.email} (id {user.id}); sign in at /ui/login.")


@users_app.command("list")
def list_users(data_dir: DataDir = None) -> None:
    """List the admin users."""
    config, console = settings(data_dir=data_dir), Console()
    with _store(config) as sessions, sessions.begin() as session:
        table = Table("id", "e-mail", "name", "language", "state", "last sign-in")
        for user in AdminUserRepository(session).all():
            state = "disabled" if user.disabled else "active"
            table.add_row(
                str(user.id),
                user.email,
                user.name,
                user.language,
                state,
                _when(user.last_login_at),
            )
    console.print(table)


@users_app.command("password")
def change_password(
    email: Email, password_stdin: FromStdin = False, data_dir: DataDir = None
) -> None:
    """Set a new password (the user's open sessions end)."""
    config, console = settings(data_dir=data_dir), Console()
    password = _password(password_stdin)
    with _store(config) as sessions:
        try:
            set_password(sessions, email=email, password=password)
        except (WeakPassword, LookupError) as exc:
            raise _fail(console, str(exc)) from None
    console.print(f"New password set for {email}; their sessions have ended.")


@users_app.command("disable")
def disable_user(
    email: Email,
    enable: Annotated[bool, typer.Option("--enable", help="Enable the user again.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Disable a user (their sessions end at once), or enable them again."""
    config, console = settings(data_dir=data_dir), Console()
    with _store(config) as sessions, sessions.begin() as session:
        users = AdminUserRepository(session)
        user = users.by_email(email)
        if user is None:
            raise _fail(console, f"no admin user with the e-mail address {email}")
        users.set_disabled(user, not enable)
    console.print(f"{email} is {'enabled' if enable else 'disabled'}.")
