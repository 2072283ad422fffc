"""Master data can be edited through the API (PATCH) as the admin allows: offices, line item
codes, vendors and customers, by the role that may create them (administrators), through the
owning app's service, with audit history. A LIC's code and ledger flags are frozen once it has
lots or usage (409, nothing written)."""

from __future__ import annotations

import pytest

from core import roles
from inventory_lots.models import LineItemCode, Office
from orders.models import Customer
from purchasing.models import Vendor
from tests.conftest import adjust_in
from tests.factories import user_with_role

API = "/api/v1/"


@pytest.fixture
def administrator(db):
    return user_with_role(roles.ADMINISTRATOR)


def patch(client, path, body):
    return client.patch(API + path, body, format="json")


@pytest.mark.parametrize(
    "path,model,code,body,field",
    [
        ("offices/HQ/", Office, "HQ", {"name": "Head office"}, "name"),
        ("vendors/ACME/", Vendor, "ACME", {"name": "Acme Supply Ltd"}, "name"),
        ("customers/CUST/", Customer, "CUST", {"name": "The Customer"}, "name"),
        ("line-item-codes/WIDGET/", LineItemCode, "WIDGET", {"description": "Widget, blue"}, "description"),
    ],
)
def test_an_administrator_patches_master_data_and_history_records_it(
    path, model, code, body, field, api, administrator, office, vendor, customer, lic
):
    response = patch(api(administrator), path, body)
    assert response.status_code == 200, response.content[:500]
    assert response.json()[field] == body[field] and response.json()["code"] == code
    record = model.objects.get(code=code)
    assert getattr(record, field) == body[field]
    latest = record.history.order_by("-history_id").first()
    assert (latest.history_type, latest.history_user, getattr(latest, field)) == ("~", administrator, body[field])


@pytest.mark.parametrize("role", [roles.VIEWER, roles.CLERK, roles.PRODUCTION, roles.ACCOUNTANT])
def test_roles_that_may_not_create_master_data_may_not_patch_it(role, api, office, lic, vendor, customer):
    client = api(user_with_role(role))
    for path in ("offices/HQ/", "vendors/ACME/", "customers/CUST/", "line-item-codes/WIDGET/"):
        response = patch(client, path, {"name": "x", "description": "x"})
        assert response.status_code == 403, (role, path, response.status_code)
        assert response.json()["code"] == "permission_denied"
    assert (Office.objects.get().name, lic.history.count()) == ("Headquarters", 1)
    from rest_framework.test import APIClient

    assert patch(APIClient(), "offices/HQ/", {"name": "x"}).status_code == 401


def test_a_superuser_patches_too(api, admin_user, office):
    assert patch(api(admin_user), "offices/HQ/", {"name": "Head office"}).status_code == 200


def test_an_unused_lic_may_change_everything(api, administrator, db):
    LineItemCode.objects.create(code="NEW", description="New", inventoried=False)
    response = patch(
        api(administrator),
        "line-item-codes/NEW/",
        {"code": "NEW2", "inventoried": True, "serialized": True, "costing_method": "specific", "unit": "kg"},
    )
    assert response.status_code == 200, response.content
    lic = LineItemCode.objects.get(code="NEW2")
    assert (lic.inventoried, lic.serialized, lic.costing_method, lic.unit) == (True, True, "specific", "kg")


@pytest.mark.parametrize(
    "body,field",
    [
        ({"code": "WIDGET2"}, "code"),
        ({"inventoried": False}, "inventoried"),
        ({"serialized": True}, "serialized"),
        ({"track_by_mfr_lot": True}, "track_by_mfr_lot"),
        ({"costing_method": "lifo"}, "costing_method"),
    ],
)
def test_a_lic_with_lots_keeps_its_code_and_ledger_flags(body, field, api, administrator, office, lic):
    adjust_in(office=office, lic=lic, quantity="1", unit_cost="1.00")
    response = patch(api(administrator), "line-item-codes/WIDGET/", {**body, "description": "changed"})
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "lic_in_use" and response.json()["field"] == field
    assert "lots or usage" in response.json()["message"]
    fresh = LineItemCode.objects.get(pk=lic.pk)
    assert (fresh.code, fresh.inventoried, fresh.serialized, fresh.costing_method, fresh.description) == (
        "WIDGET",
        True,
        False,
        "fifo",
        "Widget",
    )
    assert fresh.history.count() == 1


def test_a_lic_with_usage_only_is_frozen_too(api, administrator, office, order):
    from orders.services import ShipmentLineInput, post_shipment
    from tests.conftest import DAY, D
    from tests.factories import LicFactory

    shipped = LicFactory(code="SHIPPED")
    post_shipment(order=order, date=DAY, actor=None, lines=[ShipmentLineInput(lic=shipped, quantity=D("1"))])
    assert patch(api(administrator), "line-item-codes/SHIPPED/", {"costing_method": "lifo"}).status_code == 409


def test_a_used_lic_still_changes_description_unit_and_active(api, administrator, office, lic):
    adjust_in(office=office, lic=lic, quantity="1", unit_cost="1.00")
    response = patch(
        api(administrator),
        "line-item-codes/WIDGET/",
        {
            "description": "Widget, blue",
            "unit": "box",
            "active": False,
            "code": "WIDGET",
            "costing_method": "fifo",
            "inventoried": True,
        },
    )  # unchanged ledger fields are fine
    assert response.status_code == 200, response.content
    assert response.json()["active"] is False
    fresh = LineItemCode.objects.get(pk=lic.pk)
    assert (fresh.description, fresh.unit, fresh.active) == ("Widget, blue", "box", False)
    assert fresh.history.count() == 2


def test_patch_is_validated(api, administrator, office, lic, db):
    Office.objects.create(code="BR", name="Branch")
    client = api(administrator)
    response = patch(client, "offices/BR/", {"code": "HQ"})
    assert response.status_code == 400 and response.json()["field"] == "code"
    response = patch(client, "line-item-codes/WIDGET/", {"track_by_mfr_lot": True, "inventoried": False})
    assert response.status_code in (400, 409)
    LineItemCode.objects.create(code="SVC", inventoried=False)
    response = patch(client, "line-item-codes/SVC/", {"serialized": True})
    assert response.status_code == 400 and response.json()["code"] in ("invalid", "flags_need_inventoried")
    assert client.put(API + "offices/BR/", {"code": "BR", "name": "x"}, format="json").status_code == 405
    assert Office.objects.get(code="BR").name == "Branch"


def test_the_service_is_the_only_writer(administrator, office, lic, vendor, customer):
    from inventory_lots.services import update_line_item_code, update_office
    from orders.services import update_customer
    from purchasing.services import update_vendor

    update_office(office=office, actor=administrator, name="Head office")
    update_line_item_code(lic=lic, actor=administrator, description="Blue")
    update_vendor(vendor=vendor, actor=administrator, name="Acme 2")
    update_customer(customer=customer, actor=administrator, name="Customer 2")
    for record in (office, lic, vendor, customer):
        assert record.history.order_by("-history_id").first().history_user == administrator


def test_the_services_refuse_what_the_model_refuses(administrator, office, lic, db):
    from core.errors import ValidationFailed
    from inventory_lots.services import update_line_item_code, update_office

    service_lic = LineItemCode.objects.create(code="SVC", inventoried=False)
    with pytest.raises(ValidationFailed) as refused:
        update_line_item_code(lic=service_lic, actor=administrator, serialized=True)
    assert "Only inventoried LICs" in refused.value.message
    with pytest.raises(ValidationFailed) as refused:
        update_office(office=office, actor=administrator, created_at=None)
    assert (refused.value.code, refused.value.field) == ("not_editable", "created_at")
    Office.objects.create(code="BR", name="Branch")
    with pytest.raises(ValidationFailed) as refused:
        update_office(office=office, actor=administrator, code="BR")
    assert refused.value.field == "code"
    assert [o.history.count() for o in Office.objects.order_by("code")] == [1, 1]
    assert LineItemCode.objects.get(code="SVC").serialized is False
