"""Issue 17 at every door: the page forms and the API refuse, with the service's message on the line's
field and nothing written, (1) a serial that is not in stock (already shipped, written off or consumed),
a serial named twice in one document, a serial returned twice, and (2) input a LIC does not track
(serials or a mfr lot) and fractional serialized quantities. The admin cannot write serial movements;
``check_ledger`` (the command) is tested in tests/cogs/test_serials.py."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest

from inventory_lots.models import SerialUse
from orders import services as orders
from production import services as production
from purchasing.services import POLineInput, create_purchase_order
from tests.conftest import DAY, adjust_in
from tests.factories import LicFactory

from .conftest import ledger_counts

D = Decimal
pytestmark = pytest.mark.django_db
LATER = DAY + datetime.timedelta(days=1)


@dataclass
class World:
    order: object
    mo: object
    po: object
    shipped: object  # the shipment usage that took S1 out
    shipment: object
    returned_usage: object  # a shipment usage of S3 and S4 whose S3 came back already


@pytest.fixture
def w(office, order, lic, vendor):
    scan = LicFactory(code="SCAN", serialized=True)
    LicFactory(code="RESIN", track_by_mfr_lot=True)
    adjust_in(office=office, lic=scan, quantity="5", unit_cost="10.00", serial_numbers=("S1", "S2", "S3", "S4", "S5"))
    adjust_in(office=office, lic=lic, quantity="10", unit_cost="1.00")
    shipment = orders.post_shipment(
        order=order,
        date=LATER,
        actor=None,
        lines=[orders.ShipmentLineInput(lic=scan, quantity=D("1"), serial_numbers=("S1",))],
    )
    (returned,) = [
        line.usage
        for line in orders.post_shipment(
            order=order,
            date=LATER,
            actor=None,
            lines=[orders.ShipmentLineInput(lic=scan, quantity=D("2"), serial_numbers=("S3", "S4"))],
        ).lines.all()
    ]
    orders.post_return(
        order=order,
        date=LATER,
        actor=None,
        lines=[orders.ReturnLineInput(lic=scan, quantity=D("1"), usage=returned, serial_numbers=("S3",))],
    )
    mo = production.create_production_order(
        office=office,
        date=DAY,
        order=order,
        lic=LicFactory(code="KIT"),
        estimated_quantity=D("5"),
        estimated_unit_cost=D("1.00"),
        actor=None,
    )
    po = create_purchase_order(
        vendor=vendor,
        office=office,
        date=DAY,
        actor=None,
        lines=[POLineInput(lic=lic, quantity=D("5"), unit_cost=D("1.00"))],
    )
    return World(
        order=order, mo=mo, po=po, shipped=shipment.lines.get().usage, shipment=shipment, returned_usage=returned
    )


def mgmt(lines: list[dict]) -> dict:
    data = {
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }
    for i, line in enumerate(lines):
        data.update({f"lines-{i}-{k}": v for k, v in line.items()})
    return data


def form_lines(lines):
    """API lines -> form lines (serial lists joined by commas)."""
    return [{k: ", ".join(v) if isinstance(v, list) else str(v) for k, v in line.items()} for line in lines]


# A door: where its page form posts and what its API takes, for ``lines`` (API shape).
DOORS = {
    "shipment": (
        lambda w: f"/orders/{w.order.pk}/ship/",
        lambda w: "/api/v1/shipments/",
        lambda w, lines: {"order": w.order.pk, "date": "2026-03-02", "lines": lines},
    ),
    "return": (
        lambda w: f"/orders/{w.order.pk}/return/",
        lambda w: "/api/v1/returns/",
        lambda w, lines: {"order": w.order.pk, "date": "2026-03-02", "lines": lines},
    ),
    "adjustment": (
        lambda w: "/adjustments/new/",
        lambda w: "/api/v1/adjustments/",
        lambda w, lines: {"office": "HQ", "date": "2026-03-02", "reason": "count", "lines": lines},
    ),
    "issue": (
        lambda w: f"/production/{w.mo.pk}/issue/",
        lambda w: f"/api/v1/production-orders/{w.mo.pk}/issue/",
        lambda w, lines: {"date": "2026-03-02", "lines": lines},
    ),
    "receipt": (
        lambda w: f"/purchasing/po/{w.po.pk}/receive/",
        lambda w: f"/api/v1/purchase-orders/{w.po.pk}/receipts/",
        lambda w, lines: {"date": "2026-03-02", "lines": lines},
    ),
}


def po_line(w):
    return w.po.lines.get().pk


# (door, lines (a function of the world), code, field, message (a function of the world))
CASES = [
    # 1. serials not in stock / named twice / returned twice
    pytest.param(
        "shipment",
        lambda w: [{"lic": "SCAN", "quantity": "1", "serial_numbers": ["S1"]}],
        "serial_not_in_stock",
        "lines[0].serial_numbers",
        lambda w: f"Line 1: Serial number(s) of SCAN not in stock in HQ: S1 (out on {w.shipment.number}).",
        id="shipment-serial-already-shipped",
    ),
    pytest.param(
        "shipment",
        lambda w: [
            {"lic": "SCAN", "quantity": "1", "serial_numbers": ["S2"]},
            {"lic": "SCAN", "quantity": "1", "serial_numbers": ["S2"]},
        ],
        "serial_repeated",
        "lines[1].serial_numbers",
        lambda w: "Line 2: Serial number(s) of SCAN already named on line 1: S2.",
        id="shipment-serial-on-two-lines",
    ),
    pytest.param(
        "adjustment",
        lambda w: [{"lic": "SCAN", "quantity": "-1", "serial_numbers": ["S1"]}],
        "serial_not_in_stock",
        "lines[0].serial_numbers",
        lambda w: f"Line 1: Serial number(s) of SCAN not in stock in HQ: S1 (out on {w.shipment.number}).",
        id="adjustment-serial-already-shipped",
    ),
    pytest.param(
        "adjustment",
        lambda w: [
            {"lic": "SCAN", "quantity": "-1", "serial_numbers": ["S2"]},
            {"lic": "SCAN", "quantity": "-1", "serial_numbers": ["S2"]},
        ],
        "serial_repeated",
        "lines[1].serial_numbers",
        lambda w: "Line 2: Serial number(s) of SCAN already named on line 1: S2.",
        id="adjustment-serial-on-two-lines",
    ),
    pytest.param(
        "issue",
        lambda w: [{"lic": "SCAN", "quantity": "1", "serial_numbers": ["S1"]}],
        "serial_not_in_stock",
        "lines[0].serial_numbers",
        lambda w: f"Line 1: Serial number(s) of SCAN not in stock in HQ: S1 (out on {w.shipment.number}).",
        id="issue-serial-already-shipped",
    ),
    pytest.param(
        "issue",
        lambda w: [
            {"lic": "SCAN", "quantity": "1", "serial_numbers": ["S2"]},
            {"lic": "SCAN", "quantity": "1", "serial_numbers": ["S2"]},
        ],
        "serial_repeated",
        "lines[1].serial_numbers",
        lambda w: "Line 2: Serial number(s) of SCAN already named on line 1: S2.",
        id="issue-serial-on-two-lines",
    ),
    pytest.param(
        "return",
        lambda w: [{"lic": "SCAN", "quantity": "1", "usage": w.returned_usage.pk, "serial_numbers": ["S3"]}],
        "serial_not_on_usage",
        "lines[0].serial_numbers",
        lambda w: f"Line 1: Serial number(s) of SCAN not out on usage {w.returned_usage}: S3 (in stock).",
        id="return-serial-twice",
    ),
    pytest.param(
        "return",
        lambda w: [
            {"lic": "SCAN", "quantity": "1", "serial_numbers": ["S1"]},
            {"lic": "SCAN", "quantity": "1", "serial_numbers": ["S1"]},
        ],
        "serial_repeated",
        "lines[1].serial_numbers",
        lambda w: "Line 2: Serial number(s) of SCAN already named on line 1: S1.",
        id="return-serial-on-two-lines",
    ),
    # 2. input the LIC does not track, fractional serialized quantities
    pytest.param(
        "shipment",
        lambda w: [{"lic": "WIDGET", "quantity": "1", "serial_numbers": ["X1"]}],
        "serial_not_tracked",
        "lines[0].serial_numbers",
        lambda w: "Line 1: WIDGET is not serialized: leave the serial numbers empty.",
        id="shipment-serials-of-plain-lic",
    ),
    pytest.param(
        "shipment",
        lambda w: [{"lic": "SCAN", "quantity": "1.5", "serial_numbers": ["S2", "S5"]}],
        "serial_quantity_not_whole",
        "lines[0].quantity",
        lambda w: "Line 1: SCAN is serialized: the quantity must be a whole number (got 1.5).",
        id="shipment-fractional-serialized",
    ),
    pytest.param(
        "adjustment",
        lambda w: [{"lic": "WIDGET", "quantity": "1", "unit_cost": "1", "serial_numbers": ["X1"]}],
        "serial_not_tracked",
        "lines[0].serial_numbers",
        lambda w: "Line 1: WIDGET is not serialized: leave the serial numbers empty.",
        id="adjustment-serials-of-plain-lic",
    ),
    pytest.param(
        "adjustment",
        lambda w: [{"lic": "WIDGET", "quantity": "1", "unit_cost": "1", "mfr_lot_number": "M-1"}],
        "mfr_lot_not_tracked",
        "lines[0].mfr_lot_number",
        lambda w: "Line 1: WIDGET is not tracked by manufacturer lot: leave the manufacturer lot number empty.",
        id="adjustment-mfr-lot-of-plain-lic",
    ),
    pytest.param(
        "adjustment",
        lambda w: [{"lic": "SCAN", "quantity": "1.5", "unit_cost": "1", "serial_numbers": ["N1", "N2"]}],
        "serial_quantity_not_whole",
        "lines[0].quantity",
        lambda w: "Line 1: SCAN is serialized: the quantity must be a whole number (got 1.5).",
        id="adjustment-fractional-serialized",
    ),
    pytest.param(
        "issue",
        lambda w: [{"lic": "WIDGET", "quantity": "1", "serial_numbers": ["X1"]}],
        "serial_not_tracked",
        "lines[0].serial_numbers",
        lambda w: "Line 1: WIDGET is not serialized: leave the serial numbers empty.",
        id="issue-serials-of-plain-lic",
    ),
    pytest.param(
        "receipt",
        lambda w: [{"po_line": po_line(w), "quantity": "1", "serial_numbers": ["X1"]}],
        "serial_not_tracked",
        "lines[0].serial_numbers",
        lambda w: "Line 1: WIDGET is not serialized: leave the serial numbers empty.",
        id="receipt-serials-of-plain-lic",
    ),
    pytest.param(
        "receipt",
        lambda w: [{"po_line": po_line(w), "quantity": "1", "mfr_lot_number": "M-1"}],
        "mfr_lot_not_tracked",
        "lines[0].mfr_lot_number",
        lambda w: "Line 1: WIDGET is not tracked by manufacturer lot: leave the manufacturer lot number empty.",
        id="receipt-mfr-lot-of-plain-lic",
    ),
]


def written() -> tuple:
    return ledger_counts(), SerialUse.objects.count()


@pytest.mark.parametrize(("door", "lines", "code", "field", "message"), CASES)
def test_the_page_form_refuses_and_writes_nothing(client, admin_user, w, door, lines, code, field, message):
    client.force_login(admin_user)
    form_url = DOORS[door][0](w)
    data = mgmt(form_lines(lines(w)))
    data.update({"date": "2026-03-02", "office": "HQ", "reason": "count"})
    before = written()
    response = client.post(form_url, data)
    assert response.status_code == 400, response.content.decode()[:2000]
    index, line_field = int(field[6 : field.index("]")]), field[field.index("].") + 2 :]
    assert response.context["formset"].forms[index].errors[line_field] == [message(w)]
    assert written() == before


@pytest.mark.parametrize(("door", "lines", "code", "field", "message"), CASES)
def test_the_api_refuses_with_the_error_body_and_writes_nothing(api, admin_user, w, door, lines, code, field, message):
    _, api_url, body = DOORS[door]
    before = written()
    response = api(admin_user).post(api_url(w), body(w, lines(w)), format="json")
    assert response.status_code == 400, response.content
    assert (response.json()["code"], response.json()["field"], response.json()["message"]) == (code, field, message(w))
    assert written() == before


# --- produce (one quantity, no lines) ----------------------------------------------------------------

PRODUCE_CASES = [
    pytest.param(
        {"serial_numbers": ["K1"]},
        "serial_not_tracked",
        "serial_numbers",
        "KIT is not serialized: leave the serial numbers empty.",
        id="serials-of-plain-lic",
    ),
    pytest.param(
        {"mfr_lot_number": "M-1"},
        "mfr_lot_not_tracked",
        "mfr_lot_number",
        "KIT is not tracked by manufacturer lot: leave the manufacturer lot number empty.",
        id="mfr-lot-of-plain-lic",
    ),
]


@pytest.mark.parametrize(("extra", "code", "field", "message"), PRODUCE_CASES)
def test_produce_refuses_what_the_lic_does_not_track_at_both_doors(
    client, api, admin_user, w, extra, code, field, message
):
    before = written()
    client.force_login(admin_user)
    form = {
        "date": "2026-03-02",
        "quantity": "1",
        **{k: ", ".join(v) if isinstance(v, list) else v for k, v in extra.items()},
    }
    response = client.post(f"/production/{w.mo.pk}/produce/", form)
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    response = api(admin_user).post(
        f"/api/v1/production-orders/{w.mo.pk}/produce/", {"date": "2026-03-02", "quantity": "1", **extra}, format="json"
    )
    assert (response.status_code, response.json()["code"], response.json()["field"], response.json()["message"]) == (
        400,
        code,
        field,
        message,
    )
    assert written() == before


def test_a_serialized_lot_cannot_be_produced_in_halves(client, api, admin_user, office, order):
    mo = production.create_production_order(
        office=office,
        date=DAY,
        order=order,
        lic=LicFactory(code="ROBOT", serialized=True),
        estimated_quantity=D("2"),
        estimated_unit_cost=D("1"),
        actor=None,
    )
    message = "ROBOT is serialized: the quantity must be a whole number (got 1.5)."
    client.force_login(admin_user)
    response = client.post(
        f"/production/{mo.pk}/produce/", {"date": "2026-03-02", "quantity": "1.5", "serial_numbers": "R1, R2"}
    )
    assert (response.status_code, response.context["form"].errors["quantity"]) == (400, [message])
    response = api(admin_user).post(
        f"/api/v1/production-orders/{mo.pk}/produce/",
        {"date": "2026-03-02", "quantity": "1.5", "serial_numbers": ["R1", "R2"]},
        format="json",
    )
    assert (response.status_code, response.json()["code"], response.json()["message"]) == (
        400,
        "serial_quantity_not_whole",
        message,
    )


# --- good input still goes through, and a return names its serials at both doors ----------------------


def test_a_return_with_its_serials_posts_through_the_form_and_the_api(client, api, admin_user, w):
    client.force_login(admin_user)
    response = client.post(
        f"/orders/{w.order.pk}/return/",
        {"date": "2026-03-02", **mgmt([{"lic": "SCAN", "quantity": "1", "serial_numbers": "S1"}])},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not SerialUse.objects.filter(serial__serial_number="S1", returned_by__isnull=True).exists()
    response = api(admin_user).post(
        "/api/v1/shipments/",
        {
            "order": w.order.pk,
            "date": "2026-03-02",
            "lines": [{"lic": "SCAN", "quantity": "1", "serial_numbers": ["S1"]}],
        },
        format="json",
    )
    assert response.status_code == 201
    usage = response.json()["lines"][0]["usage"]
    response = api(admin_user).post(
        "/api/v1/returns/",
        {
            "order": w.order.pk,
            "date": "2026-03-02",
            "lines": [{"lic": "SCAN", "quantity": "1", "serial_numbers": ["S1"]}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    returned = response.json()["lines"][0]["usage"]
    assert SerialUse.objects.get(usage_id=usage).returned_by_id == returned


# --- the admin: serial movements are the services' -----------------------------------------------------


def test_the_admin_shows_serial_movements_read_only(admin_client, w):
    base = "/admin/inventory_lots/serialuse/"
    assert admin_client.get(base).status_code == 200
    assert w.shipment.number in admin_client.get(f"{base}?q=S1").content.decode()
    use = SerialUse.objects.get(usage=w.shipped)
    assert admin_client.get(f"{base}add/").status_code == 403
    assert admin_client.post(f"{base}{use.pk}/change/", {"returned_by": ""}).status_code == 403
    assert admin_client.post(f"{base}{use.pk}/delete/", {"post": "yes"}).status_code == 403
    assert SerialUse.objects.get(pk=use.pk).returned_by_id is None
    lot_page = admin_client.get(f"/admin/inventory_lots/lot/{use.serial.lot_id}/change/").content.decode()
    assert "S1" in lot_page and w.shipment.number in lot_page
