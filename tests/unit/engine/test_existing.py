"""Creates that meet a record Fortnox already holds: held for the plan, adopted, or a problem —
never a second record."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fortnox_bridge.engine.sync.existing import Index, meet_existing, reads_existing
from fortnox_bridge.engine.sync.first_sync import Hold
from fortnox_bridge.engine.sync.planning import PlanContext, PlannedItem, RecordState, plan_record
from fortnox_bridge.flows.hr.employee_push import EmployeePush, EmployeePushSettings

WAIT = EmployeePush()
ADOPT = EmployeePush(EmployeePushSettings(existing_in_fortnox="adopt"))


def create(external_id: str, email: str, **extra: Any) -> PlannedItem:
    payload = {"email": email, "given_name": "Karin", "family_name": "Ek", **extra}
    return plan_record(WAIT, RecordState(external_id, payload, 1, False), PlanContext())


def fortnox(fortnox_id: str, email: str, **extra: Any) -> tuple[str, dict[str, Any]]:
    fields = {"employee_id": fortnox_id, "email": email, "first_name": "Karin", "last_name": "Ek"}
    return fortnox_id, {**fields, **extra}


def index(*rows: tuple[str, dict[str, Any]]) -> Index:
    found: Index = {}
    for fortnox_id, data in rows:
        key = WAIT.key_of(data)
        assert key is not None
        found.setdefault(key, []).append((fortnox_id, data))
    return found


def test_only_creates_with_a_key_of_a_flow_that_matches_existing_records_read_fortnox() -> None:
    new = create("e1", "karin@x.se")
    assert reads_existing(WAIT, [new])
    assert not reads_existing(WAIT, [replace(new, action="update")])
    assert not reads_existing(WAIT, [replace(new, recover=True)])  # it looks itself up
    assert not reads_existing(WAIT, [replace(new, natural_key=None)])


def test_a_match_waits_for_the_plan_and_the_rest_is_created() -> None:
    items = [create("e1", "Karin@X.se"), create("e2", "new@x.se")]
    waiting, created = meet_existing(WAIT, items, index(fortnox("7", "karin@x.se")))
    assert (waiting.action, waiting.problem, waiting.changes) == ("skip", True, {})
    assert waiting.reason.startswith("Fortnox already has employee 7 with its email; it is not")
    assert "waits for the first-synchronization plan ('fortnox-bridge hr first-sync plan" in (
        waiting.reason
    )
    assert "set hr.employee.push's existing_in_fortnox to adopt" in waiting.reason
    assert created == items[1]


def test_adopt_picks_the_one_match_or_the_one_that_agrees_and_never_guesses() -> None:
    items = [create("e1", "karin@x.se"), create("e2", "anna@x.se"), create("e3", "nils@x.se")]
    found = index(
        fortnox("7", "karin@x.se", city="Lund"),
        fortnox("8", "anna@x.se", first_name="Anna"),
        fortnox("9", "anna@x.se"),  # agrees with e2 in every value it shows
        fortnox("10", "nils@x.se", first_name="Nils"),
        fortnox("11", "nils@x.se", first_name="Nisse"),
    )
    one, agreeing, ambiguous = meet_existing(ADOPT, items, found)
    assert (one.action, one.existing, one.fortnox_id) == ("create", found["karin@x.se"][0], "7")
    assert one.reason.startswith("already in Fortnox (employee 7, same email): adopt it")
    assert (agreeing.existing or ("",))[0] == "9"
    assert (ambiguous.action, ambiguous.problem, ambiguous.existing) == ("skip", True, None)
    assert ambiguous.reason.startswith("several Fortnox records have its email (10, 11)")


def test_a_record_is_adopted_once_and_never_one_the_plan_left_out() -> None:
    twins = [create("e1", "karin@x.se"), create("e2", "KARIN@x.se")]
    first, second = meet_existing(ADOPT, twins, index(fortnox("7", "karin@x.se")))
    assert (first.existing or ("",))[0] == "7"
    assert (second.action, second.problem) == ("skip", True)
    assert "another record adopts it in this run" in second.reason
    hold = Hold("employee", 4, "left out", fortnox_ids=frozenset({"7"}))
    (left,) = meet_existing(ADOPT, twins[:1], index(fortnox("7", "karin@x.se")), hold)
    assert (left.action, left.existing) == ("skip", None)
    assert "which the first synchronization (plan 4) left out" in left.reason
