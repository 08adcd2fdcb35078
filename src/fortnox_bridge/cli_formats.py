"""``fortnox-bridge sie ...`` and ``fortnox-bridge paxml ...``: file tools over ``formats/``.

Exit codes: 0 the file is fine (or the command did its job); 1 ``validate`` found errors (``paxml
import``: some rows were rejected, the others stored); 2 the input is unusable (missing file, not
SIE/PAXml at all, broken JSON, invalid against the XSD, unknown tenant). Every error says what is
wrong, where (line, column) and how to fix it.

``paxml export`` and ``paxml import`` work on a tenant's data in the store (``--data-dir``, or
``FORTNOX_BRIDGE_DATABASE_URL``), the same files as ``GET`` and ``POST /api/v1/paxml``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any

import typer

from fortnox_bridge.cli_common.options import DataDir, Output, Tenant, new_app

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from fortnox_bridge.flows.payroll.paxml_files import ImportReport
    from fortnox_bridge.formats.findings import Finding

EXIT_INVALID = 1
EXIT_UNUSABLE = 2
#: ``--out``: the spelling ``paxml export`` used before every command took ``--output``/``-o``;
#: still read, not shown.
OldOutput = Annotated[Path | None, typer.Option("--out", hidden=True)]

sie_app = new_app("SIE files (types 1-4): info, validate, convert, write.")
paxml_app = new_app("PAXml 2.0 files: info, validate; a tenant's time: export, import.")

FileArgument = Annotated[Path, typer.Argument(help="The file to read.", show_default=False)]
EncodingOption = Annotated[
    str | None,
    typer.Option(
        help="Read with this encoding (cp437, utf-8, latin-1) instead of detecting it.",
        show_default=False,
    ),
]


def _fail(message: str, hint: str = "") -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    if hint:
        typer.echo(f"fix: {hint}", err=True)
    return typer.Exit(EXIT_UNUSABLE)


@contextmanager
def _opened(path: Path) -> Iterator[IO[bytes]]:
    """Open ``path`` for reading; unusable input becomes exit code 2 with a message."""
    from fortnox_bridge.formats.errors import InputError

    try:
        stream = path.open("rb")
    except FileNotFoundError:
        raise _fail(f"{path}: no such file", "give the path of an existing file") from None
    except IsADirectoryError:
        raise _fail(f"{path}: is a directory", "give the path of a file") from None
    except PermissionError:
        raise _fail(f"{path}: permission denied", "make the file readable") from None
    with stream:
        try:
            yield stream
        except InputError as exc:
            raise _fail(f"{path}: {exc.finding.describe()}") from None


def _one_output(output: Path | None, out: Path | None) -> Path | None:
    """``--output`` (``-o``), or the older spelling ``--out`` that scripts may still use."""
    if output is not None and out is not None and output != out:
        raise _fail(f"--output {output} and --out {out} disagree", "give --output FILE once")
    return output or out


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


@sie_app.command("info")
def sie_info(file: FileArgument, encoding: EncodingOption = None) -> None:
    """Print one JSON object about a SIE file (lenient, streaming: any size)."""
    from collections import defaultdict
    from decimal import Decimal

    from fortnox_bridge.formats.sie import SieReader, Voucher
    from fortnox_bridge.formats.sie.records import Account, CompanyName, OrgNumber, Program, SieType

    with _opened(file) as stream:
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
    _print_json(info)


def _print_findings(findings: list[Finding]) -> None:
    for finding in findings:
        typer.echo(finding.describe())


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
    from fortnox_bridge.formats.errors import InputError
    from fortnox_bridge.formats.sie.validation import validate

    with _opened(file) as stream:
        try:
            report = validate(stream, strict=strict, encoding=encoding)
        except InputError as exc:
            if exc.finding.code == "SIE-UNUSABLE":
                raise
            _emit_strict_failure(exc.finding, as_json)
            raise typer.Exit(EXIT_INVALID) from None
    if as_json:
        _print_json(
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
        _print_findings(report.findings)
        verdict = "valid" if report.ok else "INVALID"
        typer.echo(
            f"{file}: {verdict} — type {report.variant}, {report.encoding}, "
            f"#KSUMMA {report.checksum.status.value}, {len(report.errors)} errors, "
            f"{len(report.warnings)} warnings"
        )
    raise typer.Exit(0 if report.ok else EXIT_INVALID)


def _emit_strict_failure(finding: Finding, as_json: bool) -> None:
    if as_json:
        _print_json({"ok": False, "findings": [finding.to_json()]})
    else:
        typer.echo(finding.describe())
        typer.echo("INVALID (strict mode stops at the first violation)")


@sie_app.command("convert")
def sie_convert(
    file: FileArgument,
    to: Annotated[str, typer.Option("--to", help="Output format: json or csv.")],
    output: Output = None,
    old_output: OldOutput = None,
    encoding: EncodingOption = None,
) -> None:
    """Convert a SIE file to JSON (the whole document) or CSV (one line per voucher row)."""
    from fortnox_bridge.formats.sie import SieReader
    from fortnox_bridge.formats.sie.convert import write_csv, write_json

    output = _one_output(output, old_output)
    if to not in ("json", "csv"):
        raise _fail(f"--to {to!r} is not a format I write", "use --to json or --to csv")
    with _opened(file) as stream:
        reader = SieReader(stream, encoding=encoding)
        out = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
        try:
            (write_json if to == "json" else write_csv)(reader, out)
        finally:
            if output:
                out.close()
    for finding in reader.findings:
        typer.echo(f"warning: {finding.describe()}", err=True)


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
    from fortnox_bridge.formats.errors import SieWriteError
    from fortnox_bridge.formats.sie import write_document
    from fortnox_bridge.formats.sie.serialize import document_from_json

    output = _one_output(output, old_output)
    if output is None:
        raise _fail("no output file", "give the SIE file to write with --output FILE (-o FILE)")
    with _opened(file) as stream:
        try:
            data = json.load(stream)
        except json.JSONDecodeError as exc:
            raise _fail(
                f"{file}: line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})",
                "give the JSON that `fortnox-bridge sie convert --to json` writes",
            ) from None
        except UnicodeDecodeError:
            raise _fail(f"{file}: not UTF-8 text", "save the JSON as UTF-8") from None
    try:
        document = document_from_json(data)
    except ValueError as exc:
        raise _fail(f"{file}: {exc}", "fix that value of the JSON document") from None
    try:
        with output.open("wb") as out:
            writer = write_document(document, out, checksum=checksum)
    except SieWriteError as exc:
        raise _fail(f"{file}: {exc}") from None
    for item in writer.substitutions:
        typer.echo(
            f"warning: line {item.line} ({item.label}): {item.original!r} is not in CP437, "
            f"wrote {item.replacement!r}",
            err=True,
        )
    typer.echo(f"wrote {output}: {len(document.vouchers)} vouchers")


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
    from fortnox_bridge.formats.errors import SchemaError
    from fortnox_bridge.formats.paxml import validate_paxml

    with _opened(file) as stream:
        try:
            report = validate_paxml(stream, xsd=xsd)
        except SchemaError as exc:
            raise _fail(str(exc), "give the path of the PAXml 2.0 XSD with --xsd") from None
    if as_json:
        _print_json(
            {
                "ok": report.ok,
                "version": report.version,
                "schema_checked": report.schema_checked,
                "findings": [finding.to_json() for finding in report.findings],
            }
        )
    else:
        _print_findings(report.findings)
        verdict = "valid" if report.ok else "INVALID"
        schema = "with" if report.schema_checked else "without"
        typer.echo(f"{file}: {verdict} ({schema} XSD), {len(report.errors)} errors")
    raise typer.Exit(0 if report.ok else EXIT_INVALID)


@paxml_app.command("info")
def paxml_info(file: FileArgument) -> None:
    """Print one JSON object about a PAXml file."""
    from fortnox_bridge.formats.paxml import read_paxml

    with _opened(file) as stream:
        result = read_paxml(stream)
    document = result.document
    _print_json(
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


# -- a tenant's time as PAXml ------------------------------------------------------------------


@contextmanager
def _tenant_store(
    tenant: str, data_dir: Path | None
) -> Iterator[tuple[sessionmaker[Session], int]]:
    """Sessions on the migrated store and the id of ``tenant`` (name or id); exit 2 if none."""
    from fortnox_bridge.cli_common.runtime import settings
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
            raise _fail(f"no tenant {tenant!r}", "list them with 'fortnox-bridge tenants list'")
        yield sessions, tenant_id
    finally:
        engine.dispose()


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _fail(f"{option} {value!r} is not a date", f"write {option} YYYY-MM-DD") from None


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
    from fortnox_bridge.flows.payroll.paxml_files import check_interval, export

    out = _one_output(output, old_output)
    first, last = _day(start, "--from"), _day(end, "--to")
    problem = check_interval(first, last)
    if problem is not None:
        raise _fail(problem, "give --from and --to as the first and last day of the interval")
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
            raise _fail(f"{out}: cannot write ({exc.strerror})", "give a writable path") from None
    typer.echo(f"{out or 'stdout'}: {result.summary()}", err=True)
    for item in result.left_out:
        typer.echo(f"left out: {item.reference}: {item.reason}. Fix: {item.fix}", err=True)


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
    from fortnox_bridge.clock import SystemClock
    from fortnox_bridge.engine.entities import discover_entities
    from fortnox_bridge.engine.registry import discover_flows
    from fortnox_bridge.flows.payroll.paxml_files import PaxmlFileRejected
    from fortnox_bridge.formats.errors import SchemaError
    from fortnox_bridge.services.paxml import import_paxml, time_entry_writer

    with _opened(file) as stream:
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
            raise _fail(f"{file}: {exc}", "correct the file and import it again") from None
        except SchemaError as exc:
            raise _fail(str(exc), "give the path of the PAXml 2.0 XSD with --xsd") from None
    if as_json:
        _print_json(report.to_json())
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


__all__ = ["paxml_app", "sie_app"]
