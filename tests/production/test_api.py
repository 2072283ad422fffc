"""Production through the API (API.md "Production"): the chair example with exact figures,
lot sections, roles, and bad input answered with a clear error body and nothing written."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core import roles
from inventory_lots.models import InventoryUsage, Lot
from production.models import JobCostEntry, ProductionOrder
from tests.factories import user_with_role

from .conftest import cost_components_test_only


@pytest.fixture
def production_user(db):
    """These examples read the costs back as the production user who posted them: one given "see
    costs" (the role lacks it; tests/scope covers a user without it)."""
    return user_with_role(roles.PRODUCTION, see_costs=True)


D = Decimal
pytestmark = pytest.mark.django_db


def _create_mo(client, order=None, **extra):
    body = {
        "office": "HQ",
        "date": "2026-03-01",
        "lic": "CHAIR",
        "estimated_quantity": "10",
        "estimated_unit_cost": "24.00",
        **extra,
    }
    if order is not None:
        body["order"] = order.pk
    return client.post("/api/v1/production-orders/", body, format="json")


def _chair_via_api(client, order):
    response = _create_mo(client, order)
    assert response.status_code == 201, response.content
    mo = response.json()
    assert mo["number"].startswith("MO-") and mo["status"] == "open" and mo["order"] == order.pk
    response = client.post(
        f"/api/v1/production-orders/{mo['id']}/issue/",
        {
            "date": "2026-03-01",
            "lines": [{"lic": "LEG", "quantity": "40"}, {"lic": "SEAT", "quantity": 10}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    usages = response.json()["usages"]
    assert len(usages) == 2
    for lic, amount in (("LABOR", "50.00"), ("FINISHING", "30.00")):
        response = client.post(
            "/api/v1/job-costs/",
            {
                "production_order": mo["id"],
                "date": "2026-03-01",
                "lic": lic,
                "description": lic.title(),
                "amount": amount,
                "capitalized": True,
            },
            format="json",
        )
        assert response.status_code == 201, response.content
        assert response.json()["amount"] == amount
    response = client.post(
        f"/api/v1/production-orders/{mo['id']}/produce/", {"date": "2026-03-01", "quantity": "10"}, format="json"
    )
    assert response.status_code == 201, response.content
    return mo, usages, response.json()["lot"]


def test_chair_example_through_api(api, production_user, viewer, chair_stock, order):
    client = api(production_user)
    mo, usages, lot_id = _chair_via_api(client, order)
    cost_components_test_only(ProductionOrder.objects.get(pk=mo["id"]))  # TEST-ONLY COGS stand-in
    lot = api(viewer).get(f"/api/v1/lots/{lot_id}/").json()
    assert lot["type"] == "production" and lot["released"] is False
    assert lot["unit_cost"] == "25.000000"
    assert lot["transaction"] == {"type": "productionorder", "id": mo["id"], "label": mo["number"]}
    assert lot["parent_order"]["id"] == order.pk
    sections = lot["sections"]
    assert sections["estimated_produced"] == {
        "estimated_qty": "10.000000",
        "estimated_value": "240.00",
        "produced_qty": "10.000000",
        "produced_value": "250.00",
    }
    assert sections["costs_inventoried"] == [
        {"usage": usages[0], "lic": "LEG", "quantity": "40.000000", "value": "100.00"},
        {"usage": usages[1], "lic": "SEAT", "quantity": "10.000000", "value": "70.00"},
    ]
    entries = list(JobCostEntry.objects.order_by("id").values_list("pk", flat=True))
    assert sections["costs_capitalized"] == [
        {"job_cost": entries[0], "lic": "LABOR", "description": "Labor", "amount": "50.00"},
        {"job_cost": entries[1], "lic": "FINISHING", "description": "Finishing", "amount": "30.00"},
    ]
    detail = api(viewer).get(f"/api/v1/production-orders/{mo['id']}/").json()
    assert detail["cost"] == {
        "components_value": "170.00",
        "capitalized_value": "80.00",
        "produced_qty": "10.000000",
        "formula_unit_cost": "25.000000",
        "unit_cost": "25.000000",
        "provisional": False,
    }
    released = client.post(f"/api/v1/production-orders/{mo['id']}/release/", {}, format="json")
    assert released.status_code == 200 and released.json()["status"] == "released"
    assert api(viewer).get(f"/api/v1/lots/{lot_id}/").json()["released"] is True
    again = client.post(f"/api/v1/production-orders/{mo['id']}/release/", {}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "already_released"
    assert again.json()["message"] == f"Production order {mo['number']} is already released."
    listing = api(viewer).get("/api/v1/production-orders/").json()
    assert [r["id"] for r in listing["results"]] == [mo["id"]]


def test_component_return_and_reversal_through_api(api, production_user, accountant, chair_stock, order):
    client = api(production_user)
    mo, usages, lot_id = _chair_via_api(client, order)
    response = client.post(
        f"/api/v1/production-orders/{mo['id']}/issue/",
        {
            "date": "2026-03-01",
            "lines": [{"lic": "LEG", "quantity": "-4", "usage": usages[0]}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    (ret_id,) = response.json()["usages"]
    assert InventoryUsage.objects.get(pk=ret_id).quantity == D("-4")
    finishing = JobCostEntry.objects.get(lic__code="FINISHING")
    response = api(accountant).post(f"/api/v1/job-costs/{finishing.pk}/reverse/", {"date": "2026-03-02"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["amount"] == "-30.00" and response.json()["reverses"] == finishing.pk
    again = api(accountant).post(f"/api/v1/job-costs/{finishing.pk}/reverse/", {"date": "2026-03-02"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_reversed"
    cost_components_test_only(ProductionOrder.objects.get(pk=mo["id"]))
    lot = api(accountant).get(f"/api/v1/lots/{lot_id}/").json()
    assert lot["unit_cost"] == "21.000000"  # (100 - 10 + 70 + 50) / 10
    assert [r["value"] for r in lot["sections"]["costs_inventoried"]] == ["100.00", "70.00", "-10.00"]
    assert [r["amount"] for r in lot["sections"]["costs_capitalized"]] == ["50.00", "30.00", "-30.00"]


def _nothing_written(before):
    assert (InventoryUsage.objects.count(), JobCostEntry.objects.count(), Lot.objects.count()) == before


def test_bad_input_through_api(api, production_user, chair_stock, office):
    client = api(production_user)
    mo = _create_mo(client).json()
    before = (InventoryUsage.objects.count(), JobCostEntry.objects.count(), Lot.objects.count())

    response = client.post(
        f"/api/v1/production-orders/{mo['id']}/issue/",
        {"date": "2026-03-01", "lines": [{"lic": "LABOR", "quantity": "1"}]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "lic_not_inventoried",
        "message": "Line 1: LABOR is not an inventoried line item code: it has no lots or usage.",
        "field": "lines[0].lic",
        "errors": {"lines[0].lic": ["Line 1: LABOR is not an inventoried line item code: it has no lots or usage."]},
    }
    response = client.post(
        "/api/v1/job-costs/",
        {
            "production_order": mo["id"],
            "date": "2026-03-01",
            "lic": "LABOR",
            "description": "x",
            "amount": "-5.00",
            "capitalized": True,
        },
        format="json",
    )
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["message"]) == (
        "amount_not_positive",
        "Amount must be greater than zero.",
    )
    response = client.post(f"/api/v1/production-orders/{mo['id']}/release/", {}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "nothing_produced"
    _nothing_written(before)

    client.post(f"/api/v1/production-orders/{mo['id']}/close/", {}, format="json")
    response = client.post(
        f"/api/v1/production-orders/{mo['id']}/produce/", {"date": "2026-03-01", "quantity": "1"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["message"] == f"Production order {mo['number']} is closed: nothing more can be posted to it."
    _nothing_written(before)


def test_serial_count_mismatch_through_api(api, production_user, office):
    from tests.factories import LicFactory

    LicFactory(code="BIKE", serialized=True)
    client = api(production_user)
    mo = _create_mo(client, lic="BIKE").json()
    response = client.post(
        f"/api/v1/production-orders/{mo['id']}/produce/",
        {"date": "2026-03-01", "quantity": "2", "serial_numbers": ["S1"]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "serial_count_mismatch"
    assert response.json()["field"] == "serial_numbers"
    assert not Lot.objects.exists()


def test_roles(api, viewer, clerk, production_user, chair_stock):
    assert _create_mo(api(viewer)).status_code == 403
    assert _create_mo(api(clerk)).status_code == 403
    mo = _create_mo(api(production_user)).json()
    entry = (
        api(production_user)
        .post(
            "/api/v1/job-costs/",
            {
                "production_order": mo["id"],
                "date": "2026-03-01",
                "lic": "LABOR",
                "description": "x",
                "amount": "5.00",
                "capitalized": False,
            },
            format="json",
        )
        .json()
    )
    assert (
        api(clerk).post(f"/api/v1/job-costs/{entry['id']}/reverse/", {"date": "2026-03-01"}, format="json").status_code
        == 403
    )
    assert api(viewer).get(f"/api/v1/job-costs/{entry['id']}/").json()["capitalized"] is False
    assert not ProductionOrder.objects.exclude(pk=mo["id"]).exists()
