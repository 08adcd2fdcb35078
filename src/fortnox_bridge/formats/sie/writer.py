"""The SIE writer: records or a whole document out, as spec-conforming CP437.

Canonical form: ``#FLAGGA`` first, ``#FORMAT PC8``, CRLF line ends,
texts always quoted with ``\\"`` for a quote, amounts with two decimals, interior empty fields as
``""`` and trailing empty fields left out, the ``{`` and ``}`` of a voucher block on lines of
their own. Characters CP437 lacks are substituted and reported (:attr:`SieWriter.substitutions`).

With ``checksum=True`` the writer adds ``#KSUMMA`` after ``#FLAGGA`` and ``#KSUMMA <crc>`` at the
end, the CRC computed from the values written (never from formatted text), as §A7 prescribes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import IO, Any, NamedTuple

from fortnox_bridge.formats.errors import SieWriteError
from fortnox_bridge.formats.sie import records as r
from fortnox_bridge.formats.sie import values as v
from fortnox_bridge.formats.sie.checksum import Crc
from fortnox_bridge.formats.sie.document import Company, Document
from fortnox_bridge.formats.sie.encoding import CP437, to_cp437
from fortnox_bridge.formats.sie.labels import LABEL_OF_KIND, LABEL_OF_RECORD, SIGNATURES
from fortnox_bridge.formats.sie.lexer import Field

_NEEDS_QUOTES = frozenset(' \t"{}\\')


class Substitution(NamedTuple):
    """A character CP437 lacks (or a control character), and what was written instead."""

    line: int
    label: str
    original: str
    replacement: str


class SieWriter:
    """Writes SIE records to a binary stream, one line each.

    Use it as a context manager, or call :meth:`close` at the end: the final ``#KSUMMA`` is
    written there. ``#FLAGGA`` (if the first record is not one), ``#KSUMMA`` and
    ``#FORMAT PC8`` are written automatically before the first record.
    """

    def __init__(
        self,
        stream: IO[bytes],
        *,
        checksum: bool = False,
        newline: str = "\r\n",
        keep_unknown: bool = False,
    ) -> None:
        self.substitutions: list[Substitution] = []
        self.dropped_unknown: list[str] = []
        self._stream = stream
        self._newline = newline
        self._checksum = checksum
        self._keep_unknown = keep_unknown
        self._crc: Crc | None = None
        self._line = 0
        self._started = False
        self._closed = False

    def __enter__(self) -> SieWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.close()

    def write(self, record: r.Record) -> None:
        """Write one record (a :class:`~.records.Voucher` with its block of rows)."""
        if not self._started:
            self._start(record.value if isinstance(record, r.Flag) else 0)
            if isinstance(record, r.Flag):
                return
        if isinstance(record, r.Flag):
            raise SieWriteError("#FLAGGA must be the first record of a SIE file")
        if isinstance(record, r.UnknownRecord):
            self._unknown(record)
            return
        if isinstance(record, r.Voucher):
            self._voucher(record)
            return
        label = _label(record)
        self._record(label, record)

    def write_all(self, records: Iterable[r.Record]) -> None:
        """Write every record of ``records``."""
        for record in records:
            self.write(record)

    def close(self) -> None:
        """Finish the file: the final ``#KSUMMA`` when checksumming. Idempotent."""
        if self._closed:
            return
        if not self._started:
            self._start(0)
        self._closed = True
        if self._crc is not None:
            self._emit(f"#KSUMMA {self._crc.value}")

    def _start(self, flag: int) -> None:
        self._started = True
        self._emit(f"#FLAGGA {flag}")
        if self._checksum:
            self._emit("#KSUMMA")
            self._crc = Crc(CP437)
        self._line_for("#FORMAT", ["PC8"], ["PC8"])

    def _voucher(self, voucher: r.Voucher) -> None:
        self._record("#VER", voucher[:6])
        self._emit("{")
        for row in voucher.rows:
            self._record(LABEL_OF_KIND[row.kind], row)
        self._emit("}")

    def _unknown(self, record: r.UnknownRecord) -> None:
        if not self._keep_unknown:
            # 4C §7.2: writers may only emit labels the standard defines.
            self.dropped_unknown.append(record.label)
            return
        texts: list[Field] = [
            self._clean(record.label, f) if isinstance(f, str) else f for f in record.fields
        ]
        formatted = [
            _quote(f) if isinstance(f, str) else "{" + " ".join(map(_quote, f)) + "}" for f in texts
        ]
        self._line_for(record.label, formatted, texts)

    def _record(self, label: str, record: Sequence[Any]) -> None:
        signature = SIGNATURES[label]
        values = list(record)[len(signature.prefix) :]
        formatted: list[str] = []
        contents: list[Field] = []
        for position, (kind, value) in enumerate(zip(signature.kinds, values, strict=False)):
            if value is None and position < len(signature.required):
                raise SieWriteError(f"{label} lacks its required field {position + 1}")
            text, content = self._field(label, kind, value)
            formatted.append(text)
            contents.append(content)
        optional_from = len(signature.required)
        while len(formatted) > optional_from and formatted[-1] in ('""', ""):
            formatted.pop()
            contents.pop()
        self._line_for(label, [text or '""' for text in formatted], contents)

    def _field(self, label: str, kind: str, value: Any) -> tuple[str, Field]:
        if value is None:
            return "", ""
        if kind == "o":
            pairs = tuple((dim, self._clean(label, obj)) for dim, obj in value)
            flat = tuple(part for dim, obj in pairs for part in (str(dim), obj))
            return _objects(pairs), flat
        if kind == "a":
            return self._amount(value)
        if kind == "q":
            text = v.format_number(value)
            return text, text
        if kind == "d":
            text = v.format_date(value)
            return text, text
        if kind in "ip":
            return str(value), str(value)
        clean = self._clean(label, str(value))
        if kind == "t":
            return _always_quote(clean), clean
        return _quote(clean), clean

    def _amount(self, value: Decimal) -> tuple[str, str]:
        text = v.format_amount(value)
        if Decimal(text) != value:
            raise SieWriteError(
                f"amount {value} has more than two decimals; round it before writing "
                "(SIE amounts have at most two)"
            )
        return text, text

    def _clean(self, label: str, text: str) -> str:
        clean, substitutions = to_cp437(text)
        for original, replacement in substitutions:
            self.substitutions.append(Substitution(self._line + 1, label, original, replacement))
        return clean

    def _line_for(self, label: str, formatted: list[str], contents: Sequence[Field]) -> None:
        if self._crc is not None:
            self._crc.add(label, contents)
        self._emit(" ".join([label, *formatted]))

    def _emit(self, text: str) -> None:
        self._line += 1
        self._stream.write((text + self._newline).encode(CP437))


def _label(record: r.Record) -> str:
    kind = getattr(record, "kind", None)
    if isinstance(kind, str) and kind in LABEL_OF_KIND:
        return LABEL_OF_KIND[kind]
    return LABEL_OF_RECORD[type(record)]


def _escape(text: str) -> str:
    r"""Escape ``"`` as ``\"``, and a backslash as ``\\`` where a reader could misread it."""
    if "\\" not in text and '"' not in text:
        return text
    out: list[str] = []
    for index, char in enumerate(text):
        if char == '"':
            out.append('\\"')
        elif char == "\\" and (index + 1 == len(text) or text[index + 1] in '"\\'):
            out.append("\\\\")
        else:
            out.append(char)
    return "".join(out)


def _always_quote(text: str) -> str:
    return f'"{_escape(text)}"'


def _quote(text: str) -> str:
    if text and not _NEEDS_QUOTES.intersection(text) and not text.startswith("#"):
        return text
    return _always_quote(text)


def _objects(pairs: r.ObjectList) -> str:
    return "{" + " ".join(f"{dim} {_always_quote(obj)}" for dim, obj in pairs) + "}"


def document_records(document: Document) -> Iterable[r.Record]:
    """The records of a :class:`~.document.Document` in canonical order."""
    d = document
    yield r.Flag(d.flag)
    if d.program is not None:
        yield d.program
    if d.generated is not None:
        yield d.generated
    if d.sie_type is not None:
        yield r.SieType(d.sie_type)
    if d.comment is not None:
        yield r.Comment(d.comment)
    yield from _company_records(d.company)
    yield from d.financial_years
    if d.tax_year is not None:
        yield r.TaxYear(d.tax_year)
    if d.coverage is not None:
        yield r.Coverage(d.coverage)
    if d.chart_type is not None:
        yield r.ChartType(d.chart_type)
    if d.currency is not None:
        yield r.Currency(d.currency)
    yield from _chart_records(d)
    yield from d.balances
    yield from d.object_balances
    yield from d.period_balances
    yield from d.vouchers
    yield from d.unknown


def _company_records(company: Company) -> Iterable[r.Record]:
    if company.company_type:
        yield r.CompanyType(company.company_type)
    if company.company_id:
        yield r.CompanyId(company.company_id)
    if company.org_number or company.org_sequence or company.org_activity:
        yield r.OrgNumber(company.org_number, company.org_sequence, company.org_activity)
    if company.industry_code:
        yield r.IndustryCode(company.industry_code)
    if company.address is not None:
        yield company.address
    if company.name:
        yield r.CompanyName(company.name)


def _chart_records(d: Document) -> Iterable[r.Record]:
    for account in d.accounts.values():
        yield r.Account(account.number, account.name)
        if account.type:
            yield r.AccountType(account.number, account.type)
        if account.unit:
            yield r.AccountUnit(account.number, account.unit)
        for code in account.sru:
            yield r.SruCode(account.number, code)
    for dimension in d.dimensions.values():
        if dimension.parent is None:
            yield r.Dimension(dimension.number, dimension.name)
        else:
            yield r.SubDimension(dimension.number, dimension.name, dimension.parent)
    for (dimension_number, object_id), name in d.objects.items():
        yield r.DimensionObject(dimension_number, object_id, name)


def write_document(
    document: Document, stream: IO[bytes], *, checksum: bool = False, keep_unknown: bool = False
) -> SieWriter:
    """Write a :class:`~.document.Document`; returns the writer (its substitutions, dropped
    unknown labels)."""
    writer = SieWriter(stream, checksum=checksum, keep_unknown=keep_unknown)
    with writer:
        writer.write_all(document_records(document))
    return writer
