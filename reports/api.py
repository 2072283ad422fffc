"""Report API (API.md "Period close"; routed under /api/v1/ by api/urls.py):
``GET /reports/valuation/`` (cursor-paginated rows, totals), ``/reports/roll-forward/``,
``/reports/aging/``, and each one's ``.csv`` / ``.xlsx`` (the pages' files, the export permission).
Viewers read the JSON; a bad parameter is a 400 ``invalid`` naming it (``invalid_cursor``,
``invalid_page_size`` for the paging)."""

from __future__ import annotations

import base64
import binascii
import datetime
import json

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from api.exports import CSV, XLSX, ExportView, file_schema
from api.pagination import MSG_INVALID_CURSOR, IdCursorPagination
from core.errors import ValidationFailed
from inventory_lots.models import LotType

from . import exports, selectors
from .filters import GROUP_CHOICES, report_params
from .serializers import AgingSerializer, RollForwardSerializer, ValuationSerializer


def _param(name: str, type_=OpenApiTypes.STR, description: str = "", **kwargs) -> OpenApiParameter:
    return OpenApiParameter(name, type_, OpenApiParameter.QUERY, required=False, description=description, **kwargs)


SCOPE = [_param("office", description="Office code."), _param("lic", description="LIC code.")]
VALUATION_PARAMS = [
    _param("as_of", OpenApiTypes.DATE, "The date (YYYY-MM-DD); default today."),
    *SCOPE,
    _param("type", description="Lot type.", enum=LotType.values),
    _param(
        "group_by",
        description="Rows per lot (default), per office and LIC, or per office.",
        enum=[value for value, _ in GROUP_CHOICES],
    ),
]
PAGING = [
    _param("cursor", description="The `next` link's cursor."),
    _param("page_size", OpenApiTypes.INT, "Rows per page, 1 to 500 (default 50)."),
]
ROLL_FORWARD_PARAMS = [
    _param("date_from", OpenApiTypes.DATE, "First day of the period; default the first of date_to's month."),
    _param("date_to", OpenApiTypes.DATE, "Last day of the period; default today."),
    *SCOPE,
]
AGING_PARAMS = [
    _param("as_of", OpenApiTypes.DATE, "The date (YYYY-MM-DD); default today."),
    *SCOPE,
    _param("buckets", description="Upper bounds of the age buckets in days, increasing (default 30,60,90,180)."),
]


# --- the valuation's cursor: the last row's position in the report's order ------------------------


def encode_cursor(key: tuple) -> str:
    values = [v.isoformat() if isinstance(v, datetime.date) else v for v in key]
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


def decode_cursor(text: str, group_by: str) -> tuple:
    """(office code, LIC code, lot date, lot id) / (office, LIC) / (office,), or invalid_cursor."""
    invalid = ValidationFailed("invalid_cursor", MSG_INVALID_CURSOR, field="cursor")
    try:
        values = json.loads(base64.urlsafe_b64decode(text.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError) as exc:
        raise invalid from exc
    shapes = {"lot": (str, str, datetime.date, int), "lic": (str, str), "office": (str,)}[group_by]
    if not isinstance(values, list) or len(values) != len(shapes):
        raise invalid
    key = []
    for value, shape in zip(values, shapes):
        if shape is datetime.date and isinstance(value, str):
            try:
                value = datetime.date.fromisoformat(value)
            except ValueError as exc:
                raise invalid from exc
        if not isinstance(value, shape) or isinstance(value, bool) or (shape is str and "\x00" in value):
            raise invalid
        key.append(value)
    return tuple(key)


def _row(row: selectors.ValuationRow, group_by: str) -> dict:
    out = {
        "office": row.office,
        "lic": row.lic,
        "description": row.description,
        "lots": row.lots,
        "quantity": row.quantity,
        "value": row.value,
    }
    if group_by == "lot":
        out.update(lot=row.lot_id, number=row.lot_number, type=row.type, date=row.date, unit_cost=row.unit_cost)
    return out


class ValuationView(APIView):
    """Every lot with on-hand quantity or value <> 0 at ``as_of`` (or per office and LIC, or per
    office), in office, LIC, lot date order; ``totals`` over all of them, with the usage not yet
    allocated and the open accrued COGS at that date."""

    pagination_class = None

    @extend_schema(parameters=[*VALUATION_PARAMS, *PAGING], responses={200: ValuationSerializer})
    def get(self, request):
        params = report_params("valuation", request.query_params)
        size = IdCursorPagination().get_page_size(request)
        cursor = request.query_params.get("cursor")
        after = decode_cursor(cursor, params.group_by) if cursor else None
        rows = selectors.valuation_rows(
            as_of=params.as_of, scope=params.scope, group_by=params.group_by, after=after, limit=size + 1
        )
        next_url = None
        if len(rows) > size:
            rows = rows[:size]
            query = request.query_params.copy()
            query["cursor"] = encode_cursor(rows[-1].key)
            next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        totals = selectors.valuation_totals(as_of=params.as_of, scope=params.scope)
        body = {
            "as_of": params.as_of,
            "group_by": params.group_by,
            "totals": totals,
            "next": next_url,
            "results": [_row(r, params.group_by) for r in rows],
        }
        return Response(ValuationSerializer(body).data)


class RollForwardView(APIView):
    """Per office and LIC: opening value (the day before date_from) + lots_in + cost_changes - cogs -
    production - transfers_out - adjustments_out = closing_value (at date_to), to the cent; give-backs
    and revaluations in the column of their usage's kind."""

    pagination_class = None

    @extend_schema(parameters=ROLL_FORWARD_PARAMS, responses={200: RollForwardSerializer})
    def get(self, request):
        params = report_params("roll_forward", request.query_params)
        report = selectors.roll_forward(date_from=params.date_from, date_to=params.date_to, scope=params.scope)
        body = {
            "date_from": report.date_from,
            "date_to": report.date_to,
            "results": [
                {"office": r.office, "lic": r.lic, "description": r.description, **r.figures()} for r in report.rows
            ],
            "totals": report.totals.figures(),
        }
        return Response(RollForwardSerializer(body).data)


class AgingView(APIView):
    """Lots with on-hand quantity at ``as_of`` by age (as_of - lot date) in buckets, quantity and
    value, per office and LIC."""

    pagination_class = None

    @extend_schema(parameters=AGING_PARAMS, responses={200: AgingSerializer})
    def get(self, request):
        params = report_params("aging", request.query_params)
        report = selectors.aging(as_of=params.as_of, scope=params.scope, bounds=params.bounds)

        def figures(row):
            return {"quantities": row.quantities, "values": row.values, "quantity": row.quantity, "value": row.value}

        body = {
            "as_of": report.as_of,
            "buckets": report.labels,
            "results": [
                {"office": r.office, "lic": r.lic, "description": r.description, **figures(r)} for r in report.rows
            ],
            "totals": figures(report.totals),
        }
        return Response(AgingSerializer(body).data)


def export_view(report: str, fmt: str, parameters: list):
    """The API door of a report's file: the page's file, from the same code."""
    media, build = (CSV, exports.csv_response) if fmt == "csv" else (XLSX, exports.xlsx_response)
    title = report.replace("_", "-")

    class ReportExportView(ExportView):
        @file_schema(
            media, f"The {title} report, {'UTF-8 CSV' if fmt == 'csv' else 'a workbook'} with a header row.", parameters
        )
        def get(self, request):
            return build(report, request.query_params)

    ReportExportView.__name__ = ReportExportView.__qualname__ = f"{report.title().replace('_', '')}{fmt.title()}View"
    return ReportExportView.as_view()


urlpatterns = [
    path("reports/valuation/", ValuationView.as_view(), name="report-valuation"),
    path("reports/valuation.csv", export_view("valuation", "csv", VALUATION_PARAMS), name="report-valuation-csv"),
    path("reports/valuation.xlsx", export_view("valuation", "xlsx", VALUATION_PARAMS), name="report-valuation-xlsx"),
    path("reports/roll-forward/", RollForwardView.as_view(), name="report-roll-forward"),
    path(
        "reports/roll-forward.csv",
        export_view("roll_forward", "csv", ROLL_FORWARD_PARAMS),
        name="report-roll-forward-csv",
    ),
    path(
        "reports/roll-forward.xlsx",
        export_view("roll_forward", "xlsx", ROLL_FORWARD_PARAMS),
        name="report-roll-forward-xlsx",
    ),
    path("reports/aging/", AgingView.as_view(), name="report-aging"),
    path("reports/aging.csv", export_view("aging", "csv", AGING_PARAMS), name="report-aging-csv"),
    path("reports/aging.xlsx", export_view("aging", "xlsx", AGING_PARAMS), name="report-aging-xlsx"),
]


def _journal_urls():
    from .journal_api import urlpatterns as journal_urls  # it imports this module's helpers

    return journal_urls


urlpatterns += _journal_urls()
