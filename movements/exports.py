"""The inventory transactions CSV, one implementation behind both doors: the page's
``/movements/inventory-transactions.csv`` (session) and the API's
``/api/v1/inventory-transactions.csv`` (token or session); the same bytes from each."""

from __future__ import annotations

from django.http import StreamingHttpResponse

from core.spreadsheet import qty_text, safe_text, streamed_csv
from inventory_lots.scope import EVERYTHING, Scope

from . import selectors
from .forms import TransactionsFilterForm

CSV_HEADER = ["date", "kind", "document", "lot", "usage", "quantity", "balance"]


class BadFilter(Exception):
    """The filter's form errors (each door answers them its own way: plain text or API JSON)."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


def csv_cells(movements):
    for m in movements:
        yield [
            m.date.isoformat(),
            m.kind,
            safe_text(m.label),
            m.lot_number or "",
            m.usage or "",
            qty_text(m.quantity),
            qty_text(m.balance),
        ]


def transactions_csv_response(params, scope: Scope = EVERYTHING) -> StreamingHttpResponse:
    """Every movement of the filter (``lic`` required; ``office``, ``date_from``, ``date_to``), streamed."""
    form = TransactionsFilterForm(params, scope=scope)
    if not form.is_valid():
        raise BadFilter({k: list(v) for k, v in form.errors.items()})
    data = form.cleaned_data
    rows = selectors.all_movements(
        lic=data["lic"], office=data["office"], date_from=data["date_from"], date_to=data["date_to"]
    )
    return streamed_csv(CSV_HEADER, csv_cells(rows), f"inventory-transactions-{data['lic'].code}.csv")
