"""The ``fortnox-bridge`` command.

Exit codes: 0 success; 1 the run finished but some records failed; 2 the command could not run
(bad option, unreachable sandbox, port in use...).

Starting is cheap: this module and the command modules it registers import only the standard
library and typer; each command imports what it needs when it runs (see
``cli_common/options.py``).
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from fortnox_bridge import __version__
from fortnox_bridge.cli_common.options import new_app
from fortnox_bridge.cli_formats import paxml_app, sie_app
from fortnox_bridge.cli_service import register as register_service_commands

if TYPE_CHECKING:
    import logging

    from fortnox_bridge.sandbox import SandboxState

app = new_app("fortnox-bridge: keeps business applications in sync with Fortnox.")
app.add_typer(sie_app, name="sie")
app.add_typer(paxml_app, name="paxml")
register_service_commands(app)

#: The seeds ``sandbox --seed`` takes (a test keeps them equal to the sandbox's).
SANDBOX_SEEDS = ("empty", "demo")
#: Fortnox's limit, which the standalone sandbox enforces unless told otherwise.
FORTNOX_RATE_LIMIT = "25/5"


@app.command()
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
    import asyncio

    from rich.console import Console

    from fortnox_bridge.cli_common.runtime import settings
    from fortnox_bridge.cli_service.serve import serve_until_stopped
    from fortnox_bridge.demo import EXIT_FATAL, EXIT_OK, Demo, DemoError
    from fortnox_bridge.sandbox.control_client import SandboxControlError

    config = settings(need="new", data_dir=data_dir, sandbox_url=sandbox_url, host=host, port=port)
    console = Console()
    try:
        code = asyncio.run(Demo(config, console, employees=employees).run(serving=not once))
        if not once and code == EXIT_OK:
            code = asyncio.run(serve_until_stopped(config, console))
    except (DemoError, SandboxControlError) as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(EXIT_FATAL) from None
    except KeyboardInterrupt:
        code = 0
    raise typer.Exit(code)


@app.command()
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
    import logging

    from fortnox_bridge.demo import EXIT_FATAL
    from fortnox_bridge.sandbox import SandboxState, create_app
    from fortnox_bridge.sandbox.seed import SEEDS
    from fortnox_bridge.sandbox.server import serve

    limit = _rate_limit(rate_limit)
    if seed is not None and seed not in SEEDS:
        typer.echo(f"error: --seed must be one of {', '.join(SEEDS)}", err=True)
        raise typer.Exit(EXIT_FATAL)
    try:
        state = SandboxState(data_path=data, fault_seed=fault_seed)
    except (ValueError, OSError) as exc:
        typer.echo(f"error: cannot use {data}: {exc}", err=True)
        raise typer.Exit(EXIT_FATAL) from None
    if limit is None:
        state.limiter.configure(enabled=False)
    else:
        state.limiter.configure(enabled=True, requests=limit[0], seconds=limit[1])
    if seed is not None:
        _seed_once(state, seed)
    logging.getLogger("uvicorn.error").addFilter(_quiet_dropped_connections)
    limited = f"{limit[0]} requests per {limit[1]:g} s" if limit else "off"
    typer.echo(
        f"Fortnox sandbox on http://{host}:{port} (control API: /_sandbox; rate limit: "
        f"{limited}). Ctrl-C stops."
    )
    try:
        serve(create_app(state, standalone=True), host, port)
    finally:
        state.close()


def _seed_once(state: SandboxState, seed: str) -> None:
    """A seeded company in a new sandbox; a state file with companies is left as it is."""
    from fortnox_bridge.sandbox.seed import apply_seed

    if state.companies:
        typer.echo(f"Kept {len(state.companies)} companies from the data file; --seed not applied")
        return
    company = state.add_company(f"Sandbox company ({seed})")
    apply_seed(company, seed, today=state.clock.now().date())
    state.flush()
    typer.echo(f"Created company tenant_id={company.tenant_id} with seed {seed!r}")


def _rate_limit(raw: str) -> tuple[int, float] | None:
    if raw.strip().lower() == "off":
        return None
    requests, _, seconds = raw.partition("/")
    try:
        parsed = int(requests), float(seconds)
    except ValueError:
        parsed = (0, 0.0)
    if parsed[0] < 1 or parsed[1] <= 0:
        typer.echo(
            f"error: --rate-limit {raw!r}: write REQUESTS/SECONDS (Fortnox: 25/5) or 'off'",
            err=True,
        )
        raise typer.Exit(2)
    return parsed


def _quiet_dropped_connections(record: logging.LogRecord) -> bool:
    """Hide uvicorn's traceback for connections the sandbox drops on purpose (faults)."""
    from fortnox_bridge.sandbox.middleware import ConnectionDropped

    return not (record.exc_info and isinstance(record.exc_info[1], ConnectionDropped))


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


def main() -> None:
    """Entry point of the ``fortnox-bridge`` console script."""
    with contextlib.suppress(KeyboardInterrupt):
        app()
