"""The work of ``fortnox-bridge sie ...`` (declared in :mod:`fortnox_bridge.cli.sie`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from fortnox_bridge.cli.errors import fail
from fortnox_bridge.cli.work.files import (
    EXIT_INVALID,
    one_output,
    opened,
    print_findings,
    print_json,
)

if TYPE_CHECKING:
    from fortnox_bridge.formats.findings import Finding


def info(file: Path, encoding: str | None) -> None:
    """Print one JSON object about a SIE file (lenient, streaming: any size)."""
    from collections import defaultdict
    from decimal import Decimal

    from fortnox_bridge.formats.sie import SieReader, Voucher
    from fortnox_bridge.formats.sie.records import Account, CompanyName, OrgNumber, Program, SieType

    with opened(file) as stream:
        reader = SieReader(stream, encoding=encoding)
        info: dict[str, Any] = {"sie_type": 1, "company": "", "org_number": "", "program": None}
        accounts = vouchers = transactions = added = removed = 0
        totals: defaultdict[str, Decimal] = defaultdict(Decimal)
        for record in reader:
            if isinstance(record, Voucher):
                vouchers += 1
                for row in record.rows:
                    if row.kind == "TRANS":
                        transactions += 1
                        totals[row.account] += row.amount
                    elif row.kind == "RTRANS":
                        added += 1
                    else:
                        removed += 1
            elif isinstance(record, Account):
                accounts += 1
            elif isinstance(record, SieType):
                info["sie_type"] = record.value
            elif isinstance(record, CompanyName):
                info["company"] = record.value
            elif isinstance(record, OrgNumber):
                info["org_number"] = record.number
            elif isinstance(record, Program):
                info["program"] = f"{record.name} {record.version}".strip()
    info.update(
        encoding=reader.encoding or "cp437",
        checksum=reader.checksum.status.value,
        accounts=accounts,
        vouchers=vouchers,
        transactions=transactions,
        added_rows=added,
        removed_rows=removed,
        account_totals={account: format(totals[account], "f") for account in sorted(totals)},
        warnings=[finding.to_json() for finding in reader.findings],
    )
    print_json(info)


def validate(file: Path, strict: bool, as_json: bool, encoding: str | None) -> None:
    """Check a SIE file: syntax, balances, checksum, required labels. Exit 1 on errors."""
    from fortnox_bridge.formats.errors import InputError
    from fortnox_bridge.formats.sie.validation import validate

    with opened(file) as stream:
        try:
            report = validate(stream, strict=strict, encoding=encoding)
        except InputError as exc:
            if exc.finding.code == "SIE-UNUSABLE":
                raise
            _emit_strict_failure(exc.finding, as_json)
            raise typer.Exit(EXIT_INVALID) from None
    if as_json:
        print_json(
            {
                "ok": report.ok,
                "variant": report.variant,
                "encoding": report.encoding,
                "checksum": report.checksum.status.value,
                "vouchers": report.vouchers,
                "transactions": report.transactions,
                "findings": [finding.to_json() for finding in report.findings],
            }
        )
    else:
        print_findings(report.findings)
        verdict = "valid" if report.ok else "INVALID"
        typer.echo(
            f"{file}: {verdict} — type {report.variant}, {report.encoding}, "
            f"#KSUMMA {report.checksum.status.value}, {len(report.errors)} errors, "
            f"{len(report.warnings)} warnings"
        )
    raise typer.Exit(0 if report.ok else EXIT_INVALID)


def _emit_strict_failure(finding: Finding, as_json: bool) -> None:
    if as_json:
        print_json({"ok": False, "findings": [finding.to_json()]})
    else:
        typer.echo(finding.describe())
        typer.echo("INVALID (strict mode stops at the first violation)")


def convert(
    file: Path, to: str, output: Path | None, old_output: Path | None, encoding: str | None
) -> None:
    """Convert a SIE file to JSON (the whole document) or CSV (one line per voucher row)."""
    from fortnox_bridge.formats.sie import SieReader
    from fortnox_bridge.formats.sie.convert import write_csv, write_json

    output = one_output(output, old_output)
    if to not in ("json", "csv"):
        raise fail(f"--to {to!r} is not a format I write", "use --to json or --to csv")
    with opened(file) as stream:
        reader = SieReader(stream, encoding=encoding)
        out = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
        try:
            (write_json if to == "json" else write_csv)(reader, out)
        finally:
            if output:
                out.close()
    for finding in reader.findings:
        typer.echo(f"warning: {finding.describe()}", err=True)


def write(file: Path, output: Path | None, old_output: Path | None, checksum: bool) -> None:
    """Write a SIE file (CP437) from a JSON document."""
    from fortnox_bridge.formats.errors import SieWriteError
    from fortnox_bridge.formats.sie import write_document
    from fortnox_bridge.formats.sie.serialize import document_from_json

    output = one_output(output, old_output)
    if output is None:
        raise fail("no output file", "give the SIE file to write with --output FILE (-o FILE)")
    with opened(file) as stream:
        try:
            data = json.load(stream)
        except json.JSONDecodeError as exc:
            raise fail(
                f"{file}: line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})",
                "give the JSON that `fortnox-bridge sie convert --to json` writes",
            ) from None
        except UnicodeDecodeError:
            raise fail(f"{file}: not UTF-8 text", "save the JSON as UTF-8") from None
    try:
        document = document_from_json(data)
    except ValueError as exc:
        raise fail(f"{file}: {exc}", "fix that value of the JSON document") from None
    try:
        with output.open("wb") as out:
            writer = write_document(document, out, checksum=checksum)
    except SieWriteError as exc:
        raise fail(f"{file}: {exc}") from None
    for item in writer.substitutions:
        typer.echo(
            f"warning: line {item.line} ({item.label}): {item.original!r} is not in CP437, "
            f"wrote {item.replacement!r}",
            err=True,
        )
    typer.echo(f"wrote {output}: {len(document.vouchers)} vouchers")
