"""The recall report of a lot as CSV, one implementation behind the page's
``/trace/lots/{id}/recall.csv`` (session) and the API's ``/api/v1/lots/{id}/recall.csv`` (token
or session): every customer shipment holding any of the lot, at any depth."""

from __future__ import annotations

from django.http import StreamingHttpResponse

from core.spreadsheet import qty_text, safe_text, streamed_csv
from inventory_lots.models import Lot
from inventory_lots.scope import EVERYTHING, Scope

from . import selectors

HEADER = ["Shipment", "Order", "Customer", "Customer name", "Date", "LIC", "Lot", "Quantity", "Depth"]


def recall_csv_response(lot: Lot, scope: Scope = EVERYTHING) -> StreamingHttpResponse:
    """The rows of the offices ``scope`` sees; the others as one last line without details."""
    rows, hidden = selectors.visible_recall(lot, scope)

    def cells():
        yield from _cells(rows)
        if hidden:
            yield [hidden, "", "", "", "", "", "", "", ""]

    def _cells(rows):
        for r in rows:
            yield [
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

    return streamed_csv(HEADER, cells(), f"recall-{lot.number}.csv")
