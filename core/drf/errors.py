"""The API error body: ``{"code", "message", "field", "errors"}`` (API.md "Errors")."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import DataError
from django.http import Http404
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler
from rest_framework.views import set_rollback

from core.errors import DomainError


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            # list items (DRF keys them by int index) as ``lines[1].unit_cost``, like the services
            name = f"{prefix}[{key}]" if isinstance(key, int) else (f"{prefix}.{key}" if prefix else str(key))
            if key == "non_field_errors" and prefix:  # {"lines": {"non_field_errors": [...]}} -> "lines"
                name = prefix
            out.update(_flatten(value, name))
    elif isinstance(detail, list):
        if all(not isinstance(v, (dict, list)) for v in detail):
            out[prefix or "non_field_errors"] = [str(v) for v in detail]
        else:
            for index, value in enumerate(detail):
                if value:
                    out.update(_flatten(value, f"{prefix}[{index}]"))
    else:
        out[prefix or "non_field_errors"] = [str(detail)]
    return out


def error_body(code: str, message: str, field: str | None, errors: dict) -> dict:
    return {"code": code, "message": message, "field": field, "errors": errors}


class ErrorSerializer(serializers.Serializer):
    """Every error answer (400, 401, 403, 404, 409, 415, 422) has this body."""

    # the ``Error`` component of the schema: api/schema.py documents it on every operation

    code = serializers.CharField(help_text="Stable snake_case code: `invalid`, `po_closed`, `not_found`, ...")
    message = serializers.CharField(help_text="A human sentence.")
    field = serializers.CharField(allow_null=True, help_text="The field at fault (`lines[0].quantity`), or null.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Every message by field (`non_field_errors` for the body as a whole); empty when none.",
    )


MSG_OUT_OF_RANGE = (
    "A number is too large to store: quantities and unit costs have at most 12 digits before the "
    "decimal point, values at most 16."
)
MSG_TEXT_TOO_LONG = "A text is longer than its field can store."
MSG_UNSTORABLE = "The request holds a value the database cannot store."


def exception_handler(exc, context):
    if isinstance(exc, DataError):  # a safety net: services refuse such input before writing (value_too_large)
        set_rollback()
        cause = type(exc.__cause__).__name__
        if cause == "NumericValueOutOfRange":
            return Response(error_body("number_out_of_range", MSG_OUT_OF_RANGE, None, {}), status=400)
        if cause == "StringDataRightTruncation":
            return Response(error_body("text_too_long", MSG_TEXT_TOO_LONG, None, {}), status=400)
        return Response(error_body("unstorable_value", MSG_UNSTORABLE, None, {}), status=400)
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.message, exc.field, exc.errors), status=exc.status)
    if isinstance(exc, exceptions.ValidationError):
        flat = _flatten(exc.detail)
        field, messages = next(iter(flat.items()), (None, [str(exc.detail)]))
        message = messages[0] if messages else str(exc.detail)
        if field == "non_field_errors":
            field = None
        body = error_body("invalid", f"{field}: {message}" if field else message, field, flat)
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, exceptions.ParseError):
        return Response(error_body("malformed_request", str(exc.detail), None, {}), status=400)
    response = drf_handler(exc, context)
    if response is not None and isinstance(exc, (exceptions.APIException, Http404, PermissionDenied)):
        detail = getattr(exc, "detail", str(exc)) or (
            "Not found." if isinstance(exc, Http404) else "You do not have permission to perform this action."
        )
        code = (
            getattr(exc, "default_code", "error")
            if isinstance(exc, exceptions.APIException)
            else ("not_found" if isinstance(exc, Http404) else "permission_denied")
        )
        response.data = error_body(code, str(detail), None, {})
    return response
