"""The PDF attached in Fortnox instead of an invoice PDF that is too big for it.

Fortnox takes attachments of at most 5 MB. For a bigger invoice PDF the customer-invoice export
attaches this one-page notice instead: in Swedish and English, it says that the original is kept
in the project application and names the invoice. Pure: builds bytes, no I/O.
"""

from __future__ import annotations

#: The notice, Swedish first; ``{number}`` is the host's invoice number, ``{size}`` the size of
#: the original in MB.
NOTICE = (
    "Faktura {number}",
    "",
    "Fakturans PDF ({size} MB) är större än de 5 MB som Fortnox tar emot.",
    "Originalet finns kvar i projektsystemet.",
    "",
    "Invoice {number}",
    "",
    "The invoice's PDF ({size} MB) is larger than the 5 MB Fortnox accepts.",
    "The original is kept in the host application.",
)


def placeholder_pdf(invoice_number: str, original_bytes: int) -> bytes:
    """The notice for invoice ``invoice_number`` whose PDF has ``original_bytes`` bytes."""
    size = f"{original_bytes / 1_000_000:.1f}"
    return text_pdf([line.format(number=invoice_number, size=size) for line in NOTICE])


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
