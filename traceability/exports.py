"""The recall report of a lot as CSV, one implementation behind the page's
``/trace/lots/{id}/recall.csv`` (session) and the API's ``/api/v1/lots/{id}/recall.csv`` (token
or session): every customer shipment holding any of the lot, at any depth."""

from __future__ import annotations

import csv

from django.http import StreamingHttpResponse

from core.spreadsheet import qty_text, safe_text
from inventory_lots.models import Lot

from . import selectors

HEADER = ["Shipment", "Order", "Customer", "Customer name", "Date", "LIC", "Lot", "Quantity", "Depth"]


class _Echo:
    def write(self, value):
        return value


def recall_csv_response(lot: Lot) -> StreamingHttpResponse:
    rows = selectors.recall(lot)
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(HEADER)
        for r in rows:
            yield writer.writerow(
                [
                    safe_text(r.shipment),
                    safe_text(r.order),
                    safe_text(r.customer),
                    safe_text(r.customer_name),
                    r.date.isoformat(),
                    safe_text(r.lic),
                    safe_text(r.lot),
                    qty_text(r.quantity),
                    r.depth,
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="recall-{lot.number}.csv"'
    return response
