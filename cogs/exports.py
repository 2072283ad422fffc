"""The COGS run's entries as CSV, one implementation behind the page's
``/cogs/runs/{id}/entries.csv`` (session) and the API's ``/api/v1/cogs-runs/{id}/entries.csv``
(token or session): the run page's filters, every matching entry streamed.

A filter the page's FilterSet refuses raises ValidationFailed (``invalid``): the API answers it as
its 400 JSON body, the page as a plain 400."""

from __future__ import annotations

from django.http import QueryDict, StreamingHttpResponse

from core.spreadsheet import money_text, qty_text, safe_text, streamed_csv
from inventory_lots.filters import invalid_filter
from inventory_lots.models import usage_number
from inventory_lots.scope import EVERYTHING, Scope

from . import selectors
from .filters import EntryFilter
from .models import CogsRun

HEADER = ["Entry", "Kind", "Date", "LIC", "Office", "Lot", "Usage", "Quantity", "Value", "Unit cost"]


def entries_csv_response(*, run: CogsRun, params: QueryDict, scope: Scope = EVERYTHING) -> StreamingHttpResponse:
    """The entries of the offices ``scope`` sees (the caller checked that it sees costs)."""
    filterset = EntryFilter(params, queryset=selectors.entry_list(scope).filter(run=run))
    if not filterset.is_valid():
        raise invalid_filter(filterset.errors)
    rows = filterset.qs.values_list(
        "id", "kind", "date", "lic__code", "office__code", "lot__number", "usage_id", "quantity", "value", "unit_cost"
    )
    kinds = dict(selectors.EntryKind.choices)

    def cells():
        for r in rows.iterator(chunk_size=2000):
            yield [
                r[0],
                kinds[r[1]],
                r[2].isoformat(),
                safe_text(r[3]),
                safe_text(r[4]),
                safe_text(r[5]),
                usage_number(r[6]),
                qty_text(r[7]),
                money_text(r[8]),
                qty_text(r[9]),
            ]

    return streamed_csv(HEADER, cells(), f"cogs-run-{run.pk}.csv")
