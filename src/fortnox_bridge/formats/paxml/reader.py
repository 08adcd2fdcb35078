"""Reading PAXml 2.0 (and the 2.1–2.3 headers seen in the wild) into a :class:`PaxmlDocument`.

The parser is expat, fed in chunks: each record (``tidtrans``, ``person``, ...) is converted when
its end tag arrives and its elements are dropped, so no tree of the whole file is ever built, and
every finding carries the line and column of the element concerned. Encodings: whatever the XML
declaration says (UTF-8 with or without BOM, ISO-8859-1); names are matched without namespace
prefixes, since some producers add a namespace the schema does not have.
"""

from __future__ import annotations

import codecs
import re
import xml.parsers.expat
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any, NamedTuple

from fortnox_bridge.formats.errors import PaxmlSyntaxError
from fortnox_bridge.formats.findings import Finding, FindingLog, Severity
from fortnox_bridge.formats.paxml import values as v
from fortnox_bridge.formats.paxml.model import (
    Code,
    Dimension,
    Header,
    PaxmlDocument,
    Person,
    RawElement,
    ResultUnit,
    SalaryTransaction,
    Schedule,
    ScheduleDay,
    TimeEvent,
    TimeTransaction,
)

CHUNK = 64 * 1024
KNOWN_VERSIONS = ("2.0", "2.1", "2.2", "2.3")
_ENCODING = re.compile(rb"""<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
# Sections this model keeps only as raw XML (travel, payslips, balances).
RAW_SECTIONS = frozenset({"resetransaktioner", "loneutbetalning", "saldon"})
_RECORD_SECTIONS = {
    "dimensioner": "dimension",
    "resultatenheter": "resultatenhet",
    "koder": "kod",
    "tidtransaktioner": "tidtrans",
    "lonetransaktioner": "lonetrans",
    "schematransaktioner": "schema",
    "personal": "person",
}


@dataclass
class Node:
    """An element being read: tag without prefix, attributes, position, children, text."""

    tag: str
    attributes: dict[str, str]
    line: int
    column: int
    children: list[Node] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The element's own text."""
        return "".join(self.parts)

    def raw(self) -> RawElement:
        """The element as a :class:`RawElement` (kept verbatim)."""
        text = self.text
        if self.children and not text.strip():
            text = ""  # indentation between child elements, not content
        return RawElement(
            self.tag,
            tuple(self.attributes.items()),
            text,
            tuple(child.raw() for child in self.children),
        )


class PaxmlResult(NamedTuple):
    """A read PAXml document with the reader's findings and the file's encoding."""

    document: PaxmlDocument
    findings: list[Finding]
    encoding: str


class PaxmlReader:
    """Reads one PAXml file; lenient by default, strict raises at the first violation."""

    def __init__(self, stream: IO[bytes], *, strict: bool = False) -> None:
        self.findings = FindingLog(strict=strict, raise_error=PaxmlSyntaxError)
        self.document = PaxmlDocument()
        self.encoding = "utf-8"
        self._stream = stream
        self._stack: list[Node] = []
        self._events: list[TimeEvent] = []
        self._root_seen = False
        self._values = v.ValueReader(self.findings)

    def read(self) -> PaxmlResult:
        """Parse the whole stream."""
        parser = xml.parsers.expat.ParserCreate()
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._text
        self._parser = parser
        first = self._stream.read(CHUNK)
        self.encoding = _declared_encoding(first)
        chunk = first
        try:
            while chunk:
                parser.Parse(chunk, False)
                chunk = self._stream.read(CHUNK)
            parser.Parse(b"", True)
        except xml.parsers.expat.ExpatError as exc:
            self.findings.strict = False
            raise PaxmlSyntaxError(
                Finding(
                    Severity.ERROR,
                    "PAXML-XML",
                    f"not well-formed XML: {xml.parsers.expat.errors.messages[exc.code]}",
                    exc.lineno,
                    exc.offset + 1,
                    "fix the XML at that place (an unescaped & or <, a missing end tag, or "
                    "bytes that are not in the declared encoding)",
                )
            ) from None
        if not self._root_seen:
            self.findings.strict = False
            raise PaxmlSyntaxError(
                Finding(
                    Severity.ERROR,
                    "PAXML-ROOT",
                    "no <paxml> root element",
                    1,
                    1,
                    "give a PAXml file: <paxml><header><version>2.0</version>...",
                )
            )
        return PaxmlResult(self.document, self.findings.findings, self.encoding)

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        tag = name.rsplit(":", 1)[-1]
        node = Node(
            tag, attributes, self._parser.CurrentLineNumber, self._parser.CurrentColumnNumber + 1
        )
        if not self._stack:
            self._root_seen = True
            if tag != "paxml":
                self._report(node, "PAXML-ROOT", f"root element is <{tag}>, not <paxml>", "")
        else:
            self._stack[-1].children.append(node)
        self._stack.append(node)

    def _text(self, data: str) -> None:
        if self._stack:
            self._stack[-1].parts.append(data)

    def _end(self, name: str) -> None:
        node = self._stack.pop()
        depth = len(self._stack)
        if depth == 1:
            self._section(node)
            self._stack[0].children.clear()
        elif depth == 2 and self._stack[1].tag in _RECORD_SECTIONS:
            self._record(self._stack[1].tag, node)
            self._stack[1].children.clear()

    def _section(self, node: Node) -> None:
        if node.tag == "header":
            self.document.header = self._header(node)
        elif node.tag in RAW_SECTIONS:
            self.document.other_sections.append(node.raw())
            self._check_raw(node)
        elif node.tag in _RECORD_SECTIONS:
            if self._events:
                self._report(
                    node,
                    "PAXML-EVENT",
                    "klar/attesterat without a following tidtrans",
                    "put each klar/attesterat right before a tidtrans",
                )
                self._events = []
        else:
            self._report(
                node,
                "PAXML-UNKNOWN",
                f"unknown section <{node.tag}>; ignored",
                "PAXml 2.0 sections: header, dimensioner, ... personal",
                Severity.WARNING,
            )

    def _record(self, section: str, node: Node) -> None:
        expected = _RECORD_SECTIONS[section]
        if section == "tidtransaktioner" and node.tag in ("klar", "klart", "attesterat"):
            self._events.append(self._event(node))
            return
        if node.tag != expected:
            self._report(
                node,
                "PAXML-UNKNOWN",
                f"<{node.tag}> in <{section}>; ignored",
                f"<{section}> holds <{expected}> elements",
                Severity.WARNING,
            )
            return
        handler: Callable[[Node], None] = getattr(self, f"_read_{expected}")
        handler(node)

    def _report(
        self,
        node: Node,
        code: str,
        message: str,
        hint: str,
        severity: Severity = Severity.ERROR,
    ) -> None:
        self.findings.report(severity, code, message, node.line, node.column, hint)

    def _header(self, node: Node) -> Header:
        header = Header(version="")
        self._fill(header, node, Header.FIELDS, {"nyexport"})
        for child in node.children:
            if child.tag == "nyexport":
                a = child.attributes
                day = self._values.date(a.get("datum"), child, "nyexport/@datum")
                if day is not None:
                    header.new_export = (
                        day,
                        self._values.date(a.get("datumfrom"), child, "nyexport/@datumfrom"),
                        self._values.date(a.get("datumtom"), child, "nyexport/@datumtom"),
                    )
        if not header.version:
            self._report(
                node, "PAXML-VERSION", "<header> has no <version>", "write <version>2.0</version>"
            )
        elif header.version not in KNOWN_VERSIONS:
            self._report(
                node,
                "PAXML-VERSION",
                f"unknown PAXml version {header.version!r}; read as 2.0",
                "write <version>2.0</version>",
                Severity.WARNING,
            )
        return header

    def _fill(self, target: Any, node: Node, fields: Any, special: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        by_element = {element: (attribute, kind) for element, attribute, kind in fields}
        for child in node.children:
            if child.tag in special:
                continue
            found = by_element.get(child.tag)
            if found is None:
                self._report(
                    child,
                    "PAXML-UNKNOWN",
                    f"unknown element <{child.tag}> in <{node.tag}>; ignored",
                    "see the PAXml 2.0 element list",
                    Severity.WARNING,
                )
                continue
            attribute, kind = found
            setattr(target, attribute, self._values.element(kind, child))

    def _person_attributes(self, node: Node) -> dict[str, Any]:
        a = node.attributes
        persnr = a.get("persnr")
        if persnr is not None:
            self._values.persnr(persnr, node)
        if not a.get("anstid") and not persnr:
            self._report(
                node,
                "PAXML-PERSON-KEY",
                f"<{node.tag}> has neither anstid nor persnr",
                'identify the person: anstid="..." or persnr="yyyymmddnnnn"',
            )
        return {"anstid": a.get("anstid"), "persnr": persnr}

    def _event(self, node: Node) -> TimeEvent:
        a = node.attributes
        return TimeEvent(
            "klar" if node.tag in ("klar", "klart") else "attesterat",
            self._values.integer(a.get("postid"), node, "postid"),
            a.get("anstid"),
            a.get("persnr"),
            self._values.date(a.get("datum"), node, "datum"),
            self._values.date(a.get("datumfrom"), node, "datumfrom"),
            self._values.date(a.get("datumtom"), node, "datumtom"),
        )

    def _read_dimension(self, node: Node) -> None:
        a = node.attributes
        dim = self._values.dim(a.get("dim"), node)
        if dim is not None:
            self.document.dimensions.append(
                Dimension(dim, self._required(node, "namn"), a.get("info"))
            )

    def _read_resultatenhet(self, node: Node) -> None:
        a = node.attributes
        dim = self._values.dim(a.get("dim"), node)
        if dim is not None:
            self.document.result_units.append(
                ResultUnit(
                    dim,
                    self._required(node, "id"),
                    self._required(node, "namn"),
                    a.get("info"),
                    self._values.boolean(a.get("delete"), node, "delete"),
                )
            )

    def _read_kod(self, node: Node) -> None:
        code = Code(
            self._required(node, "id"), self._required(node, "namn"), node.attributes.get("info")
        )
        self.document.codes.append(code)

    def _read_tidtrans(self, node: Node) -> None:
        record = TimeTransaction(code="", **self._person_attributes(node))
        record.postid = self._values.integer(node.attributes.get("postid"), node, "postid")
        self._fill(record, node, TimeTransaction.FIELDS)
        record.events, self._events = tuple(self._events), []
        if not record.code:
            self._report(node, "PAXML-REQUIRED", "<tidtrans> has no <tidkod>", "give the time code")
        self.document.time_transactions.append(record)

    def _read_lonetrans(self, node: Node) -> None:
        record = SalaryTransaction(**self._person_attributes(node))
        record.postid = self._values.integer(node.attributes.get("postid"), node, "postid")
        self._fill(record, node, SalaryTransaction.FIELDS)
        self.document.salary_transactions.append(record)

    def _read_schema(self, node: Node) -> None:
        schedule = Schedule(**self._person_attributes(node))
        for child in node.children:
            if child.tag != "dag":
                self._report(
                    child,
                    "PAXML-UNKNOWN",
                    f"<{child.tag}> in <schema>; ignored",
                    "<schema> holds <dag> elements",
                    Severity.WARNING,
                )
                continue
            a = child.attributes
            day = self._values.date(a.get("datum"), child, "datum", required=True)
            if day is None:
                continue
            schedule.days.append(
                ScheduleDay(
                    day,
                    self._values.time(a.get("starttid"), child, "starttid"),
                    self._values.time(a.get("sluttid"), child, "sluttid"),
                    self._values.decimal(a.get("timmar"), child, "timmar"),
                )
            )
        self.document.schedules.append(schedule)

    def _read_person(self, node: Node) -> None:
        person = Person(**self._person_attributes(node))
        person.delete = self._values.boolean(node.attributes.get("delete"), node, "delete")
        self._fill(person, node, Person.FIELDS)
        self.document.persons.append(person)

    def _required(self, node: Node, name: str) -> str:
        value = node.attributes.get(name)
        if value is None:
            self._report(
                node,
                "PAXML-REQUIRED",
                f"<{node.tag}> lacks the attribute {name}",
                f'write {name}="..."',
            )
            return ""
        return value

    def _check_raw(self, node: Node) -> None:
        """Travel transactions are kept raw, but their typed values are still checked."""
        for record in node.children:
            for child in record.children:
                kind = v.RAW_KINDS.get(child.tag)
                if kind is not None:
                    self._values.element(kind, child)


def _declared_encoding(first: bytes) -> str:
    if first.startswith(codecs.BOM_UTF8):
        return "utf-8"
    match = _ENCODING.search(first[:200])
    return match.group(1).decode("ascii").lower() if match else "utf-8"


def read_paxml(stream: IO[bytes], *, strict: bool = False) -> PaxmlResult:
    """Read a PAXml file into a document (lenient by default)."""
    return PaxmlReader(stream, strict=strict).read()
