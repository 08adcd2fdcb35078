"""Matching of the first synchronization of employees: who meets whom, and the duplicates."""

from __future__ import annotations

from typing import Any

from fortnox_bridge.flows.hr.first_sync_plan import (
    Duplicate,
    FortnoxRow,
    HostRow,
    differences,
    match,
    phone_key,
)


def h(ext: str, email: str | None, employment_id: str | None = None, **more: Any) -> HostRow:
    payload = {"email": email, "employment_id": employment_id, **more}
    linked = bool(payload.pop("linked", False))
    return HostRow(ext, {k: v for k, v in payload.items() if v is not None}, linked)


def f(fortnox_id: str, email: str | None, **more: Any) -> FortnoxRow:
    linked = bool(more.pop("linked", False))
    fields = {"email": email, **more}
    return FortnoxRow(fortnox_id, {k: v for k, v in fields.items() if v is not None}, linked)


def test_email_matches_trimmed_and_case_insensitive_then_employment_id() -> None:
    found = match(
        [h("a", " Anna@Example.se "), h("b", "bo@example.se", "7"), h("c", "cc@example.se")],
        [f("1", "anna@example.SE"), f("7", "other@example.se"), f("9", None)],
    )
    assert found.pairs == [("a", "1", "email"), ("b", "7", "employment_id")]
    assert (found.host_only, found.fortnox_only) == (["c"], ["9"])
    assert found.duplicates == []


def test_a_shared_email_matches_nobody_by_email_and_is_listed() -> None:
    found = match(
        [h("a", "same@example.se", "2"), h("z", "z@example.se")],
        [f("1", "same@example.se"), f("2", "SAME@example.se")],
    )
    assert found.pairs == [("a", "2", "employment_id")]
    assert found.fortnox_only == ["1"]
    assert found.duplicates == [Duplicate("fortnox", "email", "same@example.se", ("1", "2"))]


def test_linked_records_take_no_part_but_their_values_count_as_duplicates() -> None:
    found = match(
        [h("old", "x@example.se", linked=True), h("new", "x@example.se", phone="070-1")],
        [f("1", "x@example.se", linked=True), f("2", "y@example.se", linked=True)],
    )
    assert found.pairs == []
    assert found.host_only == ["new"]
    assert found.duplicates == [Duplicate("host", "email", "x@example.se", ("new", "old"))]
    only_linked = match(
        [h("a", "q@example.se", linked=True)], [f("1", "q@example.se", linked=True)]
    )
    assert (only_linked.pairs, only_linked.duplicates) == ([], [])


def test_employment_ids_shared_in_the_host_match_nothing() -> None:
    found = match([h("a", "a@x.se", "5"), h("b", "b@x.se", "5")], [f("5", "f@x.se")])
    assert found.pairs == []
    assert found.duplicates == [Duplicate("host", "employment_id", "5", ("a", "b"))]


def test_phones_are_compared_as_numbers() -> None:
    assert phone_key("+46 70-123 45 67") == phone_key("070-1234567") == "0701234567"
    assert phone_key("  ") is None
    found = match(
        [],
        [f("1", "a@x.se", phone1="070-123 45 67"), f("2", "b@x.se", phone1="+46701234567")],
    )
    assert found.duplicates == [Duplicate("fortnox", "phone", "0701234567", ("1", "2"))]
    assert found.fortnox_only == ["1", "2"]


def test_fortnox_ids_in_natural_order() -> None:
    found = match([], [f("10", None), f("9", None), f("A1", None)])
    assert found.fortnox_only == ["9", "10", "A1"]


def test_differences_treat_blank_and_missing_alike() -> None:
    fields = {"phone": "phone1", "city": "city", "country": "country"}
    host = {"phone1": "070", "city": "", "country": "Sverige"}
    remote = {"phone1": "08", "country": "Sverige"}
    assert differences(host, remote, fields) == {"phone": {"host": "070", "fortnox": "08"}}
