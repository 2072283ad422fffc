"""``GET /api/v1/`` lists every endpoint that takes no path argument (every collection, report
and export), router-registered or not, found from the URL configuration."""

from __future__ import annotations

import re

from django.urls import get_resolver
from rest_framework.test import APIClient

from .test_query_counts import _walk


def collection_routes() -> set[str]:
    """Every /api/v1/ route without a path argument (no format-suffix twins, not the root)."""
    found = set()
    for route, pattern in _walk(get_resolver().url_patterns):
        if not route.startswith("api/v1/") or route == "api/v1/":
            continue
        if pattern.pattern.regex.groups or "<" in route:
            continue
        found.add("/" + route.replace("\\.", "."))
    return found


def test_the_root_lists_every_collection(api, viewer):
    response = api(viewer).get("/api/v1/")
    assert response.status_code == 200
    listed = response.json()
    urls = {re.sub(r"^http://testserver", "", url) for url in listed.values()}
    expected = collection_routes()
    assert expected - urls == set(), "endpoints missing from the API root"
    assert urls <= expected, urls - expected
    for name in (
        "purchase-orders",
        "vendor-invoices",
        "production-orders",
        "cogs-runs",
        "shipments",
        "returns",
        "adjustments",
        "lock-date",
        "accrued-inventory",
        "job-costs",
        "offices",
        "lots",
        "usages",
        "lots/export.csv",
    ):
        assert listed[name] == f"http://testserver/api/v1/{name}{'' if '.' in name else '/'}", name


def test_the_root_needs_credentials():
    assert APIClient().get("/api/v1/").status_code == 401
