"""SIE field values: parsing them (with the repairs lenient mode allows) and formatting them.

Parsing raises :class:`BadValue`, which says what is wrong and how to fix it, and carries a
repaired value when lenient mode can repair it (an ISO date, a decimal comma). Dates and object
lists repeat throughout a file, so :class:`ValueParser` caches them per reader.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from fortnox_bridge.formats.sie.encoding import needs_cleaning
from fortnox_bridge.formats.sie.records import ObjectList

_AMOUNT = re.compile(r"-?\d+(?:\.\d{1,2})?")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_LOOSE_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
_INT = re.compile(r"-?\d+")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


class BadValue(Exception):
    """A field value that breaks the spec; ``repaired`` is what lenient mode may use instead."""

    def __init__(self, code: str, message: str, hint: str, repaired: object = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint
        self.repaired = repaired


class ValueParser:
    """Parses field values; caches dates and object lists (instance state, one per reader).

    :attr:`dates` and :attr:`contents` are read directly by the row fast path.
    """

    def __init__(self, cache_limit: int = 16384) -> None:
        self.dates: dict[str, dt.date] = {}
        self._objects: dict[tuple[str, ...], ObjectList] = {}
        self.contents: dict[str, ObjectList] = {}
        self.quantities: dict[str, Decimal] = {}  # "1.00", "0", ... repeat on every row
        self._cache_limit = cache_limit

    def date(self, text: str) -> dt.date:
        """``YYYYMMDD`` → ``date``."""
        cached = self.dates.get(text)
        if cached is not None:
            return cached
        value = _parse_date(text)
        if len(self.dates) >= self._cache_limit:
            self.dates.clear()
        self.dates[text] = value
        return value

    def cached_date(self, text: str) -> dt.date | None:
        """``YYYYMMDD`` → ``date``; ``None`` if the text is not a valid date."""
        cached = self.dates.get(text)
        if cached is not None:
            return cached
        try:
            return self.date(text)
        except BadValue:
            return None

    def cached_objects(self, content: str) -> ObjectList | None:
        """The object list for the text between the braces; ``None`` if it is not plain."""
        cached = self.contents.get(content)
        if cached is not None:
            return cached
        if "\\" in content or "{" in content:
            return None
        if not content.isascii() and needs_cleaning(content):
            return None
        if '"' in content:
            parts = content.split('"')
            if len(parts) % 2 == 0:
                return None
            elements = [
                element
                for index, part in enumerate(parts)
                for element in (part.split() if index % 2 == 0 else [part])
            ]
        else:
            elements = content.split()
        try:
            value = self.objects(tuple(elements))
        except BadValue:
            return None
        if len(self.contents) >= self._cache_limit:
            self.contents.clear()
        self.contents[content] = value
        return value

    def objects(self, elements: tuple[str, ...]) -> ObjectList:
        """Object-list elements ``("1", "Nord", "6", "0001")`` → ``((1, "Nord"), (6, "0001"))``."""
        cached = self._objects.get(elements)
        if cached is not None:
            return cached
        value = _parse_objects(elements)
        if len(self._objects) >= self._cache_limit:
            self._objects.clear()
        self._objects[elements] = value
        return value


def amount(text: str) -> Decimal:
    """An amount: ``.`` decimal point, at most two decimals, optional ``-``."""
    if _AMOUNT.fullmatch(text):
        return Decimal(text)
    if _NUMBER.fullmatch(text):
        raise BadValue(
            "SIE-AMOUNT-DECIMALS",
            f"amount {text!r} has more than two decimals",
            "write amounts with at most two decimals",
            repaired=Decimal(text),
        )
    raise _bad_number(text, "amount")


def quantity(text: str) -> Decimal:
    """A quantity: a decimal number of any precision, optional ``-``."""
    if _NUMBER.fullmatch(text):
        return Decimal(text)
    raise _bad_number(text, "quantity")


def _bad_number(text: str, what: str) -> BadValue:
    repaired: Decimal | None = None
    if _LOOSE_NUMBER.fullmatch(text):
        try:
            repaired = Decimal(text.replace(",", ".").lstrip("+"))
        except InvalidOperation:  # pragma: no cover - the pattern admits only digits
            repaired = None
    return BadValue(
        "SIE-NUMBER",
        f"{what} {text!r} is not a number in SIE form",
        "write numbers like -1234.50: '.' as decimal point, no '+', no thousands separator",
        repaired=repaired,
    )


def integer(text: str) -> int:
    """An integer (year index, dimension number, flag, type)."""
    if _INT.fullmatch(text):
        return int(text)
    raise BadValue("SIE-INTEGER", f"{text!r} is not an integer", "write a whole number")


def _parse_date(text: str) -> dt.date:
    if len(text) == 8 and text.isdigit():
        try:
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            raise BadValue(
                "SIE-DATE", f"{text!r} is not a calendar date", "write a real date as YYYYMMDD"
            ) from None
    iso = _ISO_DATE.fullmatch(text)
    repaired = None
    if iso:
        try:
            repaired = dt.date(int(iso[1]), int(iso[2]), int(iso[3]))
        except ValueError:
            repaired = None
    raise BadValue(
        "SIE-DATE",
        f"date {text!r} is not in the form YYYYMMDD",
        "write dates as YYYYMMDD, e.g. 20240131",
        repaired=repaired,
    )


def period(text: str) -> str:
    """A period ``YYYYMM`` (calendar year and month), kept as text."""
    if len(text) == 6 and text.isdigit() and 1 <= int(text[4:]) <= 12:
        return text
    repaired = None
    if len(text) == 7 and text[4] == "-" and text.replace("-", "").isdigit():
        repaired = text.replace("-", "")
        if not 1 <= int(repaired[4:]) <= 12:
            repaired = None
    raise BadValue(
        "SIE-PERIOD",
        f"period {text!r} is not in the form YYYYMM",
        "write periods as YYYYMM, e.g. 202401",
        repaired=repaired,
    )


def _parse_objects(elements: tuple[str, ...]) -> ObjectList:
    if len(elements) % 2:
        raise BadValue(
            "SIE-OBJECTS-ODD",
            f"object list {{{' '.join(elements)}}} has an odd number of elements",
            "write the object list as pairs: {dimension object dimension object ...}",
            repaired=_pairs(elements[:-1]),
        )
    return _pairs(elements)


def _pairs(elements: tuple[str, ...]) -> ObjectList:
    pairs: list[tuple[int, str]] = []
    for index in range(0, len(elements), 2):
        dimension = elements[index].strip()
        if not dimension.isdigit():
            raise BadValue(
                "SIE-DIMENSION",
                f"dimension {elements[index]!r} in an object list is not a number",
                'write the dimension number first in each pair: {1 "Nord"}',
            )
        pairs.append((int(dimension), elements[index + 1]))
    return tuple(pairs)


def format_amount(value: Decimal) -> str:
    """An amount with exactly two decimals (``-275`` → ``-275.00``)."""
    return f"{value:.2f}"


def format_number(value: Decimal) -> str:
    """A quantity in plain notation (never ``1E+2``)."""
    return format(value, "f")


def format_date(value: dt.date) -> str:
    """``date`` → ``YYYYMMDD``."""
    return f"{value.year:04d}{value.month:02d}{value.day:02d}"
