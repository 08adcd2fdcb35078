"""The pre-flight checklist's lines in the page's language: by their message ids, by their
shape with values, or as the engine wrote them, marked English."""

from __future__ import annotations

from starlette.requests import Request

from fortnox_bridge.engine.sync.preflight import Check
from fortnox_bridge.web.check_texts import check_line


def _request(language: str) -> Request:
    return Request({"type": "http", "headers": [], "session": {"language": language}})


def test_the_usual_lines_are_swedish_with_their_values() -> None:
    swedish = _request("sv")
    line = check_line(swedish, Check("access for hr.employee.push", "ok", "employees: readable"))
    assert (line["title"], line["detail"]) == (
        "åtkomst för Anställda till Fortnox",
        "employees: går att läsa",
    )
    assert line["title_lang"] == line["detail_lang"] == "sv"
    years = check_line(swedish, Check("financial years", "ok", "3 financial year(s) in Fortnox"))
    assert years["detail"] == "3 räkenskapsår i Fortnox"
    broken = Check(
        "connection",
        "fail",
        "the connection is needs_reauth",
        "connect the tenant to Fortnox (fortnox-bridge connect)",
    )
    line = check_line(swedish, broken)
    assert line["title"] == "koppling"
    assert line["detail"].startswith("kopplingen är: ")
    assert "needs_reauth" not in line["detail"]
    assert line["fix"] == "anslut kunden till Fortnox (fortnox-bridge connect)"


def test_a_line_no_catalogue_knows_stays_english_and_says_so() -> None:
    check = Check("financial years", "warn", "cannot read financial years: boom", "ask someone")
    line = check_line(_request("sv"), check)
    assert line["title_lang"] == "sv"
    assert (line["detail"], line["detail_lang"]) == ("cannot read financial years: boom", "en")
    assert (line["fix"], line["fix_lang"]) == ("ask someone", "en")
    english = check_line(_request("en"), Check("locked period", "ok", "no locked period"))
    assert (english["title"], english["detail"]) == ("locked period", "no locked period")


def test_a_line_with_message_ids_is_shown_from_them() -> None:
    texts = {"detail": "The Fortnox connection: %(state)s.", "values": {"state": "x"}}
    line = check_line(_request("sv"), Check("connection", "ok", "ignored", texts=texts))
    assert line["detail"] == "Anslutningen till Fortnox: x."
