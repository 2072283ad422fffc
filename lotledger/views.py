"""Views that compose several apps (the top layer): the lot-list exports."""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse, HttpResponseBadRequest, StreamingHttpResponse

from core import roles
from inventory_lots import exports, selectors, services
from inventory_lots.filters import LotFilter
from purchasing.selectors import lot_accrued_value_expression


def _filtered(request):
    filterset = LotFilter(request.GET, queryset=selectors.lot_list())
    if filterset.errors:
        message = "; ".join(f"{field}: {' '.join(errs)}" for field, errs in filterset.errors.items())
        return None, HttpResponseBadRequest(f"Invalid filter: {message}", content_type="text/plain")
    filters = {k: v for k, v in request.GET.items() if v and k in filterset.filters}
    return (filterset.qs, filters), None


@permission_required(roles.EXPORT, raise_exception=True)
def lot_export_csv(request):
    result, error = _filtered(request)
    if error:
        return error
    queryset, filters = result
    record = services.record_lot_export(user=request.user, filters=filters, fmt="csv")
    rows = exports.export_queryset(queryset, lot_accrued_value_expression())
    response = StreamingHttpResponse(exports.stream_csv(rows, record), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="lots-{datetime.date.today().isoformat()}.csv"'
    return response


@permission_required(roles.EXPORT, raise_exception=True)
def lot_export_xlsx(request):
    result, error = _filtered(request)
    if error:
        return error
    queryset, filters = result
    if queryset.order_by()[: exports.XLSX_MAX_ROWS + 1].count() > exports.XLSX_MAX_ROWS:
        return HttpResponseBadRequest(
            f"More than {exports.XLSX_MAX_ROWS:,} lots match: narrow the filter or export CSV.",
            content_type="text/plain",
        )
    record = services.record_lot_export(user=request.user, filters=filters, fmt="xlsx")
    data, count = exports.xlsx_bytes(exports.export_queryset(queryset, lot_accrued_value_expression()))
    services.finish_lot_export(record=record, row_count=count)
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="lots-{datetime.date.today().isoformat()}.xlsx"'
    return response
