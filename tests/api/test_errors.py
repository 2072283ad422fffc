"""A list request the API cannot honour is a 400 with the API's error body (API.md "Errors"),
never a 404 for a bad cursor nor a silently ignored filter."""

from __future__ import annotations

import pytest

from orders.services import ShipmentLineInput, post_shipment
from tests.conftest import DAY, D, adjust_in

from .test_query_counts import api_lists

LISTS = [
    "offices/",
    "line-item-codes/",
    "lots/",
    "usages/",
    "orders/",
    "purchase-orders/",
    "production-orders/",
    "cogs-runs/",
    "shipments/",
    "returns/",
    "adjustments/",
]


def assert_error(response, code: str, field: str | None):
    assert response.status_code == 400, (response.status_code, response.content[:300])
    body = response.json()
    assert set(body) == {"code", "message", "field", "errors"}, body
    assert (body["code"], body["field"]) == (code, field), body
    assert body["message"] and (field is None or body["errors"][field]), body
    return body


@pytest.mark.parametrize("path", LISTS)
def test_an_invalid_cursor_is_a_400(path, api, viewer, office, lic):
    adjust_in(office=office, lic=lic, quantity="1", unit_cost="1.00")
    client = api(viewer)
    assert client.get(f"/api/v1/{path}").status_code == 200
    body = assert_error(client.get(f"/api/v1/{path}?cursor=not-a-cursor"), "invalid_cursor", "cursor")
    assert "cursor" in body["message"]


def test_every_paginated_list_refuses_an_invalid_cursor(api, viewer):
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="run_import"))  # the imports list
    client = api(viewer)
    checked = []
    for route, cls in api_lists().items():
        if cls.pagination_class is None or "<" in route:
            continue
        assert_error(client.get(f"/{route}?cursor=%25%25"), "invalid_cursor", "cursor")
        checked.append(route)
    assert len(checked) >= len(LISTS)


@pytest.mark.parametrize("cursor", ["cD1hYmM%3D", "eD0x", "%25%25"])
def test_a_well_formed_cursor_with_a_bad_position_or_unknown_keys_is_a_400(cursor, api, viewer):
    """``cD1hYmM=`` is base64 of ``p=abc`` (a position the id column cannot compare: it reached the
    query); ``eD0x`` of ``x=1``; ``%%`` is no base64 at all (DRF read it as the first page)."""
    assert_error(api(viewer).get(f"/api/v1/lots/?cursor={cursor}"), "invalid_cursor", "cursor")


def test_a_valid_cursor_still_pages(api, viewer, office, lic):
    for _ in range(3):
        adjust_in(office=office, lic=lic, quantity="1", unit_cost="1.00")
    client = api(viewer)
    first = client.get("/api/v1/lots/?page_size=2").json()
    second = client.get(first["next"]).json()
    assert len(first["results"]) == 2 and len(second["results"]) == 1 and second["next"] is None


@pytest.mark.parametrize("value", ["0", "-1", "many"])
def test_an_invalid_page_size_is_a_400(value, api, viewer):
    assert_error(api(viewer).get(f"/api/v1/lots/?page_size={value}"), "invalid_page_size", "page_size")


@pytest.mark.parametrize("value", ["maybe", "2x", "yes please"])
def test_an_invalid_boolean_filter_is_a_400(value, api, viewer, office, lic):
    body = assert_error(api(viewer).get(f"/api/v1/usages/?unallocated={value}"), "invalid", "unallocated")
    assert body["errors"] == {"unallocated": ["Enter true or false."]}


@pytest.mark.parametrize("value,expected", [("true", 1), ("false", 0), ("", 1), ("unknown", 1)])
def test_valid_boolean_filters_still_filter(value, expected, api, viewer, office, lic, order):
    """No COGS run: the shipped usage stays unallocated."""
    post_shipment(order=order, date=DAY, actor=None, lines=[ShipmentLineInput(lic=lic, quantity=D("1"))])
    response = api(viewer).get(f"/api/v1/usages/?unallocated={value}")
    assert response.status_code == 200
    assert len(response.json()["results"]) == expected


def test_the_usage_page_shows_an_invalid_boolean_as_a_filter_error(viewer_client):
    response = viewer_client.get("/usage/?unallocated=maybe")
    assert response.status_code == 200
    assert "Enter true or false." in response.content.decode()
    assert viewer_client.get("/cogs/unallocated/?returns=maybe").content.decode().count("Enter true or false.") == 1


def test_a_bad_filter_value_on_other_lists_is_a_400_too(api, viewer):
    client = api(viewer)
    assert_error(client.get("/api/v1/lots/?status=maybe"), "invalid", "status")
    assert_error(client.get("/api/v1/purchase-orders/?date_from=someday"), "invalid", "date_from")
    assert_error(client.get("/api/v1/production-orders/?office=NOSUCH"), "invalid", "office")


@pytest.mark.parametrize(
    "path", ["/api/v1/lots/?q=%C2%B2", "/api/v1/purchase-orders/?q=PO-%C2%B2", "/api/v1/lots/?page_size=%C2%B2"]
)
def test_unicode_digits_that_int_cannot_read_are_not_a_500(api, viewer, path):
    """ "²".isdigit() is true and int("²") raises: a search or page size of it is a result or a 400."""
    assert api(viewer).get(path).status_code in (200, 400)
