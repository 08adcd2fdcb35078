"""``fortnox-bridge sie ...``: SIE file tools over ``formats/sie``.

Exit codes: 0 the file is fine (or the command did its job); 1 ``validate`` found errors; 2 the
input is unusable (missing file, not SIE at all, broken JSON). Every error says what is wrong,
where (line, column) and how to fix it. The work is in :mod:`.work.sie`, imported when a command
runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fortnox_bridge.cli.options import FileArgument, OldOutput, Output, new_app

sie_app = new_app("SIE files (types 1-4): info, validate, convert, write.")

EncodingOption = Annotated[
    str | None,
    typer.Option(
        help="Read with this encoding (cp437, utf-8, latin-1) instead of detecting it.",
        show_default=False,
    ),
]


@sie_app.command("info")
def sie_info(file: FileArgument, encoding: EncodingOption = None) -> None:
    """Print one JSON object about a SIE file (lenient, streaming: any size)."""
    from fortnox_bridge.cli.work import sie as sie_work

    sie_work.info(file, encoding)


@sie_app.command("validate")
def sie_validate(
    file: FileArgument,
    strict: Annotated[
        bool, typer.Option("--strict", help="Stop at the first violation of the spec.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    encoding: EncodingOption = None,
) -> None:
    """Check a SIE file: syntax, balances, checksum, required labels. Exit 1 on errors."""
    from fortnox_bridge.cli.work import sie as sie_work

    sie_work.validate(file, strict, as_json, encoding)


@sie_app.command("convert")
def sie_convert(
    file: FileArgument,
    to: Annotated[str, typer.Option("--to", help="Output format: json or csv.")],
    output: Output = None,
    old_output: OldOutput = None,
    encoding: EncodingOption = None,
) -> None:
    """Convert a SIE file to JSON (the whole document) or CSV (one line per voucher row)."""
    from fortnox_bridge.cli.work import sie as sie_work

    sie_work.convert(file, to, output, old_output, encoding)


@sie_app.command("write")
def sie_write(
    file: Annotated[
        Path, typer.Argument(help="JSON document (the shape `convert --to json` writes).")
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="The SIE file to write (required).", show_default=False
        ),
    ] = None,
    old_output: OldOutput = None,
    checksum: Annotated[
        bool, typer.Option("--checksum", help="Add #KSUMMA (CRC-32 of the content).")
    ] = False,
) -> None:
    """Write a SIE file (CP437) from a JSON document."""
    from fortnox_bridge.cli.work import sie as sie_work

    sie_work.write(file, output, old_output, checksum)
