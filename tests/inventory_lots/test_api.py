"""API.md through the HTTP API: master data, decimals as strings, cursor pagination, lot and
usage lists with their filters and detail shapes, and posting adjustments."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from inventory_lots.models import InventoryAdjustment, LineItemCode, Lot, UsageCogs
from inventory_lots.services import AdjustmentLineInput, post_adjustment
from orders.models import Order
from tests.conftest import DAY, adjust_in
from tests.factories import LicFactory

D = Decimal
pytestmark = pytest.mark.django_db


def day(n: int) -> datetime.date:
    return DAY + datetime.timedelta(days=n)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


# --- master data ------------------------------------------------------------------------------


def test_admin_creates_and_lists_offices(api, admin_user):
    client = api(admin_user)
    assert client.post("/api/v1/offices/", {"code": "EAST", "name": "East plant"}, format="json").status_code == 201
    body = client.get("/api/v1/offices/").json()
    assert body["results"] == [{"code": "EAST", "name": "East plant"}] and body["next"] is None
    assert client.get("/api/v1/offices/EAST/").json() == {"code": "EAST", "name": "East plant"}


def test_line_item_code_defaults_on_create(api, admin_user):
    response = api(admin_user).post("/api/v1/line-item-codes/", {"code": "BOLT"}, format="json")
    assert response.status_code == 201
    assert response.json() == {
        "code": "BOLT",
        "description": "",
        "inventoried": False,
        "serialized": False,
        "track_by_mfr_lot": False,
        "costing_method": "fifo",
        "unit": "ea",
        "active": True,
    }
    assert LineItemCode.objects.get(code="BOLT").costing_method == "fifo"


def test_line_item_code_with_all_fields(api, admin_user):
    body = {
        "code": "SCAN",
        "description": "Scanner",
        "inventoried": True,
        "serialized": True,
        "track_by_mfr_lot": True,
        "costing_method": "specific",
        "unit": "box",
    }
    response = api(admin_user).post("/api/v1/line-item-codes/", body, format="json")
    assert (response.status_code, response.json()) == (201, {**body, "active": True})


def test_line_item_code_flags_without_inventoried_are_refused(api, admin_user):
    response = api(admin_user).post("/api/v1/line-item-codes/", {"code": "X", "serialized": True}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert "Only inventoried LICs can be serialized" in response.json()["message"]
    assert not LineItemCode.objects.filter(code="X").exists()


def test_line_item_code_bad_costing_method_and_duplicate_code_are_refused(api, admin_user, lic):
    client = api(admin_user)
    bad = client.post("/api/v1/line-item-codes/", {"code": "Y", "costing_method": "average"}, format="json")
    dup = client.post("/api/v1/line-item-codes/", {"code": "WIDGET"}, format="json")
    assert (bad.status_code, bad.json()["field"]) == (400, "costing_method")
    assert (dup.status_code, dup.json()["field"]) == (400, "code")
    assert LineItemCode.objects.count() == 1


@pytest.mark.parametrize("path", ["vendors", "customers"])
def test_admin_creates_and_lists_vendors_and_customers(api, admin_user, path):
    client = api(admin_user)
    assert client.post(f"/api/v1/{path}/", {"code": "Z1", "name": "Zed"}, format="json").status_code == 201
    assert {"code": "Z1", "name": "Zed"} in client.get(f"/api/v1/{path}/").json()["results"]


def test_master_data_creation_is_for_administrators(api, clerk, viewer):
    for user in (clerk, viewer):
        assert api(user).post("/api/v1/offices/", {"code": "NO", "name": "No"}, format="json").status_code == 403
    assert api(viewer).get("/api/v1/offices/").status_code == 200


def test_clerk_creates_an_order_with_number_and_status(api, clerk, customer, office):
    response = api(clerk).post(
        "/api/v1/orders/", {"customer": "CUST", "office": "HQ", "date": "2026-03-05"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    order = Order.objects.get(pk=body["id"])
    assert body["number"] == order.number and order.number.startswith("SO-")
    assert (body["status"], body["customer"], body["office"], body["date"]) == ("open", "CUST", "HQ", "2026-03-05")
    assert api(clerk).get(f"/api/v1/orders/{order.pk}/").json()["number"] == order.number


def test_order_with_unknown_customer_is_refused(api, clerk, office):
    response = api(clerk).post(
        "/api/v1/orders/", {"customer": "NOBODY", "office": "HQ", "date": "2026-03-05"}, format="json"
    )
    assert (response.status_code, response.json()["field"]) == (400, "customer")
    assert Order.objects.count() == 0


# --- lots -------------------------------------------------------------------------------------


@pytest.fixture
def lots(office, west, lic):
    gadget = LicFactory(code="GADGET", description="Shiny gadget")
    a = adjust_in(office=office, lic=lic, quantity="5", unit_cost="10", date=day(0))
    b = adjust_in(office=west, lic=lic, quantity="3", unit_cost="2.125", date=day(2))
    c = adjust_in(office=office, lic=gadget, quantity="7", unit_cost="1", date=day(4))
    Lot.objects.filter(pk=a.pk).update(qty_used=D("5"), value_used=D("50.00"))
    return {"a": a, "b": b, "c": c}


def test_lot_summary_fields_and_decimals_are_strings(api, viewer, lots):
    b = lots["b"]
    item = next(i for i in api(viewer).get("/api/v1/lots/").json()["results"] if i["id"] == b.pk)
    assert item == {
        "id": b.pk,
        "number": b.number,
        "type": "purchase",
        "status": "open",
        "office": "WEST",
        "lic": "WIDGET",
        "date": "2026-03-03",
        "qty_in": "3.000000",
        "qty_used": "0.000000",
        "qty_available": "3.000000",
        "unit_cost": "2.125000",
        "value_available": "6.38",
    } | {
        k: v
        for k, v in item.items()
        if k
        not in {
            "id",
            "number",
            "type",
            "status",
            "office",
            "lic",
            "date",
            "qty_in",
            "qty_used",
            "qty_available",
            "unit_cost",
            "value_available",
        }
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("lic=WIDGET", {"a", "b"}),
        ("office=HQ", {"a", "c"}),
        ("status=closed", {"a"}),
        ("status=open", {"b", "c"}),
        ("type=purchase", {"a", "b", "c"}),
        ("type=production", set()),
        ("date_from=2026-03-03", {"b", "c"}),
        ("date_to=2026-03-03", {"a", "b"}),
        ("q=shiny", {"c"}),
        ("q=GADGET", {"c"}),
    ],
)
def test_lot_list_filters(api, viewer, lots, query, expected):
    assert set(ids(api(viewer).get(f"/api/v1/lots/?{query}"))) == {lots[k].pk for k in expected}


def test_lot_list_search_by_lot_number(api, viewer, lots):
    b = lots["b"]
    assert ids(api(viewer).get(f"/api/v1/lots/?q={b.number}")) == [b.pk]
    assert ids(api(viewer).get(f"/api/v1/lots/?q={int(b.number[3:])}")) == [b.pk]


def test_lot_list_with_unknown_lic_is_400(api, viewer, lots):
    response = api(viewer).get("/api/v1/lots/?lic=NOSUCH")
    assert response.status_code == 400
    assert response.json()["field"] == "lic"


def test_lot_list_cursor_pagination(api, viewer, office, lic):
    post_adjustment(
        office=office,
        date=DAY,
        reason="r",
        actor=None,
        lines=[AdjustmentLineInput(lic=lic, quantity=D(n + 1), unit_cost=D("1")) for n in range(5)],
    )
    client = api(viewer)
    first = client.get("/api/v1/lots/?page_size=2").json()
    assert set(first) == {"next", "results"} and len(first["results"]) == 2 and "cursor=" in first["next"]
    seen = [i["id"] for i in first["results"]]
    page = first
    while page["next"]:
        page = client.get(page["next"]).json()
        seen += [i["id"] for i in page["results"]]
    assert sorted(seen) == sorted(Lot.objects.values_list("id", flat=True)) and len(seen) == 5
    assert page["next"] is None


def test_page_size_is_capped_at_500(api, viewer, office, lic):
    adjust_in(office=office, lic=lic, quantity="1", unit_cost="1")
    response = api(viewer).get("/api/v1/lots/?page_size=100000")
    assert response.status_code == 200 and len(response.json()["results"]) == 1


def test_adjustment_lot_detail_fields(api, viewer, office, lic):
    lot = adjust_in(office=office, lic=lic, quantity="4", unit_cost="2.50")
    Lot.objects.filter(pk=lot.pk).update(qty_used=D("1"), value_used=D("2.50"))
    body = api(viewer).get(f"/api/v1/lots/{lot.pk}/").json()
    adjustment = InventoryAdjustment.objects.get()
    line = adjustment.lines.get()
    assert body["released"] is True
    assert body["transaction"] == {"type": "adjustmentline", "id": line.pk, "label": f"{adjustment.number}/1"}
    assert body["parent_order"] is None
    assert (body["serialized"], body["track_by_mfr_lot"], body["mfr_lot_number"], body["serial_numbers"]) == (
        False,
        False,
        "",
        [],
    )
    assert (body["value_in"], body["value_used"], body["value_available"]) == ("10.00", "2.50", "7.50")
    assert body["sections"]["current"] == {
        "in_qty": "4.000000",
        "in_value": "10.00",
        "used_qty": "1.000000",
        "used_value": "2.50",
        "available_qty": "3.000000",
        "available_value": "7.50",
    }
    for absent in ("ordered_purchased", "ordered_received", "accrued"):
        assert body["sections"].get(absent) is None


def test_serialized_and_mfr_lot_details(api, viewer, office, serial_lic, mfr_lic):
    s_lot = adjust_in(office=office, lic=serial_lic, quantity="2", unit_cost="1", serial_numbers=("B", "A"))
    m_lot = adjust_in(office=office, lic=mfr_lic, quantity="2", unit_cost="1", mfr_lot_number="M-1")
    s_body = api(viewer).get(f"/api/v1/lots/{s_lot.pk}/").json()
    m_body = api(viewer).get(f"/api/v1/lots/{m_lot.pk}/").json()
    assert (s_body["serialized"], s_body["serial_numbers"]) == (True, ["A", "B"])
    assert (m_body["track_by_mfr_lot"], m_body["mfr_lot_number"]) == (True, "M-1")


def test_production_lot_detail_names_its_parent_order(api, viewer, production_lot, order):
    lot = production_lot(released=False)
    body = api(viewer).get(f"/api/v1/lots/{lot.pk}/").json()
    assert (body["type"], body["released"]) == ("production", False)
    assert body["parent_order"] == {"type": "order", "id": order.pk, "label": order.number}
    assert body["transaction"]["type"] == "order"


# --- usages -----------------------------------------------------------------------------------


@pytest.fixture
def usages(office, west, lic):
    gadget = LicFactory(code="GADGET")
    adjust_in(office=office, lic=lic, quantity="10", unit_cost="1")

    def out(office_, lic_, quantity):
        return (
            post_adjustment(
                office=office_,
                date=DAY,
                reason="r",
                actor=None,
                lines=[AdjustmentLineInput(lic=lic_, quantity=D(quantity))],
            )
            .lines.get()
            .usage
        )

    u1, u2, u3 = out(office, lic, "-2"), out(west, lic, "-1.5"), out(office, gadget, "-1")
    UsageCogs.objects.filter(usage=u1).update(allocated_quantity=D("2"))  # as a COGS run would
    return {"u1": u1, "u2": u2, "u3": u3}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"u1", "u2", "u3"}),
        ("lic=WIDGET", {"u1", "u2"}),
        ("office=WEST", {"u2"}),
        ("kind=adjustment", {"u1", "u2", "u3"}),
        ("kind=shipment", set()),
        ("unallocated=true", {"u2", "u3"}),
        ("lic=WIDGET&office=HQ", {"u1"}),
    ],
)
def test_usage_list_filters(api, viewer, usages, query, expected):
    assert set(ids(api(viewer).get(f"/api/v1/usages/?{query}"))) == {usages[k].pk for k in expected}


def test_usage_detail_shape(api, viewer, usages):
    u2 = usages["u2"]
    body = api(viewer).get(f"/api/v1/usages/{u2.pk}/").json()
    adjustment = InventoryAdjustment.objects.get(pk=u2.source_id)
    assert {
        k: body[k]
        for k in (
            "id",
            "lic",
            "office",
            "date",
            "quantity",
            "kind",
            "allocated_quantity",
            "unallocated_quantity",
            "cogs_value",
            "allocations",
            "accrued_value",
            "no_cost_basis",
        )
    } == {
        "id": u2.pk,
        "lic": "WIDGET",
        "office": "WEST",
        "date": "2026-03-01",
        "quantity": "1.500000",
        "kind": "adjustment",
        "allocated_quantity": "0.000000",
        "unallocated_quantity": "1.500000",
        "cogs_value": "0.00",
        "allocations": [],
        "accrued_value": "0.00",
        "no_cost_basis": False,
    }
    assert body["source"] == {"type": "inventoryadjustment", "id": adjustment.pk, "label": adjustment.number}


# --- adjustments ------------------------------------------------------------------------------


def test_post_adjustment_returns_lines_with_lot_or_usage(api, clerk, office, lic):
    adjust_in(office=office, lic=lic, quantity="10", unit_cost="4")
    response = api(clerk).post(
        "/api/v1/adjustments/",
        {
            "office": "HQ",
            "date": "2026-03-02",
            "reason": "count",
            "lines": [
                {"lic": "WIDGET", "quantity": "2.5", "unit_cost": "1.10"},
                {"lic": "WIDGET", "quantity": -3},
                {"lic": "WIDGET", "quantity": "1"},
            ],
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    adjustment = InventoryAdjustment.objects.get(pk=body["id"])
    lines = list(adjustment.lines.order_by("line_no"))
    assert [{k: ln[k] for k in ("id", "lic", "quantity", "lot", "usage")} for ln in body["lines"]] == [
        {"id": lines[0].pk, "lic": "WIDGET", "quantity": "2.500000", "lot": lines[0].lot_id, "usage": None},
        {"id": lines[1].pk, "lic": "WIDGET", "quantity": "-3.000000", "lot": None, "usage": lines[1].usage_id},
        {"id": lines[2].pk, "lic": "WIDGET", "quantity": "1.000000", "lot": lines[2].lot_id, "usage": None},
    ]
    assert Lot.objects.get(pk=lines[0].lot_id).unit_cost == D("1.1")
    assert Lot.objects.get(pk=lines[2].lot_id).unit_cost == D("3.42")  # default: (10 x 4 + 2.5 x 1.1) / 12.5
    assert lines[1].usage.quantity == D("3") and lines[1].usage.created_by.username == "warehouse_clerk"


def test_post_adjustment_with_serials_and_mfr_lot(api, clerk, office, serial_lic, mfr_lic):
    response = api(clerk).post(
        "/api/v1/adjustments/",
        {
            "office": "HQ",
            "date": "2026-03-02",
            "reason": "count",
            "lines": [
                {"lic": "SCAN", "quantity": "2", "unit_cost": "5", "serial_numbers": ["S1", "S2"]},
                {"lic": "RESIN", "quantity": "1", "unit_cost": "5", "mfr_lot_number": "ML-9"},
            ],
        },
        format="json",
    )
    assert response.status_code == 201
    scan_lot, resin_lot = (Lot.objects.get(pk=ln["lot"]) for ln in response.json()["lines"])
    assert sorted(scan_lot.serials.values_list("serial_number", flat=True)) == ["S1", "S2"]
    assert resin_lot.mfr_lot_number == "ML-9"


def test_lot_list_filters_by_parent_order(api, viewer, production_lot, order, office, lic):
    made = production_lot()
    adjust_in(office=office, lic=lic, quantity="1", unit_cost="1")
    assert ids(api(viewer).get(f"/api/v1/lots/?parent_order={order.number}")) == [made.pk]
    assert ids(api(viewer).get("/api/v1/lots/?parent_order=SO-999999")) == []
