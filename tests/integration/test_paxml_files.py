"""PAXml files of a tenant's time, on SQLite and PostgreSQL: the export validates against
the official XSD and round-trips through an import into another tenant; re-importing creates
nothing; bad rows are reported one by one while good rows are stored; the API's answers and the
command line's exit codes."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from fortnox_bridge.cli.app import app as cli_app
from fortnox_bridge.clock import ManualClock
from fortnox_bridge.formats.paxml import (
    Header,
    PaxmlDocument,
    ResultUnitRef,
    TimeTransaction,
    read_paxml,
    validate_paxml,
    write_paxml,
)
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.models import ChangeOperation
from fortnox_bridge.store.tenants import TenantRepository
from integration.bridge_api import api_app

pytestmark = pytest.mark.reference

NOW = datetime(2026, 4, 1, 7, 0, tzinfo=UTC)
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
TOLVAN = "191212121212"
#: The registers both tenants share: employees, projects, absence types.
EMPLOYEES = {
    "e-anna": {
        "email": "anna@bygg.se",
        "given_name": "Anna",
        "family_name": "Öberg",
        "employment_id": "101",
        "personal_identity_number": TOLVAN,
        "employment_start": "2020-01-01",
    },
    "e-bo": {"email": "bo@bygg.se", "given_name": "Bo", "family_name": "Ek"},
    "e-gone": {
        "email": "gone@bygg.se",
        "given_name": "Gun",
        "family_name": "Gick",
        "employment_start": "2010-01-01",
        "employment_end": "2025-12-31",
    },
}
PROJECTS = {
    "p-hyllie": {"number": "P100", "name": "Hyllie BRF"},
    "p-jour": {"number": "P200", "name": "Jouren", "paxml_code": "ÖT1"},
    "p-long": {"number": "P1234567890", "name": "Långt nummer"},
}
ABSENCE_TYPES = {
    "a-sem": {"code": "SEM", "name": "Semester"},
    "a-sick": {"code": "SJUK", "name": "Sjukdom"},
    "a-odd": {"code": "ODD", "name": "Annat"},
}
#: Tenant A's time: work, overtime, absence, two entries that add up, and what stays out.
ENTRIES = {
    "t1": {"employee": "e-anna", "date": "2026-03-02", "hours": "4", "project": "p-hyllie",
           "cost_center": "CC1"},
    "t2": {"employee": "e-anna", "date": "2026-03-02", "hours": "3.5", "project": "p-hyllie",
           "cost_center": "CC1"},
    "t3": {"employee": "e-anna", "date": "2026-03-03", "hours": "2", "project": "p-jour"},
    "t4": {"employee": "e-anna", "date": "2026-03-04", "hours": "1.25", "paxml_code": "ÖT2"},
    "t5": {"employee": "e-bo", "date": "2026-03-05", "hours": "8", "absence_type": "a-sem"},
    "t6": {"employee": "e-bo", "date": "2026-03-06", "hours": "8", "absence_type": "a-sick"},
    "t7": {"employee": "e-bo", "date": "2026-03-09", "hours": "7.5"},
    "t8": {"employee": "e-bo", "date": "2026-03-31", "hours": "8", "project": "p-hyllie",
           "cost_center": "CC2"},
    # Left out: a code that cannot be resolved, an unknown project, a too long project number.
    "t9": {"employee": "e-bo", "date": "2026-03-10", "hours": "8", "absence_type": "a-odd"},
    "t10": {"employee": "e-bo", "date": "2026-03-11", "hours": "8", "project": "p-none"},
    "t11": {"employee": "e-bo", "date": "2026-03-12", "hours": "8", "project": "p-long"},
    # Outside March.
    "t12": {"employee": "e-anna", "date": "2026-04-01", "hours": "8"},
    "t13": {"employee": "e-anna", "date": "2026-02-28", "hours": "8"},
}  # fmt: skip
#: What the March file says: (anstid, day, code, hours, project number, cost centre).
EXPECTED_FILE = {
    ("101", "2026-03-02", "TID", Decimal("7.5"), "P100", "CC1"),
    ("101", "2026-03-03", "ÖT1", Decimal(2), "P200", ""),
    ("101", "2026-03-04", "ÖT2", Decimal("1.25"), "", ""),
    ("e-bo", "2026-03-05", "SEM", Decimal(8), "", ""),
    ("e-bo", "2026-03-06", "SJK", Decimal(8), "", ""),
    ("e-bo", "2026-03-09", "TID", Decimal("7.5"), "", ""),
    ("e-bo", "2026-03-31", "TID", Decimal(8), "P100", "CC2"),
}
#: The same as the time entries of the importing tenant: (employee, day, code, hours, project,
#: cost centre).
EXPECTED_ENTRIES = {
    ("e-anna", "2026-03-02", "TID", Decimal("7.5"), "p-hyllie", "CC1"),
    ("e-anna", "2026-03-03", "ÖT1", Decimal(2), "p-jour", ""),
    ("e-anna", "2026-03-04", "ÖT2", Decimal("1.25"), "", ""),
    ("e-bo", "2026-03-05", "SEM", Decimal(8), "", ""),
    ("e-bo", "2026-03-06", "SJK", Decimal(8), "", ""),
    ("e-bo", "2026-03-09", "TID", Decimal("7.5"), "", ""),
    ("e-bo", "2026-03-31", "TID", Decimal(8), "p-hyllie", "CC2"),
}


@dataclass
class Tenant:
    id: int
    name: str
    writer: dict[str, str]
    reader: dict[str, str]


@dataclass
class World:
    http: httpx.AsyncClient
    sessions: sessionmaker[Session]
    a: Tenant
    b: Tenant
    xsd: Path

    async def put_all(self, tenant: Tenant, collection: str, records: dict[str, Any]) -> None:
        for external_id, record in records.items():
            answer = await self.http.put(
                f"/api/v1/{collection}/{external_id}", json=record, headers=tenant.writer
            )
            assert answer.status_code == 201, answer.text

    async def registers(self, tenant: Tenant) -> None:
        await self.put_all(tenant, "employees", EMPLOYEES)
        await self.put_all(tenant, "projects", PROJECTS)
        await self.put_all(tenant, "absence-types", ABSENCE_TYPES)

    async def entries(self, tenant: Tenant) -> dict[str, dict[str, Any]]:
        """The tenant's time entries by external id, as the API lists them."""
        answer = await self.http.get(
            "/api/v1/time-entries", params={"limit": 1000}, headers=tenant.reader
        )
        assert answer.status_code == 200, answer.text
        return {row["external_id"]: row["data"] for row in answer.json()["data"]}

    async def export(self, tenant: Tenant) -> httpx.Response:
        answer = await self.http.get("/api/v1/paxml", params=MARCH, headers=tenant.reader)
        assert answer.status_code == 200, answer.text
        return answer

    async def import_(self, tenant: Tenant, data: bytes, **params: str) -> dict[str, Any]:
        answer = await self.http.post(
            "/api/v1/paxml",
            content=data,
            params=params,
            headers={**tenant.writer, "Content-Type": "application/xml"},
        )
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"] == "application/json"
        body: dict[str, Any] = answer.json()
        return body


def _tenant(session: Session, name: str) -> Tenant:
    tenants = TenantRepository(session)
    tenant = tenants.create(name, now=NOW)
    writer = tenants.create_api_key(tenant.id, label="w", now=NOW).key
    reader = tenants.create_api_key(tenant.id, label="r", scope="read", now=NOW).key
    return Tenant(
        tenant.id,
        name,
        {"Authorization": f"Bearer {writer}"},
        {"Authorization": f"Bearer {reader}"},
    )


@pytest.fixture
async def world(sessions: sessionmaker[Session], reference_dir: Path) -> AsyncIterator[World]:
    with sessions.begin() as session:
        a, b = _tenant(session, "Bygg AB"), _tenant(session, "Lön AB")
    app = api_app(sessions, clock=ManualClock(NOW))
    async with httpx.AsyncClient(
        base_url="http://bridge.test", transport=httpx.ASGITransport(app=app)
    ) as http:
        yield World(http, sessions, a, b, reference_dir / "paxml" / "paxml-2.0-2012-12.xsd")


def _file_rows(data: bytes) -> set[tuple[str, str, str, Decimal, str, str]]:
    rows = set()
    for row in read_paxml(io.BytesIO(data)).document.time_transactions:
        units = {unit.dim: unit.id for unit in row.result_units or ()}
        assert row.anstid is not None
        assert row.date is not None
        assert row.hours is not None
        rows.add(
            (row.anstid, str(row.date), row.code, row.hours, units.get(6, ""), units.get(1, ""))
        )
    return rows


def _entry_rows(entries: dict[str, dict[str, Any]]) -> set[tuple[Any, ...]]:
    return {
        (
            e["employee"],
            e["date"],
            e["paxml_code"],
            Decimal(e["hours"]),
            e.get("project", ""),
            e.get("cost_center", ""),
        )
        for e in entries.values()
    }


def _operations(sessions: sessionmaker[Session], tenant_id: int) -> int:
    with sessions.begin() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(ChangeOperation)
                .where(
                    ChangeOperation.tenant_id == tenant_id,
                    ChangeOperation.entity_type == "time_entry",
                )
            )
            or 0
        )


async def test_a_month_exports_as_valid_paxml_and_imports_into_another_tenant_unchanged(
    world: World,
) -> None:
    await world.registers(world.a)
    await world.put_all(world.a, "time-entries", ENTRIES)

    answer = await world.export(world.a)
    assert answer.headers["content-type"] == "application/xml"
    assert answer.headers["x-paxml-left-out"] == "3"
    data = answer.content
    report = validate_paxml(io.BytesIO(data), xsd=world.xsd)
    assert report.schema_checked
    assert report.errors == [], [f.describe() for f in report.errors]
    assert _file_rows(data) == EXPECTED_FILE
    document = read_paxml(io.BytesIO(data)).document
    assert document.header.version == "2.0"
    assert document.header.company_name == "Bygg AB"
    info = document.header.info or ""
    assert info.startswith("3 time entries left out")
    assert all(f"time entry {ref} " in info for ref in ("t9", "t10", "t11"))
    # Staff: employed in March (Gun left in 2025), named by employment id, else host id.
    staff = {p.anstid: p for p in document.persons}
    assert set(staff) == {"101", "e-bo"}
    anna = staff["101"]
    assert (anna.persnr, anna.first_name, anna.last_name) == (TOLVAN, "Anna", "Öberg")
    assert (anna.work_email, anna.employed_from) == ("anna@bygg.se", date(2020, 1, 1))
    assert staff["e-bo"].persnr is None
    assert [t.postid for t in document.time_transactions] == list(range(1, 8))
    assert {(u.dim, u.id, u.name) for u in document.result_units} == {
        (1, "CC1", "CC1"),
        (1, "CC2", "CC2"),
        (6, "P100", "Hyllie BRF"),
        (6, "P200", "Jouren"),
    }

    # Tenant B has the same registers and no time: the import gives the same time entries.
    await world.registers(world.b)
    imported = await world.import_(world.b, data)
    assert (imported["dry_run"], imported["transactions"], imported["rejected"]) == (False, 7, 0)
    assert imported["counts"]["created"] == 7
    entries = await world.entries(world.b)
    assert _entry_rows(entries) == EXPECTED_ENTRIES
    assert set(entries) == {row["external_id"] for row in imported["rows"]}
    assert all(external_id.startswith("paxml-") for external_id in entries)
    # Absence rows are tied to the absence type with that code; work to the project.
    by_day = {(e["employee"], e["date"]): e for e in entries.values()}
    assert by_day[("e-bo", "2026-03-05")]["absence_type"] == "a-sem"
    assert by_day[("e-bo", "2026-03-06")]["absence_type"] == "a-sick"
    assert _operations(world.sessions, world.b.id) == 7
    # B's own export of March says the same as A's.
    assert _file_rows((await world.export(world.b)).content) == EXPECTED_FILE

    # The same file again creates nothing new.
    again = await world.import_(world.b, data)
    assert again["counts"] == {
        "planned": 0,
        "created": 0,
        "updated": 0,
        "unchanged": 7,
        "rejected": 0,
    }
    assert [row["external_id"] for row in again["rows"]] == [
        row["external_id"] for row in imported["rows"]
    ]
    assert await world.entries(world.b) == entries
    assert _operations(world.sessions, world.b.id) == 7


def _time(code: str, **fields: Any) -> TimeTransaction:
    return TimeTransaction(code=code, **fields)


def _bad_file() -> bytes:
    """Rows 1, 7 and 10 are fine (8 identical to 7); the others each break one thing (11 in the
    text only). ISO-8859-1."""
    rows = [
        _time("TID", anstid="101", date=date(2026, 3, 2), hours=Decimal(8),
              result_units=(ResultUnitRef(6, "P100"), ResultUnitRef(1, "CC1"))),
        _time("TID", anstid="999", date=date(2026, 3, 2), hours=Decimal(8)),
        _time("LT1", anstid="101", date=date(2026, 3, 3), hours=Decimal(1)),
        _time("ARB", anstid="101", date=date(2026, 3, 4), hours=Decimal(25)),
        _time("SEM", anstid="e-bo", date_from=date(2026, 3, 9), date_to=date(2026, 3, 13)),
        _time("ÖT1", anstid="e-bo", date=date(2026, 3, 5), hours=Decimal(2),
              result_units=(ResultUnitRef(6, "P999"),)),
        _time("SEM", persnr=TOLVAN, date=date(2026, 3, 6), hours=Decimal(8)),
        _time("SEM", persnr=TOLVAN, date=date(2026, 3, 6), hours=Decimal(8)),
        _time("SJK", anstid="e-bo", date=date(2026, 3, 10), extent=Decimal(50)),
        _time("TID", anstid="e-bo", start="2026-03-16T08:00:00.0374174+01:00",
              end="2026-03-16T16:30:00.0374174+01:00"),
    ]  # fmt: skip
    out = io.BytesIO()
    document = PaxmlDocument(header=Header(program_name="Tidsystemet"), time_transactions=rows)
    write_paxml(document, out, encoding="iso-8859-1")
    # A date that is no date in a row of its own (the model cannot write one).
    text = out.getvalue().replace(b"</tidtransaktioner>", BAD_DATE_ROW + b"</tidtransaktioner>")
    return text


BAD_DATE_ROW = (
    b'    <tidtrans anstid="101">\n      <tidkod>TID</tidkod>\n'
    b"      <datum>2026-02-30</datum>\n      <timmar>8</timmar>\n    </tidtrans>\n  "
)


async def test_a_file_with_bad_rows_imports_the_good_ones_and_reports_each_bad_one(
    world: World,
) -> None:
    await world.registers(world.b)
    data = _bad_file()
    assert validate_paxml(io.BytesIO(data), xsd=world.xsd).schema_checked

    planned = await world.import_(world.b, data, dry_run="true")
    assert planned["dry_run"] is True
    assert (planned["transactions"], planned["accepted"], planned["rejected"]) == (11, 4, 7)
    assert planned["counts"]["planned"] == 4
    assert await world.entries(world.b) == {}

    report = await world.import_(world.b, data)
    rows = {row["position"]: row for row in report["rows"]}
    assert [p for p, row in rows.items() if row["status"] == "created"] == [1, 7, 8, 10]
    text = data.decode("iso-8859-1").splitlines()
    for row in rows.values():
        assert text[row["line"] - 1].strip().startswith("<tidtrans"), row
        if row["status"] == "rejected":
            assert row["reason"], row
            assert row["fix"], row
            assert row["external_id"] is None, row
    reasons = {p: rows[p]["reason"] for p in rows if rows[p]["status"] == "rejected"}
    assert "unknown employee: no employment id or host id '999'" in reasons[2]
    assert "untranslatable code 'LT1'" in reasons[3]
    assert "hours: Input should be less than or equal to 24" in reasons[4]
    assert "an interval (2026-03-09–2026-03-13)" in reasons[5]
    assert "one <tidtrans> per day" in rows[5]["fix"]
    assert "unknown project 'P999'" in reasons[6]
    assert "omfattning 50 % without hours" in reasons[9]
    assert "<timmar>" in rows[9]["fix"]
    assert "'2026-02-30' is not a date" in reasons[11]
    assert rows[11]["line"] == len(text) - 6

    entries = await world.entries(world.b)
    assert _entry_rows(entries) == {
        ("e-anna", "2026-03-02", "TID", Decimal(8), "p-hyllie", "CC1"),
        ("e-anna", "2026-03-06", "SEM", Decimal(8), "", ""),
        ("e-bo", "2026-03-16", "TID", Decimal("8.5"), "", ""),
    }
    assert len(entries) == 4  # two identical rows are two entries (...-2)
    assert rows[8]["external_id"] == rows[7]["external_id"] + "-2"

    again = await world.import_(world.b, data)
    assert (again["counts"]["unchanged"], again["counts"]["created"]) == (4, 0)
    assert len(await world.entries(world.b)) == 4


async def test_the_api_answers_bad_intervals_bad_files_and_keys_that_may_not(world: World) -> None:
    reader = world.a.reader
    for params, path in (
        ({"from": "2026-03-31", "to": "2026-03-01"}, "query.to"),
        ({"from": "2026-01-01", "to": "2027-01-02"}, "query.to"),
        ({"from": "2026-03-01"}, "query.to"),
        ({"from": "31/3", "to": "2026-03-01"}, "query.from"),
    ):
        answer = await world.http.get("/api/v1/paxml", params=params, headers=reader)
        assert answer.status_code == 422, answer.text
        body = answer.json()
        assert body["error"] == "validation_failed"
        assert [e["path"] for e in body["errors"]] == [path]

    xml = {"Content-Type": "application/xml"}
    for content in (b"not xml at all", b"<paxml><header><version>2.0</version></header></paxml>"):
        answer = await world.http.post(
            "/api/v1/paxml", content=content, headers={**world.a.writer, **xml}
        )
        assert answer.status_code == 422, answer.text
        (error,) = answer.json()["errors"]
        assert (error["path"], error["type"]) == ("$", "invalid_paxml")
    refused = await world.http.post("/api/v1/paxml", content=b"<paxml/>", headers={**reader, **xml})
    assert refused.status_code == 403
    anonymous = await world.http.get("/api/v1/paxml", params=MARCH)
    assert anonymous.status_code == 401

    # B's key reads B's time only, and cannot put time on A's employees.
    await world.registers(world.a)
    await world.put_all(world.a, "time-entries", ENTRIES)
    exported = await world.export(world.a)
    of_b = await world.export(world.b)
    assert b"Anna" not in of_b.content
    assert b"<tidtrans" not in of_b.content
    imported = await world.import_(world.b, exported.content)
    assert (imported["accepted"], imported["rejected"]) == (0, 7)
    assert all("unknown employee" in row["reason"] for row in imported["rows"])
    with world.sessions.begin() as session:
        assert MirrorRepository(session).count_live(world.a.id, "time_entry") == len(ENTRIES)
        assert MirrorRepository(session).count_live(world.b.id, "time_entry") == 0


def _cli(db_url: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        cli_app, list(args), env={"FORTNOX_BRIDGE_DATABASE_URL": db_url, "COLUMNS": "200"}
    )
    return result.exit_code, result.stdout, result.stderr


async def test_cli_exports_to_a_file_and_imports_with_exit_codes_0_1_2(
    world: World, db_url: str, tmp_path: Path
) -> None:
    await world.registers(world.a)
    await world.registers(world.b)
    await world.put_all(world.a, "time-entries", ENTRIES)
    out = tmp_path / "mars.xml"
    env = {"FORTNOX_BRIDGE_DATABASE_URL": db_url}
    typed = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "fortnox_bridge", "paxml", "export", "--tenant", "Bygg AB",
         "--from", "2026-03-01", "--to", "2026-03-31", "--output", str(out)],
        env={**os.environ, **env}, capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert typed.returncode == 0, typed.stderr
    assert typed.stdout == ""
    assert "7 transactions (from 8 time entries), 2 staff, 3 left out" in typed.stderr
    assert typed.stderr.count("left out: time entry") == 3
    assert validate_paxml(out.open("rb"), xsd=world.xsd).errors == []

    code, stdout, _ = _cli(db_url, "paxml", "export", "--tenant", str(world.a.id), *_march())
    assert code == 0
    assert stdout.encode() == out.read_bytes().replace(
        _datum(out.read_bytes()), _datum(stdout.encode())
    )

    code, stdout, _ = _cli(db_url, "paxml", "import", str(out), "--tenant", "Lön AB", "--dry-run")
    assert code == 0, stdout
    assert "7 time transactions: 7 planned (dry run: nothing stored)" in stdout
    assert await world.entries(world.b) == {}
    xsd = ("--xsd", str(world.xsd))
    code, stdout, _ = _cli(db_url, "paxml", "import", str(out), "--tenant", "Lön AB", *xsd)
    assert (code, stdout.strip().splitlines()[-1]) == (0, f"{out}: 7 time transactions: 7 created")
    assert _entry_rows(await world.entries(world.b)) == EXPECTED_ENTRIES

    bad = tmp_path / "bad.xml"
    bad.write_bytes(_bad_file())
    code, stdout, _ = _cli(db_url, "paxml", "import", str(bad), "--tenant", "Lön AB")
    assert code == 1, stdout
    assert "tidtrans 2 (line 17, column 5): rejected: unknown employee" in stdout
    assert stdout.count(": rejected: ") == 7
    assert stdout.strip().endswith("11 time transactions: 4 created, 7 rejected")

    broken = tmp_path / "broken.xml"
    broken.write_bytes(out.read_bytes().replace(b"<tidkod>", b"<tidkod>X", 1))
    code, _, stderr = _cli(db_url, "paxml", "import", str(broken), "--tenant", "Lön AB", *xsd)
    assert code == 2
    assert "PAXML-XSD" in stderr
    assert "not valid against the PAXml 2.0 XSD" in stderr
    code, _, stderr = _cli(db_url, "paxml", "import", str(tmp_path), "--tenant", "Lön AB")
    assert (code, "is a directory" in stderr) == (2, True)
    (tmp_path / "text.xml").write_text("hej")
    code, _, stderr = _cli(db_url, "paxml", "import", str(tmp_path / "text.xml"), "--tenant", "1")
    assert (code, "not a readable PAXml file" in stderr) == (2, True)
    code, _, stderr = _cli(db_url, "paxml", "import", str(out), "--tenant", "Finns Inte AB")
    assert (code, "no tenant 'Finns Inte AB'" in stderr) == (2, True)
    code, _, stderr = _cli(db_url, "paxml", "export", "--tenant", "1", "--from", "2026-04-01",
                           "--to", "2026-03-01")  # fmt: skip
    assert (code, "is before 'from'" in stderr) == (2, True)


def _march() -> tuple[str, ...]:
    return ("--from", MARCH["from"], "--to", MARCH["to"])


def _datum(data: bytes) -> bytes:
    start = data.index(b"<datum>")
    return data[start : data.index(b"</datum>", start)]
