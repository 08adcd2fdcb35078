"""Streaming conversion of SIE to JSON and CSV (``fortnox-bridge sie convert``).

Both stream the vouchers: memory holds the chart of accounts and the balances, never all
vouchers. The JSON is the shape of :mod:`.serialize` with ``"vouchers"`` written first (JSON
objects are unordered, and the vouchers can then leave as soon as they are read).
"""

from __future__ import annotations

import csv
import json
from typing import IO

from fortnox_bridge.formats.sie.document import DocumentBuilder
from fortnox_bridge.formats.sie.reader import SieReader
from fortnox_bridge.formats.sie.records import Voucher
from fortnox_bridge.formats.sie.serialize import document_to_json, voucher_to_json
from fortnox_bridge.formats.sie.values import format_number

CSV_COLUMNS = (
    "series",
    "number",
    "voucher_date",
    "voucher_text",
    "kind",
    "account",
    "objects",
    "amount",
    "date",
    "text",
    "quantity",
    "sign",
)


def write_json(reader: SieReader, out: IO[str]) -> None:
    """The whole file as one JSON object, vouchers streamed."""
    builder = DocumentBuilder(reader.findings)
    out.write('{"vouchers": [')
    separator = "\n"
    for line, record in reader.located():
        if isinstance(record, Voucher):
            out.write(separator + json.dumps(voucher_to_json(record), ensure_ascii=False))
            separator = ",\n"
        else:
            builder.add(line, record)
    rest = json.dumps(document_to_json(builder.document, vouchers=False), ensure_ascii=False)
    out.write("\n],\n" + rest[1:] + "\n")


def write_csv(reader: SieReader, out: IO[str]) -> None:
    """One CSV row per voucher row; objects as ``dimension:object`` joined by ``;``."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for record in reader:
        if not isinstance(record, Voucher):
            continue
        voucher_date = record.date.isoformat() if record.date else ""
        for row in record.rows:
            writer.writerow(
                (
                    record.series,
                    record.number,
                    voucher_date,
                    record.text,
                    row.kind,
                    row.account,
                    ";".join(f"{dim}:{obj}" for dim, obj in row.objects),
                    format_number(row.amount),
                    row.date.isoformat() if row.date else "",
                    row.text,
                    format_number(row.quantity) if row.quantity is not None else "",
                    row.sign,
                )
            )
