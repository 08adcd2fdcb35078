"""Where the reader's lines come from: bytes → decoded text lines, with encoding detection.

Lines are decoded by ``io.TextIOWrapper`` (one C call per line; it accepts LF, CRLF, lone CR and a
missing final newline). The first 64 KiB decide the encoding (:mod:`.encoding`); when they are
pure ASCII, lines are read as Latin-1 and the first non-ASCII line decides, then each such line is
re-decoded. A UTF-8 file with a line that is not UTF-8 gets that line decoded as CP437.
"""

from __future__ import annotations

import codecs
import io
import re
from typing import IO, Any

from fortnox_bridge.formats.errors import SieSyntaxError
from fortnox_bridge.formats.findings import Finding, FindingLog, Severity
from fortnox_bridge.formats.sie import encoding as enc

SAMPLE_SIZE = 64 * 1024
_SURROGATE = re.compile("[\udc80-\udcff]")


class _Prefixed(io.RawIOBase):
    """A raw stream that replays ``prefix`` (already read for detection), then the rest."""

    def __init__(self, prefix: bytes, rest: IO[bytes]) -> None:
        self._prefix = memoryview(prefix)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._prefix:
            size = min(len(buffer), len(self._prefix))
            buffer[:size] = self._prefix[:size]
            self._prefix = self._prefix[size:]
            return size
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class TextSource:
    """The decoded lines of one SIE byte stream, and the encoding they are in."""

    def __init__(self, stream: IO[bytes], log: FindingLog, encoding: str | None = None) -> None:
        self.encoding = encoding
        self.reason = "given by the caller" if encoding else ""
        self._explicit = encoding is not None
        self._stream = stream
        self._log = log

    def lines(self) -> tuple[IO[str], bool]:
        """The decoded lines, and whether each non-ASCII line still needs :meth:`_decode`.

        When the sample decides the encoding, ``TextIOWrapper`` decodes in C. Otherwise
        (an ASCII sample) lines are read as Latin-1 and re-decoded once the encoding is known.
        """
        sample = self._stream.read(SAMPLE_SIZE)
        if b"\x00" in sample:
            self._log.strict = False
            raise SieSyntaxError(
                unusable("the input contains NUL bytes: it is a binary file, not SIE")
            )
        if self.encoding is None:
            detection = enc.detect_encoding(sample)
            if detection is not None:
                self.encoding, self.reason = detection.encoding, detection.reason
        if sample.startswith(codecs.BOM_UTF8):
            sample = sample[len(codecs.BOM_UTF8) :]
        raw = io.BufferedReader(_Prefixed(sample, self._stream), buffer_size=SAMPLE_SIZE)
        if self.encoding in (enc.CP437, enc.LATIN1):
            self._report(_first_non_ascii(sample))
            return io.TextIOWrapper(raw, encoding=self.encoding, newline=None), False
        if self.encoding == enc.UTF8:
            self._report(_first_non_ascii(sample))
            text = io.TextIOWrapper(raw, encoding=enc.UTF8, errors="surrogateescape", newline=None)
            return text, True
        return io.TextIOWrapper(raw, encoding=enc.LATIN1, newline=None), True

    def _report(self, where: tuple[int, int | None] | None) -> None:
        if self.encoding == enc.CP437 or self._explicit or where is None:
            return
        self._log.report(
            Severity.WARNING,
            "SIE-ENCODING",
            f"the file is {self.encoding} ({self.reason}), but SIE files are CP437 "
            f"(#FORMAT PC8); decoded as {self.encoding}",
            where[0],
            where[1],
            "write the file in code page 437, or read it with an explicit encoding",
        )

    def decode(self, text: str, number: int) -> str:
        """A non-ASCII line: UTF-8 with undecodable bytes, or Latin-1 read before detection."""
        if self.encoding == enc.UTF8:
            if not _SURROGATE.search(text):
                return text
            data = text.encode(enc.UTF8, errors="surrogateescape")
            self._log.report(
                Severity.WARNING,
                "SIE-ENCODING-LINE",
                f"line is not valid {self.encoding}; decoded as CP437",
                number,
                None,
                "write the whole file in one encoding",
            )
            return data.decode(enc.CP437)
        if self.encoding is None:
            detection = enc.detect_encoding(text.encode(enc.LATIN1))
            assert detection is not None  # the line has a byte ≥ 0x80
            self.encoding, self.reason = detection.encoding, detection.reason
            column = next(i for i, char in enumerate(text, 1) if ord(char) >= 0x80)
            self._report((number, column))
        return text.encode(enc.LATIN1).decode(self.encoding, errors="replace")


def _first_non_ascii(sample: bytes) -> tuple[int, int] | None:
    """Line and column (in bytes) of the first byte ≥ 0x80."""
    for index, byte in enumerate(sample):
        if byte >= 0x80:
            start = max(sample.rfind(b"\n", 0, index), sample.rfind(b"\r", 0, index)) + 1
            return sample.count(b"\n", 0, index) + 1, index - start + 1
    return None


def unusable(message: str) -> Finding:
    return Finding(
        Severity.ERROR,
        "SIE-UNUSABLE",
        message,
        1,
        None,
        "give a SIE file (types 1-4): text lines such as #FLAGGA 0, #SIETYP 4",
    )
