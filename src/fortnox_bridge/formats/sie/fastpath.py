"""The fast path: well-formed ``#TRANS`` and ``#VER`` lines straight to records.

Most of a SIE file is voucher rows, so this is where reading time goes. Each line is split and
checked by one regular expression with possessive quantifiers (``*+``, ``++``: no backtracking),
and the values come from per-reader caches (dates, object lists and quantities repeat all over a
file). The functions are closures over those caches, because local names are cheaper than
attribute lookups. Anything the expressions do not match — escapes, unquoted texts, bad values,
characters that need repair — returns ``None`` and takes the general path, which reports it.
Tests check that both paths agree wherever the fast path answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

from fortnox_bridge.formats.sie import values as v
from fortnox_bridge.formats.sie.encoding import SUSPECT, needs_cleaning
from fortnox_bridge.formats.sie.records import Voucher, VoucherRow

# #TRANS account {objects} amount [date [“text” [quantity [sign]]]], all well formed.
_PLAIN_ROW = re.compile(
    r"[ \t]*+#TRANS[ \t]++([0-9]++)[ \t]*+\{([^{}\\\x00-\x08\x0a-\x1f\x7f]*+)\}"
    r"[ \t]++(-?[0-9]++(?:\.[0-9][0-9]?+)?+)"
    r'(?:[ \t]++([0-9]{8}+|"")'
    r'(?:[ \t]++"([^"\\\x00-\x08\x0a-\x1f\x7f]*+)"'
    r'(?:[ \t]++(-?[0-9]++(?:\.[0-9]++)?+|"")'
    r'(?:[ \t]++([^\s"{}\\\x00-\x08\x7f]++|"[^"\\\x00-\x08\x0a-\x1f\x7f]*+"))?+'
    r")?+)?+)?+[ \t]*+\r?+\n?+"
).fullmatch
"""A whole line, indentation and line end included: the reader hands raw lines to it."""

_VALUE = r'("[^"\\\x00-\x08\x0a-\x1f\x7f]*+"|[^\s"{}\\\x00-\x08\x7f]++)'
# #VER series number date [text [registration date [sign]]], all well formed.
_PLAIN_VOUCHER = re.compile(
    rf"#VER[ \t]++{_VALUE}[ \t]++{_VALUE}[ \t]++([0-9]{{8}}+)"
    rf'(?:[ \t]++{_VALUE}(?:[ \t]++([0-9]{{8}}+|"")(?:[ \t]++{_VALUE})?+)?+)?+[ \t]*+'
).fullmatch


def row_reader(values: v.ValueParser) -> Callable[[str], VoucherRow | None]:
    """``plain_row(line)``: a ``#TRANS`` line to its row, over the caches of ``values``."""
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


def voucher_reader(values: v.ValueParser) -> Callable[[str], Voucher | None]:
    """``plain_voucher(line)``: a ``#VER`` line to its (row-less) voucher."""
    dates, cached_date, suspect = values.dates, values.cached_date, SUSPECT.search

    def plain_voucher(line: str) -> Voucher | None:
        """A plain ``#VER`` line straight to its (row-less) voucher, or ``None``."""
        match = _PLAIN_VOUCHER(line)
        if match is None:
            return None
        series, number, date_text, text, registered_text, sign = match.groups()
        if not line.isascii() and suspect(line):
            return None  # U+FFFD or mis-decoded Latin-1 letters: the general path repairs
        date = dates.get(date_text) or cached_date(date_text)
        registered = None
        if registered_text is not None and registered_text != '""':
            registered = dates.get(registered_text) or cached_date(registered_text)
            if registered is None:
                return None
        if date is None:
            return None
        return Voucher(
            _unquote(series), _unquote(number), date, _unquote(text), registered, _unquote(sign)
        )

    return plain_voucher
