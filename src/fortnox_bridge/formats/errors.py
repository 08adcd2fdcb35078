"""Errors raised by the SIE and PAXml readers and writers.

::

    FormatError                     root of everything :mod:`fortnox_bridge.formats` raises
    ├── InputError                  the input cannot be read as this format (carries a Finding)
    │   ├── SieSyntaxError          strict SIE reading met its first violation (line, column)
    │   └── PaxmlSyntaxError        not well-formed XML, or strict PAXml reading met a violation
    ├── SieWriteError               a document cannot be written as SIE (e.g. a required value
    │                               is missing)
    ├── PaxmlWriteError             a document cannot be written as PAXml
    ├── SchemaError                 the PAXml XSD given for validation cannot be loaded
    └── UnmappedCodeError           a PAXml code has no Fortnox cause code (or the reverse)

Every :class:`InputError` carries the :class:`~fortnox_bridge.formats.findings.Finding` that
caused it, so a caller can print *what*, *where* (line, column) and *how to fix* it.
"""

from __future__ import annotations

from fortnox_bridge.formats.findings import Finding


class FormatError(Exception):
    """Root of every error raised by :mod:`fortnox_bridge.formats`."""


class InputError(FormatError):
    """The input cannot be read; :attr:`finding` says what, where and how to fix it."""

    def __init__(self, finding: Finding) -> None:
        self.finding = finding
        super().__init__(finding.describe())


class SieSyntaxError(InputError):
    """Strict SIE reading stopped at the first violation of the specification."""


class PaxmlSyntaxError(InputError):
    """The PAXml input is not well-formed XML, or strict reading met a violation."""


class SieWriteError(FormatError):
    """A document cannot be written as SIE."""


class PaxmlWriteError(FormatError):
    """A document cannot be written as PAXml."""


class SchemaError(FormatError):
    """The XML schema given for PAXml validation cannot be loaded."""


class UnmappedCodeError(FormatError, LookupError):
    """A PAXml time code has no Fortnox cause code, or a Fortnox cause code no PAXml code."""

    def __init__(self, code: str, direction: str, hint: str) -> None:
        self.code = code
        self.direction = direction
        self.hint = hint
        super().__init__(f"{direction}: code {code!r} has no counterpart. {hint}")
