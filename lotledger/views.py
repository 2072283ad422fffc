"""Views that compose several apps (the top layer): the lot-list exports' page door (session).
The API's door (api.exports) serves the same files from the same code (lotledger.exports)."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.views import defaults

from core import roles
from core.errors import ValidationFailed
from inventory_lots.scope import scope_of

from . import exports


def visible_records(request, queryset):
    """The Go-To link's records (core.views.goto): those of the offices the user sees, for a model
    placed in offices (a scoped manager); master data and the like as they are."""
    return queryset.visible_to(scope_of(request)) if hasattr(queryset, "visible_to") else queryset


def _refused(error: ValidationFailed) -> HttpResponseBadRequest:
    if error.code == "invalid":
        message = "; ".join(f"{field}: {' '.join(errs)}" for field, errs in error.errors.items())
        return HttpResponseBadRequest(f"Invalid filter: {message}", content_type="text/plain")
    return HttpResponseBadRequest(error.message, content_type="text/plain")


@permission_required(roles.EXPORT, raise_exception=True)
def lot_export_csv(request):
    try:
        return exports.lot_csv_response(user=request.user, params=request.GET)
    except ValidationFailed as error:
        return _refused(error)


@permission_required(roles.EXPORT, raise_exception=True)
def lot_export_xlsx(request):
    try:
        return exports.lot_xlsx_response(user=request.user, params=request.GET)
    except ValidationFailed as error:
        return _refused(error)


def page_not_found(request, exception):
    """404: under /api/ the API's JSON error body (a URL no route matches, such as ``/api/v1/lots/abc/``,
    never reaches DRF's handler), elsewhere the plain page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "not_found", "message": "Not found.", "field": None, "errors": {}}, status=404)
    return defaults.page_not_found(request, exception)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: the styled page (templates/403_csrf.html) instead of Django's yellow one."""
    response = render(request, "403_csrf.html", {"reason": reason}, status=403)
    return response


class StyledNotAllowedMiddleware:
    """A page answering 405 (a class-based view's ``http_method_not_allowed``: an empty body) gets
    the styled page (templates/405.html). The API's 405 is DRF's JSON body and is left alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 405 and not request.path_info.startswith("/api/") and not response.content:
            styled = render(request, "405.html", {"allowed": response.get("Allow", "")}, status=405)
            styled["Allow"] = response.get("Allow", "")
            return styled
        return response
