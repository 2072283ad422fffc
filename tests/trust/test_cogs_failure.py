"""Failure behaviour of COGS (the "Trust" issue): a run whose second job crashes part-way is
marked failed with the error text, the failed job leaves nothing behind (one transaction per
job: its entries, already written, roll back with it), the job before it stays done, and a later
run completes the rest with the books tying.

The crash is the outside world misbehaving: ``connection.execute_wrapper`` makes the database
refuse a write of the failing job (the driver, not our services, is what fails)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import OperationalError, connection

from cogs import selectors
from cogs.models import CogsEntry, EntryKind
from inventory_lots.models import InventoryUsage, Lot
from orders.services import create_order
from tests.cogs.conftest import RUN_DAY, run, ship
from tests.conftest import DAY, adjust_in
from tests.factories import CustomerFactory, LicFactory, OfficeFactory

D = Decimal
MESSAGE = "server closed the connection unexpectedly"
WRITES = ("UPDATE", "INSERT", "WITH", "COPY", "DELETE")
LEDGER_TABLES = ("inventory_lots_lot", "inventory_lots_inventoryusage", "cogs_cogsentry")


def _flat(params):
    if isinstance(params, dict):
        params = list(params.values())
    for p in params or ():
        if isinstance(p, (list, tuple)):
            yield from _flat(p)
        else:
            yield p


class FailJobOfLic:
    """Once the job holding ``lic_id``'s row lock (SELECT … FOR NO KEY UPDATE of that LIC) starts
    writing the ledger, its first write fails as if the server had gone away."""

    def __init__(self, lic_id: int):
        self.lic_id = lic_id
        self.armed = False
        self.fired = False

    def __call__(self, execute, sql, params, many, context):
        text = sql.lstrip().upper()
        if "INVENTORY_LOTS_LINEITEMCODE" in text and "FOR NO KEY UPDATE" in text:
            self.armed = list(_flat(params)) == [self.lic_id]
        elif self.armed and not self.fired and text.startswith(WRITES) and any(t in sql for t in LEDGER_TABLES):
            self.fired = True
            raise OperationalError(MESSAGE)
        return execute(sql, params, many, context)


@pytest.mark.django_db(transaction=True)  # real commits: the first job's work must survive the second's crash
def test_a_crashing_job_fails_the_run_leaves_nothing_partial_and_a_later_run_completes(settings):
    settings.COGS_JOB_LICS = 1  # one LIC per job: two jobs
    office = OfficeFactory(code="HQ")
    lic_a, lic_b = LicFactory(code="ALPHA"), LicFactory(code="BETA")
    order = create_order(customer=CustomerFactory(code="CUST"), office=office, date=DAY)
    lot_a = adjust_in(office=office, lic=lic_a, quantity="10", unit_cost="2.00")
    lot_b = adjust_in(office=office, lic=lic_b, quantity="10", unit_cost="3.00")
    use_a = ship(lic=lic_a, office=office, quantity="4", source=order)
    use_b = ship(lic=lic_b, office=office, quantity="6", source=order)
    assert lic_a.pk < lic_b.pk  # jobs run in LIC order: ALPHA's job first, then BETA's

    failure = FailJobOfLic(lic_b.pk)
    with connection.execute_wrapper(failure):
        failed = run(date=RUN_DAY)
    assert failure.fired

    # the run is failed, with the error text
    assert failed.status == "failed"
    assert "OperationalError" in failed.error and MESSAGE in failed.error
    assert failed.finished_at is not None
    # the job before the crash is done and kept ...
    assert CogsEntry.objects.filter(run=failed, lic=lic_a).exists()
    assert InventoryUsage.objects.get(pk=use_a.pk).allocated_quantity == D("4")
    assert Lot.objects.get(pk=lot_a.pk).qty_used == D("4")
    # ... the crashed job left nothing: no entries, no balances moved
    assert not CogsEntry.objects.filter(lic=lic_b).exists()
    usage_b = InventoryUsage.objects.get(pk=use_b.pk)
    assert (usage_b.allocated_quantity, usage_b.cogs_value) == (D("0"), D("0.00"))
    lot_b_now = Lot.objects.get(pk=lot_b.pk)
    assert (lot_b_now.qty_used, lot_b_now.value_used) == (D("0"), D("0.00"))
    assert selectors.ledger_violations() == []

    # a later run completes the rest (what the failed job had taken is still pending) and only that
    later = run(date=RUN_DAY)
    assert later.status == "done", later.error
    accruals = (EntryKind.ACCRUAL, EntryKind.ACCRUAL_REVERSAL)
    assert not CogsEntry.objects.filter(run=later, lic=lic_a).exclude(kind__in=accruals).exists()
    usage_b = InventoryUsage.objects.get(pk=use_b.pk)
    assert (usage_b.allocated_quantity, usage_b.cogs_value) == (D("6"), D("18.00"))
    assert Lot.objects.get(pk=lot_b.pk).qty_used == D("6")
    assert InventoryUsage.objects.get(pk=use_a.pk).cogs_value == D("8.00")
    assert selectors.ledger_violations() == []

    # and running again posts nothing (nothing was left half-done)
    again = run(date=RUN_DAY)
    assert again.status == "done" and again.entries_posted == 0
