"""API.md "Purchasing" through the token API: worked examples, roles, bad input writes nothing."""

from decimal import Decimal

import pytest

from core import roles
from inventory_lots.models import Lot, LotCostChange
from inventory_lots.services import set_lock_date
from purchasing.models import PurchaseOrder, Receipt, VendorInvoice
from tests.factories import user_with_role

from .conftest import make_po, receive


@pytest.fixture
def clerk(db):
    """These examples read the figures back as the clerk who posted them: a clerk given "see costs"
    (the role lacks it; tests/scope covers a clerk without it)."""
    return user_with_role(roles.CLERK, see_costs=True)


D = Decimal


def _create_po(client, lic_code="WIDGET", quantity="15", cost="35.00"):
    return client.post(
        "/api/v1/purchase-orders/",
        {
            "vendor": "ACME",
            "office": "HQ",
            "date": "2026-03-01",
            "lines": [{"lic": lic_code, "quantity": quantity, "unit_cost": cost}],
        },
        format="json",
    )


def test_freight_close_example_through_api(api, clerk, accountant, vendor, office, lic):
    response = _create_po(api(clerk))
    assert response.status_code == 201, response.content
    po = response.json()
    assert po["number"].startswith("PO-") and po["status"] == "open"
    assert po["vendor"] == "ACME" and po["office"] == "HQ" and po["date"] == "2026-03-01"
    line = po["lines"][0]
    assert {
        k: line[k] for k in ("line_no", "lic", "quantity", "unit_cost", "quantity_received", "quantity_purchased")
    } == {
        "line_no": 1,
        "lic": "WIDGET",
        "quantity": "15.000000",
        "unit_cost": "35.000000",
        "quantity_received": "0.000000",
        "quantity_purchased": "0.000000",
    }

    response = api(clerk).post(
        f"/api/v1/purchase-orders/{po['id']}/receipts/",
        {"date": "2026-03-02", "lines": [{"po_line": line["id"], "quantity": 15}]},
        format="json",
    )
    assert response.status_code == 201, response.content
    receipt = response.json()
    lot_id = receipt["lines"][0]["lot"]
    assert receipt["date"] == "2026-03-02" and receipt["lines"][0]["po_line"] == line["id"]
    assert receipt["lines"][0]["quantity"] == "15.000000"

    response = api(accountant).post(
        "/api/v1/vendor-invoices/",
        {
            "vendor": "ACME",
            "purchase_order": po["id"],
            "number": "INV-77",
            "date": "2026-03-05",
            "freight": "8.85",
            "lines": [{"po_line": line["id"], "quantity": "15", "amount": "525.00"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["id"] and response.json()["lines"][0]["freight_share"] == "8.85"

    lot = api(accountant).get(f"/api/v1/lots/{lot_id}/").json()
    assert lot["unit_cost"] == "35.000000" and lot["sections"]["accrued"]["accrued_value"] == "0.00"
    assert lot["parent_order"]["label"] == po["number"] and lot["transaction"]["type"] == "receiptline"

    response = api(accountant).post(f"/api/v1/purchase-orders/{po['id']}/close/", {}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "closed"
    lot = api(accountant).get(f"/api/v1/lots/{lot_id}/").json()
    assert lot["unit_cost"] == "35.590000" and lot["value_in"] == "533.85"
    assert lot["sections"]["ordered_received"]["received_value"] == "533.85"
    assert lot["sections"]["ordered_purchased"] == {
        "ordered_qty": "15.000000",
        "ordered_value": "525.00",
        "purchased_qty": "15.000000",
        "purchased_value": "525.00",
        "freight_allocated": "8.85",
    }


def test_gadget_and_textbook_accruals_through_api(api, clerk, accountant, vendor, office):
    from tests.factories import LicFactory

    LicFactory(code="GADGET")
    LicFactory(code="TEXTBOOK")
    for code, cost, value in (("GADGET", "8.00", "80.00"), ("TEXTBOOK", "29.99", "299.90")):
        po = _create_po(api(clerk), code, "100", cost).json()
        receipt = (
            api(clerk)
            .post(
                f"/api/v1/purchase-orders/{po['id']}/receipts/",
                {"date": "2026-03-01", "lines": [{"po_line": po["lines"][0]["id"], "quantity": "10"}]},
                format="json",
            )
            .json()
        )
        lot = api(clerk).get(f"/api/v1/lots/{receipt['lines'][0]['lot']}/").json()
        assert lot["value_in"] == value
        assert lot["sections"]["accrued"]["accrued_value"] == value
        assert lot["sections"]["accrued"]["accrued_qty"] == "10.000000"
    gadget_po = PurchaseOrder.objects.get(lines__lic__code="GADGET")
    response = api(accountant).post(
        "/api/v1/vendor-invoices/",
        {
            "vendor": "ACME",
            "purchase_order": gadget_po.pk,
            "number": "G-1",
            "date": "2026-03-02",
            "lines": [{"po_line": gadget_po.lines.get().pk, "quantity": "10", "amount": "80.00"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    lot = Lot.objects.get(lic__code="GADGET")
    assert api(clerk).get(f"/api/v1/lots/{lot.pk}/").json()["sections"]["accrued"]["accrued_value"] == "0.00"
    accrued = api(clerk).get("/api/v1/accrued-inventory/").json()
    assert [(row["vendor"], row["lic"], row["accrued_value"]) for row in accrued] == [("ACME", "TEXTBOOK", "299.90")]


def test_adjustment_lot_sections_are_null(api, viewer, make_lot, office, lic):
    lot = make_lot(office=office, lic=lic, quantity="5", unit_cost="10")
    sections = api(viewer).get(f"/api/v1/lots/{lot.pk}/").json()["sections"]
    assert sections["ordered_purchased"] is None
    assert sections["ordered_received"] is None
    assert sections["accrued"] is None
    assert sections["current"]["in_value"] == "50.00"


def test_roles(api, viewer, clerk, accountant, vendor, office, lic):
    assert _create_po(api(viewer)).status_code == 403
    assert _create_po(api(accountant)).status_code == 403
    po = make_po(vendor=vendor, office=office, lines=[(lic, "5", "1.00")])
    line = po.lines.get()
    body = {"date": "2026-03-01", "lines": [{"po_line": line.pk, "quantity": "1"}]}
    assert api(viewer).post(f"/api/v1/purchase-orders/{po.pk}/receipts/", body, format="json").status_code == 403
    assert api(clerk).post(f"/api/v1/purchase-orders/{po.pk}/close/", {}, format="json").status_code == 403
    invoice = {
        "vendor": "ACME",
        "purchase_order": po.pk,
        "number": "X",
        "date": "2026-03-01",
        "lines": [{"po_line": line.pk, "quantity": "1", "amount": "1.00"}],
    }
    assert api(clerk).post("/api/v1/vendor-invoices/", invoice, format="json").status_code == 403
    assert api(viewer).get(f"/api/v1/purchase-orders/{po.pk}/").status_code == 200
    assert api(viewer).get("/api/v1/purchase-orders/?vendor=ACME").json()["results"][0]["id"] == po.pk
    assert PurchaseOrder.objects.count() == 1 and not Receipt.objects.exists() and not VendorInvoice.objects.exists()


@pytest.mark.parametrize(
    "quantity, code",
    [
        ("6", "over_receipt"),
        ("0", "zero_quantity"),
        ("-1", "quantity_not_positive"),
        ("1.0000001", "invalid"),
    ],
)
def test_bad_receipt_writes_nothing(api, clerk, vendor, office, lic, quantity, code):
    po = make_po(vendor=vendor, office=office, lines=[(lic, "5", "1.00")])
    response = api(clerk).post(
        f"/api/v1/purchase-orders/{po.pk}/receipts/",
        {"date": "2026-03-01", "lines": [{"po_line": po.lines.get().pk, "quantity": quantity}]},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    assert not Receipt.objects.exists() and not Lot.objects.exists()


def test_receipt_on_closed_po_is_409(api, clerk, accountant, vendor, office, lic):
    po = make_po(vendor=vendor, office=office, lines=[(lic, "5", "1.00")])
    assert api(accountant).post(f"/api/v1/purchase-orders/{po.pk}/close/", {}, format="json").status_code == 200
    response = api(clerk).post(
        f"/api/v1/purchase-orders/{po.pk}/receipts/",
        {"date": "2026-03-01", "lines": [{"po_line": po.lines.get().pk, "quantity": "1"}]},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "po_closed" and "is closed" in response.json()["message"]
    assert api(accountant).post(f"/api/v1/purchase-orders/{po.pk}/close/", {}, format="json").status_code == 409
    assert not Lot.objects.exists()


def test_bad_invoice_writes_nothing(api, accountant, vendor, office, lic):
    po = make_po(vendor=vendor, office=office, lines=[(lic, "5", "1.00")])
    receive(po, "5")
    line = po.lines.get()
    body = {
        "vendor": "ACME",
        "purchase_order": po.pk,
        "number": "A-1",
        "date": "2026-03-01",
        "lines": [{"po_line": line.pk, "quantity": "5", "amount": "5.00"}],
    }
    assert api(accountant).post("/api/v1/vendor-invoices/", body, format="json").status_code == 201
    response = api(accountant).post("/api/v1/vendor-invoices/", body, format="json")
    assert response.status_code == 400 and response.json()["code"] == "duplicate_invoice_number"
    response = api(accountant).post(
        "/api/v1/vendor-invoices/", {**body, "number": "A-2", "freight": "-1.00"}, format="json"
    )
    assert response.status_code == 400 and response.json()["code"] == "negative_freight"
    response = api(accountant).post(
        "/api/v1/vendor-invoices/",
        {**body, "number": "A-3", "lines": [{"po_line": line.pk, "quantity": "5", "amount": "-5.00"}]},
        format="json",
    )
    assert response.status_code == 400 and response.json()["field"] == "lines[0].amount"
    assert VendorInvoice.objects.count() == 1
    line.refresh_from_db()
    assert line.quantity_purchased == D("5") and line.amount_invoiced == D("5.00")
    assert not LotCostChange.objects.exists()


def test_reverse_receipt_through_api(api, clerk, accountant, vendor, office, lic):
    po = make_po(vendor=vendor, office=office, lines=[(lic, "5", "2.00")])
    receipt = receive(po, "5")
    url = f"/api/v1/receipts/{receipt.pk}/reverse/"
    assert api(clerk).post(url, {"reason": "wrong PO"}, format="json").status_code == 403
    response = api(accountant).post(url, {"reason": "wrong PO", "date": "2026-03-02"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["reverses"] == receipt.pk and response.json()["lines"][0]["quantity"] == "-5.000000"
    assert api(accountant).post(url, {"reason": "again", "date": "2026-03-02"}, format="json").status_code == 409


def test_reverse_receipt_in_closed_books_through_api(api, accountant, vendor, office, lic):
    po = make_po(vendor=vendor, office=office, lines=[(lic, "5", "2.00")])
    receipt = receive(po, "5")
    set_lock_date(date=receipt.date, actor=accountant)
    response = api(accountant).post(
        f"/api/v1/receipts/{receipt.pk}/reverse/", {"reason": "wrong PO", "date": "2026-03-05"}, format="json"
    )
    assert response.status_code == 409, response.content
    assert "on or before the lock date 2026-03-01" in str(response.json())
    assert not Receipt.objects.filter(reverses=receipt).exists()


def test_over_receipt_through_the_api_needs_a_reason(api, clerk, vendor, office, lic):
    po = make_po(vendor=vendor, office=office, lines=[(lic, "5", "1.00")])
    body = {
        "date": "2026-03-01",
        "allow_over_receipt": True,
        "lines": [{"po_line": po.lines.get().pk, "quantity": "6"}],
    }
    response = api(clerk).post(f"/api/v1/purchase-orders/{po.pk}/receipts/", body, format="json")
    assert response.status_code == 400 and response.json()["code"] == "over_receipt_reason_required"
    assert not Receipt.objects.exists()
    body["reason"] = "Vendor rounded up to a case"
    response = api(clerk).post(f"/api/v1/purchase-orders/{po.pk}/receipts/", body, format="json")
    assert response.status_code == 201 and response.json()["reason"] == "Vendor rounded up to a case"
