"""The PDF attached in Fortnox instead of an invoice PDF that is too big for it.

Fortnox takes attachments of at most 5 MB. For a bigger invoice PDF the customer-invoice export
attaches this one-page notice instead: in Swedish and English, it says that the original is kept
in the project application and names the invoice. Pure: builds bytes, no I/O.
"""

from __future__ import annotations

from fortnox_bridge.formats.pdf import text_pdf

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
