"""A COGS run over every office costs a new transfer lot before the pair it is used in is written
(cogs.services.engine, ``_cost_transfer_lots``): one round, the destination's usage at the true cost
from the start, no revaluation entries. What the job cannot cost itself (a run of one office, a cost
that would depend on itself, a lot already used) goes round by round as before."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cogs.models import CogsEntry, CogsRunJob, EntryKind
from cogs.selectors import ledger_violations
from inventory_lots.models import LotCostChange
from inventory_lots.services import correct_lot_unit_cost
from tests.cogs.conftest import RUN_DAY, allow_entries, day, fresh, refuse_entries, run, ship
from tests.conftest import adjust_in
from tests.factories import OfficeFactory
from tests.transfers.test_costing import transfer

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def branch(db):
    return OfficeFactory(code="BR", name="Branch")


def _entries(usage):
    return list(
        CogsEntry.objects.filter(usage=usage)
        .order_by("id")
        .values_list("kind", "lot_id", "quantity", "value", "unit_cost")
    )


def test_the_transfer_lot_is_costed_before_the_shipment_from_it_in_one_round(office, branch, lic, order):
    adjust_in(office=office, lic=lic, quantity="5", unit_cost="10.00", date=day(1))
    adjust_in(office=office, lic=lic, quantity="5", unit_cost="14.00", date=day(2))
    line = transfer(office, branch, lic, "6", day(3))  # provisional $12.00 (the weighted average)
    part = ship(lic=lic, office=branch, quantity="4", source=order, date=day(4))
    rest = ship(lic=lic, office=branch, quantity="2", source=order, date=day(5))
    result = run()
    assert result.status == "done" and result.round == 1
    assert list(CogsRunJob.objects.filter(run=result).values_list("office_id", flat=True)) == [None]
    # FIFO in HQ: 5 @ 10 + 1 @ 14 = 64.00 -> 10.666667 a unit, set before the branch's pair was written
    assert fresh(line.usage).cogs_value == D("64.00")
    lot = fresh(line.lot)
    assert (lot.unit_cost, lot.value_used, lot.qty_used) == (D("10.666667"), D("64.00"), D("6"))
    assert _entries(part) == [(EntryKind.ALLOCATION, lot.pk, D("4"), D("42.67"), D("10.666667"))]
    assert _entries(rest) == [(EntryKind.ALLOCATION, lot.pk, D("2"), D("21.33"), D("10.666667"))]  # the remainder
    assert not CogsEntry.objects.filter(kind=EntryKind.REVALUATION).exists()
    change = LotCostChange.objects.get(lot=lot)
    assert (change.cause, change.old_unit_cost, change.new_unit_cost, change.date) == (
        "transfer_recompute",
        D("12.000000"),
        D("10.666667"),
        RUN_DAY,
    )
    assert (result.value_posted, result.entries_posted) == (D("128.00"), 4)  # 64.00 in transit, 64.00 shipped
    again = run()
    assert (again.entries_posted, again.round) == (0, 0)  # nothing was left pending
    assert ledger_violations() == []


def test_a_chain_a_b_c_is_costed_in_dependency_order_in_one_round(office, branch, lic, order):
    third = OfficeFactory(code="C3", name="Third")
    adjust_in(office=office, lic=lic, quantity="3", unit_cost="2.00", date=day(1))
    adjust_in(office=office, lic=lic, quantity="3", unit_cost="5.00", date=day(1))
    ab = transfer(office, branch, lic, "4", day(2))  # provisional 3.50 (the average)
    adjust_in(office=branch, lic=lic, quantity="1", unit_cost="9.00", date=day(3))
    bc = transfer(branch, third, lic, "5", day(4))  # FIFO in BR: the 4 from HQ, then the 1 @ 9.00
    shipped = ship(lic=lic, office=third, quantity="5", source=order, date=day(5))
    result = run()
    assert result.round == 1 and result.exceptions_count == 0
    # HQ: 3 @ 2.00 + 1 @ 5.00 = 11.00 -> 2.75; BR: 4 @ 2.75 + 1 @ 9.00 = 20.00 -> 4.00
    assert (fresh(ab.usage).cogs_value, fresh(ab.lot).unit_cost) == (D("11.00"), D("2.750000"))
    assert (fresh(bc.usage).cogs_value, fresh(bc.lot).unit_cost) == (D("20.00"), D("4.000000"))
    assert fresh(shipped).cogs_value == D("20.00")
    assert not CogsEntry.objects.filter(kind=EntryKind.REVALUATION).exists()
    assert run().entries_posted == 0
    assert ledger_violations() == []


def test_stock_sent_back_and_forth_is_costed_in_one_round(office, branch, lic, order):
    """HQ -> BR, then BR -> HQ out of the lot that came: each pair both feeds and is fed by the other,
    but the lots do not depend on themselves, so one job costs them in turn."""
    adjust_in(office=office, lic=lic, quantity="2", unit_cost="4.00", date=day(1))
    adjust_in(office=office, lic=lic, quantity="2", unit_cost="8.00", date=day(1))
    out = transfer(office, branch, lic, "3", day(2))  # 2 @ 4 + 1 @ 8 = 16.00 -> 5.333333
    back = transfer(branch, office, lic, "3", day(3))  # out of the lot that came
    shipped = ship(lic=lic, office=office, quantity="4", source=order, date=day(4))  # 1 @ 8 + the 3 back
    result = run()
    assert result.round == 1 and result.exceptions_count == 0
    assert (fresh(out.usage).cogs_value, fresh(out.lot).unit_cost) == (D("16.00"), D("5.333333"))
    assert (fresh(back.usage).cogs_value, fresh(back.lot).unit_cost) == (D("16.00"), D("5.333333"))
    assert fresh(shipped).cogs_value == D("24.00")
    assert not CogsEntry.objects.filter(kind=EntryKind.REVALUATION).exists()
    assert run().entries_posted == 0
    assert ledger_violations() == []


def test_a_run_of_one_office_leaves_the_other_offices_lot_to_a_later_run(office, branch, lic, order):
    adjust_in(office=office, lic=lic, quantity="5", unit_cost="10.00", date=day(1))
    adjust_in(office=office, lic=lic, quantity="5", unit_cost="14.00", date=day(2))
    line = transfer(office, branch, lic, "6", day(3))
    shipped = ship(lic=lic, office=branch, quantity="6", source=order, date=day(4))
    first = run(office=office)
    assert list(CogsRunJob.objects.filter(run=first).values_list("office_id", flat=True)) == [office.pk]
    assert fresh(line.usage).cogs_value == D("64.00")
    assert fresh(line.lot).unit_cost == D("12.000000")  # the branch is not this run's: provisional still
    second = run(office=branch)
    assert fresh(line.lot).unit_cost == D("10.666667") and fresh(shipped).cogs_value == D("64.00")
    assert second.round == 1
    assert ledger_violations() == []


def test_a_lot_used_before_its_transfer_was_costed_is_revalued_next_round(office, branch, lic, order):
    """The shipment from the transfer lot was costed by an earlier run: the lot has records, so a late
    cost on the source lot reaches it the old way, a round later, by revaluation."""
    source = adjust_in(office=office, lic=lic, quantity="2", unit_cost="9.00", date=day(1))
    line = transfer(office, branch, lic, "2", day(3))  # provisional 9.00
    shipped = ship(lic=lic, office=branch, quantity="2", source=order, date=day(4))
    run(office=branch)  # the branch first: the shipment takes the lot at its provisional 9.00
    assert fresh(shipped).cogs_value == D("18.00")
    run(office=office)  # then HQ: the transfer usage costs 18.00, the lot keeps 9.00
    correct_lot_unit_cost(lot=source, new_unit_cost=D("9.50"), reason="freight", date=day(20), actor=None)
    result = run()
    assert fresh(line.lot).unit_cost == D("9.500000") and fresh(shipped).cogs_value == D("19.00")
    assert result.round == 2  # the lot had records: revalued in the next round
    assert CogsEntry.objects.filter(kind=EntryKind.REVALUATION, usage=shipped).exists()
    assert ledger_violations() == []


def test_a_job_of_every_office_is_planned_once(office, lic):
    """cogsrunjob_once holds for jobs of every office too (office null: NULLS NOT DISTINCT)."""
    from django.db import IntegrityError, transaction

    from cogs.models import CogsRun

    cogs_run = CogsRun.objects.create(date=RUN_DAY, wait=True)
    CogsRunJob.objects.create(run=cogs_run, round=1, office_id=None, first_lic_id=lic.pk, lic_ids=[lic.pk])
    with pytest.raises(IntegrityError, match="cogsrunjob_once"), transaction.atomic():
        CogsRunJob.objects.create(run=cogs_run, round=1, office_id=None, first_lic_id=lic.pk, lic_ids=[lic.pk])
    CogsRunJob.objects.create(run=cogs_run, round=1, office_id=office.pk, first_lic_id=lic.pk, lic_ids=[lic.pk])


def test_a_pair_the_run_could_not_post_is_not_retried_in_its_later_rounds(office, branch, lic, order):
    """A job of every office takes its LICs' pairs in every office, but not one that failed in an
    earlier round of the run: it stays pending for the next run, reported once."""
    from cogs.models import CogsRunException
    from inventory_lots.models import PendingCogs

    third = OfficeFactory(code="C3", name="Third")
    source = adjust_in(office=branch, lic=lic, quantity="2", unit_cost="9.00", date=day(1))
    line = transfer(branch, office, lic, "2", day(3))
    shipped = ship(lic=lic, office=office, quantity="2", source=order, date=day(4))
    run(office=office)  # HQ's transfer lot is used at its provisional cost: later costs go by rounds
    run(office=branch)
    adjust_in(office=third, lic=lic, quantity="1", unit_cost="1.00", date=day(5))
    ship(lic=lic, office=third, quantity="1", source=order, date=day(6))
    correct_lot_unit_cost(lot=source, new_unit_cost=D("9.50"), reason="freight", date=day(20), actor=None)
    refuse_entries("office_id", third.pk)  # the third office's entries cannot be written
    result = run()
    # round 1, pair by pair (HQ, the branch, the third office: refused); round 2: HQ's transfer lot
    # recomputed and revalued, the third office left alone
    assert result.round == 2
    assert [job.office_id for job in CogsRunJob.objects.filter(run=result).order_by("round")] == [None, None]
    assert fresh(line.lot).unit_cost == D("9.500000") and fresh(shipped).cogs_value == D("19.00")
    assert list(CogsRunException.objects.filter(run=result).values_list("office_id", "lic_id")) == [(third.pk, lic.pk)]
    assert result.exceptions_count == 1
    assert PendingCogs.objects.filter(office=third, lic=lic).exists()
    allow_entries()
    assert run().exceptions_count == 0
    assert ledger_violations() == []


def test_a_run_of_every_office_counts_its_pairs_done(office, branch, lic, order):
    """Progress counts pairs (office, LIC): a job of every office records each of its pairs done."""
    other = OfficeFactory(code="C3", name="Third")
    for where in (office, branch, other):
        adjust_in(office=where, lic=lic, quantity="2", unit_cost="3.00", date=day(1))
    ship(lic=lic, office=branch, quantity="1", source=order, date=day(2))
    result = run()
    assert (result.pairs_total, result.pairs_done, result.jobs_total, result.jobs_done) == (3, 3, 1, 1)
