"""The accrued-inventory report as CSV, one implementation behind the page's
``/purchasing/accrued.csv`` (session) and the API's ``/api/v1/accrued-inventory.csv`` (token or
session): every PO line with inventory received but not invoiced, streamed."""

from __future__ import annotations

import datetime

from django.http import StreamingHttpResponse

from core.spreadsheet import money_text, qty_text, safe_text, streamed_csv
from inventory_lots.scope import EVERYTHING, Scope

from . import selectors

HEADER = [
    "PO",
    "Vendor",
    "Office",
    "PO date",
    "Line",
    "LIC",
    "Description",
    "PO unit cost",
    "Received",
    "Purchased",
    "Accrued qty",
    "Accrued value",
]


def accrued_csv_response(scope: Scope = EVERYTHING) -> StreamingHttpResponse:
    def cells():
        for line in selectors.accrued_lines(scope).iterator(chunk_size=2000):
            po = line.purchase_order
            yield [
                po.number,
                safe_text(po.vendor.code),
                safe_text(po.office.code),
                po.date.isoformat(),
                line.line_no,
                safe_text(line.lic.code),
                safe_text(line.lic.description),
                qty_text(line.unit_cost),
                qty_text(line.quantity_received),
                qty_text(line.quantity_purchased),
                qty_text(line.accrued_qty),
                money_text(line.accrued_value),
            ]

    return streamed_csv(HEADER, cells(), f"accrued-inventory-{datetime.date.today()}.csv")
