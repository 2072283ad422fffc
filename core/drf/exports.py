"""The base of the API's doors to the exports (files, not JSON): token or session like every
endpoint, 401 without credentials, 403 without the export permission, and every refusal in the
API's JSON error body whatever the client's Accept header asks for. Each door calls the same code
as the page's export, so the two files are the same bytes; the doors live in each app's ``api.py``
(the lot list's in ``lotledger/api.py``)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, OpenApiTypes, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from core import roles
from core.spreadsheet import XLSX_CONTENT_TYPE

CSV = "text/csv"
XLSX = XLSX_CONTENT_TYPE


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
