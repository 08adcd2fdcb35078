"""The flows and mappings pages over the real store (SQLite and PostgreSQL): settings forms made
from the flows' settings models, absence cause codes, PAXml codes through the host record write,
validation next to the field with nothing saved, and CSRF refusal."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.mappings import MappedValue, MappingRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.models import ChangeOperation
from fortnox_bridge.store.tenants import TenantRepository
from fortnox_bridge.web.context import WebContext
from integration.web.support import csrf_of

Changes = list[tuple[int, str, str]]


@pytest.fixture
def tenant_id(sessions: sessionmaker[Session], clock: ManualClock) -> int:
    """A tenant of every family with three absence types and a project."""
    with sessions.begin() as session:
        tenant = TenantRepository(session).create("Mappings AB", now=clock.now())
        tenant.families = ["hr", "ledger", "payroll", "projects", "service"]
        mirror = MirrorRepository(session)
        for code, name in (("sick", "Sick leave"), ("gym", "Gym hour"), ("course", "Course day")):
            mirror.upsert(
                tenant.id, "absence_type", code, {"code": code, "name": name}, now=clock.now()
            )
        mirror.upsert(
            tenant.id, "project", "p1", {"number": "P1", "name": "Bygget", "paxml_code": "TID"},
            now=clock.now(),
        )  # fmt: skip
        return tenant.id


@pytest.fixture
def changes(web_context: WebContext) -> Changes:
    """The host changes the pages hand to the engine."""
    seen: Changes = []
    web_context.hooks.on_change = lambda tenant, entity, external_id: seen.append(
        (tenant, entity, external_id)
    )
    return seen


def _error_of(html: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="e-{re.escape(field)}">([^<]*)</p>', html)
    assert found, f"no message next to {field}"
    return found.group(1)


def _configs(
    sessions: sessionmaker[Session], tenant_id: int
) -> dict[str, tuple[bool, dict[str, Any]]]:
    with sessions.begin() as session:
        rows = FlowConfigRepository(session).for_tenant(tenant_id)
        return {name: (row.enabled, dict(row.settings)) for name, row in rows.items()}


# -- flows --------------------------------------------------------------------------------------


def test_the_flows_page_shows_every_flow_with_a_form_from_its_settings_model(
    signed_in: TestClient, tenant_id: int, web_context: WebContext
) -> None:
    page = signed_in.get(f"/ui/tenants/{tenant_id}/flows").text
    for flow in web_context.flows:
        assert f'id="flow-{flow.name}"' in page
    assert 'name="setting-period_start_day" type="number"' in page
    assert 'min="1" max="28"' in page
    assert 'name="setting-import_unmatched" value="true"' in page
    assert 'name="setting-default_schedule" type="text"' in page
    assert "The Fortnox working-time schedule (ScheduleId" in page
    assert '<option value="wait_for_plan" selected>Wait for the first-synchronization plan' in page
    assert '<option value="adopt" >Link to the Fortnox employee and update it' in page
    back = f"/tenants/{tenant_id}/flows"
    signed_in.post(
        "/ui/language", data={"language": "sv", "back": back, "csrf_token": csrf_of(page)}
    )
    swedish = signed_in.get(f"/ui/tenants/{tenant_id}/flows").text
    assert "Anställda som redan finns i Fortnox" in swedish
    assert ">Vänta på planen för den första synkroniseringen</option>" in swedish
    assert "Arbetstidsschemat i Fortnox (ScheduleId" in swedish


def test_a_bad_setting_is_shown_next_to_its_field_and_nothing_is_saved(
    signed_in: TestClient, tenant_id: int, sessions: sessionmaker[Session]
) -> None:
    token = csrf_of(signed_in.get(f"/ui/tenants/{tenant_id}/flows").text)
    cases = [
        ("payroll.attendance.push", {"setting-period_start_day": "40"}, "period_start_day", "less than or equal to 28"),  # noqa: E501
        ("payroll.attendance.push", {"setting-period_start_day": "soon"}, "period_start_day", "valid integer"),  # noqa: E501
        ("hr.employee.push", {"setting-default_schedule": "MUCH-TOO-LONG"}, "default_schedule", "at most 10 characters"),  # noqa: E501
    ]  # fmt: skip
    for flow, form, field, message in cases:
        answer = signed_in.post(
            f"/ui/tenants/{tenant_id}/flows/{flow}",
            data={"enabled": "true", **form, "csrf_token": token},
        )
        assert answer.status_code == 400, form
        assert message in _error_of(answer.text, f"{flow}-{field}"), form
        assert f'value="{next(iter(form.values()))}"' in answer.text
    assert _configs(sessions, tenant_id) == {}


def test_saving_a_flow_turns_it_on_or_off_and_keeps_its_settings(
    signed_in: TestClient, tenant_id: int, sessions: sessionmaker[Session]
) -> None:
    token = csrf_of(signed_in.get(f"/ui/tenants/{tenant_id}/flows").text)
    saved = signed_in.post(
        f"/ui/tenants/{tenant_id}/flows/hr.employee.push",
        data={"enabled": ["false", "true"], "setting-default_schedule": "HEL", "csrf_token": token},
    )
    assert saved.status_code == 303
    signed_in.post(
        f"/ui/tenants/{tenant_id}/flows/hr.employee.pull",
        data={
            "enabled": "false",
            "setting-import_unmatched": ["false", "true"],
            "csrf_token": token,
        },
    )
    signed_in.post(
        f"/ui/tenants/{tenant_id}/flows/payroll.absence.push",
        data={"enabled": "false", "setting-period_start_day": "25", "csrf_token": token},
    )
    waiting = {"existing_in_fortnox": "wait_for_plan"}
    holding = {"missing_project": "hold", "missing_cost_center": "hold"}
    assert _configs(sessions, tenant_id) == {
        "hr.employee.push": (True, {"default_schedule": "HEL", **waiting}),
        "hr.employee.pull": (False, {"import_unmatched": True}),
        "payroll.absence.push": (False, {"period_start_day": 25, **holding}),
    }
    page = signed_in.get(saved.headers["location"].split("#")[0]).text
    assert "Saved the settings of Employees to Fortnox." in page
    assert 'name="setting-default_schedule" type="text" value="HEL"' in page
    # An emptied field goes back to the model's default.
    signed_in.post(
        f"/ui/tenants/{tenant_id}/flows/hr.employee.push",
        data={"enabled": ["false", "true"], "setting-default_schedule": "", "csrf_token": token},
    )
    assert _configs(sessions, tenant_id)["hr.employee.push"] == (
        True,
        {"default_schedule": None, **waiting},
    )


# -- mappings -----------------------------------------------------------------------------------


def test_absence_cause_codes_are_mapped_excluded_or_left_to_the_default(
    signed_in: TestClient, tenant_id: int, sessions: sessionmaker[Session]
) -> None:
    page = signed_in.get(f"/ui/tenants/{tenant_id}/mappings").text
    assert "Default (SJK)" in page
    assert "No default: choose a code" in page  # gym hours have no default
    token = csrf_of(page)
    answer = signed_in.post(
        f"/ui/tenants/{tenant_id}/mappings/causes",
        data={"cause-sick": "", "cause-gym": "PEM", "cause-course": "exclude", "csrf_token": token},
    )
    assert answer.status_code == 303
    with sessions.begin() as session:
        assert MappingRepository(session).for_tenant(tenant_id)["absence_cause"] == {
            "gym": MappedValue("PEM", excluded=False),
            "course": MappedValue(None, excluded=True),
        }
    page = signed_in.get(f"/ui/tenants/{tenant_id}/mappings").text
    assert "Saved the absence cause codes (2 changed)." in page
    assert re.search(r'name="cause-gym".*?<option value="PEM" selected>', page, re.S)
    assert re.search(r'name="cause-course".*?<option value="exclude" selected>', page, re.S)
    assert "0 absence(s) do not follow the current mapping." in page
    # Back to the default: the mapping is removed.
    signed_in.post(
        f"/ui/tenants/{tenant_id}/mappings/causes",
        data={"cause-gym": "", "cause-course": "exclude", "csrf_token": token},
    )
    with sessions.begin() as session:
        assert MappingRepository(session).for_tenant(tenant_id)["absence_cause"] == {
            "course": MappedValue(None, excluded=True)
        }


def test_a_bad_cause_code_is_shown_next_to_its_field_and_nothing_is_saved(
    signed_in: TestClient, tenant_id: int, sessions: sessionmaker[Session]
) -> None:
    token = csrf_of(signed_in.get(f"/ui/tenants/{tenant_id}/mappings").text)
    answer = signed_in.post(
        f"/ui/tenants/{tenant_id}/mappings/causes",
        data={
            "cause-gym": "PEM",
            "cause-course": "HOLIDAY",
            "cause-ghost": "SJK",
            "csrf_token": token,
        },
    )
    assert answer.status_code == 400
    assert "HOLIDAY is not a Fortnox absence cause code" in _error_of(answer.text, "cause-course")
    assert re.search(
        r'<div class="form-error" role="alert">There is no such absence type', answer.text
    )
    assert re.search(r'name="cause-gym".*?<option value="PEM" selected>', answer.text, re.S)
    with sessions.begin() as session:
        assert MappingRepository(session).for_tenant(tenant_id) == {}


def test_paxml_codes_change_the_host_records_as_the_api_does(
    signed_in: TestClient,
    tenant_id: int,
    sessions: sessionmaker[Session],
    changes: Changes,
) -> None:
    page = signed_in.get(f"/ui/tenants/{tenant_id}/mappings").text
    token = csrf_of(page)
    bad = signed_in.post(
        f"/ui/tenants/{tenant_id}/mappings/paxml",
        data={"paxml-project-p1": "NOPE", "paxml-absence_type-gym": "SEM", "csrf_token": token},
    )
    assert bad.status_code == 400
    assert "NOPE is not a PAXml code" in _error_of(bad.text, "paxml-project-p1")
    with sessions.begin() as session:
        assert session.scalars(select(ChangeOperation)).all() == []
    answer = signed_in.post(
        f"/ui/tenants/{tenant_id}/mappings/paxml",
        data={
            "paxml-project-p1": "OB1",
            "paxml-absence_type-gym": "SEM",
            "paxml-absence_type-sick": "",
            "csrf_token": token,
        },
    )
    assert answer.status_code == 303
    with sessions.begin() as session:
        mirror = MirrorRepository(session)
        project = {r.external_id: r for r in mirror.live(tenant_id, "project")}["p1"]
        types = {r.external_id: r for r in mirror.live(tenant_id, "absence_type")}
        assert project.payload["paxml_code"] == "OB1"
        assert types["gym"].payload["paxml_code"] == "SEM"
        assert "paxml_code" not in types["sick"].payload
        operations = session.scalars(select(ChangeOperation)).all()
        assert sorted(op.external_id for op in operations) == ["gym", "p1"]
    assert sorted(changes) == [(tenant_id, "absence_type", "gym"), (tenant_id, "project", "p1")]
    page = signed_in.get(f"/ui/tenants/{tenant_id}/mappings").text
    assert "Saved the PAXml codes (2 changed)." in page
    assert re.search(r'name="paxml-project-p1".*?<option value="OB1" selected>', page, re.S)


def test_every_form_of_the_flows_and_mappings_pages_refuses_a_post_without_the_csrf_token(
    signed_in: TestClient, tenant_id: int, sessions: sessionmaker[Session]
) -> None:
    posts = {
        f"/ui/tenants/{tenant_id}/flows/hr.employee.push": {"enabled": "true"},
        f"/ui/tenants/{tenant_id}/mappings/causes": {"cause-gym": "PEM"},
        f"/ui/tenants/{tenant_id}/mappings/paxml": {"paxml-project-p1": "OB1"},
        f"/ui/tenants/{tenant_id}/mappings/rewrite": {},
    }
    for path, data in posts.items():
        for token in (None, "wrong"):
            answer = signed_in.post(path, data=data | ({"csrf_token": token} if token else {}))
            assert answer.status_code == 403, path
            assert "Nothing was changed" in answer.text
    assert _configs(sessions, tenant_id) == {}
    with sessions.begin() as session:
        assert MappingRepository(session).for_tenant(tenant_id) == {}
        assert session.scalars(select(ChangeOperation)).all() == []
