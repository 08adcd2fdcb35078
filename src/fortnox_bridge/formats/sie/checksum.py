"""``#KSUMMA``: the optional CRC-32 of a SIE file, as the SIE 4 standard defines it (and
docs/formats.md explains).

A checksummed file has ``#KSUMMA`` without a value right after ``#FLAGGA`` and ``#KSUMMA <crc>``
as its last record. The CRC (reflected CRC-32, polynomial 0xEDB88320 — exactly ``zlib.crc32``)
runs over every record strictly between the two markers, in file order: the CP437 bytes of the
label including ``#``, then the *content* of each field — no separators, no quotes, escapes
resolved (``\\"`` counts as ``"``), object-list braces and the voucher block's ``{``/``}`` lines
contribute nothing, but the dimension numbers and object ids inside object lists do.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from enum import StrEnum
from typing import NamedTuple

from fortnox_bridge.formats.sie.lexer import Field


class ChecksumStatus(StrEnum):
    """What the reader found out about ``#KSUMMA``."""

    ABSENT = "absent"  # no #KSUMMA markers: nothing to verify
    VERIFIED = "verified"  # the final value matches the content
    MISMATCH = "mismatch"  # the final value does not match: the file was changed
    TRUNCATED = "truncated"  # a start marker but no final value: the file was cut off
    UNEXPECTED = "unexpected"  # a final value without a start marker


class ChecksumResult(NamedTuple):
    """The verdict on a file's ``#KSUMMA``, with both values when there are two."""

    status: ChecksumStatus
    declared: int | None = None
    computed: int | None = None


def record_content(label: str, fields: Iterable[Field]) -> str:
    """The text a record contributes to the CRC: label and field contents, nothing between."""
    parts = [label]
    for field in fields:
        parts.append(field if isinstance(field, str) else "".join(field))
    return "".join(parts)


class Crc:
    """A running CRC-32 over record contents (``zlib.crc32``, chained)."""

    def __init__(self, encoding: str = "cp437") -> None:
        self.value = 0
        self._encoding = encoding

    def add(self, label: str, fields: Iterable[Field]) -> None:
        """Feed one record."""
        content = record_content(label, fields)
        self.value = zlib.crc32(content.encode(self._encoding, errors="replace"), self.value)


def parse_declared(text: str) -> int | None:
    """The value of ``#KSUMMA <value>``; negative (signed 32-bit) values are accepted too."""
    try:
        value = int(text)
    except ValueError:
        return None
    if not -(2**31) <= value < 2**32:
        return None
    return value & 0xFFFFFFFF
