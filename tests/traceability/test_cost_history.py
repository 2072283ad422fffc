"""Cost history: every unit cost change with its cause and the COGS adjustments it caused,
through the services, the lot page and the API."""

from __future__ import annotations

from django.urls import reverse

from inventory_lots.services import correct_lot_unit_cost
from purchasing import services as purchasing_services
from purchasing.services import InvoiceLineInput
from tests.factories import LicFactory
from traceability import selectors

from .conftest import D, buy, day, fresh, run_cogs, ship


def _late_freight(vendor, office, order):
    """15 @ $35.00 received and shipped, COGS run; invoice $525.00 + $8.85 freight; PO closed."""
    lic = LicFactory(code="BOOK", description="Book")
    po, lot = buy(vendor=vendor, office=office, lic=lic, quantity="15", unit_cost="35.00")
    ship(order=order, lic=lic, quantity="15", date=day(2))
    first = run_cogs(day(10))
    assert first.value_posted == D("525.00")
    purchasing_services.post_vendor_invoice(
        vendor=vendor,
        purchase_order=po,
        number="INV-1",
        date=day(11),
        freight=D("8.85"),
        actor=None,
        lines=[InvoiceLineInput(po_line=po.lines.get(), quantity=D("15"), amount=D("525.00"))],
    )
    purchasing_services.close_purchase_order(purchase_order=po, date=day(12), actor=None)
    return po, fresh(lot)


def test_po_close_with_freight_shows_cause_and_adjustments(db, vendor, office, order, api, viewer, client):
    po, lot = _late_freight(vendor, office, order)
    assert lot.unit_cost == D("35.590000")
    rows, _ = selectors.cost_history(lot)
    assert [(r.change.cause, r.change.old_unit_cost, r.change.new_unit_cost, r.adjustments_value) for r in rows] == [
        ("po_closed", D("35.000000"), D("35.590000"), D("0")),
    ]
    run = run_cogs(day(13))
    assert run.value_posted == D("8.85")
    expected = [
        {
            "date": "2026-03-12",
            "old_unit_cost": "35.000000",
            "new_unit_cost": "35.590000",
            "cause": "po_closed",
            "adjustments_value": "8.85",
        }
    ]
    rows, unattributed = selectors.cost_history(lot)
    assert [{k: v for k, v in row.items() if k in expected[0]} for row in selectors.cost_history_api(rows)] == expected
    assert unattributed == D("0.00")
    # API
    body = api(viewer).get(f"/api/v1/lots/{lot.pk}/").json()
    assert [{k: v for k, v in row.items() if k in expected[0]} for row in body["sections"]["cost_history"]] == expected
    assert body["sections"]["cost_history"][0]["source_label"] == po.number
    # page
    client.force_login(viewer)
    page = client.get(reverse("inventory_lots:lot_detail", args=[lot.pk])).content.decode()
    assert "Cost History" in page
    assert 'data-figure="cost_change_1_cause">PO closed (invoices and freight)' in page
    assert 'data-figure="cost_change_1_old">35.00<' in page
    assert 'data-figure="cost_change_1_new">35.59<' in page
    assert 'data-figure="cost_change_1_adjustments">8.85' in page
    assert "unit-cost-correction" not in page  # viewers see no correction form


def test_each_change_gets_its_own_adjustments(db, vendor, office, order):
    """Two changes between runs: each revaluation goes to the latest change made before its run."""
    lic = LicFactory(code="PEN", description="Pen")
    _, lot = buy(vendor=vendor, office=office, lic=lic, quantity="10", unit_cost="2.00")
    ship(order=order, lic=lic, quantity="10", date=day(2))
    run_cogs(day(10))
    correct_lot_unit_cost(lot=lot, new_unit_cost=D("2.50"), reason="price fix", date=day(11), actor=None)
    run_cogs(day(11))
    correct_lot_unit_cost(lot=lot, new_unit_cost=D("2.40"), reason="rebate", date=day(12), actor=None)
    run_cogs(day(12))
    rows, _ = selectors.cost_history(lot)
    assert [(r.change.cause, r.change.reason, r.adjustments_value) for r in rows] == [
        ("manual", "price fix", D("5.00")),
        ("manual", "rebate", D("-1.00")),
    ]


def test_production_recompute_during_a_run_gets_its_revaluation(chain):
    """A component's cost change flows into the stool lot inside the next run: the stool lot's
    recompute (made by that run) carries the revaluation of the stool already shipped."""
    correct_lot_unit_cost(lot=chain.component, new_unit_cost=D("6.00"), reason="price fix", date=day(20), actor=None)
    run_cogs(day(31))
    rows, _ = selectors.cost_history(fresh(chain.component))
    assert [(r.change.cause, r.adjustments_value) for r in rows] == [("manual", D("7.00"))]
    rows, unattributed = selectors.cost_history(fresh(chain.product))
    # made at the $9.00 estimate; the first run costed the legs ($20.00 → $10.00, +$1.00 on the
    # stool shipped at $9.00), the second the price fix ($24.00 → $12.00, +$2.00)
    assert [(r.change.cause, r.change.old_unit_cost, r.change.new_unit_cost, r.adjustments_value) for r in rows] == [
        ("production_recompute", D("9.000000"), D("10.000000"), D("1.00")),
        ("production_recompute", D("10.000000"), D("12.000000"), D("2.00")),
    ]
    assert unattributed == D("0.00")
