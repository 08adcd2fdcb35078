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
import uvicorn
from pydantic import ValidationError
from rich.console import Console

from fortnox_bridge import __version__
from fortnox_bridge.cli_formats import paxml_app, sie_app
from fortnox_bridge.cli_service import register as register_service_commands
from fortnox_bridge.config import Settings
from fortnox_bridge.demo import EXIT_FATAL, Demo, DemoError
from fortnox_bridge.sandbox import SandboxState, create_app
from fortnox_bridge.sandbox.control_client import SandboxControlError
from fortnox_bridge.sandbox.seed import SEEDS, apply_seed

app = typer.Typer(
    help="fortnox-bridge: keeps business applications in sync with Fortnox.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(sie_app, name="sie")
app.add_typer(paxml_app, name="paxml")
register_service_commands(app)


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
    interval: Annotated[
        float, typer.Option(min=1, help="Seconds between sweeps while serving.")
    ] = 30,
) -> None:
    """Run the bridge on embedded defaults with demo data (SQLite + in-process sandbox)."""
    settings = _settings(data_dir=data_dir, sandbox_url=sandbox_url, host=host, port=port)
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
    console = Console()
    try:
        code = asyncio.run(
            Demo(settings, console, employees=employees).run(once=once, interval=interval)
        )
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
        Path | None, typer.Option(help="JSON file that keeps the companies across restarts.")
    ] = None,
) -> None:
    """Run the Fortnox sandbox standalone (API on /3, control API on /_sandbox)."""
    state = SandboxState()
    if data is not None and data.exists():
        try:
            state.load(data)
        except (ValueError, KeyError) as exc:
            typer.echo(f"error: cannot read {data}: {exc}", err=True)
            raise typer.Exit(EXIT_FATAL) from None
    if seed is not None:
        if seed not in SEEDS:
            typer.echo(f"error: --seed must be one of {', '.join(SEEDS)}", err=True)
            raise typer.Exit(EXIT_FATAL)
        company = state.add_company(f"Sandbox company ({seed})")
        apply_seed(company, seed)
        typer.echo(f"Created company tenant_id={company.tenant_id} with seed {seed!r}")
    typer.echo(f"Fortnox sandbox on http://{host}:{port} (control API: /_sandbox). Ctrl-C stops.")
    try:
        uvicorn.run(create_app(state), host=host, port=port, log_level="warning")
    finally:
        if data is not None:
            data.parent.mkdir(parents=True, exist_ok=True)
            state.save(data)


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


def main() -> None:
    """Entry point of the ``fortnox-bridge`` console script."""
    with contextlib.suppress(KeyboardInterrupt):
        app()
