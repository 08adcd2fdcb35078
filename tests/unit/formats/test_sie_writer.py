"""The SIE writer: canonical CP437 output, substitutions, #KSUMMA, and generated round trips."""

from __future__ import annotations

import datetime as dt
import io
import zlib
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fortnox_bridge.formats.errors import SieWriteError
from fortnox_bridge.formats.sie import (
    AccountInfo,
    Address,
    Balance,
    ChecksumStatus,
    Company,
    DimensionInfo,
    Document,
    FinancialYear,
    Generated,
    PeriodBalance,
    Program,
    SieWriter,
    Voucher,
    VoucherRow,
    read_document,
    write_document,
)
from fortnox_bridge.formats.sie.records import Account, CompanyName, Flag, UnknownRecord


def _lines(document: Document, **options: bool) -> list[str]:
    out = io.BytesIO()
    write_document(document, out, **options)
    return out.getvalue().decode("cp437").split("\r\n")


def test_canonical_output_quotes_escapes_and_puts_braces_on_their_own_lines() -> None:
    row = VoucherRow("TRANS", "1930", ((1, "Nord"),), Decimal(-275), None, "", Decimal(0), "")
    voucher = Voucher("A", "1", dt.date(2024, 1, 5), 'Faktura "12" \\ C:\\', None, "", (row,))
    document = Document(
        program=Program("Bridge", "0.1"),
        generated=Generated(dt.date(2024, 2, 1)),
        sie_type=4,
        company=Company(name="Företaget AB", address=Address("", "Gatan 1", "", "")),
        accounts={"1930": AccountInfo("1930", "Bank")},
        vouchers=[voucher],
    )
    assert _lines(document) == [
        "#FLAGGA 0",
        "#FORMAT PC8",
        '#PROGRAM "Bridge" 0.1',
        "#GEN 20240201",
        "#SIETYP 4",
        '#ADRESS "" "Gatan 1"',
        '#FNAMN "Företaget AB"',
        '#KONTO 1930 "Bank"',
        '#VER A 1 20240105 "Faktura \\"12\\" \\ C:\\\\"',
        "{",
        '#TRANS 1930 {1 "Nord"} -275.00 "" "" 0',
        "}",
        "",
    ]
    again = read_document(io.BytesIO("\r\n".join(_lines(document)).encode("cp437")), strict=True)
    assert again.document == document


def test_characters_outside_cp437_are_substituted_and_reported() -> None:
    out = io.BytesIO()
    with SieWriter(out) as writer:
        writer.write(Flag(0))
        writer.write(CompanyName("Smörgås – “bästa” i €uropa\tab"))
    assert (
        out.getvalue().decode("cp437").splitlines()[2]
        == '#FNAMN "Smörgås - \\"bästa\\" i EURuropa ab"'
    )
    assert [(s.line, s.label, s.original, s.replacement) for s in writer.substitutions] == [
        (3, "#FNAMN", "–", "-"),
        (3, "#FNAMN", "“", '"'),
        (3, "#FNAMN", "”", '"'),
        (3, "#FNAMN", "€", "EUR"),
        (3, "#FNAMN", "\t", " "),
    ]


def test_amounts_get_two_decimals_and_more_precision_is_refused() -> None:
    document = Document(balances=[Balance("IB", 0, "1930", Decimal("12.5"))])
    assert "#IB 0 1930 12.50" in _lines(document)
    with pytest.raises(SieWriteError, match="more than two decimals"):
        write_document(
            Document(balances=[Balance("IB", 0, "1930", Decimal("1.005"))]), io.BytesIO()
        )
    with pytest.raises(SieWriteError, match="#VER lacks its required field 3"):
        write_document(Document(vouchers=[Voucher("A", "1", None)]), io.BytesIO())


def test_ksumma_is_the_crc_of_labels_and_field_contents() -> None:
    out = io.BytesIO()
    with SieWriter(out, checksum=True) as writer:
        writer.write(Flag(0))
        writer.write(Account("1915", 'Kassa "special"'))
    lines = out.getvalue().decode("cp437").splitlines()
    assert lines[:2] == ["#FLAGGA 0", "#KSUMMA"]
    content = "#FORMATPC8" + '#KONTO1915Kassa "special"'  # the SIE standard's own example
    assert lines[-1] == f"#KSUMMA {zlib.crc32(content.encode('cp437'))}"
    assert read_document(io.BytesIO(out.getvalue())).checksum.status is ChecksumStatus.VERIFIED


def test_unknown_labels_are_dropped_unless_asked_to_keep() -> None:
    document = Document(unknown=[UnknownRecord("#MOMSKOD", ("2610", "10"))])
    out = io.BytesIO()
    assert write_document(document, out).dropped_unknown == ["#MOMSKOD"]
    assert b"MOMSKOD" not in out.getvalue()
    assert "#MOMSKOD 2610 10" in _lines(document, keep_unknown=True)


def test_flag_must_come_first() -> None:
    writer = SieWriter(io.BytesIO())
    writer.write(CompanyName("x"))  # #FLAGGA 0 is written before it
    with pytest.raises(SieWriteError, match="first record"):
        writer.write(Flag(1))


# Printable ASCII (quotes, backslashes, braces, #, blanks included) and CP437's own letters.
_ALPHABET = "".join(chr(c) for c in range(32, 127)) + "åäöÅÄÖéüÉæÆ£¥ßµ±°½¼"
_texts = st.text(_ALPHABET, max_size=12)
_ids = st.text("ABCDEFGHIJ0123456789", min_size=1, max_size=5)
_accounts = st.text("0123456789", min_size=4, max_size=4)
_amounts = st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False)
_dates = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2040, 12, 31))
_objects = st.lists(st.tuples(st.integers(1, 99), _ids), max_size=2).map(tuple)


@st.composite
def _rows(draw: st.DrawFn) -> VoucherRow:
    return VoucherRow(
        draw(st.sampled_from(["TRANS", "BTRANS"])),
        draw(_accounts),
        draw(_objects),
        draw(_amounts),
        draw(st.none() | _dates),
        draw(_texts),
        draw(st.none() | st.decimals(min_value=-1000, max_value=1000, places=3, allow_nan=False)),
        draw(_texts),
    )


@st.composite
def _documents(draw: st.DrawFn) -> Document:
    accounts = {
        n: AccountInfo(
            n,
            draw(_texts),
            draw(st.sampled_from(["", "T", "K"])),
            "",
            draw(st.lists(_ids, max_size=2)),
        )
        for n in draw(st.lists(_accounts, max_size=4, unique=True))
    }
    vouchers = [
        Voucher(
            draw(st.just("") | _ids),
            draw(_ids),
            draw(_dates),
            draw(_texts),
            draw(st.none() | _dates),
            draw(_texts),
            tuple(draw(st.lists(_rows(), max_size=4))),
        )
        for _ in range(draw(st.integers(0, 3)))
    ]
    return Document(
        flag=draw(st.integers(0, 1)),
        program=Program(draw(_texts), draw(_texts)),
        generated=Generated(draw(_dates), draw(_texts)),
        sie_type=draw(st.integers(1, 4)),
        comment=draw(st.none() | _texts),
        company=Company(name=draw(_texts), org_number=draw(_texts), company_id=draw(_texts)),
        financial_years=[FinancialYear(0, dt.date(2024, 1, 1), dt.date(2024, 12, 31))],
        accounts=accounts,
        dimensions={
            n: DimensionInfo(n, draw(_texts))
            for n in draw(st.lists(st.integers(1, 40), max_size=2, unique=True))
        },
        objects={
            (d, o): draw(_texts)
            for d, o in draw(st.lists(st.tuples(st.integers(1, 9), _ids), max_size=3, unique=True))
        },
        balances=[
            Balance(
                draw(st.sampled_from(["IB", "UB", "RES"])),
                draw(st.integers(-2, 0)),
                n,
                draw(_amounts),
                None,
            )
            for n in accounts
        ],
        period_balances=[
            PeriodBalance("PSALDO", 0, "202401", n, draw(_objects), draw(_amounts))
            for n in list(accounts)[:2]
        ],
        vouchers=vouchers,
    )


@settings(max_examples=80, deadline=None)
@given(_documents(), st.booleans())
def test_generated_documents_read_back_the_same_and_verify_their_ksumma(
    document: Document, checksum: bool
) -> None:
    out = io.BytesIO()
    writer = write_document(document, out, checksum=checksum)
    assert writer.substitutions == []
    again = read_document(io.BytesIO(out.getvalue()), strict=True)
    assert again.document == document
    expected = ChecksumStatus.VERIFIED if checksum else ChecksumStatus.ABSENT
    assert again.checksum.status is expected
