"""The no-rewrite guarantee (DOMAIN.md 6a): late costs after the books close reach units already
sold as new adjusting entries dated in the open period; nothing dated on or before the lock date
is edited, deleted or added. The April half runs through the services and through the API."""

from __future__ import annotations

import pytest

from cogs.models import CogsEntry, EntryKind
from cogs.selectors import ledger_violations
from inventory_lots.models import LotCostChange
from inventory_lots.services import correct_lot_unit_cost, set_lock_date
from orders.models import Shipment
from purchasing.models import Receipt, VendorInvoice
from purchasing.services import close_purchase_order
from tests.conftest import adjust_in
from tests.factories import LicFactory

from .conftest import D, buy, day, fresh, invoice, run_cogs, ship

pytestmark = pytest.mark.django_db

LOCK = day(31)


def april(n: int):
    return day(n, month=4)


def closed_period() -> dict:
    """Every posted row dated on or before the lock date, all columns."""
    return {
        "entries": list(CogsEntry.objects.filter(date__lte=LOCK).order_by("id").values()),
        "cost_changes": list(LotCostChange.objects.filter(date__lte=LOCK).order_by("id").values()),
        "receipts": list(Receipt.objects.filter(date__lte=LOCK).order_by("id").values()),
        "shipments": list(Shipment.objects.filter(date__lte=LOCK).order_by("id").values()),
        "invoices": list(VendorInvoice.objects.filter(date__lte=LOCK).order_by("id").values()),
    }


@pytest.fixture
def march(db, office, lic, vendor, order):
    """March, closed: 15 WIDGET bought at $35.00 and shipped; a GADGET lot corrected and revalued;
    a BOLT usage half unallocated and accrued. COGS run on 10 and 31 March, then the lock date."""
    gadget, bolt = LicFactory(code="GADGET"), LicFactory(code="BOLT")
    po, receipt = buy(vendor=vendor, office=office, lic=lic, quantity="15", unit_cost="35.00", date=day(1))
    shipped = ship(order=order, lic=lic, quantity="15", date=day(5)).lines.get().usage
    gadget_lot = adjust_in(office=office, lic=gadget, quantity="4", unit_cost="2.00", date=day(1))
    ship(order=order, lic=gadget, quantity="4", date=day(6))
    adjust_in(office=office, lic=bolt, quantity="1", unit_cost="3.00", date=day(1))
    bolts = ship(order=order, lic=bolt, quantity="2", date=day(7)).lines.get().usage
    run_cogs(day(10))
    correct_lot_unit_cost(lot=gadget_lot, new_unit_cost=D("2.10"), reason="price fix", date=day(20), actor=None)
    run_cogs(day(31))
    assert fresh(shipped).cogs_value == D("525.00")
    # the bolts' accrual is dated with their usage (7 March), the revaluation with its run (31 March)
    assert set(CogsEntry.objects.values_list("date", flat=True)) == {day(5), day(6), day(7), day(31)}
    assert fresh(bolts).accrued_value == D("3.00")
    set_lock_date(date=LOCK, actor=None)
    return {"po": po, "lot": receipt.lines.get().lot, "shipped": shipped, "bolts": bolts, "bolt": bolt}


def _april_through_services(m, office, api, accountant, clerk):
    invoice(po=m["po"], number="INV-APR", date=april(2), amount="525.00", quantity="15", freight="8.85")
    close_purchase_order(purchase_order=m["po"], date=april(3), actor=None)
    adjust_in(office=office, lic=m["bolt"], quantity="1", unit_cost="3.20", date=april(2))
    return run_cogs(april(5))


def _april_through_the_api(m, office, api, accountant, clerk):
    client = api(accountant)
    r = client.post(
        "/api/v1/vendor-invoices/",
        {
            "vendor": "ACME",
            "purchase_order": m["po"].pk,
            "number": "INV-APR",
            "date": "2026-04-02",
            "freight": "8.85",
            "lines": [{"po_line": m["po"].lines.get().pk, "quantity": "15", "amount": "525.00"}],
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    r = client.post(f"/api/v1/purchase-orders/{m['po'].pk}/close/", {"date": "2026-04-03"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "closed", r.json()
    r = api(clerk).post(
        "/api/v1/adjustments/",
        {
            "office": "HQ",
            "date": "2026-04-02",
            "reason": "found",
            "lines": [{"lic": "BOLT", "quantity": "1", "unit_cost": "3.20"}],
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    r = client.post("/api/v1/cogs-runs/", {"date": "2026-04-05", "wait": True}, format="json")
    assert r.status_code == 201, r.json()
    from cogs.models import CogsRun

    return CogsRun.objects.get(pk=r.json()["id"])


@pytest.mark.parametrize("door", [_april_through_services, _april_through_the_api], ids=["services", "api"])
def test_late_freight_posts_new_april_entries_and_rewrites_nothing(door, march, office, api, accountant, clerk, viewer):
    before = closed_period()
    assert before["entries"] and before["cost_changes"]  # there is a closed period to protect
    # a late invoice dated in the closed period is refused
    with pytest.raises(Exception, match="The books are closed through 2026-03-31"):
        invoice(po=march["po"], number="INV-LATE", date=LOCK, amount="525.00", quantity="15", freight="8.85")

    run = door(march, office, api, accountant, clerk)

    assert closed_period() == before
    assert not CogsEntry.objects.filter(run=run, date__lte=LOCK).exists()
    lot, shipped, bolts = fresh(march["lot"]), fresh(march["shipped"]), fresh(march["bolts"])
    assert lot.unit_cost == D("35.590000")
    revaluations = list(
        CogsEntry.objects.filter(run=run, kind=EntryKind.REVALUATION).values_list(
            "lot_id", "usage_id", "date", "quantity", "value"
        )
    )
    assert revaluations == [(lot.pk, shipped.pk, april(5), D("0"), D("8.85"))]
    assert shipped.cogs_value == D("533.85") and lot.value_used == lot.value_in == D("533.85")
    # the March accrual of the bolts: the late allocation is dated when its lot exists (2 April, after
    # the first open day), the accrual's reversal with it (DOMAIN.md 6a)
    bolt_entries = list(
        CogsEntry.objects.filter(run=run, usage=bolts).order_by("id").values_list("kind", "date", "quantity", "value")
    )
    assert bolt_entries == [
        (EntryKind.ALLOCATION, april(2), D("1"), D("3.20")),
        (EntryKind.ACCRUAL_REVERSAL, april(2), D("-1"), D("-3.00")),
    ]
    assert (bolts.cogs_value, bolts.accrued_value) == (D("6.20"), D("0.00"))
    assert (run.value_posted, run.accrued_value_posted) == (D("12.05"), D("-3.00"))
    # cost history: the PO close is dated in April and carries the +8.85 it caused
    history = api(viewer).get(f"/api/v1/lots/{lot.pk}/").json()["sections"]["cost_history"]
    assert [
        (h["date"], h["cause"], h["old_unit_cost"], h["new_unit_cost"], h["adjustments_value"]) for h in history
    ] == [("2026-04-03", "po_closed", "35.000000", "35.590000", "8.85")]
    assert ledger_violations() == []
    again = run_cogs(april(6))
    assert again.entries_posted == 0 and closed_period() == before
