"""``fortnox-bridge demo``: the bridge on embedded defaults with demo data. The work is in
:mod:`.work.demo`, imported when the command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def demo(
    once: Annotated[bool, typer.Option("--once", help="Run one cycle and exit.")] = False,
    data_dir: Annotated[
        Path | None,
        typer.Option(help="Where the SQLite file and demo.json live [./var].", show_default=False),
    ] = None,
    sandbox_url: Annotated[
        str | None,
        typer.Option(
            help="Use a standalone sandbox (e.g. http://127.0.0.1:8100).", show_default=False
        ),
    ] = None,
    host: Annotated[
        str | None, typer.Option(help="API address [127.0.0.1].", show_default=False)
    ] = None,
    port: Annotated[int | None, typer.Option(help="API port [8000].", show_default=False)] = None,
    employees: Annotated[int, typer.Option(min=1, max=10_000, help="Demo employees.")] = 25,
) -> None:
    """Run the bridge on embedded defaults with demo data (SQLite + in-process sandbox).

    One cycle, then (without --once) the API, the scheduler and the workers, as `serve` runs them.
    """
    from fortnox_bridge.cli.work.demo import demo_command

    demo_command(once, data_dir, sandbox_url, host, port, employees)
