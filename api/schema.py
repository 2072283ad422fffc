"""What the OpenAPI schema (``/api/schema/``) promises, in one place (the default schema class).

- Request bodies are ``application/json`` only: the API's parsers are JSON only (settings), and
  drf-spectacular lists a body once per parser.
- Every operation documents its error answers with the ``Error`` component (core/drf/errors.py):
  401 and 403 always (token first, then the role), 404 on routes with a path parameter, 400 when
  it takes a body or query parameters, 415 when it takes a body (anything but JSON), 409 where a
  state conflict can refuse it (``CONFLICTS`` below), 422 on the POSTs that honour an
  ``Idempotency-Key`` (the key reused for another request; core/idempotency.py).
- An array that may not be empty (``many=True, allow_empty=False``: every ``lines``) has
  ``minItems: 1``.

tests/api/test_schema_contract.py holds the schema to all of this.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import force_instance
from drf_spectacular.utils import OpenApiParameter
from rest_framework import permissions, serializers

from core.drf.costs import CostDecimalField
from core.drf.errors import ErrorSerializer
from core.idempotency import EXEMPT_PREFIXES

API_PREFIX = "/api/v1"

# The operations a StateConflict (409) can refuse, as (method, path): closed documents,
# reversals of reversals, releasing twice, the lock date moved backwards ... Keep it in step
# with the services' ``StateConflict``s (a test checks every entry names a real operation).
CONFLICTS = frozenset(
    {
        ("POST", "/job-costs/"),  # the production order is closed
        ("POST", "/job-costs/{id}/reverse/"),
        ("PATCH", "/line-item-codes/{code}/"),  # a ledger flag of a LIC in use
        ("POST", "/lock-date/"),  # moved backwards
        ("POST", "/orders/{id}/close/"),
        ("POST", "/orders/{id}/reopen/"),
        ("POST", "/production-orders/"),  # the parent customer order is closed
        ("POST", "/production-orders/{id}/close/"),
        ("POST", "/production-orders/{id}/issue/"),
        ("POST", "/production-orders/{id}/produce/"),
        ("POST", "/production-orders/{id}/release/"),
        ("POST", "/purchase-orders/{id}/close/"),
        ("POST", "/purchase-orders/{id}/receipts/"),
        ("POST", "/receipts/{id}/reverse/"),
        ("POST", "/shipments/{id}/reverse/"),  # already reversed, a reversal, nothing left
        ("POST", "/returns/{id}/reverse/"),
        ("POST", "/adjustments/{id}/reverse/"),  # also a lot used, or in closed books
        ("POST", "/transfers/{id}/reverse/"),  # already reversed, a reversal, a lot used, closed books
        ("POST", "/shipments/"),  # the order is closed
        ("POST", "/vendor-invoices/"),  # the PO is closed
    }
)

ERROR_DESCRIPTIONS = {
    "400": "Invalid request (`code` says why, `errors` lists every message by field); nothing was written.",
    "401": "No valid credentials (`Authorization: Token <key>` or a session).",
    "403": "The user's role or office may not do this.",
    "404": "No such record (or it is outside the user's offices).",
    "409": "The record's state forbids it (closed, already reversed or released, ...); nothing was written.",
    "415": "The body is not JSON (`Content-Type: application/json`).",
    "422": "The `Idempotency-Key` was already used for a different request.",
}

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Retry-safe posting: a repeat of the same request with the same key replays the first answer.",
)


def _api_path(path: str) -> str:
    return path[len(API_PREFIX) :] if path.startswith(API_PREFIX) else path


def _idempotent(method: str, path: str) -> bool:
    return method == "POST" and not path.startswith(EXEMPT_PREFIXES)


class LotledgerAutoSchema(AutoSchema):
    def get_override_parameters(self):
        params = list(super().get_override_parameters())
        if _idempotent(self.method, self.path):
            params.append(IDEMPOTENCY_KEY)
        return params

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        for code in self._error_codes(operation):
            responses.setdefault(code, self._error_response(code))
        return operation

    def _error_codes(self, operation: dict) -> list[str]:
        params = operation.get("parameters", [])
        has_body = "requestBody" in operation
        codes = []
        if has_body or any(p["in"] == "query" for p in params):
            codes.append("400")
        if not self._open_to_anyone():
            codes += ["401", "403"]
        if any(p["in"] == "path" for p in params):
            codes.append("404")
        if (self.method, _api_path(self.path)) in CONFLICTS:
            codes.append("409")
        if has_body:
            codes.append("415")
        if _idempotent(self.method, self.path):
            codes.append("422")
        return codes

    def _open_to_anyone(self) -> bool:
        return all(isinstance(p, permissions.AllowAny) for p in self.view.get_permissions())

    def _error_response(self, code: str) -> dict:
        component = self.resolve_serializer(ErrorSerializer, "response")
        return {"content": {"application/json": {"schema": component.ref}}, "description": ERROR_DESCRIPTIONS[code]}

    def _map_basic_serializer(self, serializer, direction):
        """Money is left out of responses for users without "see costs" (core/drf/costs.py): a
        response component does not require its money fields."""
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "response" and schema.get("required"):
            fields = force_instance(serializer).fields
            money = {name for name, field in fields.items() if isinstance(field, CostDecimalField)}
            schema["required"] = [name for name in schema["required"] if name not in money]
            if not schema["required"]:
                del schema["required"]
        return schema

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if (
            schema is not None
            and schema.get("type") == "array"
            and isinstance(field, (serializers.ListSerializer, serializers.ListField))
            and not getattr(field, "allow_empty", True)
        ):
            schema["minItems"] = max(1, schema.get("minItems", 0))
        return schema
