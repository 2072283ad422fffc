"""Shipments and returns through the API (API.md "Stock movements")."""

from __future__ import annotations

from decimal import Decimal

import pytest

from inventory_lots.models import InventoryUsage
from orders.models import CustomerReturn, Shipment

D = Decimal
pytestmark = pytest.mark.django_db


def test_ship_and_return_through_api(api, clerk, viewer, order, stock):
    client = api(clerk)
    response = client.post(
        "/api/v1/shipments/",
        {
            "order": order.pk,
            "date": "2026-03-01",
            "lines": [
                {"lic": "WIDGET", "quantity": "7"},
                {"lic": "ENGINE", "quantity": 1, "lot": stock["ENGINE"].pk},
                {"lic": "SCANNER", "quantity": "2", "serial_numbers": ["S1", "S2"]},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert [(ln["lic"], ln["quantity"]) for ln in body["lines"]] == [
        ("WIDGET", "7.000000"),
        ("ENGINE", "1.000000"),
        ("SCANNER", "2.000000"),
    ]
    widget_usage = body["lines"][0]["usage"]
    usage = api(viewer).get(f"/api/v1/usages/{widget_usage}/").json()
    assert usage["kind"] == "shipment" and usage["source"]["label"] == body["number"]

    response = client.post(
        "/api/v1/returns/",
        {"order": order.pk, "date": "2026-03-02", "lines": [{"lic": "WIDGET", "quantity": "2", "usage": widget_usage}]},
        format="json",
    )
    assert response.status_code == 201, response.content
    (line,) = response.json()["lines"]
    assert line["quantity"] == "2.000000"
    returned = InventoryUsage.objects.get(pk=line["usage"])
    assert (returned.kind, returned.quantity, returned.returns_usage_id) == ("return", D("-2"), widget_usage)


def test_bad_input_through_api_writes_nothing(api, clerk, viewer, order, stock, service_lic):
    client = api(clerk)
    response = client.post(
        "/api/v1/shipments/",
        {
            "order": order.pk,
            "date": "2026-03-01",
            "lines": [{"lic": "SCANNER", "quantity": "2", "serial_numbers": ["S1"]}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "serial_count_mismatch"
    assert response.json()["message"] == (
        "Line 1: SCANNER is serialized: give exactly 2 distinct serial numbers (got 1)."
    )
    assert response.json()["field"] == "lines[0].serial_numbers"
    response = client.post(
        "/api/v1/shipments/",
        {"order": order.pk, "date": "2026-03-01", "lines": [{"lic": service_lic.code, "quantity": "1"}]},
        format="json",
    )
    assert response.status_code == 400 and response.json()["code"] == "lic_not_inventoried"
    response = client.post(
        "/api/v1/returns/",
        {"order": order.pk, "date": "2026-03-01", "lines": [{"lic": "WIDGET", "quantity": "-2"}]},
        format="json",
    )
    assert response.status_code == 400 and response.json()["code"] == "quantity_not_positive"
    response = client.post("/api/v1/shipments/", {"order": order.pk, "date": "2026-03-01", "lines": []}, format="json")
    assert response.status_code == 400
    assert (
        api(viewer)
        .post(
            "/api/v1/shipments/",
            {"order": order.pk, "date": "2026-03-01", "lines": [{"lic": "WIDGET", "quantity": "1"}]},
            format="json",
        )
        .status_code
        == 403
    )
    assert not Shipment.objects.exists() and not CustomerReturn.objects.exists()
    assert not InventoryUsage.objects.exists()
