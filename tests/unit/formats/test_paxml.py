"""PAXml reader, writer, rules and the PAXml ↔ Fortnox code table, on small hand-made files."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fortnox_bridge.formats.errors import PaxmlSyntaxError, PaxmlWriteError, UnmappedCodeError
from fortnox_bridge.formats.paxml import (
    ABSENCE,
    ATTENDANCE,
    TABLE,
    PaxmlDocument,
    Person,
    SalaryTransaction,
    Schedule,
    ScheduleDay,
    TimeTransaction,
    read_paxml,
    to_fortnox,
    to_paxml,
    validate_paxml,
    write_paxml,
)
from fortnox_bridge.formats.paxml.codes import FORTNOX_ABSENCE, FORTNOX_ATTENDANCE, TIME_CODES


def _paxml(body: str, version: str = "2.0", extra: str = "") -> io.BytesIO:
    text = (
        f'<?xml version="1.0" encoding="utf-8"?>\n<paxml{extra}>\n'
        f"<header><version>{version}</version></header>\n{body}\n</paxml>\n"
    )
    return io.BytesIO(text.encode())


@pytest.mark.parametrize(
    ("paxml", "kind", "fortnox"),
    [
        ("SJK", ABSENCE, "SJK"),
        ("NÄR", ABSENCE, "NAR"),
        ("FR1", ABSENCE, "FRA"),
        ("FAC", ABSENCE, "UTB"),
        ("OS3", ABSENCE, "OS3"),
        ("ÖT1", ATTENDANCE, "OT1"),
        ("ÖB2", ATTENDANCE, "OT2"),
        ("ÖK5", ATTENDANCE, "OK5"),
        ("JR1", ATTENDANCE, "JOR"),
        ("BE1", ATTENDANCE, "BER"),
        ("RE1", ATTENDANCE, "RES"),
        ("TID", ATTENDANCE, "TID"),
        ("ARB", ATTENDANCE, "ARB"),
    ],
)
def test_paxml_code_translates_to_the_fortnox_cause_code(
    paxml: str, kind: str, fortnox: str
) -> None:
    row = to_fortnox(paxml)
    assert (row.kind, row.fortnox) == (kind, fortnox)


def test_utb_is_translated_but_marked_approximate_and_comes_back_as_fac() -> None:
    assert to_fortnox("UTB").exact is False
    assert to_paxml(ABSENCE, "UTB").paxml == "FAC"
    assert to_paxml(ABSENCE, "NAR").paxml == "NÄR"
    assert to_paxml(ATTENDANCE, "OT3").paxml == "ÖT3"


@pytest.mark.parametrize(
    "code", ["SJK_KAR", "SEM_BET", "FR2", "JR3", "BE3", "RE2", "TS1", "NV9", "ATF"]
)
def test_codes_without_counterpart_raise_a_clear_error(code: str) -> None:
    with pytest.raises(UnmappedCodeError) as raised:
        to_fortnox(code)
    assert raised.value.code == code
    assert "no cause code" in str(raised.value)


def test_unknown_codes_and_ok0_raise_with_what_is_wrong() -> None:
    with pytest.raises(UnmappedCodeError, match=r"not a PAXml 2\.0 tidkod"):
        to_fortnox("XYZ")
    with pytest.raises(UnmappedCodeError, match="OK0"):
        to_paxml(ATTENDANCE, "OK0")
    with pytest.raises(UnmappedCodeError, match="not a Fortnox absence cause code"):
        to_paxml(ABSENCE, "OT1")


def test_every_fortnox_code_in_the_table_exists_in_the_api_enum_and_round_trips() -> None:
    for row in TABLE:
        assert row.paxml in TIME_CODES
        assert row.fortnox in (FORTNOX_ABSENCE if row.kind == ABSENCE else FORTNOX_ATTENDANCE)
    covered = {(row.kind, row.fortnox) for row in TABLE}
    missing = {(ABSENCE, code) for code in FORTNOX_ABSENCE} - covered
    assert missing == set()
    assert {(ATTENDANCE, code) for code in FORTNOX_ATTENDANCE} - covered == {(ATTENDANCE, "OK0")}
    for kind, code in covered:
        assert to_fortnox(to_paxml(kind, code).paxml).fortnox == code


@pytest.mark.parametrize("version", ["2.1", "2.2", "2.3"])
def test_later_version_headers_are_accepted(version: str) -> None:
    body = (
        '<tidtransaktioner><tidtrans anstid="1"><tidkod>ARB</tidkod><datum>2024-01-02</datum>'
        "<timmar>8</timmar></tidtrans></tidtransaktioner>"
    )
    result = read_paxml(_paxml(body, version, ' xmlns="http://www.paxml.se/2.2/"'))
    assert result.findings == []
    assert result.document.header.version == version
    assert result.document.time_transactions[0].hours == Decimal(8)
    out = io.BytesIO()
    write_paxml(result.document, out)
    assert b"<version>2.0</version>" in out.getvalue()


def test_unknown_version_is_a_warning_and_strict_mode_stops_there() -> None:
    assert [f.code for f in read_paxml(_paxml("", "3.0")).findings] == ["PAXML-VERSION"]
    with pytest.raises(PaxmlSyntaxError) as raised:
        read_paxml(_paxml("", "3.0"), strict=True)
    assert (raised.value.finding.line, raised.value.finding.code) == (3, "PAXML-VERSION")


def test_document_rules_of_the_description() -> None:
    body = """<tidtransaktioner>
<tidtrans anstid="1"><tidkod>SJK</tidkod><datumfrom>2024-01-01</datumfrom>
  <datumtom>2024-01-03</datumtom><timmar>8</timmar></tidtrans>
<tidtrans anstid="1"><tidkod>TID</tidkod><datum>2024-01-01</datum>
  <omfattning>50</omfattning></tidtrans>
<tidtrans><tidkod>XXX</tidkod></tidtrans>
</tidtransaktioner>
<lonetransaktioner><lonetrans anstid="1"><antal>1</antal></lonetrans></lonetransaktioner>"""
    report = validate_paxml(_paxml(body))
    codes = [f.code for f in report.findings]
    assert codes.count("PAXML-HOURS") == 1  # timmar with an interval
    assert codes.count("PAXML-EXTENT") == 1  # omfattning on presence
    assert "PAXML-PERSON-KEY" in codes  # neither anstid nor persnr
    assert "PAXML-DATE-FORM" in codes  # no date at all
    assert "PAXML-CODE" in codes  # XXX is not a tidkod
    assert "PAXML-SALARY-CODE" in codes  # neither lonkod nor lonart
    assert not report.ok


def test_bad_values_are_reported_with_line_and_column() -> None:
    body = (
        '<personal>\n  <person anstid="7"><anstdatum>2024-13-01</anstdatum>'
        "<timlon>12,50</timlon></person>\n</personal>"
    )
    result = read_paxml(_paxml(body))
    assert [(f.code, f.line) for f in result.findings] == [("PAXML-VALUE", 5)] * 2
    assert result.document.persons[0].employed_from is None


def test_not_well_formed_xml_is_unusable() -> None:
    with pytest.raises(PaxmlSyntaxError) as raised:
        read_paxml(io.BytesIO(b"<paxml><header></paxml>"))
    assert raised.value.finding.code == "PAXML-XML"
    with pytest.raises(PaxmlSyntaxError, match="no element found"):
        read_paxml(io.BytesIO(b""))
    other = read_paxml(io.BytesIO(b"<payroll><header><version>2.0</version></header></payroll>"))
    assert [f.code for f in other.findings] == ["PAXML-ROOT"]


def test_writer_refuses_an_empty_schedule_and_unknown_encodings() -> None:
    document = PaxmlDocument(schedules=[Schedule(anstid="1")])
    with pytest.raises(PaxmlWriteError, match="at least one day"):
        write_paxml(document, io.BytesIO())
    with pytest.raises(PaxmlWriteError, match="UTF-8 or ISO-8859-1"):
        write_paxml(PaxmlDocument(), io.BytesIO(), encoding="cp437")


def test_latin1_output_keeps_characters_outside_it_as_references() -> None:
    person = Person(anstid="1", first_name="Åsa €uro", last_name='O"Brien & <Co>')
    out = io.BytesIO()
    write_paxml(PaxmlDocument(persons=[person]), out, encoding="iso-8859-1")
    assert b"&#8364;" in out.getvalue()
    assert read_paxml(io.BytesIO(out.getvalue())).document.persons == [person]


_texts = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)
_ids = st.text("0123456789", min_size=1, max_size=6)
_decimals = st.decimals(min_value=-10000, max_value=10000, places=2, allow_nan=False)
_dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 12, 31))


@st.composite
def _documents(draw: st.DrawFn) -> PaxmlDocument:
    times = [
        TimeTransaction(
            code=draw(st.sampled_from(sorted(TIME_CODES))),
            anstid=draw(_ids),
            date=draw(_dates),
            hours=draw(_decimals),
            info=draw(st.none() | _texts),
        )
        for _ in range(draw(st.integers(0, 3)))
    ]
    salaries = [
        SalaryTransaction(
            anstid=draw(_ids),
            pay_type=draw(_ids),
            amount=draw(_decimals),
            comment=draw(st.none() | _texts),
        )
        for _ in range(draw(st.integers(0, 3)))
    ]
    schedules = [
        Schedule(anstid=draw(_ids), days=[ScheduleDay(draw(_dates), hours=draw(_decimals))])
        for _ in range(draw(st.integers(0, 2)))
    ]
    persons = [
        Person(anstid=draw(_ids), first_name=draw(_texts), city=draw(st.none() | _texts))
        for _ in range(draw(st.integers(0, 2)))
    ]
    return PaxmlDocument(
        time_transactions=times, salary_transactions=salaries, schedules=schedules, persons=persons
    )


@settings(max_examples=60, deadline=None)
@given(_documents(), st.sampled_from(["utf-8", "iso-8859-1"]))
def test_generated_documents_survive_write_then_read(
    document: PaxmlDocument, encoding: str
) -> None:
    out = io.BytesIO()
    write_paxml(document, out, encoding=encoding)
    again = read_paxml(io.BytesIO(out.getvalue()))
    assert again.findings == []
    assert again.document == document
