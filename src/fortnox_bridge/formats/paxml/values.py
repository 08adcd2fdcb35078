"""PAXml values: the XSD's simple types, checked on reading, formatted on writing.

xs:date is ``YYYY-MM-DD``; xs:dateTime ``YYYY-MM-DDThh:mm:ss[.f][Z|±hh:mm]`` — Java's zoned form
``…+02:00[Europe/Stockholm]`` is not one; xs:decimal has a ``.`` and no
exponent; personnummerTYPE is exactly 12 characters.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from fortnox_bridge.formats.findings import FindingLog, Severity
from fortnox_bridge.formats.paxml.model import DatedAmount, PersonAmount, ResultUnitRef

if TYPE_CHECKING:
    from fortnox_bridge.formats.paxml.reader import Node

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"-?\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?")
_TIME = re.compile(r"\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?")
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_INT = re.compile(r"[+-]?\d+")
_BOOL = {"true": True, "1": True, "false": False, "0": False}

# Typed children of the travel section, which is kept raw but still checked.
RAW_KINDS = {
    "tidpunkt": "datetime",
    "valutafaktor": "decimal",
    "belopp": "decimal",
    "moms": "decimal",
    "timmar": "decimal",
    "ftgkort": "bool",
    "antdeltag": "int",
    "kmstart": "int",
    "kmstopp": "int",
    "kilometer": "int",
    "antpass": "int",
    "antlast": "int",
}


class ValueReader:
    """Converts attribute and element text; bad values become findings (and ``None``)."""

    def __init__(self, log: FindingLog) -> None:
        self._log = log

    def _bad(self, node: Node, name: str, value: str, what: str, hint: str) -> None:
        self._log.report(
            Severity.ERROR,
            "PAXML-VALUE",
            f"{name} {value!r} is not {what}",
            node.line,
            node.column,
            hint,
        )

    def date(
        self, value: str | None, node: Node, name: str, *, required: bool = False
    ) -> dt.date | None:
        """xs:date."""
        if value is None:
            if required:
                self._bad(node, name, "", "a date", "give the date as YYYY-MM-DD")
            return None
        text = value.strip()
        if _DATE.fullmatch(text):
            try:
                return dt.date.fromisoformat(text)
            except ValueError:
                pass
        self._bad(node, name, value, "a date (xs:date)", "write dates as YYYY-MM-DD")
        return None

    def datetime(self, value: str | None, node: Node, name: str) -> str | None:
        """xs:dateTime, kept as text once checked."""
        if value is None:
            return None
        text = value.strip()
        match = _DATETIME.fullmatch(text)
        if match:
            try:
                dt.datetime.fromisoformat(text[:19])
                return text
            except ValueError:
                pass
        self._bad(
            node,
            name,
            value,
            "a date and time (xs:dateTime)",
            "write YYYY-MM-DDThh:mm:ss with an optional offset like +02:00; "
            "zone names such as [Europe/Stockholm] are not allowed",
        )
        return None

    def time(self, value: str | None, node: Node, name: str) -> str | None:
        """xs:time, kept as text once checked."""
        if value is None:
            return None
        if _TIME.fullmatch(value.strip()):
            return value.strip()
        self._bad(node, name, value, "a time (xs:time)", "write times as hh:mm:ss")
        return None

    def decimal(self, value: str | None, node: Node, name: str) -> Decimal | None:
        """xs:decimal."""
        if value is None:
            return None
        text = value.strip()
        if _DECIMAL.fullmatch(text):
            return Decimal(text)
        self._bad(node, name, value, "a decimal number", "use '.' as decimal point: 1234.50")
        return None

    def integer(self, value: str | None, node: Node, name: str) -> int | None:
        """xs:int."""
        if value is None:
            return None
        text = value.strip()
        if _INT.fullmatch(text) and -(2**31) <= int(text) < 2**31:
            return int(text)
        self._bad(node, name, value, "an integer", "write a whole number")
        return None

    def boolean(self, value: str | None, node: Node, name: str) -> bool | None:
        """xs:boolean."""
        if value is None:
            return None
        found = _BOOL.get(value.strip())
        if found is None:
            self._bad(node, name, value, "a boolean", "write true or false")
        return found

    def dim(self, value: str | None, node: Node) -> int | None:
        """A dimension number, 1–99."""
        number = self.integer(value, node, "dim")
        if number is None or not 1 <= number <= 99:
            self._bad(node, "dim", value or "", "a dimension 1-99", 'write dim="1" to dim="99"')
            return None
        return number

    def persnr(self, value: str, node: Node) -> None:
        """personnummerTYPE: exactly 12 characters (yyyymmddnnnn)."""
        if len(value) != 12:
            self._log.report(
                Severity.ERROR,
                "PAXML-PERSNR",
                f"persnr {value!r} has {len(value)} characters; PAXml requires 12 (yyyymmddnnnn)",
                node.line,
                node.column,
                "write the personal identity number with the century, without hyphen",
            )

    def element(self, kind: str, node: Node) -> Any:
        """The value of an element of ``kind`` (see ``model.Fields``)."""
        text = node.text
        if kind == "str":
            return text
        if kind in ("date", "datetime", "time", "decimal", "int", "bool"):
            method = {"bool": "boolean", "int": "integer"}.get(kind, kind)
            return getattr(self, method)(text, node, node.tag)
        return getattr(self, f"_{kind}")(node)

    def _units(self, node: Node) -> tuple[ResultUnitRef, ...]:
        units = []
        for child in node.children:
            dim = self.dim(child.attributes.get("dim"), child)
            unit_id = child.attributes.get("id", "")
            if len(unit_id) > 10:
                self._bad(child, "resenhet/@id", unit_id, "at most 10 characters", "shorten it")
            if dim is not None:
                units.append(ResultUnitRef(dim, unit_id))
        return tuple(units)

    def _dated(self, node: Node) -> DatedAmount | None:
        amount = self.decimal(node.text, node, node.tag)
        if amount is None:
            return None
        return DatedAmount(amount, self.date(node.attributes.get("datum"), node, "datum"))

    def _amounts(self, node: Node) -> tuple[PersonAmount, ...]:
        amounts = []
        for child in node.children:
            amount = self.decimal(child.text, child, "belopp")
            if amount is not None:
                amounts.append(
                    PersonAmount(
                        child.attributes.get("id", ""),
                        amount,
                        self.date(child.attributes.get("datum"), child, "datum"),
                    )
                )
        return tuple(amounts)

    def _texts(self, node: Node) -> tuple[tuple[str, str], ...]:
        return tuple((child.attributes.get("id", ""), child.text) for child in node.children)

    def _attributes(self, node: Node) -> tuple[tuple[str, str], ...]:
        return tuple(node.attributes.items())


def format_decimal(value: Decimal) -> str:
    """xs:decimal text (never an exponent)."""
    return format(value, "f")


def format_bool(value: bool) -> str:
    """xs:boolean text."""
    return "true" if value else "false"
