"""A COGS job reads, plans and writes its LICs in groups, pipelined on one connection (a database
thread runs the statements while the planner works; cogs/services/pipeline.py). Whatever the group
size, a job posts the same numbers, the reads that depend on a group's rows (the holdings a
return names, an accrual estimate from another office) see the right data, and a write that
fails in a later group takes the whole job's work with it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import OperationalError, connection

from cogs import selectors
from cogs.models import CogsEntry
from cogs.services import engine
from cogs.services.pipeline import JobCursor
from inventory_lots.models import InventoryUsage, Lot
from tests.conftest import adjust_in
from tests.factories import LicFactory, OfficeFactory

from .conftest import RUN_DAY, day, fresh, give_back, run, ship

D = Decimal


def _history():
    """Three LICs in one office (one job): FIFO over two lots, a return naming its shipment,
    and usage with no stock here whose accrual estimate comes from another office."""
    hq, branch = OfficeFactory(code="HQ"), OfficeFactory(code="BR")
    fifo, returned, short = LicFactory(code="A-FIFO"), LicFactory(code="B-RET"), LicFactory(code="C-SHORT")
    first = adjust_in(office=hq, lic=fifo, quantity="10", unit_cost="2.00", date=day(1))
    second = adjust_in(office=hq, lic=fifo, quantity="10", unit_cost="3.00", date=day(2))
    shipped = ship(lic=fifo, office=hq, quantity="15", source=first, date=day(3))
    lot_b = adjust_in(office=hq, lic=returned, quantity="5", unit_cost="4.00", date=day(1))
    sale = ship(lic=returned, office=hq, quantity="3", source=lot_b, date=day(2))
    back = give_back(lic=returned, office=hq, quantity="1", source=lot_b, date=day(3), returns=sale)
    adjust_in(office=branch, lic=short, quantity="1", unit_cost="7.50", date=day(1))
    waiting = ship(lic=short, office=hq, quantity="2", source=lot_b, date=day(4))
    return {
        "first": first,
        "second": second,
        "shipped": shipped,
        "lot_b": lot_b,
        "sale": sale,
        "back": back,
        "waiting": waiting,
        "lics": (fifo, returned, short),
    }


def _assert_books(h) -> None:
    assert (fresh(h["first"]).qty_used, fresh(h["first"]).value_used) == (D("10"), D("20.00"))
    assert (fresh(h["second"]).qty_used, fresh(h["second"]).value_used) == (D("5"), D("15.00"))
    assert fresh(h["shipped"]).cogs_value == D("35.00")
    # the return gives its unit back to the lot its shipment took it from
    assert (fresh(h["lot_b"]).qty_used, fresh(h["lot_b"]).value_used) == (D("2"), D("8.00"))
    assert (fresh(h["sale"]).cogs_value, fresh(h["back"]).cogs_value) == (D("12.00"), D("-4.00"))
    # no stock in HQ: accrued at the branch lot's cost
    waiting = fresh(h["waiting"])
    assert (waiting.allocated_quantity, waiting.accrued_value, waiting.no_cost_basis) == (D("0"), D("15.00"), False)
    assert selectors.ledger_violations() == []


@pytest.mark.django_db
@pytest.mark.parametrize("group_lics", [1, 2, 500])
def test_the_group_size_never_changes_what_a_job_posts(monkeypatch, group_lics):
    monkeypatch.setattr(engine, "GROUP_LICS", group_lics)
    h = _history()
    done = run(date=RUN_DAY)
    assert done.status == "done", done.error
    _assert_books(h)
    assert done.entries_posted == CogsEntry.objects.count() == 5  # 3 allocations (2 + 1), 1 give-back, 1 accrual
    again = run(date=RUN_DAY)
    assert again.status == "done" and again.entries_posted == 0


LEDGER_WRITES = ("COPY COGS_COGSENTRY", "WITH LOT_BALANCES AS (")


class FailNthLedgerWrite:
    """The ``n``-th write to the ledger tables fails as if the server had gone away."""

    def __init__(self, n: int):
        self.n = n
        self.seen = 0

    def __call__(self, execute, sql, params, many, context):
        text = sql.lstrip().upper()
        if text.startswith(LEDGER_WRITES):
            self.seen += 1
            if self.seen == self.n:
                raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)


@pytest.mark.django_db(transaction=True)  # the job's own transaction is what rolls back
def test_a_write_failing_in_a_later_group_takes_the_whole_job_back(monkeypatch):
    monkeypatch.setattr(engine, "GROUP_LICS", 1)
    h = _history()
    failure = FailNthLedgerWrite(3)  # group 1 wrote its entries and balances; group 2's entries fail
    with connection.execute_wrapper(failure):
        failed = run(date=RUN_DAY)
    assert failure.seen >= 3
    assert failed.status == "failed" and "server closed the connection unexpectedly" in failed.error
    # group 1 (LIC A) had been written in the same transaction: nothing of it is left
    assert not CogsEntry.objects.exists()
    assert Lot.objects.filter(qty_used__gt=0).count() == 0
    assert not InventoryUsage.objects.exclude(cogs_state__allocated_quantity=0).exists()
    assert selectors.ledger_violations() == []

    later = run(date=RUN_DAY)
    assert later.status == "done", later.error
    _assert_books(h)


def _usage_read(office, lic) -> set[int]:
    """The usage ids the job's read returns for the pair (office, LIC)."""
    connection.ensure_connection()
    lots, usage = engine.query_pairs(lambda: JobCursor(connection, []), office.pk, [lic.pk])
    ids = {row[0] for row in usage.fetchall()}
    lots.close()
    usage.close()
    return ids


@pytest.mark.django_db
def test_short_usage_is_read_again_only_when_it_can_move():
    """Usage short of stock, once accrued, is not read again by every run (the incremental run
    reads what changed, not the whole history); it is read again when its pair gets released
    stock or an unallocated return."""
    hq = OfficeFactory(code="HQ")
    stocked, returned = LicFactory(code="C-STOCKED"), LicFactory(code="D-RETURNED")
    waiting = ship(lic=stocked, office=hq, quantity="2", source=hq, date=day(4))
    sold = ship(lic=returned, office=hq, quantity="2", source=hq, date=day(4))
    assert (_usage_read(hq, stocked), _usage_read(hq, returned)) == ({waiting.pk}, {sold.pk})  # not accrued yet
    run()
    assert fresh(waiting).no_cost_basis and fresh(sold).no_cost_basis
    assert _usage_read(hq, stocked) == _usage_read(hq, returned) == set()
    adjust_in(office=hq, lic=stocked, quantity="1", unit_cost="2.00", date=day(6))
    back = give_back(lic=returned, office=hq, quantity="1", source=hq, date=day(5))
    assert _usage_read(hq, stocked) == {waiting.pk}  # released stock arrived
    assert _usage_read(hq, returned) == {sold.pk, back.pk}  # an unallocated return may give stock back
