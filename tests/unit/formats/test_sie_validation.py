"""The SIE validation report: balances, results, period balances, labels per type, lines."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from fortnox_bridge.formats.sie.validation import validate

HEAD = (
    "#FLAGGA 0\n#PROGRAM test 1\n#FORMAT PC8\n#GEN 20240101\n#SIETYP 4\n#FNAMN Test\n"
    "#RAR 0 20240101 20241231\n#KONTO 1930 Bank\n#KONTO 3010 Sales\n"
)  # lines 1-9


def _report(text: str) -> list[tuple[str, int | None]]:
    report = validate(io.BytesIO(text.encode("cp437")))
    return [(f.code, f.line) for f in report.findings]


def test_a_consistent_4e_file_has_no_finding() -> None:
    text = HEAD + (
        "#IB 0 1930 100.00\n#UB 0 1930 150.00\n#RES 0 3010 -50.00\n"
        "#PSALDO 0 202401 1930 {} 50.00\n#PSALDO 0 202401 3010 {} -50.00\n"
        "#VER A 1 20240110\n{\n#TRANS 1930 {} 50.00\n#TRANS 3010 {} -50.00\n}\n"
    )
    report = validate(io.BytesIO(text.encode()))
    assert report.findings == []
    assert (report.ok, report.variant, report.vouchers, report.transactions) == (True, "4E", 1, 2)


def test_each_inconsistency_is_reported_at_its_line() -> None:
    text = HEAD + (
        "#IB 0 1930 100.00\n"  # 10
        "#UB 0 1930 170.00\n"  # 11: 100 + 50 = 150, not 170
        "#RES 0 3010 -40.00\n"  # 12: movements are -50
        "#PSALDO 0 202401 1930 {} 60.00\n"  # 13: the period moved 50; UB - IB is 70
        "#PSALDO 0 202501 3010 {} -50.00\n"  # 14: 2025-01 is outside the year
        "#VER A 1 20240110\n{\n#TRANS 1930 {} 50.00\n#TRANS 3010 {} -50.00\n}\n"  # 15-19
        "#VER A 2 20250110\n{\n#TRANS 1930 {} 10.00\n}\n"  # 20: outside the year, unbalanced
    )
    assert sorted(_report(text), key=str) == sorted(
        [
            ("SIE-UB", 11),
            ("SIE-RES", 12),
            ("SIE-PSALDO", 13),
            ("SIE-PSALDO-PERIOD", 13),
            ("SIE-PERIOD-OUTSIDE-YEAR", 14),
            ("SIE-PSALDO", 14),
            ("SIE-PSALDO-PERIOD", 14),
            ("SIE-UNBALANCED", 20),
            ("SIE-DATE-OUTSIDE-YEAR", 20),
        ],
        key=str,
    )


def test_labels_required_and_forbidden_per_type() -> None:
    text = "#FLAGGA 0\n#SIETYP 2\n#FNAMN x\n#DIM 1 Avd\n#VER A 1 20240101\n{\n}\n"
    findings = validate(io.BytesIO(text.encode())).findings
    missing = sorted(
        f.message.split()[3].rstrip(",") for f in findings if f.code == "SIE-REQUIRED-LABEL"
    )
    forbidden = sorted(f.message.split()[-1] for f in findings if f.code == "SIE-FORBIDDEN-LABEL")
    assert missing == ["#FORMAT", "#GEN", "#KONTO", "#OMFATTN", "#PROGRAM", "#RAR", "#SRU", "#UB"]
    assert forbidden == ["#DIM", "#VER"]


def test_balances_cover_only_the_vouchers_up_to_omfattn() -> None:
    text = HEAD + (
        "#OMFATTN 20240131\n#IB 0 1930 0\n#UB 0 1930 50.00\n#RES 0 3010 -50.00\n"
        "#VER A 1 20240110\n{\n#TRANS 1930 {} 50.00\n#TRANS 3010 {} -50.00\n}\n"
        "#VER A 2 20240210\n{\n#TRANS 1930 {} 20.00\n#TRANS 3010 {} -20.00\n}\n"
    )
    assert _report(text) == []


@pytest.mark.reference
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "fooconomic_unknown_label_MOMSKOD.se",
            {("SIE-UNKNOWN-LABEL", 21), ("SIE-UNBALANCED", 22)},
        ),
        ("Norstedts_Revision_2010_SIE1_KSUMMA_escaped_quotes.SE", {("SIE-REQUIRED-LABEL", None)}),
        ("Visma_Compact_6_SIE3_KSUMMA_objects.se", set()),
        ("Fortnox_Bokforing_2.0.0_Sie4.se", set()),
        ("Avendo_5.10_SIE4_RTRANS_BTRANS_indented.SE", set()),
        ("BL_Administration_2011_BL0001_typ4.SE", set()),
    ],
)
def test_findings_on_reference_samples(
    reference_dir: Path, name: str, expected: set[tuple[str, int | None]]
) -> None:
    with (reference_dir / "sie-samples" / name).open("rb") as stream:
        report = validate(stream)
    assert {(f.code, f.line) for f in report.findings} == expected


@pytest.mark.reference
def test_the_e_conomic_sample_does_not_add_up(reference_dir: Path) -> None:
    with (reference_dir / "sie-samples" / "e-conomic_1.0_SIE4.se").open("rb") as stream:
        report = validate(stream)
    errors = {(f.code, f.line) for f in report.errors}
    assert errors == {
        ("SIE-UB", 1267),
        ("SIE-UB", 1277),
        ("SIE-UB", 1279),
        ("SIE-UB", 1281),
        ("SIE-RES", 1294),
        ("SIE-RES", 1296),
        ("SIE-RES", 1297),
        ("SIE-RES", 1298),
    }
    first = next(f for f in report.errors if f.line == 1267)
    assert first.message == "account 1930: #UB 0 -27644.8 ≠ #IB 0 -86644.8 + movements 94000"
