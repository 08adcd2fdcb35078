"""A minimal, valid one-page PDF of a few lines of text.

Used where the bridge or the sandbox must produce a small document without a layout: the notice
that stands in for an invoice PDF too big for Fortnox, and the sandbox's print previews. Pure:
builds bytes, no I/O.
"""

from __future__ import annotations


def text_pdf(lines: list[str]) -> bytes:
    """A valid one-page A4 PDF 1.4 showing ``lines`` in Helvetica (Latin-1 text: Swedish
    letters included, others shown as ``?``)."""
    text = "".join(
        f"BT /F1 12 Tf 56 {780 - 18 * i} Td ({_escape(line)}) Tj ET\n"
        for i, line in enumerate(lines)
    ).encode("latin-1", errors="replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%sendstream" % (len(text), text),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _escape(line: str) -> str:
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
