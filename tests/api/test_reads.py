"""Shipments, customer returns and adjustments can be read back through the API (list and detail,
the create response's shape, cursor-paginated, viewers read)."""

from __future__ import annotations

import pytest

from core import roles
from inventory_lots.models import InventoryAdjustment
from orders.models import CustomerReturn, Shipment
from tests.factories import user_with_role

API = "/api/v1/"


@pytest.fixture
def clerk(db):
    """The poster's responses are compared with a viewer's reads, unit costs included: a clerk given
    "see costs" (the role lacks it; tests/scope covers a clerk without it)."""
    return user_with_role(roles.CLERK, see_costs=True)


def _created(client, path, body):
    response = client.post(API + path, body, format="json")
    assert response.status_code == 201, response.content[:500]
    return response.json()


@pytest.fixture
def posted(api, clerk, office, lic, order):
    """An adjustment (in and out), a shipment and a return of it, posted through the API."""
    client = api(clerk)
    adjustment = _created(
        client,
        "adjustments/",
        {
            "office": "HQ",
            "date": "2026-03-02",
            "reason": "count",
            "lines": [{"lic": "WIDGET", "quantity": "10", "unit_cost": "2.50"}, {"lic": "WIDGET", "quantity": "-1"}],
        },
    )
    shipment = _created(
        client, "shipments/", {"order": order.pk, "date": "2026-03-03", "lines": [{"lic": "WIDGET", "quantity": "3"}]}
    )
    customer_return = _created(
        client,
        "returns/",
        {
            "order": order.pk,
            "date": "2026-03-04",
            "lines": [{"lic": "WIDGET", "quantity": "1", "usage": shipment["lines"][0]["usage"]}],
        },
    )
    return {"adjustments": adjustment, "shipments": shipment, "returns": customer_return}


@pytest.mark.parametrize("path", ["adjustments", "shipments", "returns"])
def test_a_viewer_reads_the_list_and_the_detail_in_the_create_shape(path, posted, api, viewer):
    created = {k: v for k, v in posted[path].items() if k != "warnings"}  # the posting's own news
    client = api(viewer)
    listed = client.get(f"{API}{path}/")
    assert listed.status_code == 200
    assert listed.json() == {"next": None, "results": [created]}
    detail = client.get(f"{API}{path}/{created['id']}/")
    assert detail.status_code == 200 and detail.json() == created
    assert client.get(f"{API}{path}/999999/").status_code == 404
    assert client.post(f"{API}{path}/{created['id']}/", {}, format="json").status_code in (403, 405)


def test_read_shapes_carry_the_document_header(posted, order):
    shipment, customer_return, adjustment = posted["shipments"], posted["returns"], posted["adjustments"]
    assert shipment["number"] == Shipment.objects.get().number
    assert (shipment["order"], shipment["order_number"], shipment["office"], shipment["date"]) == (
        order.pk,
        order.number,
        "HQ",
        "2026-03-03",
    )
    assert [set(line) for line in shipment["lines"]] == [{"id", "line_no", "lic", "quantity", "usage"}]
    assert shipment["lines"][0]["quantity"] == "3.000000"
    assert customer_return["number"] == CustomerReturn.objects.get().number
    assert (customer_return["order"], customer_return["office"]) == (order.pk, "HQ")
    assert adjustment["number"] == InventoryAdjustment.objects.get().number
    assert (adjustment["office"], adjustment["date"], adjustment["reason"]) == ("HQ", "2026-03-02", "count")
    lot_line, usage_line = adjustment["lines"]
    assert lot_line["lot"] is not None and lot_line["usage"] is None
    assert usage_line["lot"] is None and usage_line["usage"] is not None


@pytest.mark.parametrize("path", ["adjustments", "shipments", "returns"])
def test_lists_are_cursor_paginated_newest_first(path, posted, api, clerk, viewer, order):
    client = api(clerk)
    second = {
        "adjustments": lambda: _created(
            client,
            "adjustments/",
            {"office": "HQ", "date": "2026-03-05", "reason": "found", "lines": [{"lic": "WIDGET", "quantity": "1"}]},
        ),
        "shipments": lambda: _created(
            client,
            "shipments/",
            {"order": order.pk, "date": "2026-03-05", "lines": [{"lic": "WIDGET", "quantity": "1"}]},
        ),
        "returns": lambda: _created(
            client, "returns/", {"order": order.pk, "date": "2026-03-05", "lines": [{"lic": "WIDGET", "quantity": "1"}]}
        ),
    }[path]()
    reader = api(viewer)
    first = reader.get(f"{API}{path}/?page_size=1").json()
    assert [d["id"] for d in first["results"]] == [second["id"]] and "cursor=" in first["next"]
    rest = reader.get(first["next"]).json()
    assert [d["id"] for d in rest["results"]] == [posted[path]["id"]] and rest["next"] is None


@pytest.mark.parametrize("path", ["adjustments", "shipments", "returns"])
def test_reads_need_credentials(path, posted):
    from rest_framework.test import APIClient

    assert APIClient().get(f"{API}{path}/").status_code == 401
    assert APIClient().get(f"{API}{path}/{posted[path]['id']}/").status_code == 401
