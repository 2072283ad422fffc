from base64 import b64decode
from urllib import parse

from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from core.errors import ValidationFailed

MSG_INVALID_CURSOR = "The cursor is not valid: use the `next` link of a list as given, or start without a cursor."
MSG_INVALID_PAGE_SIZE = "page_size must be a whole number from 1 to {max}."


class IdCursorPagination(CursorPagination):
    """``{"next": url|null, "results": [...]}``, newest first, ``page_size`` up to 500.

    A cursor or page size the list cannot honour is a 400 with the API's error body
    (``invalid_cursor`` / ``invalid_page_size``), never DRF's 404 or a silent default."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param, "")
        if raw == "":
            return self.page_size
        size = int(raw) if raw.isascii() and raw.isdigit() else 0
        if size < 1:
            raise ValidationFailed(
                "invalid_page_size",
                MSG_INVALID_PAGE_SIZE.format(max=self.max_page_size),
                field=self.page_size_query_param,
            )
        return min(size, self.max_page_size)

    def decode_cursor(self, request):
        encoded = request.query_params.get(self.cursor_query_param)
        if not encoded:
            return None
        try:  # DRF drops what is not base64 and reads what is left, garbage included, as the first page
            tokens = parse.parse_qs(
                b64decode(encoded.encode("ascii"), validate=True).decode("ascii"),
                keep_blank_values=True,
                strict_parsing=True,
            )
        except ValueError as exc:  # binascii.Error and UnicodeError are ValueErrors
            raise self._invalid_cursor() from exc
        if not tokens or set(tokens) - {"o", "r", "p"}:
            raise self._invalid_cursor()
        try:
            cursor = super().decode_cursor(request)
        except NotFound as exc:
            raise self._invalid_cursor() from exc
        # the position is compared with the id column: anything but an integer would reach the query
        if (
            cursor is not None
            and cursor.position is not None
            and not (cursor.position.lstrip("-").isascii() and cursor.position.lstrip("-").isdigit())
        ):
            raise self._invalid_cursor()
        return cursor

    def _invalid_cursor(self) -> ValidationFailed:
        return ValidationFailed("invalid_cursor", MSG_INVALID_CURSOR, field=self.cursor_query_param)

    def get_paginated_response(self, data):
        return Response({"next": self.get_next_link(), "results": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results"],
            "properties": {"next": {"type": "string", "nullable": True, "format": "uri"}, "results": schema},
        }
