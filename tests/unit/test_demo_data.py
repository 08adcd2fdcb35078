from __future__ import annotations

from fortnox_bridge.cli.work.demo_data import demo_employees
from fortnox_bridge.flows.hr.records import HostEmployee


def test_demo_employees_are_valid_reproducible_and_unique() -> None:
    first = demo_employees(40)
    assert first == demo_employees(40)  # same data on every run, so re-runs find nothing new
    assert [external_id for external_id, _ in first][:2] == ["emp-0001", "emp-0002"]
    emails = [payload["email"] for _, payload in first]
    assert len(set(emails)) == 40
    for _, payload in first:
        HostEmployee.model_validate(payload)
        assert payload["email"].isascii()
        assert payload["country"] == "Sverige"
        assert payload["phone"].startswith("070-")


def test_demo_employees_look_swedish() -> None:
    cities = {payload["city"] for _, payload in demo_employees(60)}
    names = {payload["family_name"] for _, payload in demo_employees(60)}
    assert any(ch in "".join(cities | names) for ch in "åäöÅÄÖ")
