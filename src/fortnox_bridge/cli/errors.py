"""Exit codes and the error every command may raise; light (standard library only), so that the
declaration modules may import it too.

Exit codes scripts can rely on, for every command:

- ``0`` (:data:`EXIT_OK`): done;
- ``1`` (:data:`EXIT_ITEMS_FAILED`): the command ran, but some records failed (``sync``), a check
  found errors (``sie validate``) or something needs attention (``status``);
- ``2`` (:data:`EXIT_FATAL`): the command could not run — a bad option or setting, no bridge data
  where it looks, an unknown tenant, an unreachable sandbox, a port in use, an unusable file.

A command's work raises :class:`CommandError` (or lets an engine, Fortnox or sandbox error
through); :func:`fortnox_bridge.cli.work.runtime.reported` turns them into one ``error:`` line and
exit code 2. Option checks in the declarations call :func:`fail`.
"""

from __future__ import annotations

import typer

EXIT_OK, EXIT_ITEMS_FAILED, EXIT_FATAL = 0, 1, 2


class CommandError(Exception):
    """The command cannot go on; the message says why and what to do."""


def fail(message: str, hint: str = "", *, code: int = EXIT_FATAL) -> typer.Exit:
    """Print ``error: message`` (and ``fix: hint``) on standard error; the exit to raise."""
    typer.echo(f"error: {message}", err=True)
    if hint:
        typer.echo(f"fix: {hint}", err=True)
    return typer.Exit(code)
