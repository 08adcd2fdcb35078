"""Writing a :class:`PaxmlDocument` as PAXml 2.0 that validates against the official XSD.

UTF-8 by default, ISO-8859-1 on request (characters outside it become character references);
``<version>2.0</version>`` always, since that is the content model written; elements in the
XSD's declaration order; ``None`` left out, ``""`` written as an empty element; sections without
rows left out (an empty list section is invalid); raw sections written back unchanged.
"""

from __future__ import annotations

from typing import IO, Any
from xml.sax.saxutils import escape

from fortnox_bridge.formats.errors import PaxmlWriteError
from fortnox_bridge.formats.paxml.model import (
    Fields,
    Header,
    PaxmlDocument,
    Person,
    RawElement,
    SalaryTransaction,
    TimeTransaction,
)
from fortnox_bridge.formats.paxml.values import format_bool, format_decimal

SCHEMA_LOCATION = "http://www.paxml.se/2.0/paxml.xsd"
ENCODINGS = {"utf-8": "utf-8", "iso-8859-1": "iso-8859-1", "latin-1": "iso-8859-1"}


def _attr(value: str) -> str:
    return escape(value, {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def _attrs(pairs: list[tuple[str, Any]]) -> str:
    return "".join(f' {name}="{_attr(_text(value))}"' for name, value in pairs if value is not None)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return format_bool(value)
    if hasattr(value, "as_tuple"):
        return format_decimal(value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


class _Out:
    """Indented XML lines."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def line(self, depth: int, text: str) -> None:
        self.lines.append("  " * depth + text)

    def element(self, depth: int, tag: str, value: Any, attributes: str = "") -> None:
        text = escape(_text(value))
        if text:
            self.line(depth, f"<{tag}{attributes}>{text}</{tag}>")
        else:
            self.line(depth, f"<{tag}{attributes}/>")

    def raw(self, depth: int, element: RawElement) -> None:
        attributes = _attrs(list(element.attributes))
        if not element.children:
            self.element(depth, element.tag, element.text, attributes)
            return
        self.line(depth, f"<{element.tag}{attributes}>")
        for child in element.children:
            self.raw(depth + 1, child)
        self.line(depth, f"</{element.tag}>")


def _fields(out: _Out, depth: int, record: Any, fields: Fields) -> None:
    for element, attribute, kind in fields:
        value = getattr(record, attribute)
        if value is None:
            continue
        if kind == "units":
            out.line(depth, "<resenheter>")
            for unit in value:
                out.line(depth + 1, f"<resenhet{_attrs([('dim', unit.dim), ('id', unit.id)])}/>")
            out.line(depth, "</resenheter>")
        elif kind == "dated":
            out.element(depth, element, value.amount, _attrs([("datum", value.date)]))
        elif kind == "amounts":
            out.line(depth, f"<{element}>")
            for item in value:
                attributes = _attrs([("id", item.id), ("datum", item.date)])
                out.element(depth + 1, "belopp", item.amount, attributes)
            out.line(depth, f"</{element}>")
        elif kind == "texts":
            out.line(depth, f"<{element}>")
            for text_id, text in value:
                out.element(depth + 1, "text", text, _attrs([("id", text_id)]))
            out.line(depth, f"</{element}>")
        elif kind == "attributes":
            out.line(depth, f"<{element}{_attrs(list(value))}/>")
        else:
            out.element(depth, element, value)


def _header(out: _Out, header: Header, version: str) -> None:
    out.line(1, "<header>")
    fields = tuple(f for f in Header.FIELDS if f[0] != "version")
    out.element(2, "version", version)
    _fields(out, 2, header, fields[:2])
    if header.new_export is not None:
        day, start, end = header.new_export
        attributes = _attrs([("datum", day), ("datumfrom", start), ("datumtom", end)])
        out.line(2, f"<nyexport{attributes}/>")
    _fields(out, 2, header, fields[2:])
    out.line(1, "</header>")


def _person_key(record: Any) -> list[tuple[str, Any]]:
    return [
        ("postid", getattr(record, "postid", None)),
        ("anstid", record.anstid),
        ("persnr", record.persnr),
    ]


def _section(out: _Out, tag: str, items: list[Any], write: Any) -> None:
    if not items:
        return
    out.line(1, f"<{tag}>")
    for item in items:
        write(item)
    out.line(1, f"</{tag}>")


def render(document: PaxmlDocument, *, encoding: str = "utf-8", version: str = "2.0") -> str:
    """The document as PAXml text (declaration included)."""
    out = _Out()
    out.line(0, f'<?xml version="1.0" encoding="{encoding}"?>')
    out.line(
        0,
        '<paxml xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:noNamespaceSchemaLocation="{SCHEMA_LOCATION}">',
    )
    _header(out, document.header, version)
    _registers(out, document)
    for raw in document.other_sections:
        if raw.tag == "resetransaktioner":
            out.raw(1, raw)
    _transactions(out, document)
    for raw in document.other_sections:
        if raw.tag != "resetransaktioner":
            out.raw(1, raw)
    out.line(0, "</paxml>")
    return "\n".join(out.lines) + "\n"


def _empty(out: _Out, tag: str, pairs: list[tuple[str, Any]]) -> None:
    out.line(2, f"<{tag}{_attrs(pairs)}/>")


def _registers(out: _Out, d: PaxmlDocument) -> None:
    _section(
        out,
        "dimensioner",
        d.dimensions,
        lambda x: _empty(out, "dimension", [("dim", x.dim), ("namn", x.name), ("info", x.info)]),
    )
    _section(
        out,
        "resultatenheter",
        d.result_units,
        lambda x: _empty(
            out,
            "resultatenhet",
            [
                ("dim", x.dim),
                ("id", x.id),
                ("namn", x.name),
                ("info", x.info),
                ("delete", x.delete),
            ],
        ),
    )
    _section(
        out,
        "koder",
        d.codes,
        lambda x: _empty(out, "kod", [("id", x.id), ("namn", x.name), ("info", x.info)]),
    )


def _transactions(out: _Out, d: PaxmlDocument) -> None:
    _section(out, "tidtransaktioner", d.time_transactions, lambda x: _time(out, x))
    _section(
        out,
        "lonetransaktioner",
        d.salary_transactions,
        lambda x: _record(out, "lonetrans", _person_key(x), x, SalaryTransaction.FIELDS),
    )
    _section(out, "schematransaktioner", d.schedules, lambda x: _schedule(out, x))
    _section(
        out,
        "personal",
        d.persons,
        lambda x: _record(out, "person", [*_person_key(x), ("delete", x.delete)], x, Person.FIELDS),
    )


def _record(out: _Out, tag: str, key: list[tuple[str, Any]], record: Any, fields: Fields) -> None:
    out.line(2, f"<{tag}{_attrs(key)}>")
    _fields(out, 3, record, fields)
    out.line(2, f"</{tag}>")


def _time(out: _Out, record: TimeTransaction) -> None:
    # The XSD's sequence is (klar*, attesterat*, tidtrans): events go right before their row.
    for kind in ("klar", "attesterat"):
        for event in record.events:
            if event.kind == kind:
                pairs = [
                    ("postid", event.postid),
                    ("anstid", event.anstid),
                    ("persnr", event.persnr),
                    ("datum", event.date),
                    ("datumfrom", event.date_from),
                    ("datumtom", event.date_to),
                ]
                out.line(2, f"<{kind}{_attrs(pairs)}/>")
    _record(out, "tidtrans", _person_key(record), record, TimeTransaction.FIELDS)


def _schedule(out: _Out, schedule: Any) -> None:
    out.line(2, f"<schema{_attrs(_person_key(schedule))}>")
    for day in schedule.days:
        pairs = [
            ("datum", day.date),
            ("starttid", day.start),
            ("sluttid", day.end),
            ("timmar", day.hours),
        ]
        out.line(3, f"<dag{_attrs(pairs)}/>")
    out.line(2, "</schema>")


def write_paxml(
    document: PaxmlDocument,
    stream: IO[bytes],
    *,
    encoding: str = "utf-8",
    version: str = "2.0",
) -> None:
    """Write ``document`` to a binary stream as PAXml (UTF-8 or ISO-8859-1)."""
    codec = ENCODINGS.get(encoding.lower())
    if codec is None:
        raise PaxmlWriteError(f"encoding {encoding!r}: PAXml is written as UTF-8 or ISO-8859-1")
    for schedule in document.schedules:
        if not schedule.days:
            raise PaxmlWriteError(
                f"schema for {schedule.anstid or schedule.persnr}: a schedule needs at least "
                "one day (the XSD requires one <dag>)"
            )
    text = render(document, encoding=codec, version=version)
    stream.write(text.encode(codec, errors="xmlcharrefreplace"))
