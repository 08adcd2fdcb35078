"""``fortnox-bridge sandbox``: the Fortnox sandbox as a server of its own. The work is in
:mod:`.work.sandbox`, imported when the command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

#: The seeds ``sandbox --seed`` takes (a test keeps them equal to the sandbox's).
SANDBOX_SEEDS = ("empty", "demo")
#: Fortnox's limit, which the standalone sandbox enforces unless told otherwise.
FORTNOX_RATE_LIMIT = "25/5"


def sandbox(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8100,
    seed: Annotated[
        str | None,
        typer.Option(
            help=f"Create one company at start with this seed: {' or '.join(SANDBOX_SEEDS)}.",
            show_default=False,
        ),
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option(
            help="SQLite file that keeps the sandbox across restarts (written through).",
            show_default=False,
        ),
    ] = None,
    rate_limit: Annotated[
        str,
        typer.Option(
            help="Sliding-window limit REQUESTS/SECONDS per app and company, as Fortnox "
            "enforces it; 'off' for none."
        ),
    ] = FORTNOX_RATE_LIMIT,
    fault_seed: Annotated[
        int | None,
        typer.Option(help="Seed for probabilistic faults (reproducible runs).", show_default=False),
    ] = None,
) -> None:
    """Run the Fortnox sandbox standalone (API on /3, OAuth on /oauth-v1, control on /_sandbox)."""
    from fortnox_bridge.cli.work.sandbox import sandbox_command

    sandbox_command(host, port, seed, data, rate_limit, fault_seed)
