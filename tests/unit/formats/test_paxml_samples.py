"""Every PAXml sample in ../shared/reference/paxml: read, counted, rewritten, validated."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path

import pytest

from fortnox_bridge.formats.paxml import read_paxml, validate_paxml, write_paxml

pytestmark = pytest.mark.reference

VALID = [
    "DEMO_2022-10_tid_lon_personal_utf8.xml",
    "DEMO_2022-10_with_UTF8_BOM.xml",
    "Excel2PAXml_schematransaktioner.xml",
    "Fieldly_tidtrans_resenheter_iso8859-1.xml",
    "PAXml_2.0_official_example.pax",
    "Workify_time_export_ARB.xml",
]
INVALID = {
    # file: (code, line, what the message says)
    "PAXml_2.0_example_modified_zoned_datetime_INVALID.pax": (
        "PAXML-VALUE",
        25,
        "'2012-04-01T08:00:00+02:00[Europe/Stockholm]' is not a date and time",
    ),
    "jongotlin_php_generator_expected_10digit_persnr.xml": (
        "PAXML-PERSNR",
        7,
        "persnr '1122334455' has 10 characters; PAXml requires 12",
    ),
}
ALL = VALID + sorted(INVALID)
ENCODINGS = {
    "Fieldly_tidtrans_resenheter_iso8859-1.xml": "iso-8859-1",
    "PAXml_2.0_official_example.pax": "iso-8859-1",
    "PAXml_2.0_example_modified_zoned_datetime_INVALID.pax": "iso-8859-1",
}


def _count(data: bytes, tag: str) -> int:
    return len(re.findall(rb"<" + tag.encode() + rb"[\s/>]", data))


@pytest.fixture
def xsd(reference_dir: Path) -> Path:
    return reference_dir / "paxml" / "paxml-2.0-2012-12.xsd"


@pytest.mark.parametrize("name", ALL)
def test_sample_is_read_with_counts_matching_the_raw_tags(reference_dir: Path, name: str) -> None:
    data = (reference_dir / "paxml" / name).read_bytes()
    result = read_paxml(io.BytesIO(data))
    document = result.document
    assert result.encoding == ENCODINGS.get(name, "utf-8")
    assert document.header.version == "2.0"
    assert len(document.persons) == _count(data, "person")
    assert len(document.time_transactions) == _count(data, "tidtrans")
    assert len(document.salary_transactions) == _count(data, "lonetrans")
    assert len(document.schedules) == _count(data, "schema")
    assert sum(len(s.days) for s in document.schedules) == _count(data, "dag")
    assert len(document.codes) == _count(data, "kod")
    assert len(document.result_units) == _count(data, "resultatenhet")


def test_hand_checked_values_of_the_official_example(reference_dir: Path) -> None:
    with (reference_dir / "paxml" / "PAXml_2.0_official_example.pax").open("rb") as stream:
        document = read_paxml(stream).document
    assert document.header.format == "LÖNIN"
    sick = document.time_transactions[0]
    assert (sick.anstid, sick.code, str(sick.date_from), str(sick.date_to), sick.extent) == (
        "101",
        "SJK",
        "2012-06-02",
        "2012-06-05",
        Decimal(100),
    )
    salary = document.salary_transactions[0]
    assert (salary.persnr, salary.pay_type, salary.quantity, salary.account) == (
        "198210101237",
        "145",
        Decimal("8.4"),
        "6510",
    )
    assert [(u.dim, u.id) for u in salary.result_units or ()] == [(1, "12"), (6, "100")]
    person = document.persons[0]
    assert (person.first_name, person.city, person.extra_address) == ("Siv", "Vårgårda", "")
    assert person.monthly_salary is not None
    assert (person.monthly_salary.amount, str(person.monthly_salary.date)) == (
        Decimal(25000),
        "2010-01-01",
    )
    assert document.schedules[0].days[1].hours == Decimal("4.5")


def test_leading_zeros_and_bom(reference_dir: Path) -> None:
    plain = read_paxml((reference_dir / "paxml" / VALID[0]).open("rb")).document
    with_bom = read_paxml((reference_dir / "paxml" / VALID[1]).open("rb")).document
    assert plain == with_bom
    assert plain.persons[0].anstid == "002"
    assert plain.persons[0].postal_address == ""  # <postadress/>: present but empty
    assert plain.persons[0].postal_code is None  # absent: leave unchanged in the receiver


@pytest.mark.parametrize("name", VALID)
def test_valid_sample_has_no_errors_even_against_the_xsd(
    reference_dir: Path, xsd: Path, name: str
) -> None:
    report = validate_paxml((reference_dir / "paxml" / name).open("rb"), xsd=xsd)
    assert report.schema_checked
    assert report.errors == []


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_sample_is_reported_with_the_reason(
    reference_dir: Path, xsd: Path, name: str
) -> None:
    code, line, message = INVALID[name]
    without_xsd = validate_paxml((reference_dir / "paxml" / name).open("rb"))
    assert not without_xsd.ok
    first = without_xsd.errors[0]
    assert (first.code, first.line) == (code, line)
    assert message in first.message
    with_xsd = validate_paxml((reference_dir / "paxml" / name).open("rb"), xsd=xsd)
    assert any(f.code == "PAXML-XSD" for f in with_xsd.errors)


@pytest.mark.parametrize("name", VALID)
@pytest.mark.parametrize("encoding", ["utf-8", "iso-8859-1"])
def test_written_sample_validates_against_the_xsd_and_reads_back_the_same(
    reference_dir: Path, xsd: Path, name: str, encoding: str
) -> None:
    with (reference_dir / "paxml" / name).open("rb") as stream:
        document = read_paxml(stream).document
    out = io.BytesIO()
    write_paxml(document, out, encoding=encoding)
    report = validate_paxml(io.BytesIO(out.getvalue()), xsd=xsd)
    assert report.errors == []
    again = read_paxml(io.BytesIO(out.getvalue()))
    assert again.encoding == encoding
    assert again.document == document
