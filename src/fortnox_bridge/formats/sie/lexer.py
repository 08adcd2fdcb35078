"""Splitting one SIE line into fields.

A field is a quoted string (``"a b"``, with ``\\"`` for a quote), a bare run of non-blank
characters, or an object list ``{1 "Nord" 6 0001}``. Fields are separated by spaces or tabs.

Two paths give the same result:

- :meth:`Lexer.fields` is the fast path for well-formed lines. It uses only ``str`` methods
  (``partition``, ``split``), which run in C; a regular expression costs three times as much per
  line, and the reader spends most of its time here on a large file.
- :meth:`Lexer.tokens` is the general path: a regular expression that keeps each token's column
  and reports problems (unterminated quote, stray quote, unterminated object list). The fast path
  hands every line it is not sure about to it.
"""

from __future__ import annotations

import re
from typing import NamedTuple

Field = str | tuple[str, ...]
"""A scalar field, or the elements of an object list (quotes already removed)."""

_TOKEN = re.compile(
    r'"(?P<quoted>[^"\\]*(?:\\.[^"\\]*)*)(?P<close>")?'
    r"|(?P<open>\{)"
    r"|(?P<shut>\})"
    r'|(?P<bare>[^\s"{}][^\s{}]*)'
)
_BLANKS = " \t"


class Token(NamedTuple):
    """A token of the general path: its text, whether it was quoted, and its 1-based column."""

    text: str
    quoted: bool
    column: int


class Problem(NamedTuple):
    """Something wrong in a line's syntax, at a 1-based column."""

    column: int
    code: str
    message: str
    hint: str


class Lexed(NamedTuple):
    """The general path's result: fields (object lists as tuples), their columns, problems."""

    fields: list[Field]
    columns: list[int]
    quoted: list[bool]
    problems: list[Problem]


def unescape(text: str) -> str:
    r"""Resolve ``\"`` to ``"`` and ``\\`` to ``\``; any other backslash is literal.

    The spec defines only ``\"``; Visma Bokföring 4.5 writes ``\\`` for one backslash, and a
    literal double backslash in accounting text is practically unheard of, so both modes read
    ``\\`` as one backslash.
    """
    if "\\" not in text:
        return text
    out: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text) and text[index + 1] in '"\\':
            out.append(text[index + 1])
            index += 2
            continue
        out.append(char)
        index += 1
    return "".join(out)


class Lexer:
    """Splits lines into fields; caches object lists, which repeat throughout a file."""

    def __init__(self, cache_limit: int = 16384) -> None:
        self._objects: dict[str, tuple[str, ...] | None] = {}
        self._cache_limit = cache_limit

    def fields(self, line: str) -> list[Field] | None:
        """Fields of a well-formed ``line`` (already stripped), or ``None`` if unsure.

        ``None`` sends the caller to :meth:`tokens`, which reports what is wrong.
        """
        if "\\" in line:
            return None
        brace = line.find("{")
        if brace < 0:
            if "}" in line:
                return None
            return _split_quoted(line)
        quote = line.find('"')
        if 0 <= quote < brace:
            return None  # a brace inside a text, or a quoted account: let the regex decide
        head = line[:brace]
        close = line.find("}", brace)
        if close < 0 or (head and head[-1] not in _BLANKS):
            return None
        content = line[brace + 1 : close]
        objects = self._objects.get(content)
        if objects is None:
            objects = _object_elements(content)
            if objects is None:
                return None
            if len(self._objects) >= self._cache_limit:
                self._objects.clear()
            self._objects[content] = objects
        result: list[Field] = []
        result.extend(head.split())
        result.append(objects)
        tail = line[close + 1 :]
        if tail and tail[0] not in _BLANKS:
            return None
        rest = _split_quoted(tail)
        if rest is None or "{" in tail or "}" in tail:
            return None
        result.extend(rest)
        return result

    def tokens(self, line: str) -> Lexed:
        """The general path: every field with its column, and the problems found."""
        collector = _Collector()
        for match in _TOKEN.finditer(line):
            column = match.start() + 1
            kind = match.lastgroup
            if kind in ("quoted", "close"):
                collector.quoted(match.group("quoted"), match.group("close") is not None, column)
            elif kind == "open":
                collector.open(column)
            elif kind == "shut":
                collector.shut(column)
            else:
                collector.bare(match.group("bare"), column)
        return collector.finish()


class _Collector:
    """Builds the general path's result token by token."""

    def __init__(self) -> None:
        self.result = Lexed([], [], [], [])
        self.group: list[str] | None = None
        self.group_column = 0

    def _add(self, field: Field, column: int, quoted: bool) -> None:
        self.result.fields.append(field)
        self.result.columns.append(column)
        self.result.quoted.append(quoted)

    def _problem(self, column: int, code: str, message: str, hint: str) -> None:
        self.result.problems.append(Problem(column, code, message, hint))

    def quoted(self, raw: str, closed: bool, column: int) -> None:
        if not closed:
            self._problem(
                column,
                "SIE-UNTERMINATED-QUOTE",
                "quoted text has no closing quote",
                'close the text with " (write \\" for a quote inside it)',
            )
        text = unescape(raw)
        if self.group is not None:
            self.group.append(text)
        else:
            self._add(text, column, True)

    def open(self, column: int) -> None:
        if self.group is not None:
            self._problem(column, "SIE-NESTED-BRACE", "'{' inside an object list", "")
        else:
            self.group, self.group_column = [], column

    def shut(self, column: int) -> None:
        if self.group is None:
            self._problem(column, "SIE-STRAY-BRACE", "'}' without '{'", "remove the '}'")
            return
        self._add(tuple(self.group), self.group_column, False)
        self.group = None

    def bare(self, text: str, column: int) -> None:
        if '"' in text:
            self._problem(
                column + text.index('"'),
                "SIE-STRAY-QUOTE",
                f"quote inside the unquoted value {text!r}",
                'quote the whole value and write \\" for the quote inside it',
            )
        if self.group is not None:
            self.group.append(text)
        else:
            self._add(text, column, False)

    def finish(self) -> Lexed:
        if self.group is not None:
            self._problem(
                self.group_column,
                "SIE-UNTERMINATED-OBJECTS",
                "object list has no closing '}'",
                "close the object list with '}'",
            )
            self._add(tuple(self.group), self.group_column, False)
        return self.result


def _split_quoted(text: str) -> list[Field] | None:
    """Split text without braces or backslashes; ``None`` if a quote is glued to a value."""
    if '"' not in text:
        return list(text.split())
    parts = text.split('"')
    if len(parts) % 2 == 0:
        return None
    result: list[Field] = []
    last = len(parts) - 1
    for index in range(0, len(parts), 2):
        outside = parts[index]
        # Quotes must stand between blanks (or at the line's ends), else the regex decides.
        if index > 0 and outside and outside[0] not in _BLANKS:
            return None
        if index < last and outside and outside[-1] not in _BLANKS:
            return None
        if 0 < index < last and not outside:
            return None
        result.extend(outside.split())
        if index < last:
            result.append(parts[index + 1])
    return result


def _object_elements(content: str) -> tuple[str, ...] | None:
    """Elements of an object list's content, or ``None`` if it needs the general path."""
    if '"' not in content:
        return tuple(content.split())
    split = _split_quoted(content)
    if split is None:
        return None
    return tuple(str(element) for element in split)
