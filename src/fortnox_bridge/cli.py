"""The ``fortnox-bridge`` command.

Exit codes: 0 success; 1 the run finished but some records failed; 2 the command could not run
(bad option, unreachable sandbox, port in use...).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console

from fortnox_bridge import __version__
from fortnox_bridge.cli_formats import paxml_app, sie_app
from fortnox_bridge.cli_service import register as register_service_commands
from fortnox_bridge.cli_service.keys import register as register_key_commands
from fortnox_bridge.cli_service.serve import serve_until_stopped
from fortnox_bridge.cli_service.users import register as register_user_commands
from fortnox_bridge.config import Settings
from fortnox_bridge.demo import EXIT_FATAL, EXIT_OK, Demo, DemoError
from fortnox_bridge.sandbox import SandboxState, create_app
from fortnox_bridge.sandbox.control_client import SandboxControlError
from fortnox_bridge.sandbox.middleware import ConnectionDropped
from fortnox_bridge.sandbox.seed import SEEDS, apply_seed
from fortnox_bridge.sandbox.server import serve

app = typer.Typer(
    help="fortnox-bridge: keeps business applications in sync with Fortnox.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(sie_app, name="sie")
app.add_typer(paxml_app, name="paxml")
register_service_commands(app)
register_key_commands(app)
register_user_commands(app)


def _settings(**overrides: Any) -> Settings:
    try:
        return Settings(**{key: value for key, value in overrides.items() if value is not None})
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"])
            typer.echo(f"error: setting {where}: {error['msg']}", err=True)
        raise typer.Exit(EXIT_FATAL) from None
    except FileNotFoundError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_FATAL) from None


@app.command()
def demo(
    once: Annotated[bool, typer.Option("--once", help="Run one cycle and exit.")] = False,
    data_dir: Annotated[
        Path | None, typer.Option(help="Where the SQLite file and demo.json live [./var].")
    ] = None,
    sandbox_url: Annotated[
        str | None, typer.Option(help="Use a standalone sandbox (e.g. http://127.0.0.1:8100).")
    ] = None,
    host: Annotated[str | None, typer.Option(help="API address [127.0.0.1].")] = None,
    port: Annotated[int | None, typer.Option(help="API port [8000].")] = None,
    employees: Annotated[int, typer.Option(min=1, max=10_000, help="Demo employees.")] = 25,
) -> None:
    """Run the bridge on embedded defaults with demo data (SQLite + in-process sandbox).

    One cycle, then (without --once) the API, the scheduler and the workers, as `serve` runs them.
    """
    settings = _settings(data_dir=data_dir, sandbox_url=sandbox_url, host=host, port=port)
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
    console = Console()
    try:
        code = asyncio.run(Demo(settings, console, employees=employees).run(serving=not once))
        if not once and code == EXIT_OK:
            code = asyncio.run(serve_until_stopped(settings, console))
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
        str | None, typer.Option(help=f"Create one company at start with this seed {SEEDS}.")
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option(help="SQLite file that keeps the sandbox across restarts (written through)."),
    ] = None,
    rate_limit: Annotated[
        str,
        typer.Option(help="Sliding-window limit REQUESTS/SECONDS per app and company, or 'off'."),
    ] = "off",
    fault_seed: Annotated[
        int | None, typer.Option(help="Seed for probabilistic faults (reproducible runs).")
    ] = None,
) -> None:
    """Run the Fortnox sandbox standalone (API on /3, OAuth on /oauth-v1, control on /_sandbox)."""
    limit = _rate_limit(rate_limit)
    if seed is not None and seed not in SEEDS:
        typer.echo(f"error: --seed must be one of {', '.join(SEEDS)}", err=True)
        raise typer.Exit(EXIT_FATAL)
    try:
        state = SandboxState(data_path=data, fault_seed=fault_seed)
    except (ValueError, OSError) as exc:
        typer.echo(f"error: cannot use {data}: {exc}", err=True)
        raise typer.Exit(EXIT_FATAL) from None
    if limit is not None:
        state.limiter.configure(enabled=True, requests=limit[0], seconds=limit[1])
    if seed is not None:
        _seed_once(state, seed)
    logging.getLogger("uvicorn.error").addFilter(_quiet_dropped_connections)
    typer.echo(f"Fortnox sandbox on http://{host}:{port} (control API: /_sandbox). Ctrl-C stops.")
    try:
        serve(create_app(state, standalone=True), host, port)
    finally:
        state.close()


def _seed_once(state: SandboxState, seed: str) -> None:
    """A seeded company in a new sandbox; a state file with companies is left as it is."""
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
        typer.echo("error: --rate-limit must be REQUESTS/SECONDS (e.g. 25/5) or 'off'", err=True)
        raise typer.Exit(EXIT_FATAL)
    return parsed


def _quiet_dropped_connections(record: logging.LogRecord) -> bool:
    """Hide uvicorn's traceback for connections the sandbox drops on purpose (faults)."""
    return not (record.exc_info and isinstance(record.exc_info[1], ConnectionDropped))


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


def main() -> None:
    """Entry point of the ``fortnox-bridge`` console script."""
    with contextlib.suppress(KeyboardInterrupt):
        app()
