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
    from sqlalchemy.orm import Session, sessionmaker

    from fortnox_bridge.flows.payroll.paxml_files import ImportReport


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
def _tenant_store(
    tenant: str, data_dir: Path | None
) -> Iterator[tuple[sessionmaker[Session], int]]:
    """Sessions on the migrated store and the id of ``tenant`` (name or id); exit 2 if none."""
    from fortnox_bridge.cli.work.runtime import settings
    from fortnox_bridge.store.db import migrate, open_engine, session_factory
    from fortnox_bridge.store.tenants import TenantRepository

    config = settings(need="store", data_dir=data_dir)
    engine = open_engine(config.effective_database_url)
    try:
        migrate(engine)
        sessions = session_factory(engine)
        with sessions.begin() as session:
            tenants = TenantRepository(session)
            found = tenants.by_name(tenant)
            if found is None and tenant.isdigit():
                found = tenants.get(int(tenant))
            tenant_id = found.id if found is not None else None
        if tenant_id is None:
            raise fail(f"no tenant {tenant!r}", "list them with 'fortnox-bridge tenants list'")
        yield sessions, tenant_id
    finally:
        engine.dispose()


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
    from fortnox_bridge.flows.payroll.paxml_files import check_interval, export

    out = one_output(output, old_output)
    first, last = _day(start, "--from"), _day(end, "--to")
    problem = check_interval(first, last)
    if problem is not None:
        raise fail(problem, "give --from and --to as the first and last day of the interval")
    with _tenant_store(tenant, data_dir) as (sessions, tenant_id), sessions.begin() as session:
        result = export(session, tenant_id, first, last, now=datetime.now().astimezone())
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
    from fortnox_bridge.clock import SystemClock
    from fortnox_bridge.engine.flow.entities import discover_entities
    from fortnox_bridge.engine.flow.registry import discover_flows
    from fortnox_bridge.flows.payroll.paxml_files import PaxmlFileRejected
    from fortnox_bridge.formats.errors import SchemaError
    from fortnox_bridge.services.paxml import import_paxml, time_entry_writer

    with opened(file) as stream:
        data = stream.read()
    with _tenant_store(tenant, data_dir) as (sessions, tenant_id):
        writer = time_entry_writer(discover_entities(), discover_flows())
        try:
            report, _ = import_paxml(
                sessions, SystemClock(), writer, tenant_id, data, dry_run=dry_run, xsd=xsd
            )
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
    from fortnox_bridge.flows.payroll.paxml_files import plural

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
