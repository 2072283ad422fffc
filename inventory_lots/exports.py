"""Streaming CSV export of the lot list (API.md "CSV export of lots")."""

from __future__ import annotations

import csv
import datetime

from django.contrib.auth.decorators import permission_required
from django.http import HttpResponseBadRequest, StreamingHttpResponse

from core import roles

from . import selectors
from .filters import LotFilter

HEADER = [
    "Lot", "Type", "Status", "Office", "LIC", "Description", "Date", "Transaction", "Parent order",
    "Serialized", "Track by mfr lot", "Qty in", "Qty used", "Qty available", "Unit cost",
    "Value in", "Value used", "Value available", "Accrued value",
]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """Prefix a text cell that a spreadsheet would run as a formula."""
    return "'" + value if value and value.startswith(_FORMULA_START) else value


class _Echo:
    def write(self, value):
        return value


def lot_rows(queryset, accrued_by_lot=None):
    """Yield CSV rows for the lots of ``queryset`` over a server-side cursor."""
    fields = (
        "id", "number", "type", "status", "office__code", "lic__code", "lic__description", "date",
        "transaction_label", "parent_order_label", "serialized", "track_by_mfr_lot", "qty_in", "qty_used",
        "qty_available", "unit_cost", "value_in", "value_used",
    )
    accrued = accrued_by_lot or (lambda lot_id: "")
    for row in queryset.values_list(*fields).iterator(chunk_size=5000):
        (lot_id, number, type_, status, office, lic, desc, date, txn, parent, ser, mfr,
         q_in, q_used, q_avail, ucost, v_in, v_used) = row
        yield [
            number, type_.capitalize(), status.capitalize(), safe_text(office), safe_text(lic), safe_text(desc),
            date.isoformat(), safe_text(txn), safe_text(parent), "yes" if ser else "no", "yes" if mfr else "no",
            q_in, q_used, q_avail, ucost, v_in, v_used, v_in - v_used, accrued(lot_id),
        ]


@permission_required(roles.EXPORT, raise_exception=True)
def lot_export_csv(request):
    filterset = LotFilter(request.GET, queryset=selectors.lot_list().order_by("date", "id"))
    if not filterset.is_valid():
        return HttpResponseBadRequest("Invalid filter: " + "; ".join(
            f"{k}: {' '.join(v)}" for k, v in filterset.errors.items()
        ))
    writer = csv.writer(_Echo())

    def stream():
        yield writer.writerow(HEADER)
        for row in lot_rows(filterset.qs):
            yield writer.writerow(row)

    name = f"lots-{datetime.date.today().isoformat()}.csv"
    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
