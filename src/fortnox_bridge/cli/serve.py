"""``fortnox-bridge serve``: the API, the admin UI, the scheduler and the sync workers in one
process. The work is in :mod:`.work.serve`, imported when the command runs.
"""

from __future__ import annotations

from typing import Annotated

import typer

from fortnox_bridge.cli.options import DataDir, LogFormat, SandboxUrl


def serve(
    host: Annotated[
        str | None, typer.Option(help="API address [127.0.0.1].", show_default=False)
    ] = None,
    port: Annotated[int | None, typer.Option(help="API port [8000].", show_default=False)] = None,
    data_dir: DataDir = None,
    sandbox_url: SandboxUrl = None,
    no_worker: Annotated[
        bool,
        typer.Option(
            "--no-worker",
            help="Distributed mode: serve only the API and the admin UI; `fortnox-bridge "
            "worker` processes run the jobs.",
        ),
    ] = False,
    sandbox_control: Annotated[
        bool,
        typer.Option(
            "--sandbox-control",
            help="Also open the in-process sandbox's control API at /sandbox/_sandbox, without "
            "authentication (anyone reaching the port can issue tokens and wipe the sandbox); "
            "only with --host on loopback, for local testing.",
        ),
    ] = False,
    log_format: LogFormat = None,
    log_level: Annotated[
        str | None,
        typer.Option(
            help="DEBUG, INFO, WARNING or ERROR. Default: $FORTNOX_BRIDGE_LOG_LEVEL, else INFO "
            "(a line per request and per run).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Serve the API with the scheduler and the sync workers until Ctrl-C."""
    from fortnox_bridge.cli.work.serve import serve_command

    serve_command(
        host,
        port,
        data_dir,
        sandbox_url,
        no_worker=no_worker,
        sandbox_control=sandbox_control,
        log_format=log_format,
        log_level=log_level,
    )
