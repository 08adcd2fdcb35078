"""A problem's texts follow what the bridge tried with the record, in the page's language."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from starlette.requests import Request

from fortnox_bridge.fortnox import explanations
from fortnox_bridge.services.problems import Attempt, Problem
from fortnox_bridge.web.i18n import translations
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
        ("hr.employee.push", Attempt("run", "failed"), "flow Employees to Fortnox", "None of"),
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


ATTEMPTS = [
    Attempt("create", "failed"),
    Attempt("update", "failed"),
    Attempt("delete", "failed"),
    Attempt("skip", "skipped"),
    Attempt("run", "failed"),
]


@pytest.mark.parametrize("language", ["en", "sv"])
def test_what_it_means_is_its_own_for_each_action_and_the_fix_never_repeats_what_happened(
    language: str,
) -> None:
    request = _request(language)
    means = set()
    for attempt in ATTEMPTS:
        said = problem_text(request, _problem(message="refused"), attempt)
        # An engine fix that says word for word what happened gives way to the page's own.
        echo = _problem(message="refused", fix=said.happened)
        text = problem_text(request, echo, attempt)
        assert text.fix.strip(".") not in text.happened
        assert text.happened not in text.fix
        assert text.fix != text.details
        means.add(text.means)
    pulled = problem_text(request, _problem("hr.employee.pull"), Attempt("import", "failed"))
    means.add(pulled.means)
    assert len(means) == len(ATTEMPTS) + 1


def test_fortnox_s_explanation_and_fix_are_swedish_on_the_swedish_page() -> None:
    known = explanations.explain(2000433, 400)
    problem = _problem(
        code=2000433, status=400, message="Kunden hittades inte",
        explanation=known.explanation, fix=known.fix,
    )  # fmt: skip
    text = problem_text(_request("sv"), problem, Attempt("create", "failed"))
    assert (text.code_means, text.code_means_lang) == ("Kunden finns inte i Fortnox.", "sv")
    assert text.fix == "Lägg upp kunden i Fortnox eller rätta kundnumret."
    assert text.fix_lang == "sv"
    english = problem_text(_request("en"), problem, Attempt("create", "failed"))
    assert english.code_means == known.explanation


def test_an_engine_text_without_a_translation_stays_english_and_says_so() -> None:
    problem = _problem(message="no employment id", explanation="the host sent no id")
    text = problem_text(_request("sv"), problem, Attempt("skip", "skipped"))
    assert (text.details, text.details_lang) == ("no employment id the host sent no id", "en")


def test_every_explanation_of_a_fortnox_error_has_a_swedish_translation() -> None:
    swedish = translations("sv")
    table = [*explanations._TABLE.values(), *explanations._BY_STATUS.values()]
    texts = {t for e in [*table, explanations.UNKNOWN] for t in (e.explanation, e.fix)}
    texts |= {  # the bridge's own, shown the same way
        "Fortnox did not answer usably; the bridge tries again.",
        "Fortnox does not change an order once it is invoiced; the change was not sent.",
        "Correct it with a new voucher in Fortnox, or change the record in the host.",
    }
    missing = sorted(text for text in texts if swedish.gettext(text) == text)
    assert not missing
