"""Report test helpers: ledger history made through the services (tests/conftest.py, the COGS
helpers), COGS runs through cogs.services.run_cogs_now on chosen business dates, figures read
through reports.selectors."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from cogs.services import run_cogs_now
from reports import selectors
from reports.selectors import Scope

D = Decimal


def day(n: int, month: int = 3) -> datetime.date:
    return datetime.date(2026, month, n)


def run(date: datetime.date, **scope):
    result = run_cogs_now(actor=None, date=date, **scope)
    assert result.status == "done", result.error
    return result


def totals(as_of: datetime.date, **scope) -> tuple:
    """(quantity, value, unallocated quantity, accrued value) of the valuation at ``as_of``."""
    t = selectors.valuation_totals(as_of=as_of, scope=Scope(**scope))
    return t.quantity, t.value, t.unallocated_quantity, t.accrued_value


def on_hand(lot, as_of: datetime.date) -> tuple:
    """(quantity, value) of one lot on hand at ``as_of`` ((0, 0) before it exists)."""
    state = selectors.lots_at(as_of=as_of, scope=Scope(lic_id=lot.lic_id, office_id=lot.office_id)).get(lot.pk)
    return (state.quantity, state.value) if state else (D(0), D(0))


def rolled(date_from, date_to, **scope) -> dict:
    """The roll-forward's totals as {column: Decimal}, after checking its identity row by row."""
    report = selectors.roll_forward(date_from=date_from, date_to=date_to, scope=Scope(**scope))
    for row in [*report.rows, report.totals]:
        assert_ties(row)
    return report.totals.figures()


def assert_ties(row) -> None:
    f = row.figures()
    moved = f["lots_in"] + f["cost_changes"] - f["cogs"] - f["production"] - f["transfers_out"] - f["adjustments_out"]
    assert f["opening_value"] + moved == f["closing_value"], f


def figures(**values) -> dict:
    """A roll-forward totals dict: every column 0 unless given."""
    out = dict.fromkeys(selectors.ROLL_FORWARD_COLUMNS, D("0"))
    out.update({k: D(v) for k, v in values.items()})
    return out


@dataclass
class Ledger:
    """Two offices, a FIFO and a LIFO LIC and a produced one, March and April: receipts, adjustments
    in and out, shipments, a return naming its shipment, an invoice with freight and a PO close
    (a cost change), production with a capitalized job cost, a shipment beyond stock (accrued),
    COGS runs on 6 and 15 March, 5 and 11 April."""

    hq: object
    branch: object
    widget: object
    gadget: object
    gizmo: object
    lots: list = field(default_factory=list)


def build_ledger(*, april: bool = True) -> Ledger:
    from inventory_lots.services import AdjustmentLineInput, post_adjustment
    from orders.services import (
        ReturnLineInput,
        ShipmentLineInput,
        create_order,
        post_return,
        post_shipment,
    )
    from production import services as production
    from purchasing import services as purchasing
    from tests.conftest import adjust_in
    from tests.factories import CustomerFactory, LicFactory, OfficeFactory, ServiceLicFactory, VendorFactory

    hq, branch = OfficeFactory(code="HQ"), OfficeFactory(code="BR")
    widget = LicFactory(code="WIDGET", description="Widget")
    gadget = LicFactory(code="GADGET", description="=Gadget", costing_method="lifo")  # a formula-like text
    gizmo = LicFactory(code="GIZMO", description="Gizmo")
    labour = ServiceLicFactory(code="LABOR")
    vendor, customer = VendorFactory(code="ACME"), CustomerFactory(code="CUST")
    order = create_order(customer=customer, office=hq, date=day(1))
    ledger = Ledger(hq, branch, widget, gadget, gizmo)
    ledger.lots.append(adjust_in(office=hq, lic=widget, quantity="10", unit_cost="2.00", date=day(1)))
    po = purchasing.create_purchase_order(
        vendor=vendor,
        office=hq,
        date=day(2),
        actor=None,
        lines=[purchasing.POLineInput(lic=gadget, quantity=D(8), unit_cost=D("5.00"))],
    )
    purchasing.receive_purchase_order(
        purchase_order=po,
        date=day(2),
        actor=None,
        lines=[purchasing.ReceiptLineInput(po_line=po.lines.get(), quantity=D(8))],
    )
    ledger.lots.append(adjust_in(office=branch, lic=widget, quantity="4", unit_cost="2.50", date=day(3)))
    shipment = post_shipment(
        order=order,
        date=day(5),
        actor=None,
        lines=[ShipmentLineInput(lic=widget, quantity=D(6)), ShipmentLineInput(lic=gadget, quantity=D(3))],
    )
    run(day(6))
    post_return(
        order=order,
        date=day(8),
        actor=None,
        lines=[ReturnLineInput(lic=widget, quantity=D(2), usage=shipment.lines.get(line_no=1).usage)],
    )
    post_adjustment(
        office=branch, date=day(8), reason="broken", actor=None, lines=[AdjustmentLineInput(lic=widget, quantity=D(-1))]
    )
    purchasing.post_vendor_invoice(
        vendor=vendor,
        purchase_order=po,
        number="INV-1",
        date=day(10),
        actor=None,
        freight=D("1.00"),
        lines=[purchasing.InvoiceLineInput(po_line=po.lines.get(), quantity=D(8), amount=D("44.00"))],
    )
    purchasing.close_purchase_order(purchase_order=po, date=day(12), actor=None)  # 5.00 -> 5.625
    run(day(15))
    if not april:
        return ledger
    mo = production.create_production_order(
        office=hq,
        date=day(2, 4),
        order=order,
        lic=gizmo,
        estimated_quantity=D(1),
        estimated_unit_cost=D("9.00"),
        actor=None,
    )
    production.issue_components(
        production_order=mo, date=day(2, 4), actor=None, lines=[production.ComponentLine(lic=widget, quantity=D(2))]
    )
    production.post_job_cost(
        production_order=mo,
        date=day(2, 4),
        lic=labour,
        description="assembly",
        amount=D("3.00"),
        capitalized=True,
        actor=None,
    )
    production.produce(production_order=mo, date=day(3, 4), quantity=D(1), actor=None)
    production.release(production_order=mo, actor=None)
    post_shipment(order=order, date=day(4, 4), actor=None, lines=[ShipmentLineInput(lic=widget, quantity=D(20))])
    run(day(5, 4))  # the 20 beyond stock: part allocated, the rest accrued
    ledger.lots.append(adjust_in(office=hq, lic=widget, quantity="30", unit_cost="3.00", date=day(10, 4)))
    run(day(11, 4))
    return ledger


def close_books(*, date: datetime.date, actor=None, reason: str = ""):
    """Move the lock date (``set_lock_date``: its job is queued on commit, which a test's
    transaction never reaches) and write the stored figures in this process, as the job would."""
    from inventory_lots.services import set_lock_date
    from reports.services import write_snapshots_now

    row = set_lock_date(date=date, actor=actor, reason=reason)
    write_snapshots_now()
    return row


def fail_snapshot_job(monkeypatch):
    """Run the stored-figures job once with its writing broken after its first step ("disk full"):
    the failed ``SnapshotRun`` it leaves."""
    import pytest

    from reports import services, snapshots
    from reports.models import SnapshotRun

    def broken(step):
        step("each lot's changes, day by day")
        raise RuntimeError("disk full")

    monkeypatch.setattr(snapshots, "sync_snapshots", broken)
    with pytest.raises(RuntimeError):
        services.write_snapshots_now()
    return SnapshotRun.objects.get()
