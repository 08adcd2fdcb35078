"""Host record ingest over the API (SQLite and PostgreSQL): PUT, PATCH, DELETE, lists, batches,
the 422 shape, Fortnox's limits, unique fields, and that a rejected record changes nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.api.errors import json_path, request_path
from fortnox_bridge.clock import ManualClock
from fortnox_bridge.flows.payroll.records import HostProject
from fortnox_bridge.fortnox.models.project import Project
from fortnox_bridge.services.hooks import EngineHooks
from fortnox_bridge.services.records import merge_patch
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.models import ChangeOperation, Event, MirrorRecord
from fortnox_bridge.store.tenants import TenantRepository
from integration.bridge_api import api_app

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
KARIN = {"email": "karin.ek@example.se", "given_name": "Karin", "family_name": "Ek"}


def person(number: int) -> dict[str, Any]:
    """A valid host employee."""
    return {"email": f"p{number}@example.se", "given_name": f"P{number}", "family_name": "Ek"}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def changes() -> list[tuple[int, str, str]]:
    """What the API handed to the engine (``on_change``)."""
    return []


@pytest.fixture
def api_key(sessions: sessionmaker[Session]) -> str:
    with sessions.begin() as session:
        tenants = TenantRepository(session)
        return tenants.issue_api_key(tenants.create("Värd AB", now=NOW), label="t", now=NOW)


@pytest.fixture
async def api(
    sessions: sessionmaker[Session],
    clock: ManualClock,
    api_key: str,
    changes: list[tuple[int, str, str]],
) -> AsyncIterator[httpx.AsyncClient]:
    hooks = EngineHooks(on_change=lambda *change: changes.append(change))
    app = api_app(sessions, clock=clock, hooks=hooks)
    async with httpx.AsyncClient(
        base_url="http://bridge.test",
        transport=httpx.ASGITransport(app=app),
        headers={"Authorization": f"Bearer {api_key}"},
    ) as client:
        yield client


def stored(sessions: sessionmaker[Session]) -> dict[str, list[tuple[Any, ...]]]:
    """Everything a write may touch: mirror records, change operations and events."""
    with sessions.begin() as session:
        return {
            "mirror": [
                (r.entity_type, r.external_id, r.version, r.deleted, r.payload)
                for r in session.scalars(select(MirrorRecord).order_by(MirrorRecord.id))
            ],
            "operations": [
                (o.entity_type, o.external_id, o.action, o.version, o.status)
                for o in session.scalars(select(ChangeOperation).order_by(ChangeOperation.id))
            ],
            "events": [
                (e.seq, e.type, e.external_id)
                for e in session.scalars(select(Event).order_by(Event.id))
            ],
        }


def operations(sessions: sessionmaker[Session]) -> list[ChangeOperation]:
    with sessions.begin() as session:
        return list(session.scalars(select(ChangeOperation).order_by(ChangeOperation.id)))


# -- PUT, PATCH, DELETE, GET -------------------------------------------------------------------


async def test_put_answers_with_the_stored_version_and_an_operation(
    api: httpx.AsyncClient,
    sessions: sessionmaker[Session],
    changes: list[tuple[int, str, str]],
) -> None:
    created = await api.put("/api/v1/employees/emp-1", json=KARIN)
    assert created.status_code == 201
    body = created.json()
    assert (body["status"], body["version"], body["data"]) == ("created", 1, KARIN)
    first = body["operation_id"]
    assert isinstance(first, int)

    same = await api.put("/api/v1/employees/emp-1", json=KARIN)
    assert (same.status_code, same.json()["status"], same.json()["operation_id"]) == (
        200,
        "unchanged",
        None,
    )
    moved = await api.put("/api/v1/employees/emp-1", json={**KARIN, "city": "Kalmar"})
    assert (moved.status_code, moved.json()["status"], moved.json()["version"]) == (
        200,
        "updated",
        2,
    )
    second = moved.json()["operation_id"]
    ops = operations(sessions)
    assert [(o.id, o.action, o.version, o.status) for o in ops] == [
        (first, "upsert", 1, "superseded"),
        (second, "upsert", 2, "pending"),
    ]
    assert ops[1].flow == "hr.employee.push"
    assert len(changes) == 2  # the unchanged PUT was not handed to the engine
    assert {(entity, external_id) for _, entity, external_id in changes} == {("employee", "emp-1")}


async def test_patch_merges_removes_with_null_and_validates_the_whole_record(
    api: httpx.AsyncClient,
) -> None:
    await api.put("/api/v1/employees/e1", json={**KARIN, "phone": "070-1", "city": "Ystad"})
    patched = await api.patch(
        "/api/v1/employees/e1",
        json={"city": "Kalmar", "phone": None},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert patched.status_code == 200
    assert patched.json()["data"] == {**KARIN, "city": "Kalmar"}
    assert (patched.json()["status"], patched.json()["version"]) == ("updated", 2)
    assert isinstance(patched.json()["operation_id"], int)

    required_removed = await api.patch("/api/v1/employees/e1", json={"given_name": None})
    assert required_removed.status_code == 422
    assert [(e["path"], e["type"]) for e in required_removed.json()["errors"]] == [
        ("$.given_name", "missing")
    ]
    unknown = await api.patch("/api/v1/employees/e1", json={"nickname": "Kaj"})
    assert [(e["path"], e["type"]) for e in unknown.json()["errors"]] == [
        ("$.nickname", "extra_forbidden")
    ]
    same = await api.patch("/api/v1/employees/e1", json={"city": "Kalmar"})
    assert (same.json()["status"], same.json()["operation_id"]) == ("unchanged", None)
    missing = await api.patch("/api/v1/employees/nobody", json={"city": "Kalmar"})
    assert missing.status_code == 404
    assert missing.json() == {
        "error": "not_found",
        "detail": "no employee with external id 'nobody'",
    }
    kept = await api.get("/api/v1/employees/e1")
    assert (kept.json()["version"], kept.json()["data"]["city"]) == (2, "Kalmar")


async def test_delete_needs_a_record_and_is_idempotent(
    api: httpx.AsyncClient, sessions: sessionmaker[Session]
) -> None:
    absent = await api.delete("/api/v1/employees/e1")
    assert absent.status_code == 404
    await api.put("/api/v1/employees/e1", json=KARIN)
    deleted = await api.delete("/api/v1/employees/e1")
    assert deleted.status_code == 200
    body = deleted.json()
    assert (body["status"], body["deleted"], body["version"]) == ("deleted", True, 2)
    assert (await api.get("/api/v1/employees/e1")).status_code == 404
    again = await api.delete("/api/v1/employees/e1")
    assert (again.status_code, again.json()["status"], again.json()["operation_id"]) == (
        200,
        "unchanged",
        None,
    )
    assert [(o.action, o.version, o.status) for o in operations(sessions)] == [
        ("upsert", 1, "superseded"),
        ("delete", 2, "pending"),
    ]
    back = await api.put("/api/v1/employees/e1", json=KARIN)
    assert (back.status_code, back.json()["status"], back.json()["version"]) == (
        200,
        "updated",
        3,
    )


async def test_records_salary_days_are_built_from_wait_for_the_run_that_uses_them(
    api: httpx.AsyncClient, sessions: sessionmaker[Session], changes: list[tuple[int, str, str]]
) -> None:
    """Projects and absence types become part of salary days: their operations stay pending
    (nothing is announced yet) until a run built and wrote the days (the engine settles them)."""
    stored_project = await api.put("/api/v1/projects/p1", json={"number": "P1", "name": "Bygget"})
    assert stored_project.status_code == 201
    operation_id = stored_project.json()["operation_id"]
    answer = (await api.get(f"/api/v1/operations/{operation_id}")).json()
    assert (answer["status"], answer["message"]) == ("pending", None)
    kind = await api.put("/api/v1/absence-types/sem", json={"code": "SEM", "name": "Semester"})
    kind_op = (await api.get(f"/api/v1/operations/{kind.json()['operation_id']}")).json()
    assert kind_op["status"] == "pending"
    with sessions.begin() as session:
        assert list(session.scalars(select(Event))) == []
    # The engine rebuilds the salary days of the project's and the type's time at once.
    assert [(entity, external_id) for _, entity, external_id in changes] == [
        ("project", "p1"),
        ("absence_type", "sem"),
    ]


# -- validation: the 422 shape, Fortnox limits, unique fields ------------------------------------


async def test_invalid_requests_get_field_level_errors_with_json_paths(
    api: httpx.AsyncClient,
) -> None:
    bad = await api.put(
        "/api/v1/employees/e1",
        json={"email": "karin-at-example", "given_name": "Karin", "nickname": "K"},
    )
    assert bad.status_code == 422
    body = bad.json()
    assert body["error"] == "validation_failed"
    assert body["detail"].startswith("3 fields are invalid ($.email, $.family_name, $.nickname)")
    assert sorted((e["path"], e["type"]) for e in body["errors"]) == [
        ("$.email", "value_error"),
        ("$.family_name", "missing"),
        ("$.nickname", "extra_forbidden"),
    ]
    assert all(e["message"] for e in body["errors"])

    dates = await api.put(
        "/api/v1/employees/e1",
        json={**KARIN, "employment_start": "2026-02-01", "employment_end": "2026-01-01"},
    )
    (error,) = dates.json()["errors"]
    assert error["path"] == "$"
    assert error["message"].startswith("employment_end 2026-01-01 is before employment_start")

    long_id = await api.put(f"/api/v1/employees/{'x' * 201}", json=KARIN)
    assert [e["path"] for e in long_id.json()["errors"]] == ["path.external_id"]
    page = await api.get("/api/v1/employees", params={"limit": 0})
    assert [e["path"] for e in page.json()["errors"]] == ["query.limit"]
    not_json = await api.put(
        "/api/v1/employees/e1", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert (not_json.status_code, [e["path"] for e in not_json.json()["errors"]]) == (422, ["$"])
    assert (await api.get("/api/v1/employees/e1")).status_code == 404


async def test_a_value_longer_than_fortnox_allows_is_refused(api: httpx.AsyncClient) -> None:
    limit = Project.wire_limits["Description"]["maxLength"]
    name = "Ombyggnad av kvarteret Svanen, etapp två, hus A och B"
    assert len(name) > limit
    HostProject.model_validate({"number": "P1", "name": name})  # the host model alone takes it
    refused = await api.put("/api/v1/projects/p1", json={"number": "P1", "name": name})
    assert refused.status_code == 422
    (error,) = refused.json()["errors"]
    assert (error["path"], error["type"]) == ("$.name", "fortnox_max_length")
    assert f"at most {limit} characters in Project.Description" in error["message"]
    fits = await api.put("/api/v1/projects/p1", json={"number": "P1", "name": name[:limit]})
    assert fits.status_code == 201


async def test_unique_fields_are_enforced_without_regard_to_case(
    api: httpx.AsyncClient, sessions: sessionmaker[Session]
) -> None:
    await api.put("/api/v1/employees/e1", json=KARIN)
    before = stored(sessions)
    taken = await api.put("/api/v1/employees/e2", json={**KARIN, "email": "Karin.Ek@Example.se"})
    assert taken.status_code == 422
    (error,) = taken.json()["errors"]
    assert (error["path"], error["type"]) == ("$.email", "unique")
    assert "already used by employee 'e1'" in error["message"]
    assert stored(sessions) == before  # the rejected record changed nothing

    same_record = await api.put("/api/v1/employees/e1", json={**KARIN, "city": "Lund"})
    assert same_record.status_code == 200  # a record may keep its own value
    await api.delete("/api/v1/employees/e1")
    freed = await api.put("/api/v1/employees/e2", json=KARIN)
    assert freed.status_code == 201  # a deleted record holds no value


# -- lists -------------------------------------------------------------------------------------


async def test_lists_page_in_change_order_with_updated_since_and_deletions(
    api: httpx.AsyncClient, clock: ManualClock
) -> None:
    for number in range(1, 6):
        await api.put(f"/api/v1/employees/e{number}", json=person(number))
        clock.advance(60)
    await api.put("/api/v1/employees/e2", json={**person(2), "city": "Visby"})  # e2 moves last
    await api.delete("/api/v1/employees/e3")

    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await api.get("/api/v1/employees", params=params)).json()
        seen += [record["external_id"] for record in page["data"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["e1", "e4", "e5", "e2"]
    assert pages == 2

    since = (NOW.replace(minute=4)).isoformat()
    recent = (
        await api.get(
            "/api/v1/employees", params={"updated_since": since, "include_deleted": "true"}
        )
    ).json()
    assert [(r["external_id"], r["deleted"]) for r in recent["data"]] == [
        ("e5", False),
        ("e2", False),
        ("e3", True),
    ]
    assert recent["next_cursor"] is None
    naive = await api.get("/api/v1/employees", params={"updated_since": "2026-03-01T09:04:00"})
    assert [r["external_id"] for r in naive.json()["data"]] == ["e5", "e2"]
    bad = await api.get("/api/v1/employees", params={"cursor": "bm9wZQ"})
    assert (bad.status_code, bad.json()["errors"][0]["path"]) == (422, "query.cursor")


# -- batches -----------------------------------------------------------------------------------


async def test_a_batch_stores_the_good_records_and_rejects_each_bad_one_alone(
    api: httpx.AsyncClient,
    sessions: sessionmaker[Session],
    changes: list[tuple[int, str, str]],
) -> None:
    await api.put("/api/v1/employees/old", json=person(9))
    await api.put("/api/v1/employees/gone", json=person(8))
    changes.clear()
    records: list[Any] = [
        {"external_id": "e1", "data": person(1)},
        {"external_id": "e2", "data": {**person(2), "email": "not-an-address"}},
        {"external_id": "e3", "data": {**person(3), "nickname": "x"}},
        {"op": "delete", "external_id": "nobody"},
        {"external_id": "e1", "data": person(11)},
        "not a record",
        {"external_id": "e4", "data": {**person(4), "email": "P9@example.se"}},
        {"op": "delete", "external_id": "gone"},
        {"external_id": "old", "data": {**person(9), "city": "Umeå"}},
        {"external_id": "e5"},
    ]
    answer = await api.post("/api/v1/employees:batch", json={"records": records})
    assert answer.status_code == 200
    body = answer.json()
    results = body["results"]
    assert [(r["index"], r["external_id"], r["status"]) for r in results] == [
        (0, "e1", "created"),
        (1, "e2", "rejected"),
        (2, "e3", "rejected"),
        (3, "nobody", "rejected"),
        (4, "e1", "rejected"),
        (5, None, "rejected"),
        (6, "e4", "rejected"),
        (7, "gone", "deleted"),
        (8, "old", "updated"),
        (9, "e5", "rejected"),
    ]
    errors = {r["index"]: [(e["path"], e["type"]) for e in r["errors"]] for r in results}
    assert errors[1] == [("$.records[1].data.email", "value_error")]
    assert errors[2] == [("$.records[2].data.nickname", "extra_forbidden")]
    assert errors[3] == [("$.records[3].external_id", "not_found")]
    assert errors[4] == [("$.records[4].external_id", "duplicate_external_id")]
    assert errors[5] == [("$.records[5]", "model_type")]
    assert errors[6] == [("$.records[6].data.email", "unique")]
    assert errors[9] == [("$.records[9].data", "missing")]
    assert body["counts"] == {
        "created": 1,
        "updated": 1,
        "unchanged": 0,
        "deleted": 1,
        "rejected": 7,
    }
    assert [r["version"] for r in results if r["status"] != "rejected"] == [1, 2, 2]
    assert all(r["operation_id"] for r in results if r["status"] != "rejected")
    assert all(r["operation_id"] is None for r in results if r["status"] == "rejected")

    state = stored(sessions)
    assert sorted((m[1], m[2], m[3]) for m in state["mirror"]) == [
        ("e1", 1, False),
        ("gone", 2, True),
        ("old", 2, False),
    ]
    assert sorted(external_id for _, external_id, *_ in state["operations"][2:]) == [
        "e1",
        "gone",
        "old",
    ]
    assert sorted(external_id for _, _, external_id in changes) == ["e1", "gone", "old"]


async def test_unique_values_move_inside_one_batch_in_order(api: httpx.AsyncClient) -> None:
    await api.put("/api/v1/employees/a", json=person(1))
    answer = await api.post(
        "/api/v1/employees:batch",
        json={
            "records": [
                {"external_id": "b", "data": person(2)},
                {"external_id": "c", "data": {**person(3), "email": "P2@example.se"}},
                {"external_id": "a", "data": {**person(1), "email": "new@example.se"}},
                {"external_id": "d", "data": {**person(4), "email": "p1@example.se"}},
            ]
        },
    )
    results = answer.json()["results"]
    assert [r["status"] for r in results] == ["created", "rejected", "updated", "created"]
    assert "already used by employee 'b'" in results[1]["errors"][0]["message"]


async def test_a_batch_of_more_than_1000_records_is_refused_whole(
    api: httpx.AsyncClient, sessions: sessionmaker[Session]
) -> None:
    records = [{"external_id": f"e{n}", "data": person(n)} for n in range(1001)]
    answer = await api.post("/api/v1/employees:batch", json={"records": records})
    assert answer.status_code == 413
    assert answer.json()["error"] == "batch_too_large"
    assert "at most 1,000 records" in answer.json()["detail"]
    assert stored(sessions)["mirror"] == []
    envelope = await api.post("/api/v1/employees:batch", json={"rows": []})
    assert envelope.status_code == 422
    assert sorted(e["path"] for e in envelope.json()["errors"]) == ["$.records", "$.rows"]


async def test_a_batch_of_time_entries_uses_the_entity_model(api: httpx.AsyncClient) -> None:
    answer = await api.post(
        "/api/v1/time-entries:batch",
        json={
            "records": [
                {"external_id": "t1", "data": {"employee": "e1", "date": "2026-03-02", "hours": 8}},
                {
                    "external_id": "t2",
                    "data": {"employee": "e1", "date": "2026-03-02", "hours": 25},
                },
            ]
        },
    )
    results = answer.json()["results"]
    assert [r["status"] for r in results] == ["created", "rejected"]
    assert results[1]["errors"][0]["path"] == "$.records[1].data.hours"
    stored_entry = (await api.get("/api/v1/time-entries/t1")).json()
    assert stored_entry["entity"] == "time_entry"
    assert stored_entry["data"]["hours"] == "8"


# -- pure helpers ------------------------------------------------------------------------------


def test_merge_patch_follows_rfc_7396() -> None:
    target = {"a": "b", "c": {"d": "e", "f": "g"}, "keep": 1}
    patch = {"a": "z", "c": {"f": None, "h": [1]}, "new": {"x": None, "y": 2}}
    assert merge_patch(target, patch) == {
        "a": "z",
        "c": {"d": "e", "h": [1]},
        "keep": 1,
        "new": {"y": 2},
    }
    assert target["c"] == {"d": "e", "f": "g"}  # the target is not changed in place
    assert merge_patch({"a": 1}, ["list"]) == ["list"]  # a non-object replaces the whole


def test_error_locations_become_json_paths() -> None:
    assert json_path(("records", 3, "data", "email")) == "$.records[3].data.email"
    assert json_path(("weird key", 'quo"te')) == '$["weird key"]["quo\\"te"]'
    assert request_path(("body", "email"), "missing") == "$.email"
    assert request_path(("body", 12), "json_invalid") == "$"
    assert request_path(("query", "limit"), "greater_than_equal") == "query.limit"
    assert request_path(("header", "Idempotency-Key"), "x") == "header.idempotency-key"


def test_the_batch_ingest_benchmark_runs_in_a_small_size() -> None:
    script = Path(__file__).resolve().parents[2] / "bench" / "batch_ingest.py"
    done = subprocess.run(
        [sys.executable, str(script), "--records", "300", "--batch", "100", "--runs", "1"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert (result["records"], result["batch_size"], result["store"]) == (300, 100, "sqlite")
    assert result["created_records_per_second"] > 0


async def test_a_write_that_collides_with_a_concurrent_create_is_run_again(
    api: httpx.AsyncClient, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    await api.put("/api/v1/employees/e1", json=KARIN)
    real_rows = MirrorRepository.rows
    calls: list[int] = []

    def first_blind(self: MirrorRepository, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        # the first attempt does not see e1 yet, as if another request created it meanwhile
        return {} if len(calls) == 1 else real_rows(self, *args, **kwargs)

    monkeypatch.setattr(MirrorRepository, "rows", first_blind)
    answer = await api.put("/api/v1/employees/e1", json={**KARIN, "city": "Lund"})
    assert (answer.status_code, answer.json()["status"], answer.json()["version"]) == (
        200,
        "updated",
        2,
    )
    assert len(calls) == 2
    assert [(o.version, o.status) for o in operations(sessions)] == [
        (1, "superseded"),
        (2, "pending"),
    ]
