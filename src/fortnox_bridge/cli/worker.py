"""``fortnox-bridge worker``: a process of the distributed mode's job workers. The work is in
:mod:`.work.worker`, imported when the command runs.
"""

from __future__ import annotations

from typing import Annotated

import typer

from fortnox_bridge.cli.options import DataDir, SandboxUrl


def worker(
    concurrency: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=256,
            help="Jobs this worker runs at once (default: the workers setting, 4).",
            show_default=False,
        ),
    ] = None,
    data_dir: DataDir = None,
    sandbox_url: SandboxUrl = None,
) -> None:
    """Run sweeps and pushes from the distributed mode's job queue until Ctrl-C."""
    from fortnox_bridge.cli.work.worker import worker_command

    worker_command(concurrency, data_dir, sandbox_url)
