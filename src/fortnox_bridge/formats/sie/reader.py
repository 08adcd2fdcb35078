"""The streaming SIE reader: bytes in, typed records out, one line at a time.

Memory does not grow with the file: the reader holds one line, the current voucher and a few
bounded caches. Lines come decoded from :mod:`.source` (encoding detection); well-formed voucher
rows take the fast path of :mod:`.fastpath`, everything else :mod:`.conversion`.

Strict mode raises :class:`~fortnox_bridge.formats.errors.SieSyntaxError` at the first
violation, with line and column. Lenient mode (the default) repairs what it can and lists every
repair in :attr:`SieReader.findings`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from fortnox_bridge.formats.errors import SieSyntaxError
from fortnox_bridge.formats.findings import FindingLog, Severity
from fortnox_bridge.formats.sie import encoding as enc
from fortnox_bridge.formats.sie.checksum import ChecksumResult, ChecksumStatus, Crc, parse_declared
from fortnox_bridge.formats.sie.conversion import FieldConverter
from fortnox_bridge.formats.sie.labels import ROW_LABELS, SIGNATURES
from fortnox_bridge.formats.sie.lexer import Field, Lexer
from fortnox_bridge.formats.sie.records import Record, UnknownRecord, Voucher
from fortnox_bridge.formats.sie.source import TextSource, unusable
from fortnox_bridge.formats.sie.voucher_block import VoucherBlock


class SieReader:
    """Reads a SIE file of any type (1, 2, 3, 4E, 4I) from a binary stream.

    Iterate over it for records, or over :meth:`located` for ``(line, record)`` pairs. After the
    iteration: :attr:`findings` (repairs and errors), :attr:`encoding`, :attr:`checksum`,
    :attr:`declared_format`.

    ``encoding`` overrides detection (``"cp437"``, ``"utf-8"``, ``"latin-1"``); an explicit
    encoding also tells strict mode that a file which is not CP437 is accepted knowingly.
    """

    def __init__(
        self,
        stream: IO[bytes],
        *,
        strict: bool = False,
        encoding: str | None = None,
        finding_limit: int = 1000,
    ) -> None:
        self.findings = FindingLog(strict=strict, raise_error=SieSyntaxError, limit=finding_limit)
        self.strict = strict
        self.declared_format: str | None = None
        self.checksum = ChecksumResult(ChecksumStatus.ABSENT)
        self.labels_seen: dict[str, int] = {}  # label → line of its first record
        self._source = TextSource(stream, self.findings, encoding)
        self._lexer = Lexer()
        self._converter = FieldConverter(self.findings, self._lexer)
        self._crc: Crc | None = None
        self._records = 0
        self._replacement_lines = 0
        self._garbage_lines = 0

    @property
    def encoding(self) -> str | None:
        """The encoding the file is read in (detected, or given); ``None`` before reading."""
        return self._source.encoding

    @property
    def encoding_reason(self) -> str:
        """Why that encoding: the evidence of detection."""
        return self._source.reason

    def __iter__(self) -> Iterator[Record]:
        for _, record in self.located():
            yield record

    def located(self) -> Iterator[tuple[int, Record]]:
        """``(line number, record)`` for every record, in file order."""
        block = VoucherBlock(self.findings)
        # Voucher rows are most of a file: they take a short path (local names, no label
        # dispatch) whenever the line is plain, i.e. has nothing to clean or repair.
        plain_row, add_row = self._converter.plain_row, block.add_row
        plain_voucher = self._converter.plain_voucher
        number, first_row, first_voucher, fast = 0, 0, 0, True
        lines, per_line = self._source.lines()
        numbered = enumerate(lines, 1)
        for number, text in numbered:
            if per_line and not text.isascii():
                text = self._source.decode(text, number)
            line = text.strip(" \t\r\n")
            if not line:
                continue
            if fast and line == "{":
                # Inside a voucher block: raw lines straight to the row fast path until the
                # first line it does not take (usually the "}"), which goes on below.
                append = block.open(number)
                for number, text in numbered:
                    if per_line and not text.isascii():
                        text = self._source.decode(text, number)
                    parsed = plain_row(text)
                    if parsed is None:
                        break
                    append(parsed)
                    first_row = first_row or number
                else:
                    continue
                line = text.strip(" \t\r\n")
                if line == "}":
                    closed = block.close(number)
                    if closed is not None:
                        yield closed
                    continue
                if not line:
                    continue
            if fast and line.startswith("#TRANS"):
                parsed = plain_row(line)
                if parsed is not None:
                    add_row(parsed, number)
                    first_row = first_row or number
                    continue
            elif fast and line.startswith("#VER"):
                voucher = plain_voucher(line)
                if voucher is not None:
                    first_voucher = first_voucher or number
                    if block.busy:
                        closed = block.interrupt(number, "#VER")
                        if closed is not None:
                            yield closed
                    block.start(voucher, number)
                    continue
            yield from self._general(line, text, number, block)
            if line[0] == "#":
                fast = self._crc is None  # inside #KSUMMA the CRC needs the general path
        yield from self._wrap_up(block, number, first_row, first_voucher)

    def _general(
        self, line: str, text: str, number: int, block: VoucherBlock
    ) -> Iterator[tuple[int, Record]]:
        """A line the fast paths did not take: a label, a brace or garbage."""
        if line[0] == "#":
            yield from self._record(line, text, number, block)
        elif line == "{":
            block.open(number)
        elif line == "}":
            closed = block.close(number)
            if closed is not None:
                yield closed
        else:
            self._garbage(line, number, block)

    def _wrap_up(
        self, block: VoucherBlock, number: int, first_row: int, first_voucher: int
    ) -> Iterator[tuple[int, Record]]:
        """At the end of the file: the open voucher, the fast paths' labels, the last checks."""
        closed = block.finish(number)
        if closed is not None:
            yield closed
        for label, first in (("#TRANS", first_row), ("#VER", first_voucher)):
            if first:
                self.labels_seen.setdefault(label, first)
                self._records += 1
        self._finish(number)

    def _record(
        self, line: str, text: str, number: int, block: VoucherBlock
    ) -> Iterator[tuple[int, Record]]:
        fields = None if self._crc is not None else self._lexer.fields(line)
        if fields is None:
            fields = self._lex_slowly(line, text, number)
        written = str(fields[0])
        label = written.upper()
        if label != written:
            self.findings.report(
                Severity.WARNING,
                "SIE-LABEL-CASE",
                f"label {written} is not upper case",
                number,
                self._converter.column(text, 0),
                f"write {label}",
            )
        if label == "#KSUMMA":
            self._checksum(fields, number)
            return
        if self._crc is not None:
            self._crc.add(written, fields[1:])
        if enc.needs_cleaning(line):
            fields = self._clean_texts(fields, line, number)
        self.labels_seen.setdefault(label, number)
        self._records += 1
        if label in ROW_LABELS:
            row = self._converter.row(label[1:], fields, number, text)
            if row is not None:
                block.add_row(row, number)
            return
        closed = block.interrupt(number, label)
        if closed is not None:
            yield closed
        record = self._plain(label, fields, number, text)
        if isinstance(record, Voucher):
            block.start(record, number)
        elif record is not None:
            yield number, record

    def _plain(self, label: str, fields: list[Field], number: int, text: str) -> Record | None:
        if label == "#FORMAT":
            self.declared_format = str(fields[1]) if len(fields) > 1 else ""
            if self.declared_format.upper() != "PC8":
                self.findings.report(
                    Severity.WARNING,
                    "SIE-FORMAT",
                    f"#FORMAT is {self.declared_format!r}; the only legal value is PC8",
                    number,
                    self._converter.column(text, 1),
                    "write #FORMAT PC8 (and the file in code page 437)",
                )
            return None
        if label not in SIGNATURES:
            self.findings.report(
                Severity.INFO,
                "SIE-UNKNOWN-LABEL",
                f"label {label} is not defined by the SIE spec; kept and otherwise ignored",
                number,
                1,
            )
            return UnknownRecord(label, tuple(fields[1:]))
        record: Record | None = self._converter.record(label, fields, number, text)
        return record

    def _lex_slowly(self, line: str, text: str, number: int) -> list[Field]:
        lexed = self._lexer.tokens(line)
        indent = len(text) - len(text.lstrip(" \t"))
        for problem in lexed.problems:
            self.findings.report(
                Severity.WARNING,
                problem.code,
                problem.message,
                number,
                indent + problem.column,
                problem.hint,
            )
        return lexed.fields

    def _clean_texts(self, fields: list[Field], line: str, number: int) -> list[Field]:
        cleaned: list[Field] = []
        for field in fields:
            if isinstance(field, str):
                field = self._clean_text(field, number)
            cleaned.append(field)
        return cleaned

    def _clean_text(self, field: str, number: int) -> str:
        if not field.isprintable():
            fixed = "".join(" " if ord(char) < 32 or ord(char) == 127 else char for char in field)
            if fixed != field:
                self.findings.report(
                    Severity.WARNING,
                    "SIE-CONTROL-CHARACTER",
                    f"control character in {field!r}; replaced by a blank",
                    number,
                    None,
                    "remove tabs, line breaks and other control characters from texts",
                )
                field = fixed
        if self.encoding == enc.CP437 and not self.strict and enc.needs_latin1_repair(field):
            repaired = enc.repair_latin1_letters(field)
            self.findings.report(
                Severity.WARNING,
                "SIE-MIXED-ENCODING",
                f"{field!r} holds Latin-1 letters in a CP437 file; read as {repaired!r}",
                number,
                None,
                "write every text of the file in code page 437",
            )
            field = repaired
        if "\ufffd" in field:
            self._replacement_lines += 1
            if self._replacement_lines > 1:
                return field
            self.findings.report(
                Severity.WARNING,
                "SIE-REPLACEMENT-CHARACTER",
                f"{field!r} contains U+FFFD: letters were destroyed by an earlier conversion "
                "(reported once; the count follows at the end)",
                number,
                None,
                "export the file again from the program that wrote it",
            )
        return field

    def _garbage(self, line: str, number: int, block: VoucherBlock) -> None:
        if line[0] in "{}":
            block.stray_brace(line, number)
            return
        self._garbage_lines += 1
        if self._records == 0 and self._garbage_lines > 20:
            # Twenty lines and not one record: this is not a SIE file; stop reading it.
            self.findings.strict = False
            raise SieSyntaxError(unusable("no SIE record (a line starting with #) found"))
        self.findings.report(
            Severity.WARNING,
            "SIE-NOT-A-RECORD",
            f"line does not start with a #label: {line[:40]!r}; ignored",
            number,
            1,
            "start every record with its label, e.g. #TRANS",
        )

    def _checksum(self, fields: list[Field], number: int) -> None:
        if len(fields) < 2 or fields[1] == "":
            if self._records > 1 or self._crc is not None:
                self.findings.report(
                    Severity.WARNING,
                    "SIE-KSUMMA-PLACE",
                    "#KSUMMA start marker is not right after #FLAGGA",
                    number,
                    1,
                    "write #KSUMMA right after #FLAGGA",
                )
            self._crc = Crc(self.encoding if self.encoding in (enc.UTF8, enc.LATIN1) else enc.CP437)
            return
        declared = parse_declared(str(fields[1]))
        if self._crc is None:
            self.checksum = ChecksumResult(ChecksumStatus.UNEXPECTED, declared)
            self.findings.report(
                Severity.ERROR,
                "SIE-KSUMMA-START",
                "#KSUMMA value without a #KSUMMA start marker; cannot verify",
                number,
                1,
                "write #KSUMMA (without value) right after #FLAGGA",
            )
            return
        computed, self._crc = self._crc.value, None
        if declared == computed:
            self.checksum = ChecksumResult(ChecksumStatus.VERIFIED, declared, computed)
            return
        self.checksum = ChecksumResult(ChecksumStatus.MISMATCH, declared, computed)
        self.findings.report(
            Severity.ERROR,
            "SIE-KSUMMA",
            f"#KSUMMA {fields[1]} does not match the content (computed {computed}): "
            "the file was changed after it was written",
            number,
            9,
            "export the file again, or remove both #KSUMMA records if the change was intended",
        )

    def _finish(self, number: int) -> None:
        if self._replacement_lines > 1:
            self.findings.report(
                Severity.WARNING,
                "SIE-REPLACEMENT-CHARACTER",
                f"{self._replacement_lines} texts in all contain U+FFFD",
                None,
                None,
                "export the file again from the program that wrote it",
            )
        if self._crc is not None:
            self.checksum = ChecksumResult(ChecksumStatus.TRUNCATED, None, self._crc.value)
            self.findings.report(
                Severity.ERROR,
                "SIE-KSUMMA-TRUNCATED",
                "the file has a #KSUMMA start marker but no final #KSUMMA: it was cut off",
                number,
                None,
                "export the file again; a checksummed file ends with #KSUMMA <value>",
            )
        if self._records == 0:
            self.findings.strict = False
            raise SieSyntaxError(unusable("no SIE record (a line starting with #) found"))
