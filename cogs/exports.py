"""The COGS run's entries as CSV, one implementation behind the page's
``/cogs/runs/{id}/entries.csv`` (session) and the API's ``/api/v1/cogs-runs/{id}/entries.csv``
(token or session): the run page's filters, every matching entry streamed.

A filter the page's FilterSet refuses raises ValidationFailed (``invalid``): the API answers it as
its 400 JSON body, the page as a plain 400."""

from __future__ import annotations

import csv

from django.http import QueryDict, StreamingHttpResponse

from core.spreadsheet import money_text, qty_text, safe_text
from inventory_lots.filters import invalid_filter

from . import selectors
from .filters import EntryFilter
from .models import CogsRun

HEADER = ["Entry", "Kind", "Date", "LIC", "Office", "Lot", "Usage", "Quantity", "Value", "Unit cost"]


class _Echo:
    def write(self, value):
        return value


def entries_csv_response(*, run: CogsRun, params: QueryDict) -> StreamingHttpResponse:
    filterset = EntryFilter(params, queryset=selectors.entry_list().filter(run=run))
    if not filterset.is_valid():
        raise invalid_filter(filterset.errors)
    rows = filterset.qs.values_list(
        "id", "kind", "date", "lic__code", "office__code", "lot__number", "usage_id", "quantity", "value", "unit_cost"
    )
    kinds = dict(selectors.EntryKind.choices)
    writer = csv.writer(_Echo())

    def stream():
        yield writer.writerow(HEADER)
        for r in rows.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    r[0],
                    kinds[r[1]],
                    r[2].isoformat(),
                    safe_text(r[3]),
                    safe_text(r[4]),
                    safe_text(r[5]),
                    f"U-{r[6]:06d}",
                    qty_text(r[7]),
                    money_text(r[8]),
                    qty_text(r[9]),
                ]
            )

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="cogs-run-{run.pk}.csv"'
    return response
