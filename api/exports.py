"""The API's doors to the exports (files, not JSON): token or session like every endpoint, 401
without credentials, 403 without the export permission, and every refusal in the API's JSON
error body whatever the client's Accept header asks for. Each door calls the same code as the
page's export, so the two files are the same bytes.

``ExportView`` is the base; the lot-list exports are here (API.md "CSV export of lots"), the other
apps' exports in their ``<app>/api.py``."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, OpenApiTypes, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from core import roles
from lotledger import exports as lot_exports

CSV = "text/csv"
XLSX = lot_exports.XLSX_CONTENT_TYPE


class JsonErrorsNegotiation(BaseContentNegotiation):
    """A file view answers its file itself; what goes through a renderer is an error body: JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ExportView(APIView):
    """GET answers a file (an HttpResponse / StreamingHttpResponse built by the export's code);
    needs the export permission (accountants, administrators)."""

    read_permission = roles.EXPORT
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JsonErrorsNegotiation
    pagination_class = None


def file_schema(media_type: str, description: str, parameters=()):
    return extend_schema(
        responses={(200, media_type): OpenApiResponse(OpenApiTypes.BINARY, description=description)},
        parameters=list(parameters),
    )


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
