"""Splitting one SIE line into fields (sie-paxml.md §A3).

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

    The spec defines only ``\"``; Visma Bokföring 4.5 writes ``\\`` for one backslash
    (sie-paxml.md §A3.5), and a literal double backslash in accounting text is practically
    unheard of, so both modes read ``\\`` as one backslash.
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
        fields: list[Field] = []
        columns: list[int] = []
        quoted: list[bool] = []
        problems: list[Problem] = []
        group: list[str] | None = None
        group_column = 0
        for match in _TOKEN.finditer(line):
            column = match.start() + 1
            kind = match.lastgroup
            if kind in ("quoted", "close"):
                if match.group("close") is None:
                    problems.append(
                        Problem(
                            column,
                            "SIE-UNTERMINATED-QUOTE",
                            "quoted text has no closing quote",
                            'close the text with " (write \\" for a quote inside it)',
                        )
                    )
                text = unescape(match.group("quoted"))
                if group is not None:
                    group.append(text)
                else:
                    fields.append(text)
                    columns.append(column)
                    quoted.append(True)
            elif kind == "open":
                if group is not None:
                    problems.append(
                        Problem(column, "SIE-NESTED-BRACE", "'{' inside an object list", "")
                    )
                    continue
                group, group_column = [], column
            elif kind == "shut":
                if group is None:
                    problems.append(
                        Problem(column, "SIE-STRAY-BRACE", "'}' without '{'", "remove the '}'")
                    )
                    continue
                fields.append(tuple(group))
                columns.append(group_column)
                quoted.append(False)
                group = None
            else:
                text = match.group("bare")
                if '"' in text:
                    problems.append(
                        Problem(
                            column + text.index('"'),
                            "SIE-STRAY-QUOTE",
                            f"quote inside the unquoted value {text!r}",
                            'quote the whole value and write \\" for the quote inside it',
                        )
                    )
                if group is not None:
                    group.append(text)
                else:
                    fields.append(text)
                    columns.append(column)
                    quoted.append(False)
        if group is not None:
            problems.append(
                Problem(
                    group_column,
                    "SIE-UNTERMINATED-OBJECTS",
                    "object list has no closing '}'",
                    "close the object list with '}'",
                )
            )
            fields.append(tuple(group))
            columns.append(group_column)
            quoted.append(False)
        return Lexed(fields, columns, quoted, problems)


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
