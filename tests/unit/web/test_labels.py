"""Internal names in words: every flow has a title, and the tables translate to Swedish."""

from __future__ import annotations

from fortnox_bridge.engine.flow.registry import discover_flows
from fortnox_bridge.web.i18n import translations
from fortnox_bridge.web.labels import FLOW_TITLES, flow_about, flow_title, label, tidy

SV = translations("sv").gettext


def test_every_flow_has_a_title_in_both_languages() -> None:
    names = {flow.name for flow in discover_flows()}
    assert names - set(FLOW_TITLES) == set(), "flows without a title"
    assert set(FLOW_TITLES) - names == set(), "titles of flows that do not exist"
    for name in names:
        assert flow_title(name, SV) != flow_title(name, str), name


def test_the_titles_and_descriptions_read_as_words() -> None:
    assert flow_title("hr.employee.push", str) == "Employees to Fortnox"
    assert flow_title("hr.employee.push", SV) == "Anställda till Fortnox"
    employee_push = next(f for f in discover_flows() if f.name == "hr.employee.push")
    assert flow_about(employee_push.__doc__, SV).startswith("Skapar, uppdaterar")


def test_labels_translate_and_unknown_names_are_tidied() -> None:
    assert label("kind", "resync", SV) == "Omsynkronisering"
    assert label("status", "succeeded", SV) == "Lyckades"
    assert label("action", "create", SV) == "Skapa"
    assert label("outcome", "skipped", str) == "Skipped"
    assert label("status", "some_new_state", SV) == "Some new state"
    assert label("kind", None, SV) == ""
    assert tidy("service.time_report") == "Service time report"
