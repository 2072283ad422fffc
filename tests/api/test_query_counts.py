"""Every list runs a number of queries that does not grow with its rows: every API list endpoint
and every HTML list page, found from the URL configuration (a new list is covered without
touching this file; a new list with a path argument fails until ``ARGUMENTS`` fills it).

Paginated lists: the same query count at page size 2 and 10 (with more than 10 rows). Lists
without pagination (the accrued-inventory report): the same count with 3 and with 12 records."""

from __future__ import annotations

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver
from django_tables2 import SingleTableMixin
from rest_framework.mixins import ListModelMixin

SMALL, MORE = 3, 9  # records of every kind: 3, then 3 + 9 = 12 (> the larger page size)
PAGE_SIZES = (2, 10)

# Lists whose route takes an argument: what to fill it with (the ledger's first COGS run).
ARGUMENTS = {
    "api/v1/cogs-runs/<int:pk>/entries/": lambda run: {"pk": run.pk},
    "cogs/runs/<int:pk>/": lambda run: {"pk": run.pk},
}


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield re.sub(r"[\^$]", "", prefix + str(p.pattern)), p


def _view_class(pattern: URLPattern):
    return getattr(pattern.callback, "view_class", None) or getattr(pattern.callback, "cls", None)


def api_lists() -> dict[str, type]:
    """route -> view class of every GET list under /api/v1/ (router lists and ListAPIViews)."""
    found = {}
    for route, pattern in _walk(get_resolver().url_patterns):
        if not route.startswith("api/v1/") or "format" in route:
            continue
        actions = getattr(pattern.callback, "actions", None)
        cls = _view_class(pattern)
        if (actions is not None and actions.get("get") == "list") or (
            actions is None and cls is not None and issubclass(cls, ListModelMixin)
        ):
            found[route] = cls
    return found


def api_get_routes() -> dict[str, type]:
    """route -> view class of every other GET endpoint under /api/v1/ without a path argument and
    not a file: the ones that answer ``{"results": [...]}`` are lists too (the reports)."""
    found = {}
    for route, pattern in _walk(get_resolver().url_patterns):
        cls = _view_class(pattern)
        if (
            route.startswith("api/v1/")
            and route != "api/v1/"
            and "<" not in route
            and "(?P" not in route
            and not route.endswith((".csv", ".xlsx"))
            and cls is not None
            and hasattr(cls, "get")
            and getattr(pattern.callback, "actions", None) is None
            and not issubclass(cls, ListModelMixin)
        ):
            found[route] = cls
    return found


def page_lists() -> dict[str, type]:
    """route -> view class of every HTML page that renders a django-tables2 list (not the exports
    built on a list page's view)."""
    return {
        route: _view_class(p)
        for route, p in _walk(get_resolver().url_patterns)
        if not route.startswith(("api/", "admin/"))
        and not route.endswith((".csv", ".xlsx"))
        and _view_class(p) is not None
        and issubclass(_view_class(p), SingleTableMixin)
    }


def _url(route: str, run) -> str:
    if "<" in route:
        assert route in ARGUMENTS, f"list {route} takes an argument: say how to fill it in ARGUMENTS"
        for name, value in ARGUMENTS[route](run).items():
            route = re.sub(rf"<(\w+:)?{name}>", str(value), route)
    return "/" + route


def _get(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        body = response.content  # a page renders while its content is read
    return len(ctx.captured_queries), response, body


def _api_rows(response) -> int:
    data = response.json()
    return len(data["results"] if isinstance(data, dict) else data)


def _page_rows(body: bytes) -> int:
    table = body.decode().split('class="table-container"', 1)[-1]  # the django-tables2 table
    tbody = table.split("<tbody", 1)[-1].split("</tbody>", 1)[0]
    return tbody.count("<tr")


def _paginated(cls, *, api: bool) -> bool:
    if api:  # a ListAPIView's pagination class, or an APIView that pages itself (``next`` in its answer)
        return getattr(cls, "pagination_class", None) is not None or getattr(cls, "pages_itself", False)
    return cls.table_pagination is not False


def _check(client, lists, run_small, grow_more, *, api: bool, size_param: str, rows) -> list:
    """Measure every list; returns the offenders as (route, what, queries)."""
    offenders = []
    unpaginated = {r: c for r, c in lists.items() if not _paginated(c, api=api)}
    small = {}
    for route in unpaginated:
        url = _url(route, run_small)
        _get(client, url)  # warm the caches (content types, permissions) once
        small[route] = _get(client, url)
    run = grow_more()
    for route, (queries, response_small, body_small) in small.items():
        url = _url(route, run)
        again, response, body = _get(client, url)
        assert rows(response, body) > rows(response_small, body_small), f"{route}: the list did not grow"
        if again != queries:
            offenders.append((route, f"{SMALL} vs {SMALL + MORE} records", (queries, again)))
    for route in sorted(set(lists) - set(unpaginated)):
        url = _url(route, run)
        sep = "&" if "?" in url else "?"
        _get(client, url)
        counts = []
        for size in PAGE_SIZES:
            queries, response, body = _get(client, f"{url}{sep}{size_param}={size}")
            assert rows(response, body) == size, f"{route}: fewer than {size} rows to list; grow the ledger"
            counts.append(queries)
        if len(set(counts)) != 1:
            offenders.append((route, f"page size {PAGE_SIZES}", tuple(counts)))
    return offenders


def test_the_lists_are_found():
    assert {
        "api/v1/usages/",
        "api/v1/lots/",
        "api/v1/purchase-orders/",
        "api/v1/shipments/",
        "api/v1/returns/",
        "api/v1/adjustments/",
        "api/v1/cogs-runs/<int:pk>/entries/",
    } <= set(api_lists())
    assert {
        "lots/",
        "usage/",
        "purchasing/",
        "purchasing/accrued/",
        "orders/",
        "production/",
        "cogs/runs/",
        "cogs/runs/<int:pk>/",
        "cogs/unallocated/",
    } <= set(page_lists())


def _answered_lists(client) -> dict[str, type]:
    """The GET endpoints (besides ListAPIViews) whose answer is a list: ``{"results": [...]}``;
    those with ``next`` page themselves."""
    found = {}
    for route, cls in api_get_routes().items():
        response = client.get("/" + route)
        data = response.json() if response.status_code == 200 else None
        if isinstance(data, dict) and isinstance(data.get("results"), list):
            found[route] = type(cls.__name__, (cls,), {"pages_itself": "next" in data})
    return found


def test_every_api_list_runs_the_same_queries_whatever_its_rows(grow, api, viewer):
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="run_import"))  # the imports list
    client = api(viewer)
    run = grow(SMALL)
    lists = {**api_lists(), **_answered_lists(client)}
    offenders = _check(
        client,
        lists,
        run,
        lambda: grow(MORE),
        api=True,
        size_param="page_size",
        rows=lambda response, body: _api_rows(response),
    )
    assert offenders == []


def test_every_list_page_runs_the_same_queries_whatever_its_rows(grow, viewer_client):
    run = grow(SMALL)
    offenders = _check(
        viewer_client,
        page_lists(),
        run,
        lambda: grow(MORE),
        api=False,
        size_param="per_page",
        rows=lambda response, body: _page_rows(body),
    )
    assert offenders == []
