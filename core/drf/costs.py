"""Money out of API responses for users without "see costs" (DOMAIN.md section 11).

Every unit cost and money field of the API is a ``CostDecimalField`` (``fields.UnitCostField`` and
``fields.MoneyField`` make them). For a request whose user lacks the permission the field yields
``HIDDEN`` instead of its value, and the project's renderers drop every key holding ``HIDDEN``: the
key is absent, not null, at any depth. A value a view computes outside a serializer field goes
through ``costs_or_hidden``."""

from __future__ import annotations

from contextvars import ContextVar

from rest_framework import renderers

from .fields import StrictDecimalField

# The permission's name as a string: core sits below inventory_lots, which declares it.
SEE_COSTS = "inventory_lots.see_costs"


class _Hidden:
    __slots__ = ()

    def __repr__(self) -> str:
        return "HIDDEN"


HIDDEN = _Hidden()


# The request being served, for serializers made without a request in their context. DRF sets the
# user it authenticated (a token too) on the underlying Django request, so ``.user`` read at
# serialization time is the API's user. Set and cleared around every request by the middleware.
_current_request: ContextVar = ContextVar("lotledger_current_request", default=None)


class RequestUserMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)


def current_request():
    """The request being served (None outside one): for fields serialized without a context."""
    return _current_request.get()


def can_see_costs(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.has_perm(SEE_COSTS))


def costs_or_hidden(request, value):
    """``value``, or HIDDEN (its key then dropped) when the request's user may not see costs."""
    return value if request is None or can_see_costs(request.user) else HIDDEN


class CostDecimalField(StrictDecimalField):
    def _hidden(self) -> bool:
        request = self.context.get("request") or _current_request.get()
        return request is not None and not can_see_costs(getattr(request, "user", None))

    def get_attribute(self, instance):
        if self._hidden():
            return HIDDEN  # before DRF's None check, so a null cost is left out too
        return super().get_attribute(instance)

    def to_representation(self, value):
        if value is HIDDEN:
            return HIDDEN
        return super().to_representation(value)


def strip_hidden(data):
    if isinstance(data, dict):
        return {key: strip_hidden(value) for key, value in data.items() if value is not HIDDEN}
    if isinstance(data, (list, tuple)):
        return [strip_hidden(value) for value in data if value is not HIDDEN]
    return data


class JSONRenderer(renderers.JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        return super().render(strip_hidden(data), accepted_media_type, renderer_context)


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        return super().render(strip_hidden(data), accepted_media_type, renderer_context)
