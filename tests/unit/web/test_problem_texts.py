"""A problem's texts follow what the bridge tried with the record, in the page's language."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from starlette.requests import Request

from fortnox_bridge.services.problems import Attempt, Problem
from fortnox_bridge.web.problem_texts import problem_text


def _request(language: str) -> Request:
    return Request({"type": "http", "headers": [], "session": {"language": language}})


def _problem(flow: str = "hr.employee.push", **values: object) -> Problem:
    now = datetime(2026, 3, 1, tzinfo=UTC)
    fields: dict[str, object] = {
        "id": 1, "tenant_id": 1, "dedupe_key": f"{flow}:e1:skip", "flow": flow,
        "entity_type": "employee", "external_id": "e1", "reference": "Employee e1",
        "code": None, "status": None, "message": "", "explanation": "", "fix": "",
        "first_seen": now, "last_seen": now, "count": 1,
    }  # fmt: skip
    fields.update(values)
    return Problem(**fields)


@pytest.mark.parametrize(
    ("flow", "attempt", "happened", "means"),
    [
        ("hr.employee.push", Attempt("create", "failed"), "tried to create", "not in Fortnox"),
        ("hr.employee.push", Attempt("delete", "failed"), "tried to delete", "still in Fortnox"),
        ("hr.employee.push", Attempt("skip", "skipped"), "held Employee e1 back", "Nothing was"),
        ("hr.employee.pull", Attempt("import", "failed"), "could not read", "latest of this"),
        ("hr.employee.push", Attempt("run", "failed"), "flow hr.employee.push", "None of the"),
    ],
)
def test_what_happened_and_what_it_means_follow_the_attempt(
    flow: str, attempt: Attempt, happened: str, means: str
) -> None:
    text = problem_text(_request("en"), _problem(flow, message="refused"), attempt)
    assert happened in text.happened
    assert means in text.means


def test_a_fix_that_repeats_the_message_gives_way_to_one_for_a_person() -> None:
    problem = _problem(message="no employment id", fix="no employment id.")
    text = problem_text(_request("en"), problem, Attempt("skip", "skipped"))
    assert "no employment id" not in text.fix
    assert text.fix.startswith("Correct the record in the application")
    assert text.details == "no employment id"


def test_fortnox_s_answer_is_kept_as_sent_and_the_rest_is_swedish() -> None:
    problem = _problem(code=2000588, status=400, message="Ogiltig parameter", fix="Rätta det.")
    text = problem_text(_request("sv"), problem, Attempt("update", "failed"))
    assert (text.code, text.status, text.said) == (2000588, 400, "Ogiltig parameter")
    assert text.happened.startswith("Bryggan försökte uppdatera Employee e1")
    assert text.means.startswith("Fortnox har kvar posten")
    assert text.details == ""
