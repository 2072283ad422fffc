"""The project's own API endpoints: the lot-list exports (API.md "CSV export of lots"),
``/api/v1/lots/export.csv|xlsx``, the same bytes as the page's (lotledger/exports.py composes
inventory_lots with purchasing). Routed by lotledger/urls.py before the apps' routers: the lot
router's ``lots/<pk>.<format>`` route would take ``lots/export.csv``."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes

from core.drf.exports import CSV, XLSX, ExportView, file_schema

from . import exports as lot_exports


def _text(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.STR, OpenApiParameter.QUERY, required=False, description=description)


LOT_FILTERS = [
    _text("q", "Lot number, LIC code or description."),
    _text("lic", "LIC code."),
    _text("office", "Office code."),
    OpenApiParameter("status", OpenApiTypes.STR, OpenApiParameter.QUERY, required=False, enum=["open", "closed"]),
    OpenApiParameter("type", OpenApiTypes.STR, OpenApiParameter.QUERY, required=False, enum=["purchase", "production"]),
    _text("parent_order", "Parent order number."),
    OpenApiParameter("date_from", OpenApiTypes.DATE, OpenApiParameter.QUERY, required=False),
    OpenApiParameter("date_to", OpenApiTypes.DATE, OpenApiParameter.QUERY, required=False),
]


class LotExportCsvView(ExportView):
    """Every lot matching the lot list's filters, streamed as CSV (API.md column order)."""

    @file_schema(CSV, "The lots, UTF-8 CSV with a header row.", LOT_FILTERS)
    def get(self, request, *args, **kwargs):
        return lot_exports.lot_csv_response(user=request.user, params=request.query_params)


class LotExportXlsxView(ExportView):
    """The same rows as an .xlsx workbook (400 ``too_many_rows`` past its limit: export CSV)."""

    @file_schema(XLSX, "The lots as a workbook.", LOT_FILTERS)
    def get(self, request, *args, **kwargs):
        return lot_exports.lot_xlsx_response(user=request.user, params=request.query_params)


urlpatterns = [
    path("lots/export.csv", LotExportCsvView.as_view(), name="lot-export-csv"),
    path("lots/export.xlsx", LotExportXlsxView.as_view(), name="lot-export-xlsx"),
]
