"""Every real SIE file in ../shared/reference/sie-samples: read, counted, verified, rewritten."""

from __future__ import annotations

import io
import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from fortnox_bridge.formats.errors import SieSyntaxError
from fortnox_bridge.formats.sie import (
    ChecksumStatus,
    SieReader,
    read_document,
    write_document,
)
from fortnox_bridge.formats.sie.records import Record

pytestmark = pytest.mark.reference

# Hand-checked against each file's header lines (#SIETYP, #FNAMN) and the samples' source list:
# SIE type, the variant (4E = export with balances, 4I = vouchers only), the detected encoding and
# #KSUMMA.
SAMPLES = [
    ("Avendo_5.10_SIE4_RTRANS_BTRANS_indented.SE", 4, "4E", "cp437", "absent", "Övningsbolaget AB"),
    (
        "BL_Administration_2011_BL0001_typ4.SE",
        4,
        "4E",
        "cp437",
        "absent",
        "SEEE Speak Easy Executive English AB",
    ),
    (
        "BL_Administration_2011_BL0001_typ4I.SI",
        4,
        "4I",
        "cp437",
        "absent",
        "SEEE Speak Easy Executive English AB",
    ),
    (
        "BL_Administration_2018_SIE4_ISO8859-15_mislabelled.SE",
        4,
        "4E",
        "latin-1",
        "absent",
        "Övningsföretaget AB",
    ),
    ("Fortnox_Bokforing_2.0.0_Sie4.se", 4, "4E", "cp437", "absent", "Testföretaget AB"),
    ("Fortnox_Bokforing_2.0.0_Sie4.si", 4, "4E", "cp437", "absent", "Testföretaget AB"),
    ("Kontek_Lon_2011_lonekorning_4I.SI", 4, "4I", "cp437", "absent", "Demoföretaget AB"),
    ("Mamut_Enterprise_14_SIE4.SE", 4, "4E", "cp437", "absent", "Mamut_SIE"),
    ("Norstedts_Bokslut_2011_SIE4E_KSUMMA.se", 4, "4E", "cp437", "verified", "Datakonsulterna AB"),
    (
        "Norstedts_Revision_2010_SIE1_KSUMMA_escaped_quotes.SE",
        1,
        "1",
        "cp437",
        "verified",
        "Datakonsulterna AB",
    ),
    ("SIE4_Exempelfil_official_sie.se.SE", 4, "4E", "cp437", "absent", "Övningsbolaget AB"),
    ("Sie4j_Quotes_test_unquoted_multiword.si", 4, "4I", "utf-8", "absent", "Övningsbolaget AB"),
    ("Sie4j_invalid_iso_voucher_date_UTF8.SI", 4, "4I", "utf-8", "absent", "Övningsbolaget AB"),
    (
        "Visma_Admin2000_Exempelfil_med_underdim_UTF8.SE",
        4,
        "4E",
        "utf-8",
        "absent",
        "\ufffdvningsbolaget AB",
    ),
    (
        "Visma_Bokforing_4.5_SIE1_backslash_escapes.SE",
        1,
        "1",
        "cp437",
        "absent",
        "Övningsbolaget AB",
    ),
    ("Visma_Compact_6_SIE3_KSUMMA_objects.se", 3, "3", "cp437", "verified", "Övningsbolaget AB"),
    (
        "Visma_Compact_6_SIE4_KSUMMA_objects_qty.se",
        4,
        "4E",
        "cp437",
        "verified",
        "Övningsbolaget AB",
    ),
    ("Visma_Fakturering_5.11_FAKT_4I.SI", 4, "4I", "cp437", "absent", "Övningsbolaget AB"),
    ("e-conomic_1.0_SIE4.se", 4, "4E", "cp437", "absent", "Lillakonsultbyrån"),
    ("fooconomic_unknown_label_MOMSKOD.se", 4, "4I", "cp437", "absent", "Foocorp"),
]
NAMES = [sample[0] for sample in SAMPLES]

# Record class → the labels that make it, for counting labels independently of the reader.
LABELS_OF = {
    "Account": ("#KONTO",),
    "AccountType": ("#KTYP",),
    "SruCode": ("#SRU",),
    "Dimension": ("#DIM",),
    "SubDimension": ("#UNDERDIM",),
    "DimensionObject": ("#OBJEKT",),
    "FinancialYear": ("#RAR",),
    "Balance": ("#IB", "#UB", "#RES"),
    "ObjectBalance": ("#OIB", "#OUB"),
    "PeriodBalance": ("#PSALDO", "#PBUDGET"),
    "Voucher": ("#VER",),
    "UnknownRecord": ("#MOMSKOD",),
}
# Records the reader drops on purpose, with the finding that says why.
DROPPED = {
    # `#RAR 0  ` has no dates: unusable, reported as SIE-MISSING-FIELD.
    ("BL_Administration_2011_BL0001_typ4I.SI", "FinancialYear"): 1,
}
_LABEL = re.compile(rb"^[ \t]*(#[A-Z]+)", re.MULTILINE)


def _label_counts(data: bytes) -> Counter[str]:
    """Count labels the simplest possible way: the first word of every line."""
    return Counter(label.decode() for label in _LABEL.findall(data))


def _read(path: Path, **options: object) -> tuple[SieReader, list[Record]]:
    with path.open("rb") as stream:
        reader = SieReader(stream, **options)  # type: ignore[arg-type]
        return reader, list(reader)


@pytest.mark.parametrize(
    ("name", "sie_type", "variant", "encoding", "checksum", "company"), SAMPLES
)
def test_sample_reads_leniently_with_hand_checked_header(
    reference_dir: Path,
    name: str,
    sie_type: int,
    variant: str,
    encoding: str,
    checksum: str,
    company: str,
) -> None:
    with (reference_dir / "sie-samples" / name).open("rb") as stream:
        result = read_document(stream)
    assert result.document.sie_type == sie_type
    assert result.document.variant == variant
    assert result.encoding == encoding
    assert result.checksum.status.value == checksum
    assert result.document.company.name == company


@pytest.mark.parametrize("name", NAMES)
def test_sample_record_counts_match_an_independent_label_count(
    reference_dir: Path, name: str
) -> None:
    path = reference_dir / "sie-samples" / name
    labels = _label_counts(path.read_bytes())
    _, records = _read(path)
    by_type = Counter(type(record).__name__ for record in records)
    for record_type, record_labels in LABELS_OF.items():
        expected = sum(labels[label] for label in record_labels)
        expected -= DROPPED.get((name, record_type), 0)
        assert by_type[record_type] == expected, record_type
    vouchers = [record for record in records if type(record).__name__ == "Voucher"]
    rows = Counter(row.kind for voucher in vouchers for row in voucher.rows)  # type: ignore[union-attr]
    assert rows["TRANS"] == labels["#TRANS"]
    assert rows["RTRANS"] == labels["#RTRANS"]
    assert rows["BTRANS"] == labels["#BTRANS"]


def test_hand_checked_counts_of_the_official_sample(reference_dir: Path) -> None:
    with (reference_dir / "sie-samples" / "SIE4_Exempelfil_official_sie.se.SE").open("rb") as f:
        document = read_document(f).document
    assert len(document.accounts) == 530  # the source list: 530 #KONTO + #KTYP
    assert len(document.vouchers) == 295  # the source list: 295 vouchers
    first = document.vouchers[0]
    assert (first.series, first.number, first.text) == ("A", "1", "Kaffebröd")
    assert first.total() == 0
    assert document.objects[1, "Nord"] == "Kontor Nord"
    assert document.company.company_id.endswith("\\Företag\\Ovnbol2000")  # Latin-1 ö repaired


@pytest.mark.parametrize(
    "name",
    [
        "Norstedts_Bokslut_2011_SIE4E_KSUMMA.se",
        "Norstedts_Revision_2010_SIE1_KSUMMA_escaped_quotes.SE",
        "Visma_Compact_6_SIE3_KSUMMA_objects.se",
        "Visma_Compact_6_SIE4_KSUMMA_objects_qty.se",
    ],
)
def test_ksumma_of_checksummed_samples_verifies_even_in_strict_mode(
    reference_dir: Path, name: str
) -> None:
    reader, _ = _read(reference_dir / "sie-samples" / name, strict=True)
    assert reader.checksum.status is ChecksumStatus.VERIFIED
    assert reader.checksum.declared == reader.checksum.computed


def test_a_changed_byte_breaks_the_ksumma(reference_dir: Path) -> None:
    data = (reference_dir / "sie-samples" / "Norstedts_Bokslut_2011_SIE4E_KSUMMA.se").read_bytes()
    changed = data.replace(b'"Datakonsulterna AB"', b'"Datakonsulterna HB"')
    reader = SieReader(io.BytesIO(changed))
    list(reader)
    assert reader.checksum.status is ChecksumStatus.MISMATCH
    assert [f.code for f in reader.findings] == ["SIE-KSUMMA"]
    with pytest.raises(SieSyntaxError) as raised:
        list(SieReader(io.BytesIO(changed), strict=True))
    assert raised.value.finding.code == "SIE-KSUMMA"


def test_rtrans_btrans_pairs_are_kept_as_audit_rows(reference_dir: Path) -> None:
    with (reference_dir / "sie-samples" / "BL_Administration_2011_BL0001_typ4.SE").open("rb") as f:
        result = read_document(f)
    voucher = next(v for v in result.document.vouchers if (v.series, v.number) == ("A", "8"))
    assert [row.kind for row in voucher.rows] == [
        "BTRANS",
        "RTRANS",
        "TRANS",
        "BTRANS",
        "RTRANS",
        "TRANS",
        "BTRANS",
    ]
    assert [row.amount for row in voucher.removed] == [Decimal(-1000), Decimal(200), Decimal(800)]
    assert voucher.added[0].sign == "2 Christer Bengtsson"
    assert voucher.total() == 0  # the #TRANS rows alone are the final, balanced state
    assert not [f for f in result.findings if f.code == "SIE-RTRANS-COPY"]


# What strict mode says first about each deliberately broken sample: (code, line, column).
STRICT_FIRST = {
    "Sie4j_Quotes_test_unquoted_multiword.si": ("SIE-ENCODING", 6, 8),  # the Ö of Övnings...
    "Sie4j_invalid_iso_voucher_date_UTF8.SI": ("SIE-ENCODING", 6, 8),
    "BL_Administration_2018_SIE4_ISO8859-15_mislabelled.SE": ("SIE-ENCODING", 9, 9),
    "Visma_Admin2000_Exempelfil_med_underdim_UTF8.SE": ("SIE-ENCODING", 6, 9),
    "BL_Administration_2011_BL0001_typ4I.SI": ("SIE-MISSING-FIELD", 7, 7),  # "#RAR 0  "
    "e-conomic_1.0_SIE4.se": ("SIE-MISSING-BRACE", 1461, 1),
}
# Read with the encoding given explicitly, strict mode goes on to the next violation.
STRICT_WITH_ENCODING = {
    "Sie4j_Quotes_test_unquoted_multiword.si": ("utf-8", "SIE-UNQUOTED-TEXT", 6, 8),
    "Sie4j_invalid_iso_voucher_date_UTF8.SI": ("utf-8", "SIE-UNQUOTED-TEXT", 6, 8),
    "BL_Administration_2018_SIE4_ISO8859-15_mislabelled.SE": (
        "latin-1",
        "SIE-PERIOD-ORDER",
        545,
        12,
    ),
    "Visma_Admin2000_Exempelfil_med_underdim_UTF8.SE": (
        "utf-8",
        "SIE-REPLACEMENT-CHARACTER",
        6,
        None,
    ),
}


@pytest.mark.parametrize("name", sorted(STRICT_FIRST))
def test_broken_samples_stop_strict_mode_at_their_first_violation(
    reference_dir: Path, name: str
) -> None:
    with pytest.raises(SieSyntaxError) as raised:
        _read(reference_dir / "sie-samples" / name, strict=True)
    finding = raised.value.finding
    assert (finding.code, finding.line, finding.column) == STRICT_FIRST[name]
    assert finding.hint  # every violation says how to fix it


@pytest.mark.parametrize("name", sorted(STRICT_WITH_ENCODING))
def test_strict_mode_with_an_explicit_encoding_reports_the_next_violation(
    reference_dir: Path, name: str
) -> None:
    encoding, code, line, column = STRICT_WITH_ENCODING[name]
    with pytest.raises(SieSyntaxError) as raised:
        _read(reference_dir / "sie-samples" / name, strict=True, encoding=encoding)
    finding = raised.value.finding
    assert (finding.code, finding.line, finding.column) == (code, line, column)


def test_iso_voucher_date_is_an_error_in_strict_mode_and_repaired_in_lenient(
    reference_dir: Path,
) -> None:
    data = (reference_dir / "sie-samples" / "Sie4j_invalid_iso_voucher_date_UTF8.SI").read_bytes()
    quoted = data.replace(
        "#FNAMN Övningsbolaget AB".encode(), '#FNAMN "Övningsbolaget AB"'.encode()
    )
    with pytest.raises(SieSyntaxError) as raised:
        list(SieReader(io.BytesIO(quoted), strict=True, encoding="utf-8"))
    finding = raised.value.finding
    assert (finding.code, finding.line, finding.column) == ("SIE-DATE", 8, 13)
    result = read_document(io.BytesIO(data))
    assert str(result.document.vouchers[0].date) == "2018-05-01"
    assert "SIE-DATE" in [f.code for f in result.findings]


@pytest.mark.parametrize("name", [name for name in NAMES if name not in STRICT_FIRST])
def test_samples_without_violations_read_in_strict_mode(reference_dir: Path, name: str) -> None:
    reader, records = _read(reference_dir / "sie-samples" / name, strict=True)
    assert records
    assert reader.findings.has_errors is False


def test_unknown_label_is_kept_and_ignored(reference_dir: Path) -> None:
    with (reference_dir / "sie-samples" / "fooconomic_unknown_label_MOMSKOD.se").open("rb") as f:
        result = read_document(f)
    assert [(u.label, u.fields) for u in result.document.unknown] == [("#MOMSKOD", ("2610", "10"))]
    assert len(result.document.vouchers) == 2


def test_doubled_backslashes_read_as_one(reference_dir: Path) -> None:
    path = reference_dir / "sie-samples" / "Visma_Bokforing_4.5_SIE1_backslash_escapes.SE"
    with path.open("rb") as f:
        document = read_document(f).document
    assert document.company.company_id.startswith("C:\\Documents and Settings\\All Users\\")
    assert "\\\\" not in document.company.company_id


@pytest.mark.parametrize("name", NAMES)
def test_round_trip_gives_the_same_document_and_a_verifying_ksumma(
    reference_dir: Path, name: str
) -> None:
    with (reference_dir / "sie-samples" / name).open("rb") as f:
        original = read_document(f).document
    written = io.BytesIO()
    writer = write_document(original, written, checksum=True, keep_unknown=True)
    again = read_document(io.BytesIO(written.getvalue()), strict=not original.unknown)
    assert again.checksum.status is ChecksumStatus.VERIFIED
    if name == "Visma_Admin2000_Exempelfil_med_underdim_UTF8.SE":
        # U+FFFD is not in CP437: the writer substitutes "?" and reports each one.
        assert {(s.original, s.replacement) for s in writer.substitutions} == {("\ufffd", "?")}
        assert again.document.company.name == "?vningsbolaget AB"
        assert len(again.document.vouchers) == len(original.vouchers)
        return
    assert writer.substitutions == []
    assert again.document == original
