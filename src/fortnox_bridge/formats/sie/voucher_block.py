"""The ``#VER { ... }`` block: collecting a voucher's rows and checking the block's shape.

4C §5.4: ``#VER`` is followed by a line with only ``{``, the rows, and a line with only ``}``.
Lenient mode closes a block that lacks its ``}`` when the next record starts, and opens one that
lacks its ``{`` when the first row arrives. An ``#RTRANS`` must be followed by its ``#TRANS`` copy;
the copy is matched on account, objects, amount and quantity, because real producers differ in
the date and sign fields.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import partial

from fortnox_bridge.formats.findings import FindingLog, Severity
from fortnox_bridge.formats.sie.records import Voucher, VoucherRow

_OUTSIDE, _EXPECT_OPEN, _INSIDE = range(3)
_new = tuple.__new__  # a named tuple without the frame of its generated __new__


def _copy_key(row: VoucherRow) -> tuple[object, ...]:
    return (row.account, row.objects, row.amount, row.quantity or Decimal(0))


class VoucherBlock:
    """State of the voucher being read; hands back each voucher when its block is complete."""

    def __init__(self, log: FindingLog) -> None:
        self._log = log
        self._state = _OUTSIDE
        self._voucher: Voucher | None = None
        self._line = 0
        self._rows: list[VoucherRow] = []
        self._rtrans: tuple[int, VoucherRow] | None = None

    @property
    def busy(self) -> bool:
        """Whether a voucher is being read (a new record may have to close it)."""
        return self._state != _OUTSIDE

    def start(self, voucher: Voucher, number: int) -> None:
        """A ``#VER`` record: its block should follow."""
        self._voucher, self._line, self._rows = voucher, number, []
        self._state = _EXPECT_OPEN

    def open(self, number: int) -> Callable[[VoucherRow], None]:
        """A ``{`` line. Returns what appends a plain ``#TRANS`` row to the block just opened
        (no ``#RTRANS`` can be pending there), or what drops it when no block opened."""
        if self._state == _EXPECT_OPEN:
            self._state = _INSIDE
            return self._rows.append
        self._warn("SIE-STRAY-BRACE", "'{' without a #VER before it; ignored", number)
        return partial(self.add_row, number=number)

    def add_row(self, row: VoucherRow, number: int) -> None:
        """A ``#TRANS``, ``#RTRANS`` or ``#BTRANS`` record."""
        if self._state == _INSIDE and self._rtrans is None and row.kind == "TRANS":
            self._rows.append(row)  # the common case, kept short: it runs for every row
            return
        if self._state == _OUTSIDE:
            self._log.report(
                Severity.ERROR,
                "SIE-ROW-OUTSIDE-VOUCHER",
                f"#{row.kind} outside a #VER block; dropped",
                number,
                1,
                "put voucher rows between the '{' and '}' lines after their #VER",
            )
            return
        if self._state == _EXPECT_OPEN:
            self._warn("SIE-MISSING-BRACE", "#VER block has no '{' line; opened here", number)
            self._state = _INSIDE
        self._check_copy(row)
        if row.kind == "RTRANS":
            self._rtrans = (number, row)
        self._rows.append(row)

    def _check_copy(self, row: VoucherRow) -> None:
        if self._rtrans is None:
            return
        number, added = self._rtrans
        self._rtrans = None
        if row.kind == "TRANS" and _copy_key(row) == _copy_key(added):
            return
        self._log.report(
            Severity.WARNING,
            "SIE-RTRANS-COPY",
            "#RTRANS is not followed by its #TRANS copy (same account, objects, amount)",
            number,
            1,
            "write the added row twice: #RTRANS, then the identical #TRANS right after it",
        )

    def close(self, number: int) -> tuple[int, Voucher] | None:
        """A ``}`` line: the voucher is complete."""
        if self._state == _OUTSIDE:
            self._warn("SIE-STRAY-BRACE", "'}' without an open #VER block; ignored", number)
            return None
        if self._state == _EXPECT_OPEN:
            self._warn("SIE-MISSING-BRACE", "#VER block has no '{' line", number)
        return self._complete()

    def interrupt(self, number: int, label: str) -> tuple[int, Voucher] | None:
        """Any record other than a row: a block still open is closed here (lenient)."""
        if self._state == _OUTSIDE:
            return None
        if self._state == _EXPECT_OPEN:
            self._warn("SIE-MISSING-BLOCK", f"#VER has no '{{ ... }}' block before {label}", number)
        else:
            self._warn(
                "SIE-MISSING-BRACE", f"#VER block not closed with '}}' before {label}", number
            )
        return self._complete()

    def finish(self, number: int) -> tuple[int, Voucher] | None:
        """End of file."""
        if self._state == _OUTSIDE:
            return None
        self._warn("SIE-MISSING-BRACE", "the file ends inside a #VER block", number)
        return self._complete()

    def stray_brace(self, line: str, number: int) -> None:
        """A line that starts with a brace but holds more than the brace."""
        self._warn(
            "SIE-BRACE-LINE",
            f"brace line {line[:20]!r} holds more than the brace; ignored",
            number,
        )

    def _complete(self) -> tuple[int, Voucher]:
        if self._rtrans is not None:
            self._check_copy(VoucherRow("", "", (), Decimal(0)))
        assert self._voucher is not None
        voucher: Voucher = _new(Voucher, (*self._voucher[:6], tuple(self._rows)))
        self._state, self._voucher, self._rows = _OUTSIDE, None, []
        return self._line, voucher

    def _warn(self, code: str, message: str, number: int) -> None:
        self._log.report(
            Severity.WARNING,
            code,
            message,
            number,
            1,
            "write '{' and '}' on lines of their own around the rows of each #VER",
        )
