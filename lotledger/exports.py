"""The lot-list exports (API.md "CSV export of lots"), one implementation behind both doors: the
page's ``/lots/export.csv|xlsx`` (lotledger.views, session) and the API's
``/api/v1/lots/export.csv|xlsx`` (lotledger.api, token or session). Composes inventory_lots (the
list, its filters, the formatting) with purchasing (each lot's accrued value).

A filter the list refuses raises ValidationFailed (``invalid``, the field and its messages, as the
API's lists answer); too many rows for a workbook raises ValidationFailed ``too_many_rows``. Each
door shows the error its own way; nothing is recorded for a refused export."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import User
from django.http import HttpResponse, QueryDict, StreamingHttpResponse

from core.errors import ValidationFailed
from core.spreadsheet import XLSX_CONTENT_TYPE
from inventory_lots import exports, selectors, services
from inventory_lots.filters import LotFilter, invalid_filter
from inventory_lots.scope import Scope, scope_for
from purchasing.selectors import lot_accrued_value_expression


def filtered_lots(params: QueryDict, scope: Scope):
    """The lot list's queryset for these GET parameters, within ``scope``, and the filters that
    applied."""
    filterset = LotFilter(params, queryset=selectors.lot_list(scope), scope=scope)
    if not filterset.is_valid():
        raise invalid_filter(filterset.errors)
    filters = {k: v for k, v in params.items() if v and k in filterset.filters}
    return filterset.qs, filters


def _attachment(response, extension: str):
    response["Content-Disposition"] = f'attachment; filename="lots-{datetime.date.today().isoformat()}.{extension}"'
    return response


def lot_csv_response(*, user: User, params: QueryDict) -> StreamingHttpResponse:
    """Every matching lot the user sees, streamed (PostgreSQL COPY), recorded as an export of
    ``user`` with their scope, which the rows are read with."""
    _, filters = filtered_lots(params, scope_for(user))  # a refused filter records nothing
    record = services.record_lot_export(user=user, filters=filters, fmt="csv")
    scope = Scope.from_dict(record.scope)
    queryset, _ = filtered_lots(params, scope)
    rows = exports.export_queryset(queryset, lot_accrued_value_expression(), see_costs=scope.see_costs)
    response = StreamingHttpResponse(
        exports.stream_csv(rows, record, see_costs=scope.see_costs), content_type="text/csv; charset=utf-8"
    )
    return _attachment(response, "csv")


def lot_xlsx_response(*, user: User, params: QueryDict) -> HttpResponse:
    """The same rows as a workbook, up to exports.XLSX_MAX_ROWS lots."""
    queryset, filters = filtered_lots(params, scope_for(user))
    if queryset.order_by()[: exports.XLSX_MAX_ROWS + 1].count() > exports.XLSX_MAX_ROWS:
        raise ValidationFailed(
            "too_many_rows", f"More than {exports.XLSX_MAX_ROWS:,} lots match: narrow the filter or export CSV."
        )
    record = services.record_lot_export(user=user, filters=filters, fmt="xlsx")
    scope = Scope.from_dict(record.scope)
    queryset, _ = filtered_lots(params, scope)
    rows = exports.export_queryset(queryset, lot_accrued_value_expression(), for_csv=False, see_costs=scope.see_costs)
    data, count = exports.xlsx_bytes(rows, see_costs=scope.see_costs)
    services.finish_lot_export(record=record, row_count=count)
    return _attachment(HttpResponse(data, content_type=XLSX_CONTENT_TYPE), "xlsx")
