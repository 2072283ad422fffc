"""``GET /api/v1/``: a link to every endpoint that takes no path argument (collections, reports,
exports), read from the URL configuration. The router's own root listed only the router's
viewsets; the endpoints each app adds in ``<app>/api.py`` were missing."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

NAMESPACE = "api"


def _names(patterns) -> list[str]:
    """Names of the patterns (includes walked) that take no argument; format-suffix twins take one."""
    names = []
    for p in patterns:
        if isinstance(p, URLResolver):
            if not p.pattern.regex.groups:
                names.extend(_names(p.url_patterns))
        elif isinstance(p, URLPattern) and p.name and not p.pattern.regex.groups:
            names.append(p.name)
    return names


def root_links(request) -> dict[str, str]:
    """``{"offices": "http://…/api/v1/offices/", "lots/export.csv": …}``: keyed by the path below
    /api/v1/ without its trailing slash, as the router's root keyed its viewsets."""
    prefix, resolver = get_resolver().namespace_dict[NAMESPACE]
    base = reverse(f"{NAMESPACE}:api-root")
    links = {}
    for name in dict.fromkeys(_names(resolver.url_patterns)):
        path = reverse(f"{NAMESPACE}:{name}")
        if path != base:
            links[path.removeprefix(base).rstrip("/")] = reverse(f"{NAMESPACE}:{name}", request=request)
    return dict(sorted(links.items()))


class ApiRootView(APIView):
    """Every endpoint of the API without a path argument: lists, reports, exports."""

    pagination_class = None

    @extend_schema(
        responses={
            200: {
                "type": "object",
                "description": "Path below /api/v1/ -> its URL.",
                "additionalProperties": {"type": "string", "format": "uri"},
            }
        }
    )
    def get(self, request, *args, **kwargs):
        return Response(root_links(request))
