"""The voucher import's pure rules: which vouchers wait, how rows map, how Fortnox's rows now
are compared with the rows imported."""

from __future__ import annotations

from typing import Any

from fortnox_bridge.flows.projects.voucher_import import VoucherImport, host_row

FLOW = VoucherImport()


def fortnox_row(account: int, debit: float = 0, credit: float = 0, **extra: Any) -> dict[str, Any]:
    return {"account": account, "debit": debit, "credit": credit, **extra}


def rows(*fortnox: dict[str, Any]) -> list[dict[str, Any]]:
    return [host_row(row) for row in fortnox]


def test_a_voucher_waits_without_a_live_row_on_a_project() -> None:
    on_project = {"voucher_rows": [fortnox_row(4010, 100, project="P1"), fortnox_row(1930, 0, 100)]}
    removed = {"voucher_rows": [fortnox_row(4010, 100, project="P1", removed=True)]}
    assert FLOW.ready(on_project)
    assert not FLOW.ready(removed)
    assert not FLOW.ready({"voucher_rows": [fortnox_row(4010, 100)]})
    assert not FLOW.ready({})


def test_a_row_maps_with_its_note_and_amounts_as_numbers() -> None:
    row = host_row(fortnox_row(4010, "1000.5", project="P1", transaction_information="Virke"))
    assert row == {
        "account": 4010, "debit": 1000.5, "credit": 0.0, "project": "P1", "note": "Virke",
        "removed": False,
    }  # fmt: skip


def test_rows_added_are_new_and_existing_ones_match_once() -> None:
    imported = rows(fortnox_row(4010, 100, project="P1"), fortnox_row(1930, 0, 100))
    now = rows(
        fortnox_row(4010, 100, project="P1"), fortnox_row(1930, 0, 100),
        fortnox_row(4010, 100, project="P1"), fortnox_row(1930, 0, 100),
    )  # fmt: skip
    added, removed = FLOW.compare_rows(imported, now)
    assert (len(added), removed) == (2, [])
    assert FLOW.compare_rows(imported, imported) == ([], [])


def test_a_row_marked_removed_or_gone_is_removed_and_its_correction_added() -> None:
    imported = rows(fortnox_row(4010, 100, project="P1"), fortnox_row(1930, 0, 100))
    now = rows(
        fortnox_row(4010, 100, project="P1", removed=True), fortnox_row(4010, 100, project="P2")
    )
    added, removed = FLOW.compare_rows(imported, now)
    assert [row["project"] for row in added] == ["P2"]
    assert [row["account"] for row in removed] == [4010, 1930]


def test_a_voucher_is_named_by_series_number_and_year() -> None:
    record = {"series": "A", "number": 17, "date": "2026-03-02"}
    assert FLOW.reference("1-A-17", record) == "voucher A 17 (2026)"
    assert FLOW.reference("1-A-17", None) == "voucher 1-A-17"
