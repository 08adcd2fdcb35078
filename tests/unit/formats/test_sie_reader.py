"""The SIE reader on hand-made input: lexing, repairs, strict-mode errors with line and column."""

from __future__ import annotations

import io
import tracemalloc
from collections.abc import Iterator
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fortnox_bridge.formats.errors import SieSyntaxError
from fortnox_bridge.formats.findings import Severity
from fortnox_bridge.formats.sie import SieReader, Voucher, read_document
from fortnox_bridge.formats.sie.lexer import Lexer
from fortnox_bridge.formats.sie.validation import validate

HEAD = "#FLAGGA 0\n#PROGRAM test 1\n#FORMAT PC8\n#GEN 20240101\n#SIETYP 4\n#FNAMN Test\n"


def _read(text: str, **options: object) -> SieReader:
    reader = SieReader(io.BytesIO(text.encode("cp437")), **options)  # type: ignore[arg-type]
    reader.records = list(reader)  # type: ignore[attr-defined]
    return reader


def _codes(reader: SieReader) -> list[str]:
    return [finding.code for finding in reader.findings]


def _strict_error(text: str) -> tuple[str, int | None, int | None]:
    with pytest.raises(SieSyntaxError) as raised:
        _read(text, strict=True)
    finding = raised.value.finding
    return finding.code, finding.line, finding.column


@pytest.mark.parametrize(
    ("line", "fields"),
    [
        ("#TRANS 1910 {} -100.00", ["#TRANS", "1910", (), "-100.00"]),
        (
            '#TRANS 7010 {1 "456"} 13200.00 20210105 "a b" 1.5',
            ["#TRANS", "7010", ("1", "456"), "13200.00", "20210105", "a b", "1.5"],
        ),
        ('#TRANS 3010 {"6" "SÄLJ"}\t-377791.00', ["#TRANS", "3010", ("6", "SÄLJ"), "-377791.00"]),
        (
            '#TRANS 7210 {1 "100" 6 "Obj300" 20 "1234567890"} 3750.00',
            ["#TRANS", "7210", ("1", "100", "6", "Obj300", "20", "1234567890"), "3750.00"],
        ),
        ('#KONTO 1915 "Kassa \\"special\\""', ["#KONTO", "1915", 'Kassa "special"']),
        ('#FNR "C:\\\\Dokument\\\\F"', ["#FNR", "C:\\Dokument\\F"]),
        (
            '#VER "" "" 20110225 "Utbetalning" 20110301',
            ["#VER", "", "", "20110225", "Utbetalning", "20110301"],
        ),
        ("#TRANS 1510{} 100", ["#TRANS", "1510", (), "100"]),
        ('#OBJEKT 1 Nord "Kontor Nord"', ["#OBJEKT", "1", "Nord", "Kontor Nord"]),
        ('#TRANS 1930 { "1" "1"} -500', ["#TRANS", "1930", ("1", "1"), "-500"]),
    ],
)
def test_lexer_splits_fields_the_same_on_both_paths(line: str, fields: list[object]) -> None:
    lexer = Lexer()
    assert lexer.tokens(line).fields == fields
    fast = lexer.fields(line)
    assert fast is None or fast == fields


_word = st.text(
    st.characters(whitelist_categories=("L", "N"), whitelist_characters="-.,:/%&"),
    min_size=1,
    max_size=8,
)
_text = st.lists(_word, max_size=3).map(" ".join)


@st.composite
def _lines(draw: st.DrawFn) -> str:
    parts = ["#TRANS", draw(st.sampled_from(["1930", "3010", '"7010"']))]
    pairs = draw(st.lists(st.tuples(st.integers(1, 30), _word), max_size=3))
    parts.append("{" + " ".join(f'{d} "{o}"' for d, o in pairs) + "}")
    parts.append(draw(st.sampled_from(["-100.00", "12", "0.5"])))
    parts += [f'"{item}"' for item in draw(st.lists(_text, max_size=3))]
    separator = draw(st.sampled_from([" ", "\t", "  "]))
    return separator.join(parts)


@settings(max_examples=200, deadline=None)
@given(_lines())
def test_fast_path_agrees_with_the_general_path(line: str) -> None:
    lexer = Lexer()
    fast = lexer.fields(line)
    general = lexer.tokens(line)
    assert general.problems == []
    assert fast is None or fast == general.fields


def test_lenient_mode_repairs_and_lists_every_repair() -> None:
    text = HEAD.replace("#FNAMN Test", "#FNAMN Test och Son AB") + (
        "#RAR 0 20240101 20241231\n"
        "#KONTO 1930 Bank\n"
        "#psaldo 0 202401 1930 {} 100,50\n"
        '#VER A 1 2024-01-05 "Text"\n'
        "{\n"
        "#TRANS 1930 {} 100.00\n"
        "#TRANS 3010 {} -100.00\n"
        "#VER A 2 20240106\n"
        "#TRANS 1930 {} 1\n"
        "}\n"
    )
    reader = _read(text)
    assert _codes(reader) == [
        "SIE-UNQUOTED-TEXT",
        "SIE-LABEL-CASE",
        "SIE-NUMBER",
        "SIE-DATE",
        "SIE-MISSING-BRACE",
        "SIE-MISSING-BRACE",
    ]
    vouchers = [r for r in reader.records if isinstance(r, Voucher)]  # type: ignore[attr-defined]
    assert [str(v.date) for v in vouchers] == ["2024-01-05", "2024-01-06"]
    assert [len(v.rows) for v in vouchers] == [2, 1]
    names = [r.value for r in reader.records if type(r).__name__ == "CompanyName"]  # type: ignore[attr-defined]
    assert names == ["Test och Son AB"]
    balances = [r for r in reader.records if type(r).__name__ == "PeriodBalance"]  # type: ignore[attr-defined]
    assert balances[0].amount == Decimal("100.50")
    assert all(f.severity is Severity.WARNING for f in reader.findings)


BROKEN_HEAD_BLOCK = "{\n#TRANS 1930 {} 100.00\n#TRANS 3010 {} -60.00\n#TRANS 2611 {} -40.00\n}\n"
NEXT_VOUCHER = '#VER A 2 20240106 "Nästa"\n{\n#TRANS 1930 {} 1\n#TRANS 3010 {} -1\n}\n'


@pytest.mark.parametrize(
    ("head", "finding"),
    [
        (
            '#VER A 1 20240231 "Februari"',
            (
                "SIE-DATE",
                7,
                10,
                "'20240231' is not a calendar date; the voucher is kept without its date, "
                "with its rows",
            ),
        ),
        (
            '#VER A 1 "" "Februari"',
            (
                "SIE-DATE",
                7,
                10,
                "date '' is not in the form YYYYMMDD; the voucher is kept without its date, "
                "with its rows",
            ),
        ),
        (
            "#VER A 1",
            (
                "SIE-MISSING-FIELD",
                7,
                9,
                "#VER lacks its date (field 3); the voucher is kept without its date, with its "
                "rows",
            ),
        ),
        (
            "#VER",
            (
                "SIE-MISSING-FIELD",
                7,
                5,
                "#VER lacks its series, number and date (fields 1-3); the voucher is kept, with "
                "its rows",
            ),
        ),
    ],
)
def test_a_voucher_with_a_broken_head_is_kept_with_its_rows_and_one_error(
    head: str, finding: tuple[str, int, int, str]
) -> None:
    reader = _read(HEAD + head + "\n" + BROKEN_HEAD_BLOCK + NEXT_VOUCHER)
    (error,) = reader.findings  # one precise error; no row is "outside a #VER block"
    assert (error.code, error.line, error.column, error.message) == finding
    assert error.severity is Severity.ERROR
    broken, following = [r for r in reader.records if isinstance(r, Voucher)]  # type: ignore[attr-defined]
    assert broken.date is None
    assert [(row.account, row.amount) for row in broken.rows] == [
        ("1930", Decimal("100.00")),
        ("3010", Decimal("-60.00")),
        ("2611", Decimal("-40.00")),
    ]
    assert (following.number, str(following.date), len(following.rows)) == ("2", "2024-01-06", 2)
    assert _strict_error(HEAD + head + "\n" + BROKEN_HEAD_BLOCK)[0] == finding[0]


def test_validate_reports_the_broken_voucher_once_and_still_checks_its_balance() -> None:
    unbalanced = BROKEN_HEAD_BLOCK.replace("-40.00", "-30.00")
    text = HEAD + '#RAR 0 20240101 20241231\n#VER A 1 20240231 "Februari"\n' + unbalanced
    report = validate(io.BytesIO(text.encode("cp437")))
    codes = [finding.code for finding in report.errors]
    assert codes.count("SIE-DATE") == 1
    assert "SIE-ROW-OUTSIDE-VOUCHER" not in codes
    assert "SIE-UNBALANCED" in codes  # its rows were read, so its balance is checked
    assert report.vouchers == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (HEAD + '#KONTO 1930 "Bank\n', ("SIE-UNTERMINATED-QUOTE", 7, 13)),
        (HEAD + "#TRANS 1930 {} 100\n", ("SIE-ROW-OUTSIDE-VOUCHER", 7, 1)),
        (HEAD + "#VER A 1 20240132\n{\n}\n", ("SIE-DATE", 7, 10)),
        (HEAD + "#VER A 1 20240101\n{\n  #TRANS 1930 {1} 100\n}\n", ("SIE-OBJECTS-ODD", 9, 15)),
        (HEAD + "#IB 0 1930 12.345\n", ("SIE-AMOUNT-DECIMALS", 7, 12)),
        (HEAD + "#RAR 0 20240101\n", ("SIE-MISSING-FIELD", 7, 16)),
        (
            HEAD + "#VER A 1 20240101\n{\n#RTRANS 1930 {} 5\n#TRANS 1930 {} 6\n}\n",
            ("SIE-RTRANS-COPY", 9, 1),
        ),
        (HEAD + "#VER A 1 20240101\n{\n#TRANS 1930 {} 5\n", ("SIE-MISSING-BRACE", 9, 1)),
        (HEAD + '#PROSA hej"citat\n', ("SIE-STRAY-QUOTE", 7, 11)),
        ("#FLAGGA 0\n#KSUMMA\n#FNAMN x\n", ("SIE-KSUMMA-TRUNCATED", 3, None)),
    ],
)
def test_strict_mode_stops_at_the_first_violation_with_line_and_column(
    text: str, expected: tuple[str, int, int | None]
) -> None:
    assert _strict_error(text) == expected
    assert expected[0] in _codes(_read(text))  # lenient mode reports the same, and goes on


def test_encoding_is_detected_and_strict_mode_refuses_a_lie() -> None:
    text = HEAD + '#KONTO 1930 "Företagskonto"\n'
    for encoding, detected in (("utf-8", "utf-8"), ("latin-1", "latin-1"), ("cp437", "cp437")):
        reader = SieReader(io.BytesIO(text.encode(encoding)))
        accounts = [r for r in reader if type(r).__name__ == "Account"]
        assert accounts[0].name == "Företagskonto"  # type: ignore[union-attr]
        assert reader.encoding == detected
    with pytest.raises(SieSyntaxError) as raised:
        list(SieReader(io.BytesIO(text.encode("utf-8")), strict=True))
    assert (raised.value.finding.code, raised.value.finding.line) == ("SIE-ENCODING", 7)
    explicit = SieReader(io.BytesIO(text.encode("utf-8")), strict=True, encoding="utf-8")
    assert len(list(explicit)) == 6  # #FORMAT describes the file and is no record


def test_cp437_bytes_that_happen_to_form_utf8_are_still_read_as_cp437() -> None:
    # In CP437, ß is 0xE1 and å ä are 0x86 0x84: together a valid UTF-8 sequence (U+1184, a
    # Hangul letter). The letters a bookkeeping file holds decide, not the accident.
    text = HEAD + '#KONTO 1930 "Straßåä"\n'
    reader = SieReader(io.BytesIO(text.encode("cp437")), strict=True)
    accounts = [r for r in reader if type(r).__name__ == "Account"]
    assert accounts[0].name == "Straßåä"  # type: ignore[union-attr]
    assert reader.encoding == "cp437"


def test_bom_crlf_lone_cr_and_missing_final_newline_are_all_accepted() -> None:
    text = '\ufeff#FLAGGA 0\r\n#SIETYP 4\r#FNAMN "A"\r\n#VER A 1 20240101\n{\n#TRANS 1930 {} 0\n}'
    result = read_document(io.BytesIO(text.encode("utf-8")))
    assert result.findings == []
    assert result.document.company.name == "A"
    assert len(result.document.vouchers[0].rows) == 1


def test_binary_and_non_sie_input_is_unusable() -> None:
    with pytest.raises(SieSyntaxError, match="binary file"):
        list(SieReader(io.BytesIO(b"\x00\x01PK\x03\x04")))
    with pytest.raises(SieSyntaxError, match="no SIE record"):
        list(SieReader(io.BytesIO(b"")))


def _big_file(vouchers: int) -> Iterator[bytes]:
    yield HEAD.encode()
    for number in range(vouchers):
        yield (
            f'#VER A {number} 20240105 "Försäljning"\n{{\n'
            f'\t#TRANS 1930 {{1 "Nord"}} 100.00 20240105 "Kund {number}" 1.00\n'
            f"\t#TRANS 3010 {{}} -100.00\n}}\n"
        ).encode("cp437")


class _Stream(io.RawIOBase):
    """A file that is produced while it is read, never held in memory as a whole."""

    def __init__(self, vouchers: int) -> None:
        self._chunks = _big_file(vouchers)
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: object) -> int:
        view = memoryview(buffer)  # type: ignore[arg-type]
        while len(self._pending) < len(view):
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._pending += chunk
        size = min(len(view), len(self._pending))
        view[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def _peak(vouchers: int) -> int:
    tracemalloc.start()
    rows = sum(
        len(r.rows)
        for r in SieReader(io.BufferedReader(_Stream(vouchers)))
        if isinstance(r, Voucher)
    )
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert rows == 2 * vouchers
    return peak


def test_memory_does_not_grow_with_the_file() -> None:
    small, large = _peak(1_000), _peak(10_000)  # about 0.1 MB and 1 MB of SIE
    assert large < small * 1.5
    assert large < 2_000_000


@st.composite
def _row_lines(draw: st.DrawFn) -> str:
    words = [draw(st.sampled_from(["1930", "3010", "7010", "12"])), draw(_objects_text())]
    words.append(draw(st.sampled_from(["-100.00", "12", "0.5", "1.005", "1e5", "+3", "7,5"])))
    optional = [
        draw(st.sampled_from(["20240105", '""', "2024-01-05", "20241301"])),
        draw(st.sampled_from(['"a b"', '""', "word", '"x\\"y"'])),
        draw(st.sampled_from(["1.00", '""', "0", "-2.5", "x"])),
        draw(st.sampled_from(['"Anna A"', "anna", '""'])),
    ]
    words += optional[: draw(st.integers(0, 4))]
    return "#TRANS " + draw(st.sampled_from([" ", "\t"])).join(words)


def _objects_text() -> st.SearchStrategy[str]:
    return st.sampled_from(["{}", '{1 "Nord"}', "{1 Nord 6 0001}", '{"6" "SÄLJ"}', "{1}", "{ }"])


@settings(max_examples=300, deadline=None)
@given(_row_lines())
def test_the_row_fast_path_gives_what_the_general_path_gives(line: str) -> None:
    from fortnox_bridge.formats.findings import FindingLog
    from fortnox_bridge.formats.sie.conversion import FieldConverter

    lexer, log = Lexer(), FindingLog()
    fast = FieldConverter(FindingLog(), lexer).plain_row(line)
    expected = FieldConverter(log, lexer).row("TRANS", lexer.tokens(line).fields, 1, line)
    if fast is not None:  # the fast path takes only lines the general path finds clean
        assert fast == expected
        assert len(log) == 0


@st.composite
def _voucher_lines(draw: st.DrawFn) -> str:
    words = [
        draw(st.sampled_from(["A", '"A"', '""', "LEV1", '"B 2"'])),
        draw(st.sampled_from(["1", '"12"', '""', "0"])),
        draw(st.sampled_from(["20240105", "2024-01-05", "20241301", '""'])),
    ]
    optional = [
        draw(st.sampled_from(['"Kaffe bröd"', "Kaffebröd", '""', '"x\\"y"', "F÷retag"])),
        draw(st.sampled_from(["20240110", '""', "bad"])),
        draw(st.sampled_from(['"Anna A"', "anna", '""'])),
    ]
    words += optional[: draw(st.integers(0, 3))]
    return "#VER " + " ".join(words)


@settings(max_examples=200, deadline=None)
@given(_voucher_lines())
def test_the_voucher_fast_path_gives_what_the_general_path_gives(line: str) -> None:
    from fortnox_bridge.formats.findings import FindingLog
    from fortnox_bridge.formats.sie.conversion import FieldConverter

    lexer, log = Lexer(), FindingLog()
    fast = FieldConverter(FindingLog(), lexer).plain_voucher(line)
    expected = FieldConverter(log, lexer).record("#VER", lexer.tokens(line).fields, 1, line)
    if fast is not None:
        assert fast == expected
        assert len(log) == 0
