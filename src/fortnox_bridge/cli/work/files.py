"""What the file commands (``sie``, ``paxml``) share: opening the input, ``--output``, JSON and
findings on standard output. Unusable input ends the command with exit code 2 and says how to fix
it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import typer

from fortnox_bridge.cli.errors import fail

if TYPE_CHECKING:
    from fortnox_bridge.formats.findings import Finding

EXIT_INVALID = 1


@contextmanager
def opened(path: Path) -> Iterator[IO[bytes]]:
    """Open ``path`` for reading; unusable input becomes exit code 2 with a message."""
    from fortnox_bridge.formats.errors import InputError

    try:
        stream = path.open("rb")
    except FileNotFoundError:
        raise fail(f"{path}: no such file", "give the path of an existing file") from None
    except IsADirectoryError:
        raise fail(f"{path}: is a directory", "give the path of a file") from None
    except PermissionError:
        raise fail(f"{path}: permission denied", "make the file readable") from None
    with stream:
        try:
            yield stream
        except InputError as exc:
            raise fail(f"{path}: {exc.finding.describe()}") from None


def one_output(output: Path | None, out: Path | None) -> Path | None:
    """``--output`` (``-o``), or the older spelling ``--out`` that scripts may still use."""
    if output is not None and out is not None and output != out:
        raise fail(f"--output {output} and --out {out} disagree", "give --output FILE once")
    return output or out


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def print_findings(findings: list[Finding]) -> None:
    for finding in findings:
        typer.echo(finding.describe())
