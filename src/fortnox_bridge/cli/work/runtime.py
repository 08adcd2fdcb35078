"""What a service command does before its work: read the settings, find the bridge's data (or
refuse with a clear error), set up logging; and run the async work with one-line errors.

Commands import this inside their bodies (it loads pydantic and the settings).

Where the data is: ``--data-dir``, else ``FORTNOX_BRIDGE_DATA_DIR`` (or the TOML file's
``data_dir``), else ``./var`` when it exists. Commands that work on an existing store never
create one: without a store there they stop and say how to point at the data. Only the commands
that start a bridge (``serve``, ``demo``, ``tenants add``, ``users create``, ``admin-keys
create``) create the directory and the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, Literal

import typer
from pydantic import ValidationError
from rich.console import Console

from fortnox_bridge.cli.errors import EXIT_FATAL, CommandError
from fortnox_bridge.cli.work.logs import configure
from fortnox_bridge.config import Settings
from fortnox_bridge.engine.errors import EngineError
from fortnox_bridge.engine.tenancy.crypto import KEY_FILE
from fortnox_bridge.fortnox.errors import FortnoxError
from fortnox_bridge.runtime.errors import SetupError
from fortnox_bridge.sandbox.control_client import SandboxControlError

#: The SQLite store's file name in the data directory (when no database URL is set).
STORE_FILE = "fortnox-bridge.sqlite"

#: What a command needs: ``new`` may create the data directory and the store; ``store`` needs an
#: existing store; ``stack`` an existing store and the data directory's key file (it reads and
#: writes Fortnox tokens).
Need = Literal["new", "store", "stack"]


def settings(
    *, need: Need = "stack", default_log_level: str | None = None, **overrides: Any
) -> Settings:
    """Settings with command-line overrides (``None`` = not given); exits with code 2 when a
    setting is bad or the data the command needs is not where it looks.

    ``default_log_level`` replaces the settings' default level when neither the command line
    nor the environment or the TOML file sets one (``serve`` logs at INFO).
    """
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        loaded = Settings(**given)
        if default_log_level is not None and "log_level" not in loaded.model_fields_set:
            loaded = Settings(**given, log_level=default_log_level)
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"])
            typer.echo(f"error: setting {where}: {error['msg']}", err=True)
        raise typer.Exit(EXIT_FATAL) from None
    except FileNotFoundError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_FATAL) from None
    problem = missing_data(loaded, need)
    if problem is not None:
        typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(EXIT_FATAL)
    configure(loaded.log_level, loaded.log_format)
    return loaded


def missing_data(config: Settings, need: Need) -> str | None:
    """Why the data a command needs is not there, or ``None`` when it is."""
    if need == "new":
        return None
    data_dir = config.data_dir
    given = "data_dir" in config.model_fields_set
    how = (
        "Point at the directory where `fortnox-bridge serve` (or `demo`) keeps its data with "
        "--data-dir DIR or FORTNOX_BRIDGE_DATA_DIR=DIR"
    )
    if config.database_url is None:
        store = data_dir / STORE_FILE
        if store.exists():
            return None
        where = (
            f"{data_dir}"
            if given
            else f"{data_dir} (the default: no --data-dir and no FORTNOX_BRIDGE_DATA_DIR given)"
        )
        state = "does not exist" if not data_dir.exists() else f"has no {STORE_FILE}"
        return (
            f"no bridge data in {where}: the directory {state}. {how}, or at a database with "
            "FORTNOX_BRIDGE_DATABASE_URL. A new bridge starts with `fortnox-bridge tenants add "
            "NAME` (or `serve`, `demo`), which create the store."
        )
    if need == "stack" and config.secret_key is None and not data_dir.exists():
        return (
            f"no data directory {data_dir}: the store is in FORTNOX_BRIDGE_DATABASE_URL, but the "
            f"key that encrypts the Fortnox tokens is kept in the data directory ({KEY_FILE}). "
            f"{how}, or give the key in FORTNOX_BRIDGE_SECRET_KEY."
        )
    return None


@contextlib.contextmanager
def reported(console: Console) -> Iterator[None]:
    """The one place where a command's expected failures become one ``error:`` line and exit
    code 2: :class:`~fortnox_bridge.cli.errors.CommandError`,
    :class:`~fortnox_bridge.runtime.errors.SetupError`, the engine's, Fortnox's and the sandbox's
    errors, and an unknown tenant (``KeyError`` from the store's tenant lookup)."""
    try:
        yield
    except KeyError as exc:
        raise refuse(
            console, f"no tenant {exc}; list them with 'fortnox-bridge tenants list'"
        ) from None
    except (EngineError, CommandError, SetupError, SandboxControlError, FortnoxError) as exc:
        raise refuse(console, str(exc)) from None


def refuse(console: Console, message: str) -> typer.Exit:
    """Print ``error: message`` (in red) for a command that could not run; the exit (code 2) to
    raise. The file commands, which print on standard error, use
    :func:`fortnox_bridge.cli.errors.fail`."""
    console.print(f"[red]error:[/] {message}")
    return typer.Exit(EXIT_FATAL)


def run(console: Console, work: Callable[[], Coroutine[Any, Any, int]]) -> None:
    """Run an async command and exit with its code; expected failures are :func:`reported`."""
    with reported(console):
        code: int = asyncio.run(work())
    raise typer.Exit(code)


def check_port_free(host: str, port: int) -> None:
    """Raise :class:`CommandError` with a clear message if ``host:port`` is taken."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise CommandError(
                f"cannot listen on {host}:{port} ({exc.strerror}); stop what uses it "
                "or choose another port with --port"
            ) from None
