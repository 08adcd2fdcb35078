"""The absence rules that need no Fortnox: cause codes and when an absence is sent."""

from __future__ import annotations

from typing import Any

import pytest

from fortnox_bridge.cli.work.demo_data import DEMO_ABSENCE_TYPES, demo_absences
from fortnox_bridge.flows.hr.absence_causes import CAUSE_CODES, UnmappedType, cause_for
from fortnox_bridge.flows.hr.absence_push import AbsencePush
from fortnox_bridge.flows.hr.records import HostAbsence, HostAbsenceType


@pytest.mark.parametrize(
    ("code", "name", "cause"),
    [
        ("sick", "Sick leave", "SJK"),
        ("egen", "Self-certified sick leave", "SJK"),
        ("self_certification", "Egenanmälan", "SJK"),
        ("SJUK", "Sjukfrånvaro", "SJK"),
        ("vacation", "Vacation", "SEM"),
        ("x1", "Semester", "SEM"),
        ("vab", "Vård av barn", "VAB"),
        ("x2", "Care of sick child", "VAB"),
        ("parental", "Parental leave", "FPE"),
        ("x3", "Föräldraledighet", "FPE"),
        ("TJL", "Whatever the name", "TJL"),  # the code is a Fortnox cause code itself
    ],
)
def test_unmapped_types_get_their_default_cause(code: str, name: str, cause: str) -> None:
    assert cause_for({"code": code, "name": name}, {})[0] == cause


def test_the_mapping_wins_and_excluded_means_none() -> None:
    mappings = {"absence_cause": {"sick": "OS1", "vacation": None}}
    assert cause_for({"code": "sick", "name": "Sick leave"}, mappings)[0] == "OS1"
    assert cause_for({"code": "vacation", "name": "Vacation"}, mappings)[0] is None


def test_an_unknown_type_or_a_bad_mapping_says_how_to_fix_it() -> None:
    with pytest.raises(UnmappedType, match="--kind absence_cause --local odd"):
        cause_for({"code": "odd", "name": "Studiedag"}, {})
    with pytest.raises(UnmappedType, match="not a Fortnox absence cause code"):
        cause_for({"code": "sick", "name": "Sick"}, {"absence_cause": {"sick": "XYZ"}})
    assert {"SJK", "SEM", "VAB", "FPE"} <= CAUSE_CODES


def head(**changes: Any) -> tuple[bool, str, Any]:
    record = {
        "employee": "7",
        "absence_type": "sick",
        "start": "2026-01-05",
        "end": "2026-01-09",
        "status": "approved",
        "extent": "50.00",
        **changes,
    }
    kind = {"code": "sick", "name": "Sick leave", "counts_as_work_days": True}
    if "kind" in changes:
        kind = changes.pop("kind")
        record.pop("kind")
    found = AbsencePush().head(record, {"absence_type": kind, "employee": None})
    return found.wanted, found.reason, found.fields


def test_an_approved_absence_with_an_end_is_sent_with_its_cause_and_extent() -> None:
    wanted, _, fields = head()
    assert wanted
    assert fields == {
        "employee_id": "7",
        "absence_type": "sick",
        "cause_code": "SJK",
        "start": "2026-01-05",
        "end": "2026-01-09",
        "extent": "50",
    }


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"status": "requested"}, "not approved"),
        ({"status": "cancelled"}, "not approved"),
        ({"end": None}, "no end date"),
        ({"kind": {"code": "course", "name": "Course", "counts_as_work_days": False}}, "work days"),
        ({"kind": {"code": "odd", "name": "Odd", "counts_as_work_days": False}}, "work days"),
    ],
)
def test_what_is_not_sent_and_why(changes: dict[str, Any], why: str) -> None:
    wanted, reason, _ = head(**changes)
    assert not wanted
    assert why in reason


def test_an_unknown_absence_type_is_an_error_that_names_it() -> None:
    with pytest.raises(ValueError, match="absence type 'sick' is unknown"):
        AbsencePush().head({"absence_type": "sick", "start": "2026-01-05"}, {"absence_type": None})


def test_the_demo_absences_are_valid_host_records() -> None:
    types = {external_id for external_id, _ in DEMO_ABSENCE_TYPES}
    for _, payload in DEMO_ABSENCE_TYPES:
        HostAbsenceType.model_validate(payload)
    absences = demo_absences()
    assert absences == demo_absences()
    for _, payload in absences:
        assert HostAbsence.model_validate(payload).absence_type in types
