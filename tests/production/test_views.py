"""Production pages: the chair example through the forms, the production lot page's sections
(order, figures, Go-To links), bad input shown on the form with nothing written, and a constant
query count on the lot page."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import roles
from inventory_lots.models import InventoryUsage, Lot
from production import services
from production.models import JobCostEntry, ProductionOrder
from tests.factories import user_with_role

from .conftest import DAY, cost_components_test_only, run_chair_example


@pytest.fixture
def production_user(db):
    """These examples read the costs back as the production user who posted them: one given "see
    costs" (the role lacks it; tests/scope covers a user without it)."""
    return user_with_role(roles.PRODUCTION, see_costs=True)


D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def production_client(client, production_user):
    client.force_login(production_user)
    return client


def figure(html: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}"[^>]*>([^<]*)<', html)
    assert match, name
    return match.group(1).strip()


def _lines(prefix, rows):
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "1",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{k}": v for k, v in row.items()})
    return data


def test_chair_example_through_pages(production_client, chair_stock, order):
    c = production_client
    response = c.post(
        "/production/new/",
        {
            "office": "HQ",
            "date": "2026-03-01",
            "order": order.number,
            "lic": "CHAIR",
            "estimated_quantity": "10",
            "estimated_unit_cost": "24",
        },
    )
    assert response.status_code == 302, response.content.decode()
    mo = ProductionOrder.objects.get()
    url = f"/production/{mo.pk}/"
    assert response["Location"] == url
    response = c.post(
        f"{url}issue/",
        {
            "date": "2026-03-01",
            **_lines("lines", [{"lic": "LEG", "quantity": "40"}, {"lic": "SEAT", "quantity": "10"}]),
        },
    )
    assert response.status_code == 302, response.content.decode()
    for lic, amount in (("LABOR", "50.00"), ("FINISHING", "30.00")):
        response = c.post(
            f"{url}job-costs/new/",
            {"date": "2026-03-01", "lic": lic, "description": lic, "amount": amount, "capitalized": "on"},
        )
        assert response.status_code == 302, response.content.decode()
    response = c.post(f"{url}produce/", {"date": "2026-03-01", "quantity": "10"})
    assert response.status_code == 302, response.content.decode()
    cost_components_test_only(mo)  # TEST-ONLY COGS stand-in
    mo.refresh_from_db()
    html = c.get(url).content.decode()
    assert figure(html, "components_value") == "170.00"
    assert figure(html, "capitalized_value") == "80.00"
    assert figure(html, "formula_unit_cost") == "25.00"
    assert figure(html, "lot_unit_cost") == "25.00"
    assert "Released into general inventory." not in html

    lot_html = c.get(f"/lots/{mo.lot_id}/").content.decode()
    titles = re.findall(r'<div class="card-header">([^<]*)</div>', lot_html)
    # Inventory COGS (90) and later sections belong to other apps and may follow
    assert titles[:5] == [
        "General Info",
        "Estimated / Produced",
        "Current Inventory",
        "Production Costs (Inventoried)",
        "Production Costs (Non-Inventoried; Capitalized Expenses)",
    ]
    assert figure(lot_html, "estimated_value") == "240.00"
    assert figure(lot_html, "produced_value") == "250.00"
    assert figure(lot_html, "costs_inventoried_total") == "170.00"
    assert figure(lot_html, "costs_capitalized_total") == "80.00"
    for usage in InventoryUsage.objects.filter(kind="production"):
        assert f'href="/usage/{usage.pk}/"' in lot_html
    for entry in JobCostEntry.objects.all():
        assert f'href="/production/job-costs/{entry.pk}/"' in lot_html

    response = c.post(f"{url}release/", {"confirm": "yes"})
    assert response.status_code == 302
    lot_html = c.get(f"/lots/{mo.lot_id}/").content.decode()
    assert "Released into general inventory." in lot_html
    response = c.post(f"{url}release/", {"confirm": "yes"})
    assert response.status_code == 409
    assert f"Production order {mo.number} is already released." in response.content.decode()


def test_job_cost_page_and_reversal_form(client, accountant, chair_mo, chair_lics, production_user):
    run_chair_example(chair_mo, chair_lics, production_user)
    entry = JobCostEntry.objects.get(description="Finishing")
    client.force_login(accountant)
    html = client.get(f"/production/job-costs/{entry.pk}/").content.decode()
    assert figure(html, "amount") == "30.00" and "Post reversing entry" in html
    response = client.post(f"/production/job-costs/{entry.pk}/reverse/", {"date": "2026-03-02", "confirm": "yes"})
    assert response.status_code == 302
    reversal = JobCostEntry.objects.get(reverses=entry)
    assert reversal.amount == D("-30.00")
    response = client.post(f"/production/job-costs/{entry.pk}/reverse/", {"date": "2026-03-02", "confirm": "yes"})
    assert response.status_code == 400
    assert f"Job cost entry {entry} is already reversed." in response.content.decode()
    assert JobCostEntry.objects.filter(reverses=entry).count() == 1


def test_bad_input_on_forms_writes_nothing(production_client, chair_mo, chair_stock):
    url = f"/production/{chair_mo.pk}/"
    response = production_client.post(
        f"{url}issue/",
        {"date": "2026-03-01", **_lines("lines", [{"lic": "LEG", "quantity": "4"}, {"lic": "LABOR", "quantity": "1"}])},
    )
    assert response.status_code == 400
    assert "Line 2: LABOR is not an inventoried line item code: it has no lots or usage." in response.content.decode()
    response = production_client.post(
        f"{url}job-costs/new/", {"date": "2026-03-01", "lic": "LABOR", "description": "x", "amount": "-5"}
    )
    assert response.status_code == 400
    assert "Amount must be greater than zero." in response.content.decode()
    response = production_client.post(f"{url}release/", {"confirm": "yes"})
    assert response.status_code == 409
    assert "has produced nothing yet" in response.content.decode()
    assert not InventoryUsage.objects.filter(kind="production").exists() and not JobCostEntry.objects.exists()
    production_client.post(f"{url}close/", {"confirm": "yes"})
    response = production_client.post(f"{url}produce/", {"date": "2026-03-01", "quantity": "1"})
    assert response.status_code == 400
    assert (
        f"Production order {chair_mo.number} is closed: nothing more can be posted to it." in response.content.decode()
    )
    assert not Lot.objects.filter(type="production").exists()


def test_serial_mismatch_on_produce_form(production_client, office, production_user):
    from tests.factories import LicFactory

    bike = LicFactory(code="BIKE", serialized=True)
    mo = services.create_production_order(
        office=office, date=DAY, lic=bike, estimated_quantity=D("2"), estimated_unit_cost=D("1"), actor=production_user
    )
    response = production_client.post(
        f"/production/{mo.pk}/produce/", {"date": "2026-03-01", "quantity": "2", "serial_numbers": "S1"}
    )
    assert response.status_code == 400
    assert "BIKE is serialized: give exactly 2 distinct serial numbers (got 1)." in response.content.decode()
    assert not Lot.objects.exists()


def test_viewer_cannot_post(viewer_client, chair_mo):
    assert viewer_client.get(f"/production/{chair_mo.pk}/").status_code == 200
    assert viewer_client.get("/production/").status_code == 200
    assert (
        viewer_client.post(f"/production/{chair_mo.pk}/produce/", {"date": "2026-03-01", "quantity": "1"}).status_code
        == 403
    )
    assert viewer_client.post(f"/production/{chair_mo.pk}/release/").status_code == 403


def _add_rows(mo, chair_lics, actor, n):
    for i in range(n):
        services.issue_components(
            production_order=mo,
            date=DAY,
            actor=actor,
            lines=[services.ComponentLine(lic=chair_lics["LEG"], quantity=D("1"))],
        )
        services.post_job_cost(
            production_order=mo,
            date=DAY,
            lic=chair_lics["LABOR"],
            description=f"w{i}",
            amount=D("1.00"),
            capitalized=True,
            actor=actor,
        )


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_lot_and_order_pages_query_count_is_constant(viewer_client, viewer, api, chair_mo, chair_lics, production_user):
    lot = run_chair_example(chair_mo, chair_lics, production_user)
    pages = [f"/lots/{lot.pk}/", f"/production/{chair_mo.pk}/"]
    small = [_count(viewer_client, u) for u in pages]
    small_api = _count(api(viewer), f"/api/v1/lots/{lot.pk}/")
    _add_rows(chair_mo, chair_lics, production_user, 8)
    assert [_count(viewer_client, u) for u in pages] == small
    assert _count(api(viewer), f"/api/v1/lots/{lot.pk}/") == small_api


def test_purchase_lot_has_no_production_sections(viewer_client, chair_stock):
    html = viewer_client.get(f"/lots/{chair_stock['LEG'].pk}/").content.decode()
    assert "Estimated / Produced" not in html and "Production Costs" not in html


def test_order_page_query_count_is_constant(
    viewer_client, order, clerk, chair_stock, chair_mo, chair_lics, production_user
):
    from orders import services as order_services

    def ship(n):
        for _ in range(n):
            document = order_services.post_shipment(
                order=order,
                date=DAY,
                actor=clerk,
                lines=[order_services.ShipmentLineInput(lic=chair_lics["LEG"], quantity=D("1"))],
            )
            order_services.post_return(
                order=order,
                date=DAY,
                actor=clerk,
                lines=[
                    order_services.ReturnLineInput(
                        lic=chair_lics["LEG"], quantity=D("1"), usage=document.lines.get().usage
                    )
                ],
            )

    ship(1)
    run_chair_example(chair_mo, chair_lics, production_user)
    small = _count(viewer_client, f"/orders/{order.pk}/")
    ship(5)
    assert _count(viewer_client, f"/orders/{order.pk}/") == small
