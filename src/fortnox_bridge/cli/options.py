"""What a command module may import at its top, besides the standard library and typer.

``fortnox-bridge --help`` imports every command module to list the commands, so a command module
declares its commands (names, options, help) and nothing more: each command imports its work —
the store, the engine, the sandbox, pydantic, rich — inside its body. This module holds the option
types the commands share and the factory of their typer apps; it must stay as light as they are
(a test imports ``--help`` and fails on any heavy module).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

DataDir = Annotated[
    Path | None,
    typer.Option(
        help="The bridge's data directory (SQLite store, key file). Default: "
        "$FORTNOX_BRIDGE_DATA_DIR, else ./var if it exists.",
        show_default=False,
    ),
]
SandboxUrl = Annotated[
    str | None,
    typer.Option(help="Use a standalone sandbox (e.g. http://127.0.0.1:8100).", show_default=False),
]
#: ``--sandbox-url`` on commands that only touch the store: accepted (scripts pass it to every
#: command), not used, so not shown.
IgnoredSandboxUrl = Annotated[str | None, typer.Option("--sandbox-url", hidden=True)]
TenantOpt = Annotated[
    str | None, typer.Option("--tenant", help="Tenant name or id [all].", show_default=False)
]
Tenant = Annotated[str, typer.Option("--tenant", help="Tenant name or id.", show_default=False)]
Output = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write here instead of stdout.", show_default=False),
]
FileArgument = Annotated[Path, typer.Argument(help="The file to read.", show_default=False)]
#: ``--out``: the spelling ``paxml export`` used before every command took ``--output``/``-o``;
#: still read, not shown.
OldOutput = Annotated[Path | None, typer.Option("--out", hidden=True)]
LogFormat = Annotated[
    str | None,
    typer.Option(
        "--log-format",
        help="Log lines on stderr: text, or json (one object per line). "
        "Default: $FORTNOX_BRIDGE_LOG_FORMAT, else text.",
        show_default=False,
    ),
]


def new_app(help: str, **options: Any) -> typer.Typer:
    """A typer app (the command, or one of its groups) with the house style.

    Help is click's plain layout: flags read ``--once`` (not ``--once <bool>``), and rendering
    it needs no rich.
    """
    options.setdefault("no_args_is_help", True)
    return typer.Typer(help=help, rich_markup_mode=None, add_completion=False, **options)
