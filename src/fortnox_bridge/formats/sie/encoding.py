"""Character encodings of SIE files: detection on read, CP437 substitution on write.

The spec allows one encoding, IBM PC-8 (code page 437, ``#FORMAT PC8``). Real files lie: every
file of the corpus declares PC8, yet some are UTF-8 and some Latin-1. The
reader therefore detects the encoding from the bytes:

1. a UTF-8 byte-order mark means UTF-8;
2. bytes ≥ 0x80 that decode as strict UTF-8 into Latin letters and punctuation mean UTF-8 (CP437
   or Latin-1 text practically never forms such sequences; when it does, as CP437's ``ßåä`` does,
   the result is a character no Swedish file holds, such as a Hangul letter, and step 3 decides);
3. otherwise the Swedish letters decide: CP437 puts å ä ö Å Ä Ö é ü at 0x86 0x84 0x94 0x8F 0x8E
   0x99 0x82 0x81, Latin-1 at 0xE5 0xE4 0xF6 0xC5 0xC4 0xD6 0xE9 0xFC. The higher count wins;
   a tie (or no letters at all) means CP437, the spec's encoding.

Some CP437 files carry single Latin-1 letters, copied from a Windows path into ``#FNR`` (the
official sample writes ``F\\xf6retag``, which CP437 shows as ``F÷retag``). In lenient mode the
reader repairs those when they sit next to a letter, the way Björn Lundén's Sie4j does.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass

CP437 = "cp437"
UTF8 = "utf-8"
LATIN1 = "latin-1"

_CP437_LETTERS = b"\x86\x84\x94\x8f\x8e\x99\x82\x81"
_LATIN1_LETTERS = b"\xe5\xe4\xf6\xc5\xc4\xd6\xe9\xfc"

# What a Latin-1 letter byte looks like when decoded as CP437 → the letter it was meant to be.
LATIN1_IN_CP437 = {
    bytes([byte]).decode(CP437): bytes([byte]).decode(LATIN1) for byte in _LATIN1_LETTERS
}

# Characters CP437 lacks, with the substitute the writer uses. Anything else
# falls back to its unaccented base letter, then to "?".
_SUBSTITUTES = {
    "€": "EUR",
    "§": "S",
    "¤": "",
    "ø": "ö",
    "Ø": "Ö",
    "–": "-",
    "—": "-",
    "‐": "-",
    "‘": "'",
    "’": "'",
    "‚": "'",
    "“": '"',
    "”": '"',
    "„": '"',
    "×": "x",
    "…": "...",
    "•": "*",
}


# Characters that make a text need cleaning: control characters (not TAB), the replacement
# character, and what Latin-1 letters look like in CP437.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f]")
SUSPECT = re.compile("[\x00-\x08\x0a-\x1f\x7f\ufffd" + "".join(LATIN1_IN_CP437) + "]")


def needs_cleaning(text: str) -> bool:
    """Whether ``text`` has a control character, U+FFFD or a mis-decoded Latin-1 letter.

    ASCII text can only have control characters, and printable text none, so the common cases
    cost one C call each.
    """
    if text.isascii():
        return not text.isprintable() and _CONTROL.search(text) is not None
    return SUSPECT.search(text) is not None


@dataclass(frozen=True, slots=True)
class Detection:
    """The encoding the bytes are in, and why."""

    encoding: str
    reason: str
    has_bom: bool = False


def detect_encoding(sample: bytes) -> Detection | None:
    """Detect the encoding of ``sample`` (the first bytes of a file).

    Returns ``None`` when the sample is pure ASCII: nothing decides yet, and the reader decides
    on the first line that has a byte ≥ 0x80.
    """
    if sample.startswith(codecs.BOM_UTF8):
        return Detection(UTF8, "UTF-8 byte-order mark", has_bom=True)
    if sample.isascii():
        return None
    try:
        # A sample cut in the middle of a multi-byte sequence is still UTF-8.
        decoded = codecs.getincrementaldecoder(UTF8)().decode(sample, final=False)
    except UnicodeDecodeError:
        pass
    else:
        if _plausible(decoded):
            return Detection(UTF8, "bytes decode as UTF-8")
    cp437 = sum(sample.count(bytes([byte])) for byte in _CP437_LETTERS)
    latin1 = sum(sample.count(bytes([byte])) for byte in _LATIN1_LETTERS)
    if latin1 > cp437:
        return Detection(LATIN1, f"{latin1} Latin-1 letters against {cp437} CP437 letters")
    return Detection(CP437, f"{cp437} CP437 letters against {latin1} Latin-1 letters")


def _plausible(text: str) -> bool:
    """Whether every non-ASCII character of ``text`` is one a bookkeeping file may hold: a Latin
    letter or sign (up to U+024F), general punctuation and currency signs (U+2000–U+20CF), or
    the replacement character an earlier conversion left (U+FFFD)."""
    return all(
        ord(char) < 0x250 or 0x2000 <= ord(char) <= 0x20CF or char == "\ufffd" for char in text
    )


def repair_latin1_letters(text: str) -> str:
    """Replace Latin-1 letters mis-decoded as CP437 (``F÷retag`` → ``Företag``).

    Only characters next to a letter are replaced: ``÷`` or ``─`` standing alone are kept.
    """
    chars = list(text)
    for index, char in enumerate(chars):
        if char not in LATIN1_IN_CP437:
            continue
        before = text[index - 1] if index else ""
        after = text[index + 1] if index + 1 < len(text) else ""
        if _is_letter(before) or _is_letter(after):
            chars[index] = LATIN1_IN_CP437[char]
    return "".join(chars)


def needs_latin1_repair(text: str) -> bool:
    """Whether :func:`repair_latin1_letters` would change ``text``."""
    return any(char in text for char in LATIN1_IN_CP437) and repair_latin1_letters(text) != text


def _is_letter(char: str) -> bool:
    return char.isalpha() and char not in LATIN1_IN_CP437


def to_cp437(text: str) -> tuple[str, list[tuple[str, str]]]:
    """``text`` made CP437-encodable and free of control characters; the substitutions made.

    Control characters (TAB, CR, LF and the rest of 0–31 and 127) become a space, as the spec
    forbids them inside texts (4C §5.7).
    """
    try:
        text.encode(CP437)
    except UnicodeEncodeError:
        pass
    else:
        if text.isprintable():
            return text, []
    out: list[str] = []
    substitutions: list[tuple[str, str]] = []
    for char in text:
        replacement = _substitute(char)
        if replacement != char:
            substitutions.append((char, replacement))
        out.append(replacement)
    return "".join(out), substitutions


def _substitute(char: str) -> str:
    if ord(char) < 32 or ord(char) == 127:
        return " "
    try:
        char.encode(CP437)
    except UnicodeEncodeError:
        pass
    else:
        return char
    if char in _SUBSTITUTES:
        return _SUBSTITUTES[char]
    base = "".join(
        part for part in unicodedata.normalize("NFKD", char) if not unicodedata.combining(part)
    )
    try:
        base.encode(CP437)
    except UnicodeEncodeError:
        return "?"
    return base or "?"
