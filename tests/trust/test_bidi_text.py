"""Issue 17: free text (names, descriptions, reasons) is stored without Unicode bidirectional
controls (U+202A–U+202E, U+2066–U+2069, U+200E/U+200F, U+061C), whatever the door: the API, the
admin, the page forms and the services behind them all clean it with core.text.clean_text."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from core import roles
from core.text import BIDI_CONTROLS
from inventory_lots.models import InventoryAdjustment, LineItemCode, LotCostChange, Office
from orders.models import Customer
from purchasing.models import Vendor
from tests.conftest import adjust_in
from tests.factories import user_with_role
from tests.trust.conftest import management

pytestmark = pytest.mark.django_db
API = "/api/v1/"
D0 = "2026-03-05"
SPOOF = "Refund \u202edios\u202c approved\u2066x\u2069\u200e\u200f"  # shows as "Refund soid approved x"
CLEAN = "Refund dios approvedx"


def assert_clean(text: str) -> None:
    assert text == CLEAN and not any(c in text for c in BIDI_CONTROLS), repr(text)


@pytest.fixture
def administrator(db):
    return user_with_role(roles.ADMINISTRATOR)


@pytest.mark.parametrize(
    ("path", "model", "body", "field"),
    [
        ("offices/", Office, {"code": "BR"}, "name"),
        ("line-item-codes/", LineItemCode, {"code": "NEW"}, "description"),
        ("vendors/", Vendor, {"code": "V2"}, "name"),
        ("customers/", Customer, {"code": "C2"}, "name"),
    ],
)
def test_api_master_data_text_is_stored_without_bidi_controls(path, model, body, field, api, administrator):
    response = api(administrator).post(API + path, {**body, field: SPOOF}, format="json")
    assert response.status_code == 201, response.content
    assert_clean(response.json()[field])
    record = model.objects.get(code=body["code"])
    assert_clean(getattr(record, field))
    response = api(administrator).patch(f"{API}{path}{body['code']}/", {field: "x" + SPOOF}, format="json")
    assert response.status_code == 200, response.content
    record.refresh_from_db()
    assert getattr(record, field) == "x" + CLEAN


def test_admin_master_data_text_is_stored_without_bidi_controls(client, admin_user):
    client.force_login(admin_user)
    response = client.post("/admin/inventory_lots/office/add/", {"code": "BR", "name": SPOOF})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert_clean(Office.objects.get(code="BR").name)
    response = client.post("/admin/purchasing/vendor/add/", {"code": "V2", "name": SPOOF})
    assert response.status_code == 302
    assert_clean(Vendor.objects.get(code="V2").name)


def test_adjustment_reason_from_page_and_api(clerk_client, clerk, api, office, lic):
    data = {
        "office": "HQ",
        "date": D0,
        "reason": SPOOF,
        **management("lines", 1),
        "lines-0-lic": "WIDGET",
        "lines-0-quantity": "2",
        "lines-0-unit_cost": "1.50",
    }
    assert clerk_client.post("/adjustments/new/", data).status_code == 302
    response = api(clerk).post(
        API + "adjustments/",
        {
            "office": "HQ",
            "date": D0,
            "reason": SPOOF,
            "lines": [{"lic": "WIDGET", "quantity": "1", "unit_cost": "1.00"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert_clean(response.json()["reason"])
    for adjustment in InventoryAdjustment.objects.all():
        assert_clean(adjustment.reason)


def test_a_reason_of_bidi_controls_only_is_no_reason(clerk_client, office, lic):
    data = {
        "office": "HQ",
        "date": D0,
        "reason": "\u202e\u202c",
        **management("lines", 1),
        "lines-0-lic": "WIDGET",
        "lines-0-quantity": "2",
        "lines-0-unit_cost": "1.50",
    }
    response = clerk_client.post("/adjustments/new/", data)
    assert response.status_code == 400
    assert not InventoryAdjustment.objects.exists()


def test_unit_cost_correction_reason_through_the_api(api, accountant, office, lic):
    lot = adjust_in(office=office, lic=lic, quantity="1", unit_cost="1.00")
    response = api(accountant).post(
        f"{API}lots/{lot.pk}/unit-cost/", {"unit_cost": "2.50", "date": D0, "reason": SPOOF}, format="json"
    )
    assert response.status_code in (200, 201), response.content
    assert_clean(LotCostChange.objects.get().reason)


def test_job_cost_description_through_the_api(api, production_user, office, service_lic):
    from production import services as production

    lic = LineItemCode.objects.create(code="GIZMO", inventoried=True)
    mo = production.create_production_order(
        office=office,
        date=datetime.date(2026, 3, 1),
        order=None,
        lic=lic,
        estimated_quantity=Decimal("1"),
        estimated_unit_cost=Decimal("1.00"),
        actor=None,
    )
    response = api(production_user).post(
        API + "job-costs/",
        {
            "production_order": mo.pk,
            "date": D0,
            "lic": "LABOR",
            "description": SPOOF,
            "amount": "5.00",
            "capitalized": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert_clean(response.json()["description"])


def test_receipt_reversal_reason_through_the_service(vendor, office, lic, accountant):
    from purchasing import services as purchasing

    day = datetime.date(2026, 3, 1)
    po = purchasing.create_purchase_order(
        vendor=vendor,
        office=office,
        date=day,
        actor=None,
        lines=[purchasing.POLineInput(lic=lic, quantity=Decimal("2"), unit_cost=Decimal("3.00"))],
    )
    receipt = purchasing.receive_purchase_order(
        purchase_order=po,
        date=day,
        actor=None,
        lines=[purchasing.ReceiptLineInput(po_line=po.lines.get(), quantity=Decimal("2"))],
    )
    reversal = purchasing.reverse_receipt(receipt=receipt, date=day, reason=SPOOF, actor=accountant)
    assert_clean(reversal.reason)
