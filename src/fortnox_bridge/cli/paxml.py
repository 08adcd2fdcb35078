"""``fortnox-bridge paxml ...``: PAXml 2.0 file tools over ``formats/paxml``, and a tenant's time
as PAXml.

Exit codes: 0 the file is fine (or the command did its job); 1 ``validate`` found errors
(``import``: some rows were rejected, the others stored); 2 the input is unusable (missing file,
not PAXml at all, invalid against the XSD, unknown tenant). ``export`` and ``import`` work on a
tenant's data in the store (``--data-dir``, or ``FORTNOX_BRIDGE_DATABASE_URL``), the same files as
``GET`` and ``POST /api/v1/paxml``. The work is in :mod:`.work.paxml`, imported when a command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fortnox_bridge.cli.options import DataDir, FileArgument, OldOutput, Output, Tenant, new_app

paxml_app = new_app("PAXml 2.0 files: info, validate; a tenant's time: export, import.")

XsdOption = Annotated[
    Path | None,
    typer.Option("--xsd", help="Also validate against this XSD (the official PAXml 2.0 schema)."),
]


@paxml_app.command("validate")
def paxml_validate(
    file: FileArgument,
    xsd: XsdOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Check a PAXml file: document rules, and the XSD when given. Exit 1 on errors."""
    from fortnox_bridge.cli.work import paxml as paxml_work

    paxml_work.validate(file, xsd, as_json)


@paxml_app.command("info")
def paxml_info(file: FileArgument) -> None:
    """Print one JSON object about a PAXml file."""
    from fortnox_bridge.cli.work import paxml as paxml_work

    paxml_work.info(file)


@paxml_app.command("export")
def paxml_export(
    tenant: Tenant,
    start: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option("--to", help="Last day, included (YYYY-MM-DD).")],
    output: Output = None,
    old_output: OldOutput = None,
    data_dir: DataDir = None,
) -> None:
    """Write a tenant's time entries of an interval and its staff as a PAXml 2.0 file.

    The summary (transactions, staff, entries left out and why) goes to stderr.
    """
    from fortnox_bridge.cli.work import paxml as paxml_work

    paxml_work.export(tenant, start, end, output, old_output, data_dir)


@paxml_app.command("import")
def paxml_import(
    file: FileArgument,
    tenant: Tenant,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only report what would be imported.")
    ] = False,
    xsd: XsdOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Import the time transactions (tidtrans) of a PAXml file as a tenant's time entries.

    Exit 0: every row imported; 1: some rows rejected (the others are stored); 2: the file is
    unreadable, not PAXml, or (with --xsd) not valid against the XSD.
    """
    from fortnox_bridge.cli.work import paxml as paxml_work

    paxml_work.import_file(file, tenant, dry_run, xsd, as_json, data_dir)
