"""Turning a line's fields into a typed record, with findings for every value that breaks the spec.

:class:`FieldConverter` reads fields by the label's signature (:mod:`.labels`). A bad value is
an error in strict mode; in lenient mode it is repaired when a repair exists (an ISO date, a
decimal comma, unquoted words of a name), else an optional field falls back to empty and a
required one drops the record — each with a finding that gives the line, the column and the fix.
A ``#VER`` is never dropped: its rows follow on lines of their own, so without it they would be
lost too (and each reported as outside a voucher). A voucher whose head is broken — a date that
is missing or no date — is kept without that value, with its rows, and the one error says so.

Voucher rows are by far the most frequent records: well-formed ``#TRANS`` and ``#VER`` lines take
the fast path of :mod:`.fastpath`, anything unusual comes here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fortnox_bridge.formats.findings import FindingLog, Severity
from fortnox_bridge.formats.sie import fastpath
from fortnox_bridge.formats.sie import values as v
from fortnox_bridge.formats.sie.labels import SIGNATURES, Signature
from fortnox_bridge.formats.sie.lexer import Field, Lexer
from fortnox_bridge.formats.sie.records import VoucherRow

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
        self._keeping: str | None = None  # a #VER field is being read: what an error adds
        self._values = v.ValueParser()
        self.plain_row = fastpath.row_reader(self._values)
        self.plain_voucher = fastpath.voucher_reader(self._values)

    def row(self, kind: str, fields: list[Field], number: int, text: str) -> VoucherRow | None:
        """A ``#TRANS``/``#RTRANS``/``#BTRANS`` row that the fast path did not take."""
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
        keep = label == "#VER" and not self._log.strict
        values: list[Any] = []
        index = 1
        for position, kind in enumerate(kinds):
            required = position < len(signature.required)
            name = _VOUCHER_FIELDS[position] if label == "#VER" else _NAMES[kind]
            self._keeping = (
                f"; the voucher is kept without its {name}, with its rows" if keep else None
            )
            if index >= len(fields):
                if required:
                    missing = len(signature.required) - position
                    if keep and missing > 1:  # one error for all of them: ``#VER A`` alone
                        later = _VOUCHER_FIELDS[position : len(signature.required)]
                        name = f"{', '.join(later[:-1])} and {later[-1]}"
                        self._keeping = self._keeping and "; the voucher is kept, with its rows"
                    where = (
                        f"fields {position + 1}-{len(signature.required)}"
                        if keep and missing > 1
                        else f"field {position + 1}"
                    )
                    self._report(
                        Severity.ERROR,
                        "SIE-MISSING-FIELD",
                        f"{label} lacks its {name} ({where})",
                        number,
                        text,
                        len(fields),
                        f"write {label} with all its required fields",
                    )
                    if not keep:
                        return None
                    values.extend(_EMPTY[k] for k in kinds[position:])
                    break
                values.append(_EMPTY[kind])
                continue
            last = position == len(kinds) - 1
            value, used = self._field(label, kind, fields, index, required, last, number, text)
            if value is _DROP:
                if not keep:
                    return None
                value, used = _EMPTY[kind], max(used, 1)
            values.append(value)
            index += used
        self._keeping = None
        return values

    def _field(
        self,
        label: str,
        kind: str,
        fields: list[Field],
        index: int,
        required: bool,
        last: bool,
        number: int,
        text: str,
    ) -> tuple[Any, int]:
        """One value, and how many fields it used (an absent object list uses none)."""
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
                return (), 0
            return self._value(self._values.objects, field, number, text, index), 1
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
            return _DROP, 0
        if kind == "t" and last and index + 1 < len(fields):
            field = self._join_words(label, fields, index, number, text)
        value = self._convert_one(kind, label, field, required, number, text, index)
        if value is _DROP and not required:
            value = _EMPTY[kind]
        return value, 1

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
        if self._keeping and severity is Severity.ERROR:
            message += self._keeping
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
#: The fields of ``#VER`` by position, for its findings.
_VOUCHER_FIELDS = ("series", "number", "date", "text", "registration date", "signature")
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
