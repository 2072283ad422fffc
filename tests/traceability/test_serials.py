"""Where is serial number X (issue 17): the lot page's "Serial Numbers" section (each serial's status
with Go-To links), the serial search page (linked from the lot list) and ``GET /api/v1/serials/``."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inventory_lots.services import AdjustmentLineInput, post_adjustment
from orders import services as orders
from orders.models import Shipment
from production import services as production
from production.models import ProductionOrder
from tests.conftest import adjust_in
from tests.factories import LicFactory
from traceability import serials

from .conftest import day

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def scanners(office, order, customer):
    """SCAN lot (S1..S5): S1 shipped, S2 consumed by a production order, S3 shipped and returned,
    S4 written off, S5 never moved."""
    scan = LicFactory(code="SCAN", serialized=True)
    lot = adjust_in(
        office=office,
        lic=scan,
        quantity="5",
        unit_cost="10.00",
        date=day(1),
        serial_numbers=("S1", "S2", "S3", "S4", "S5"),
    )
    shipment = orders.post_shipment(
        order=order,
        date=day(2),
        actor=None,
        lines=[
            orders.ShipmentLineInput(lic=scan, quantity=D("1"), serial_numbers=("S1",)),
            orders.ShipmentLineInput(lic=scan, quantity=D("1"), serial_numbers=("S3",)),
        ],
    )
    customer_return = orders.post_return(
        order=order,
        date=day(3),
        actor=None,
        lines=[orders.ReturnLineInput(lic=scan, quantity=D("1"), serial_numbers=("S3",))],
    )
    mo = production.create_production_order(
        office=office,
        date=day(2),
        order=order,
        lic=LicFactory(code="KIT"),
        estimated_quantity=D("1"),
        estimated_unit_cost=D("1"),
        actor=None,
    )
    production.issue_components(
        production_order=mo,
        date=day(2),
        actor=None,
        lines=[production.ComponentLine(lic=scan, quantity=D("1"), serial_numbers=("S2",))],
    )
    adjustment = post_adjustment(
        office=office,
        date=day(3),
        reason="broken",
        actor=None,
        lines=[AdjustmentLineInput(lic=scan, quantity=D("-1"), serial_numbers=("S4",))],
    )
    return {
        "lic": scan,
        "lot": lot,
        "shipment": shipment,
        "return": customer_return,
        "mo": mo,
        "adjustment": adjustment,
    }


def goto(model, pk) -> str:
    return reverse("goto", args=[ContentType.objects.get_for_model(model).pk, pk])


def test_the_lot_page_shows_each_serials_status_with_go_to_links(client, viewer, scanners, order, customer):
    client.force_login(viewer)
    page = client.get(reverse("inventory_lots:lot_detail", args=[scanners["lot"].pk])).content.decode()
    assert "Serial Numbers" in page
    shipment, mo, adjustment = scanners["shipment"], scanners["mo"], scanners["adjustment"]
    assert f"Shipped on {shipment.number} to {customer.code}" in page
    assert f"Consumed by {mo.number}" in page
    assert f"Written off by {adjustment.number}" in page
    assert f"In stock (returned on {scanners['return'].number})" in page
    assert page.count(">In stock<") == 1  # S5
    assert goto(Shipment, shipment.pk) in page and goto(ProductionOrder, mo.pk) in page
    assert reverse("inventory_lots:lot_detail", args=[scanners["lot"].pk]) in page
    assert order.number in page


def test_the_serial_section_reads_a_constant_number_of_queries(scanners, office, order):
    lot = scanners["lot"]
    with CaptureQueriesContext(connection) as small:
        serials.lot_serial_states(lot)
    more = adjust_in(
        office=office, lic=scanners["lic"], quantity="3", unit_cost="1", date=day(4), serial_numbers=("T1", "T2", "T3")
    )
    orders.post_shipment(
        order=order,
        date=day(5),
        actor=None,
        lines=[orders.ShipmentLineInput(lic=scanners["lic"], quantity=D("3"), serial_numbers=("T1", "T2", "T3"))],
    )
    with CaptureQueriesContext(connection) as large:
        states = serials.lot_serial_states(more)
    assert len(large) == len(small) <= 4
    assert [s.status for s in states] == ["shipped"] * 3


def test_the_serial_search_page_answers_where_a_serial_is(client, viewer, scanners, office):
    other = LicFactory(code="SCAN2", serialized=True)
    other_lot = adjust_in(office=office, lic=other, quantity="1", unit_cost="1", serial_numbers=("S1",))
    client.force_login(viewer)
    lot_list = client.get(reverse("inventory_lots:lot_list")).content.decode()
    assert reverse("traceability:serials") in lot_list
    page = client.get(reverse("traceability:serials"), {"serial_number": " S1 "}).content.decode()
    assert scanners["lot"].number in page and other_lot.number in page  # unique per LIC, not across LICs
    assert f"Shipped on {scanners['shipment'].number}" in page and ">In stock<" in page
    assert reverse("inventory_lots:lot_detail", args=[other_lot.pk]) in page
    page = client.get(reverse("traceability:serials"), {"serial_number": "NOPE"}).content.decode()
    assert "No lot has serial number NOPE." in page
    assert client.get(reverse("traceability:serials")).status_code == 200  # the empty form


def test_the_serial_api_answers_where_a_serial_is(api, viewer, scanners, order, customer):
    response = api(viewer).get("/api/v1/serials/", {"serial_number": "S1"})
    assert response.status_code == 200, response.content
    (row,) = response.json()["results"]
    shipment = scanners["shipment"]
    assert row == {
        "serial_number": "S1",
        "lic": "SCAN",
        "lot": scanners["lot"].pk,
        "lot_number": scanners["lot"].number,
        "office": "HQ",
        "status": "shipped",
        "usage": shipment.lines.get(line_no=1).usage_id,
        "document": {"type": "shipment", "id": shipment.pk, "label": shipment.number},
        "order": order.number,
        "customer": customer.code,
        "returned_by": None,
    }
    (row,) = api(viewer).get("/api/v1/serials/", {"serial_number": "S3", "lic": "SCAN"}).json()["results"]
    assert (row["status"], row["usage"], row["document"]) == ("in_stock", None, None)
    assert row["returned_by"] == {
        "type": "customerreturn",
        "id": scanners["return"].pk,
        "label": scanners["return"].number,
    }
    (row,) = api(viewer).get("/api/v1/serials/", {"serial_number": "S2"}).json()["results"]
    assert (row["status"], row["document"]["label"], row["customer"]) == ("consumed", scanners["mo"].number, None)
    (row,) = api(viewer).get("/api/v1/serials/", {"serial_number": "S4"}).json()["results"]
    assert (row["status"], row["document"]["label"]) == ("written_off", scanners["adjustment"].number)
    assert api(viewer).get("/api/v1/serials/", {"serial_number": "NOPE"}).json()["results"] == []
    everything = api(viewer).get("/api/v1/serials/", {"page_size": 3})  # without a number: every serial
    assert everything.status_code == 200 and everything.json()["next"] is not None
    assert [row["serial_number"] for row in everything.json()["results"]] == ["S5", "S4", "S3"]  # newest first
    assert api(viewer).get("/api/v1/serials/", {"serial_number": "S1", "lic": "NOPE"}).status_code == 400
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/serials/", {"serial_number": "S1"}).status_code == 401


def test_the_lot_api_keeps_serial_numbers_a_list_of_strings(api, viewer, scanners):
    body = api(viewer).get(f"/api/v1/lots/{scanners['lot'].pk}/").json()
    assert body["serial_numbers"] == ["S1", "S2", "S3", "S4", "S5"]
