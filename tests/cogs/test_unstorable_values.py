"""Issue 17: a value too large to store is refused at posting (every door, JSON in the API), and
what still gets past (a cost raised later) cannot stop the books: the COGS engine isolates the
failing (office, LIC) pair, posts the rest, ends "Done with exceptions", names the pair and the
usage on the run page, the API and the unallocated page, and the next run retries it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cogs.models import CogsEntry, CogsRunException
from cogs.selectors import ledger_violations
from core.errors import ValidationFailed
from inventory_lots.models import InventoryUsage, Lot, PendingCogs
from inventory_lots.services import correct_lot_unit_cost
from tests.conftest import adjust_in
from tests.factories import LicFactory, OfficeFactory

from .conftest import D, allow_entries, day, fresh, refuse_entries, run, ship

pytestmark = pytest.mark.django_db

HUGE = "999999999999"  # 12 digits: a storable quantity


# --- refused at posting ---------------------------------------------------------------------------


def test_service_refuses_a_lot_whose_value_cannot_be_stored(office, lic):
    with pytest.raises(ValidationFailed) as error:
        adjust_in(office=office, lic=lic, quantity=HUGE, unit_cost="99999", date=day(1))
    assert error.value.code == "value_too_large" and error.value.field == "lines[0].quantity"
    assert not Lot.objects.exists()


def test_api_refuses_it_in_json_and_writes_nothing(api, clerk, office, lic):
    body = {
        "office": "HQ",
        "date": "2026-03-01",
        "reason": "count",
        "lines": [{"lic": "WIDGET", "quantity": HUGE, "unit_cost": "99999"}],
    }
    response = api(clerk).post("/api/v1/adjustments/", body, format="json")
    assert response.status_code == 400 and response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "value_too_large" and response.json()["field"] == "lines[0].quantity"
    assert not Lot.objects.exists()


def test_api_refuses_a_usage_whose_accrual_cannot_be_stored(api, clerk, office, lic, order):
    adjust_in(office=office, lic=lic, quantity="99999999999", unit_cost="99999", date=day(1))  # fits: 9.9e15
    response = api(clerk).post(
        "/api/v1/shipments/",
        {"order": order.pk, "date": "2026-03-02", "lines": [{"lic": "WIDGET", "quantity": HUGE}]},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "value_too_large" and "WIDGET" in response.json()["message"]
    assert not InventoryUsage.objects.exists()


def test_api_refuses_a_po_line_that_could_never_be_received(api, clerk, vendor, office, lic):
    body = {
        "vendor": "ACME",
        "office": "HQ",
        "date": "2026-03-01",
        "lines": [{"lic": "WIDGET", "quantity": HUGE, "unit_cost": "99999"}],
    }
    response = api(clerk).post("/api/v1/purchase-orders/", body, format="json")
    assert response.status_code == 400 and response.json()["code"] == "value_too_large"
    assert response.json()["field"] == "lines[0].quantity"


def test_page_form_shows_the_error(clerk_client, office, lic):
    response = clerk_client.post(
        "/adjustments/new/",
        {
            "office": "HQ",
            "date": "2026-03-01",
            "reason": "count",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-MIN_NUM_FORMS": "0",
            "lines-MAX_NUM_FORMS": "1000",
            "lines-0-lic": "WIDGET",
            "lines-0-quantity": HUGE,
            "lines-0-unit_cost": "99999",
        },
    )
    assert response.status_code in (200, 400)
    assert "too large to store" in response.content.decode()
    assert not Lot.objects.exists()


# --- what gets past posting cannot stop the books --------------------------------------------------


def _one_pair_that_cannot_post(office, lic, order):
    """WIDGET: a usage of 999,999,999,999 posted while nothing gave it a cost (no lot), then one
    unit adjusted in at 99,999: its accrual (999,999,999,998 x 99,999) cannot be stored."""
    usage = ship(lic=lic, office=office, quantity=HUGE, source=order, date=day(2))
    adjust_in(office=office, lic=lic, quantity="1", unit_cost="99999", date=day(3))
    return usage


def test_one_unstorable_pair_does_not_stop_the_others(office, lic, order, viewer_client, api, viewer):
    other = LicFactory(code="GADGET")
    big = _one_pair_that_cannot_post(office, lic, order)
    adjust_in(office=office, lic=other, quantity="5", unit_cost="2.00", date=day(1))
    fine = ship(lic=other, office=office, quantity="3", source=order, date=day(2))
    result = run()
    assert result.status == "done" and result.exceptions_count == 1
    assert fresh(fine).cogs_value == D("6.00")  # the rest of the run posted
    assert not CogsEntry.objects.filter(lic=lic).exists()  # nothing of the failing pair
    x = CogsRunException.objects.get(run=result)
    assert (x.office_id, x.lic_id, x.usage_id) == (office.pk, lic.pk, big.pk)
    assert "too large to store" in x.message
    assert PendingCogs.objects.filter(lic=lic, office=office).exists()  # the next run retries it
    # named on the run page, the API and the unallocated page
    page = viewer_client.get(reverse("cogs:run_detail", args=[result.pk])).content.decode()
    assert "Done with exceptions" in page and 'data-exception="WIDGET"' in page and f"U-{big.pk:06d}" in page
    body = api(viewer).get(f"/api/v1/cogs-runs/{result.pk}/").json()
    assert body["status"] == "done" and body["exceptions_count"] == 1
    assert body["exceptions"] == [{"office": "HQ", "lic": "WIDGET", "usage": big.pk, "message": x.message}]
    unallocated = viewer_client.get(reverse("cogs:unallocated")).content.decode()
    assert 'data-exception="WIDGET"' in unallocated and "COGS cannot post this usage" in unallocated
    # the next run retries it (and fails it again, alone), then a fix lets it through
    again = run()
    assert again.exceptions_count == 1 and not CogsEntry.objects.filter(lic=lic).exists()
    lot = Lot.objects.get(lic=lic)
    correct_lot_unit_cost(lot=lot, new_unit_cost=D("0.01"), reason="typo", date=day(4), actor=None)
    fixed = run()
    assert fixed.exceptions_count == 0 and fresh(big).accrued_value == D("9999999999.98")
    assert ledger_violations() == []


def test_a_database_error_in_one_pair_is_isolated_pair_by_pair(office, lic, order):
    other = LicFactory(code="GADGET")
    for code in (lic, other):
        adjust_in(office=office, lic=code, quantity="5", unit_cost="2.00", date=day(1))
        ship(lic=code, office=office, quantity="2", source=order, date=day(2))
    refuse_entries("lic_id", lic.pk)  # the entries of WIDGET cannot be written (as an overflow would)
    result = run()
    assert result.status == "done" and result.exceptions_count == 1
    assert CogsEntry.objects.filter(lic=other).exists() and not CogsEntry.objects.filter(lic=lic).exists()
    x = CogsRunException.objects.get(run=result)
    assert x.lic_id == lic.pk and x.usage_id is None and "numeric field overflow" in x.message
    assert PendingCogs.objects.filter(lic=lic, office=office).exists()
    allow_entries()
    assert run().exceptions_count == 0 and CogsEntry.objects.filter(lic=lic).exists()
    assert ledger_violations() == []


def test_a_job_of_every_office_retries_pair_by_pair_in_each_office(office, lic, order):
    """A job of every office that hits a database error runs again (office, LIC) by (office, LIC): only
    the failing office's pair is left out, named with its office; the LIC's other office posts."""
    branch = OfficeFactory(code="BR")
    for where in (office, branch):
        adjust_in(office=where, lic=lic, quantity="5", unit_cost="2.00", date=day(1))
        ship(lic=lic, office=where, quantity="2", source=order, date=day(2))
    refuse_entries("office_id", branch.pk)  # the branch's entries cannot be written
    result = run()
    assert result.status == "done" and result.exceptions_count == 1
    x = CogsRunException.objects.get(run=result)
    assert (x.office_id, x.lic_id) == (branch.pk, lic.pk) and "numeric field overflow" in x.message
    assert CogsEntry.objects.filter(office=office).count() == 1 and not CogsEntry.objects.filter(office=branch)
    assert list(PendingCogs.objects.values_list("office_id", "lic_id")) == [(branch.pk, lic.pk)]
    allow_entries()
    assert run().exceptions_count == 0 and CogsEntry.objects.filter(office=branch).count() == 1
    assert ledger_violations() == []
