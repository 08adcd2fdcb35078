"""The work of ``fortnox-bridge paxml ...`` (declared in :mod:`fortnox_bridge.cli.paxml`)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

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
    from fortnox_bridge.services.paxml import ImportReport, PaxmlService


def validate(file: Path, xsd: Path | None, as_json: bool) -> None:
    """Check a PAXml file: document rules, and the XSD when given. Exit 1 on errors."""
    from fortnox_bridge.formats.errors import SchemaError
    from fortnox_bridge.formats.paxml import validate_paxml

    with opened(file) as stream:
        try:
            report = validate_paxml(stream, xsd=xsd)
        except SchemaError as exc:
            raise fail(str(exc), "give the path of the PAXml 2.0 XSD with --xsd") from None
    if as_json:
        print_json(
            {
                "ok": report.ok,
                "version": report.version,
                "schema_checked": report.schema_checked,
                "findings": [finding.to_json() for finding in report.findings],
            }
        )
    else:
        print_findings(report.findings)
        verdict = "valid" if report.ok else "INVALID"
        schema = "with" if report.schema_checked else "without"
        typer.echo(f"{file}: {verdict} ({schema} XSD), {len(report.errors)} errors")
    raise typer.Exit(0 if report.ok else EXIT_INVALID)


def info(file: Path) -> None:
    """Print one JSON object about a PAXml file."""
    from fortnox_bridge.formats.paxml import read_paxml

    with opened(file) as stream:
        result = read_paxml(stream)
    document = result.document
    print_json(
        {
            "version": document.header.version,
            "format": document.header.format,
            "company": document.header.company_name,
            "encoding": result.encoding,
            "persons": len(document.persons),
            "time_transactions": len(document.time_transactions),
            "salary_transactions": len(document.salary_transactions),
            "schedules": len(document.schedules),
            "schedule_days": sum(len(schedule.days) for schedule in document.schedules),
            "codes": len(document.codes),
            "other_sections": sorted(section.tag for section in document.other_sections),
            "warnings": [finding.to_json() for finding in result.findings],
        }
    )


@contextmanager
def _paxml_service(tenant: str, data_dir: Path | None) -> Iterator[tuple[PaxmlService, int]]:
    """The PAXml service on the migrated store and the id of ``tenant`` (name or id); exit 2
    if none."""
    from fortnox_bridge.cli.work.runtime import settings
    from fortnox_bridge.engine.flow.entities import discover_entities
    from fortnox_bridge.runtime.stack import open_store
    from fortnox_bridge.services.hooks import EngineHooks
    from fortnox_bridge.services.paxml import PaxmlService

    config = settings(need="store", data_dir=data_dir)
    with open_store(config) as store:
        try:
            tenant_id = store.tenant_id(tenant)
        except KeyError:
            raise fail(
                f"no tenant {tenant!r}", "list them with 'fortnox-bridge tenants list'"
            ) from None
        service = PaxmlService(
            store.sessions, store.clock, EngineHooks(), discover_entities(), store.flows
        )
        yield service, tenant_id


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(f"{option} {value!r} is not a date", f"write {option} YYYY-MM-DD") from None


def export(
    tenant: str,
    start: str,
    end: str,
    output: Path | None,
    old_output: Path | None,
    data_dir: Path | None,
) -> None:
    """Write a tenant's time entries of an interval and its staff as a PAXml 2.0 file."""
    from fortnox_bridge.services.paxml import check_interval

    out = one_output(output, old_output)
    first, last = _day(start, "--from"), _day(end, "--to")
    problem = check_interval(first, last)
    if problem is not None:
        raise fail(problem, "give --from and --to as the first and last day of the interval")
    with _paxml_service(tenant, data_dir) as (paxml, tenant_id):
        result = paxml.export(tenant_id, first, last, now=datetime.now().astimezone())
    data = result.to_bytes()
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        try:
            out.write_bytes(data)
        except OSError as exc:
            raise fail(f"{out}: cannot write ({exc.strerror})", "give a writable path") from None
    typer.echo(f"{out or 'stdout'}: {result.summary()}", err=True)
    for item in result.left_out:
        typer.echo(f"left out: {item.reference}: {item.reason}. Fix: {item.fix}", err=True)


def import_file(
    file: Path, tenant: str, dry_run: bool, xsd: Path | None, as_json: bool, data_dir: Path | None
) -> None:
    """Import the time transactions (tidtrans) of a PAXml file as a tenant's time entries."""
    from fortnox_bridge.formats.errors import SchemaError
    from fortnox_bridge.services.paxml import PaxmlFileRejected

    with opened(file) as stream:
        data = stream.read()
    with _paxml_service(tenant, data_dir) as (paxml, tenant_id):
        try:
            report = paxml.import_file(tenant_id, data, dry_run=dry_run, xsd=xsd)
        except PaxmlFileRejected as exc:
            for finding in exc.findings[:50]:
                typer.echo(finding.describe(), err=True)
            raise fail(f"{file}: {exc}", "correct the file and import it again") from None
        except SchemaError as exc:
            raise fail(str(exc), "give the path of the PAXml 2.0 XSD with --xsd") from None
    if as_json:
        print_json(report.to_json())
    else:
        _print_import(file, report)
    raise typer.Exit(EXIT_INVALID if report.rejected else 0)


def _print_import(file: Path, report: ImportReport) -> None:
    from fortnox_bridge.services.paxml import plural

    for finding in report.findings:
        typer.echo(f"warning: {finding.describe()}")
    for row in report.rows:
        if row.status == "rejected":
            typer.echo(f"{row.where()}: rejected: {row.reason}. Fix: {row.fix}")
        for note in row.notes:
            typer.echo(f"{row.where()}: note: {note}")
    counts = {status: n for status, n in report.counts().items() if n}
    done = ", ".join(f"{n} {status}" for status, n in counts.items())
    mode = " (dry run: nothing stored)" if report.dry_run else ""
    typer.echo(f"{file}: {plural(len(report.rows), 'time transaction')}: {done}{mode}")
