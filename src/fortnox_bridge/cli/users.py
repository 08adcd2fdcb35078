"""``fortnox-bridge users``: the people who sign in to the admin web UI.

Only the store is needed. Passwords are asked for at the prompt (hidden, twice) or read from
standard input with ``--password-stdin`` (for scripts); they are stored as Argon2id hashes. The
work is in :mod:`.work.users`, imported when a command runs.
"""

from __future__ import annotations

from typing import Annotated

import typer

from fortnox_bridge.cli.options import DataDir, new_app

users_app = new_app("Admin users of the web UI: create, list, set a password, disable.")
Email = Annotated[
    str,
    typer.Option("--email", help="The user's e-mail address (the login).", show_default=False),
]
FromStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from standard input.")
]


def register(app: typer.Typer) -> None:
    """Add ``users`` to the ``fortnox-bridge`` command."""
    app.add_typer(users_app, name="users")


@users_app.command("create")
def create_user(
    email: Email,
    name: Annotated[
        str, typer.Option("--name", help="The user's name, shown in the UI.", show_default=False)
    ],
    language: Annotated[str, typer.Option("--language", help="en or sv.")] = "en",
    password_stdin: FromStdin = False,
    data_dir: DataDir = None,
) -> None:
    """Create an admin user who can sign in to the web UI."""
    from fortnox_bridge.cli.work import users as users_work

    users_work.create_user(email, name, language, password_stdin, data_dir)


@users_app.command("list")
def list_users(data_dir: DataDir = None) -> None:
    """List the admin users."""
    from fortnox_bridge.cli.work import users as users_work

    users_work.list_users(data_dir)


@users_app.command("password")
def change_password(
    email: Email, password_stdin: FromStdin = False, data_dir: DataDir = None
) -> None:
    """Set a new password (the user's open sessions end)."""
    from fortnox_bridge.cli.work import users as users_work

    users_work.change_password(email, password_stdin, data_dir)


@users_app.command("disable")
def disable_user(
    email: Email,
    enable: Annotated[bool, typer.Option("--enable", help="Enable the user again.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Disable a user (their sessions end at once), or enable them again."""
    from fortnox_bridge.cli.work import users as users_work

    users_work.disable_user(email, enable, data_dir)
