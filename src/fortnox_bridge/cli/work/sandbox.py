"""The work of ``fortnox-bridge sandbox`` (declared in :mod:`fortnox_bridge.cli.sandbox`): the
Fortnox sandbox served on its own, with its control API, an optional seed, a state file and
Fortnox's rate limit."""

from __future__ import annotations

import logging
from pathlib import Path

import typer

from fortnox_bridge.cli.errors import fail
from fortnox_bridge.sandbox import SandboxState, create_app
from fortnox_bridge.sandbox.middleware import ConnectionDropped
from fortnox_bridge.sandbox.seed import SEEDS, apply_seed
from fortnox_bridge.sandbox.server import serve


def sandbox_command(
    host: str,
    port: int,
    seed: str | None,
    data: Path | None,
    rate_limit: str,
    fault_seed: int | None,
) -> None:
    """Run the sandbox until Ctrl-C; exit 2 on a bad option or an unusable state file."""
    limit = _rate_limit(rate_limit)
    if seed is not None and seed not in SEEDS:
        raise fail(f"--seed must be one of {', '.join(SEEDS)}")
    try:
        state = SandboxState(data_path=data, fault_seed=fault_seed)
    except (ValueError, OSError) as exc:
        raise fail(f"cannot use {data}: {exc}") from None
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
        raise fail(f"--rate-limit {raw!r}: write REQUESTS/SECONDS (Fortnox: 25/5) or 'off'")
    return parsed


def _quiet_dropped_connections(record: logging.LogRecord) -> bool:
    """Hide uvicorn's traceback for connections the sandbox drops on purpose (faults)."""
    return not (record.exc_info and isinstance(record.exc_info[1], ConnectionDropped))
