"""Turning a line's fields into a typed record, with findings for every value that breaks the spec.

:class:`FieldConverter` reads fields by the label's signature (:mod:`.labels`). A bad value is
an error in strict mode; in lenient mode it is repaired when a repair exists (an ISO date, a
decimal comma, unquoted words of a name), else an optional field falls back to empty and a
required one drops the record — each with a finding that gives the line, the column and the fix.

Voucher rows are by far the most frequent records, so :meth:`FieldConverter.row` has a fast path
for well-formed rows and hands anything unusual to the general path.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from fortnox_bridge.formats.findings import FindingLog, Severity
from fortnox_bridge.formats.sie import values as v
from fortnox_bridge.formats.sie.encoding import SUSPECT, needs_cleaning
from fortnox_bridge.formats.sie.labels import SIGNATURES, Signature
from fortnox_bridge.formats.sie.lexer import Field, Lexer
from fortnox_bridge.formats.sie.records import Voucher, VoucherRow

_AMOUNT_MATCH = v._AMOUNT.fullmatch
_NUMBER_MATCH = v._NUMBER.fullmatch

# #TRANS account {objects} amount [date [“text” [quantity [sign]]]], all well formed.
_PLAIN_ROW = re.compile(
    r"#TRANS[ \t]++([0-9]++)[ \t]*+\{([^{}\\\x00-\x08\x0a-\x1f\x7f]*+)\}"
    r"[ \t]++(-?[0-9]++(?:\.[0-9][0-9]?+)?+)"
    r'(?:[ \t]++([0-9]{8}+|"")'
    r'(?:[ \t]++"([^"\\\x00-\x08\x0a-\x1f\x7f]*+)"'
    r'(?:[ \t]++(-?[0-9]++(?:\.[0-9]++)?+|"")'
    r'(?:[ \t]++([^\s"{}\\]++|"[^"\\]*+"))?+'
    r")?+)?+)?+[ \t]*+"
).fullmatch

_VALUE = r'("[^"\\\x00-\x08\x0a-\x1f\x7f]*+"|[^\s"{}\\]++)'
# #VER series number date [text [registration date [sign]]], all well formed.
_PLAIN_VOUCHER = re.compile(
    rf"#VER[ \t]++{_VALUE}[ \t]++{_VALUE}[ \t]++([0-9]{{8}}+)"
    rf'(?:[ \t]++{_VALUE}(?:[ \t]++([0-9]{{8}}+|"")(?:[ \t]++{_VALUE})?+)?+)?+[ \t]*+'
).fullmatch


_new_tuple = tuple.__new__


def _plain_row_reader(values: v.ValueParser) -> Callable[[str], VoucherRow | None]:
    """The reader's hottest function, as a closure over the caches (locals are cheaper than
    attribute lookups, and this runs once per voucher row)."""
    contents, dates, quantities = values.contents, values.dates, values.quantities
    cached_objects, cached_date, new = values.cached_objects, values.cached_date, tuple.__new__
    suspect = SUSPECT.search

    def plain_row(line: str) -> VoucherRow | None:
        """A plain ``#TRANS`` line straight to its row, or ``None`` to take the general path.

        Plain means the shape of ``_PLAIN_ROW``: quoted text without backslashes or control
        characters, every value well formed. One regular expression with possessive
        quantifiers (no backtracking) does the splitting and most of the checking.
        """
        match = _PLAIN_ROW(line)
        if match is None:
            return None
        account, content, amount, date_text, text, quantity_text, sign = match.groups()
        # Control characters cannot match the expression; U+FFFD and mis-decoded Latin-1
        # letters (only possible in non-ASCII text) need the general path's repairs.
        if text and not text.isascii() and suspect(text):
            return None
        pairs = contents.get(content)
        if pairs is None:
            pairs = cached_objects(content)
            if pairs is None:
                return None
        date = None
        if date_text is not None and date_text != '""':
            date = dates.get(date_text) or cached_date(date_text)
            if date is None:
                return None
        quantity = None
        if quantity_text is not None and quantity_text != '""':
            quantity = quantities.get(quantity_text)
            if quantity is None:
                if len(quantities) >= 4096:
                    quantities.clear()  # bounded: memory must not grow with the file
                quantity = quantities[quantity_text] = Decimal(quantity_text)
        if sign is None:
            sign = ""
        else:
            if sign[:1] == '"':
                sign = sign[1:-1]
            if not sign.isascii() and needs_cleaning(sign):
                return None
        # tuple.__new__ skips the Python frame of the named tuple's generated __new__.
        row: VoucherRow = new(
            VoucherRow, ("TRANS", account, pairs, Decimal(amount), date, text or "", quantity, sign)
        )
        return row

    return plain_row


def _unquote(value: str | None) -> str:
    if value is None:
        return ""
    return value[1:-1] if value[:1] == '"' else value


_SINGLE = {
    "i": v.integer,
    "p": v.period,
    "a": v.amount,
    "q": v.quantity,
}


class FieldConverter:
    """Converts fields to records for one reader; reports into its :class:`FindingLog`."""

    def __init__(self, log: FindingLog, lexer: Lexer) -> None:
        self._log = log
        self._lexer = lexer
        self._values = v.ValueParser()
        self.plain_row = _plain_row_reader(self._values)

    def row(self, kind: str, fields: list[Field], number: int, text: str) -> VoucherRow | None:
        """A ``#TRANS``/``#RTRANS``/``#BTRANS`` row: the fast path, else the general one."""
        size = len(fields)
        if size < 4 or size > 8:
            return self._row_slowly(kind, fields, number, text)
        account, objects, amount = fields[1], fields[2], fields[3]
        if (
            type(objects) is not tuple
            or type(account) is not str
            or type(amount) is not str
            or not _AMOUNT_MATCH(amount)
            or not account.isdigit()
        ):
            return self._row_slowly(kind, fields, number, text)
        date = quantity = None
        row_text = sign = ""
        try:
            pairs = self._values.objects(objects)
            if size > 4:
                date_text = fields[4]
                if date_text:
                    date = self._values.date(date_text)  # type: ignore[arg-type]
                if size > 5:
                    row_text = fields[5]  # type: ignore[assignment]
                    if size > 6:
                        quantity_text = fields[6]
                        if quantity_text:
                            if not _NUMBER_MATCH(quantity_text):  # type: ignore[arg-type]
                                raise v.BadValue("", "", "")
                            quantity = Decimal(quantity_text)  # type: ignore[arg-type]
                        if size > 7:
                            sign = fields[7]  # type: ignore[assignment]
        except (v.BadValue, TypeError, AttributeError):
            return self._row_slowly(kind, fields, number, text)
        if type(row_text) is not str or type(sign) is not str:
            return self._row_slowly(kind, fields, number, text)
        return VoucherRow(kind, account, pairs, Decimal(amount), date, row_text, quantity, sign)

    def plain_voucher(self, line: str) -> Voucher | None:
        """A plain ``#VER`` line straight to its (row-less) voucher, or ``None``."""
        match = _PLAIN_VOUCHER(line)
        if match is None:
            return None
        series, number, date_text, text, registered_text, sign = match.groups()
        values = self._values
        date = values.dates.get(date_text) or values.cached_date(date_text)
        registered = None
        if registered_text is not None and registered_text != '""':
            registered = values.dates.get(registered_text) or values.cached_date(registered_text)
            if registered is None:
                return None
        if date is None:
            return None
        return Voucher(
            _unquote(series), _unquote(number), date, _unquote(text), registered, _unquote(sign)
        )

    def _row_slowly(
        self, kind: str, fields: list[Field], number: int, text: str
    ) -> VoucherRow | None:
        row: VoucherRow | None = self._general(fields[0], kind, fields, number, text)
        return row

    def record(self, label: str, fields: list[Field], number: int, text: str) -> Any:
        """The record for ``label`` (a key of ``SIGNATURES``), or ``None`` if it was dropped."""
        return self._general(label, None, fields, number, text)

    def _general(
        self, label: Field, kind: str | None, fields: list[Field], number: int, text: str
    ) -> Any:
        key = f"#{kind}" if kind else str(label)
        signature = SIGNATURES[key]
        values = self.convert(signature, key, fields, number, text)
        if values is None:
            return None
        return signature.make(*signature.prefix, *values)

    def convert(
        self, signature: Signature, label: str, fields: list[Field], number: int, text: str
    ) -> list[Any] | None:
        """The field values by ``signature``; ``None`` when a required value is unusable."""
        kinds = signature.kinds
        if "p" in kinds:
            fields = self._period_order(label, fields, number, text)
        values: list[Any] = []
        index = 1
        for position, kind in enumerate(kinds):
            required = position < len(signature.required)
            if index >= len(fields):
                if required:
                    self._report(
                        Severity.ERROR,
                        "SIE-MISSING-FIELD",
                        f"{label} lacks its {_NAMES[kind]} (field {position + 1})",
                        number,
                        text,
                        len(fields),
                        f"write {label} with all its required fields",
                    )
                    return None
                values.append(_EMPTY[kind])
                continue
            field = fields[index]
            if kind == "o":
                if isinstance(field, str):
                    self._report(
                        Severity.WARNING,
                        "SIE-MISSING-OBJECTS",
                        f"{label} has no object list; read as empty {{}}",
                        number,
                        text,
                        index,
                        "write {} where a record has no objects",
                    )
                    values.append(())
                    continue
                value = self._value(lambda f: self._values.objects(f), field, number, text, index)
                if value is _DROP:
                    return None
                values.append(value)
                index += 1
                continue
            if isinstance(field, tuple):
                self._report(
                    Severity.ERROR,
                    "SIE-UNEXPECTED-OBJECTS",
                    f"{label} has an object list where its {_NAMES[kind]} belongs",
                    number,
                    text,
                    index,
                    f"remove the object list from {label}",
                )
                return None
            if kind == "t" and position == len(kinds) - 1 and index + 1 < len(fields):
                field = self._join_words(label, fields, index, number, text)
            value = self._convert_one(kind, label, field, required, number, text, index)
            if value is _DROP:
                if required:
                    return None
                value = _EMPTY[kind]
            values.append(value)
            index += 1
        return values

    def _period_order(self, label: str, fields: list[Field], number: int, text: str) -> list[Field]:
        """BL Administration 2018 writes ``#PBUDGET 0 1119 201701 -1666.00``: account and
        period swapped, no object list. Lenient mode swaps them back."""
        if len(fields) < 4 or not all(isinstance(field, str) for field in fields[2:4]):
            return fields
        first, second = str(fields[2]), str(fields[3])
        if _is_period(first) or not _is_period(second) or not first.isdigit():
            return fields
        self._report(
            Severity.WARNING,
            "SIE-PERIOD-ORDER",
            f"{label} has the account {first} before the period {second}; read swapped",
            number,
            text,
            2,
            f"write {label} year period account {{objects}} amount",
        )
        return [*fields[:2], second, first, *fields[4:]]

    def _convert_one(
        self,
        kind: str,
        label: str,
        field: str,
        required: bool,
        number: int,
        text: str,
        index: int,
    ) -> Any:
        if kind in "st":
            return field
        if not field and not required and kind in "dqas":
            return _EMPTY[kind]
        if kind == "n":
            if not field.isdigit():
                self._report(
                    Severity.WARNING,
                    "SIE-ACCOUNT",
                    f"account number {field!r} is not numeric",
                    number,
                    text,
                    index,
                    "use numeric account numbers (BAS: four digits)",
                )
            return field
        if kind == "d":
            return self._value(self._values.date, field, number, text, index)
        return self._value(_SINGLE[kind], field, number, text, index)

    def _value(
        self, parse: Callable[[Any], Any], field: Any, number: int, text: str, index: int
    ) -> Any:
        try:
            return parse(field)
        except v.BadValue as bad:
            if bad.repaired is not None and not self._log.strict:
                self._report(
                    Severity.WARNING,
                    bad.code,
                    f"{bad.message}; repaired",
                    number,
                    text,
                    index,
                    bad.hint,
                )
                return bad.repaired
            self._report(Severity.ERROR, bad.code, bad.message, number, text, index, bad.hint)
            return _DROP

    def _join_words(
        self, label: str, fields: list[Field], index: int, number: int, text: str
    ) -> str:
        surplus = fields[index:]
        if not all(isinstance(word, str) for word in surplus):
            return str(fields[index])
        joined = " ".join(str(word) for word in surplus)
        self._report(
            Severity.WARNING,
            "SIE-UNQUOTED-TEXT",
            f"{label} text {joined!r} has blanks but no quotes; read as one text",
            number,
            text,
            index,
            f'quote texts that contain blanks: {label} "{joined}"',
        )
        return joined

    def _report(
        self,
        severity: Severity,
        code: str,
        message: str,
        number: int,
        text: str,
        index: int | None,
        hint: str,
    ) -> None:
        column = self.column(text, index) if index is not None else None
        self._log.report(severity, code, message, number, column, hint)

    def column(self, text: str, index: int) -> int | None:
        """1-based column of field ``index`` (0 = the label) in the original line ``text``."""
        text = text.rstrip("\r\n")
        indent = len(text) - len(text.lstrip(" \t"))
        lexed = self._lexer.tokens(text.strip(" \t"))
        if index < len(lexed.columns):
            return indent + lexed.columns[index]
        return indent + len(text.strip(" \t")) + 1


def _is_period(text: str) -> bool:
    try:
        v.period(text)
    except v.BadValue:
        return False
    return True


class _Drop:
    """Marks a value that could not be read."""


_DROP: Any = _Drop()
_EMPTY: dict[str, Any] = {
    "d": None,
    "q": None,
    "a": None,
    "i": None,
    "p": "",
    "s": "",
    "t": "",
    "o": (),
    "n": "",
}
_NAMES = {
    "i": "number",
    "d": "date",
    "p": "period",
    "a": "amount",
    "q": "quantity",
    "n": "account",
    "s": "value",
    "t": "text",
    "o": "object list",
}
