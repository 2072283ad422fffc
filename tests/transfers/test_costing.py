"""Transfers between offices, worked examples (DOMAIN.md 9): the transfer lot's unit cost follows
its usage's COGS, caught up by COGS runs in dependency order; a cost that would depend on itself is
reported by the run and left as it is."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cogs.models import CogsRunException
from cogs.selectors import ledger_violations
from inventory_lots.models import LotCostChange
from inventory_lots.services import correct_lot_unit_cost
from tests.cogs.conftest import day, fresh, run, ship
from tests.conftest import adjust_in
from tests.factories import OfficeFactory
from transfers.services import TransferLineInput, post_transfer

D = Decimal
pytestmark = pytest.mark.django_db


def transfer(source, destination, lic, quantity, date, **extra):
    t = post_transfer(
        from_office=source,
        to_office=destination,
        date=date,
        lines=[TransferLineInput(lic=lic, quantity=D(quantity), **extra)],
        actor=None,
    )
    return t.lines.get()


@pytest.fixture
def branch(db):
    return OfficeFactory(code="BR", name="Branch")


def test_transfer_of_5_then_shipped_costs_10_a_unit(office, branch, lic, order):
    adjust_in(office=office, lic=lic, quantity="10", unit_cost="10.00", date=day(1))
    line = transfer(office, branch, lic, "5", day(2))
    lot, usage = fresh(line.lot), fresh(line.usage)
    assert (lot.type, lot.office, lot.qty_in, lot.unit_cost, lot.released) == (
        "transfer",
        branch,
        D("5"),
        D("10"),
        True,
    )
    assert lot.number.startswith("TL-") and line.transfer.number.startswith("TR-")
    assert (usage.kind, usage.office, usage.quantity) == ("transfer", office, D("5"))
    assert lot.transaction_label == f"{line.transfer.number}/1" and lot.parent_order_id is None
    shipped = ship(lic=lic, office=branch, quantity="5", source=order, date=day(3))
    run()
    assert fresh(usage).cogs_value == D("50.00")
    assert fresh(shipped).cogs_value == D("50.00")
    assert fresh(lot).unit_cost == D("10.000000") and fresh(lot).value_used == D("50.00")
    assert ledger_violations() == []


def test_provisional_cost_is_caught_up_by_the_run(office, branch, lic, order):
    adjust_in(office=office, lic=lic, quantity="5", unit_cost="10.00", date=day(1))
    adjust_in(office=office, lic=lic, quantity="5", unit_cost="14.00", date=day(2))
    # provisional: the source office's default adjustment unit cost, the weighted average $12.00
    line = transfer(office, branch, lic, "6", day(3))
    assert fresh(line.lot).unit_cost == D("12.000000")
    shipped = ship(lic=lic, office=branch, quantity="6", source=order, date=day(4))
    result = run()
    # FIFO in HQ: 5 @ 10 + 1 @ 14 = 64.00 -> 10.666667 a unit; the shipment carries all of it
    assert fresh(line.usage).cogs_value == D("64.00")
    lot = fresh(line.lot)
    assert lot.unit_cost == D("10.666667")
    assert fresh(shipped).cogs_value == D("64.00")  # the lot used up: the remainder rule
    change = LotCostChange.objects.get(lot=lot)
    assert (change.cause, change.old_unit_cost, change.new_unit_cost) == (
        "transfer_recompute",
        D("12.000000"),
        D("10.666667"),
    )
    assert result.exceptions_count == 0
    assert run().entries_posted == 0  # caught up: nothing more
    assert ledger_violations() == []


def test_late_freight_on_the_source_lot_flows_to_the_shipment(office, branch, lic, order):
    source = adjust_in(office=office, lic=lic, quantity="15", unit_cost="35.00", date=day(1))
    line = transfer(office, branch, lic, "15", day(2))
    shipped = ship(lic=lic, office=branch, quantity="15", source=order, date=day(3))
    run()
    assert fresh(shipped).cogs_value == D("525.00")
    correct_lot_unit_cost(lot=source, new_unit_cost=D("35.59"), reason="freight", date=day(20), actor=None)
    result = run()
    assert fresh(line.usage).cogs_value == D("533.85")
    assert fresh(line.lot).unit_cost == D("35.590000")
    assert fresh(shipped).cogs_value == D("533.85")
    # usage side: +8.85 on the transfer usage (in transit) and +8.85 on the shipment
    assert result.value_posted == D("17.70")
    assert fresh(line.lot).value_used == D("533.85") and fresh(source).value_used == D("533.85")
    assert ledger_violations() == []


def test_chain_a_b_c(office, branch, lic, order):
    third = OfficeFactory(code="C3", name="Third")
    source = adjust_in(office=office, lic=lic, quantity="4", unit_cost="2.50", date=day(1))
    ab = transfer(office, branch, lic, "4", day(2))
    bc = transfer(branch, third, lic, "4", day(3))
    shipped = ship(lic=lic, office=third, quantity="4", source=order, date=day(4))
    run()
    assert fresh(shipped).cogs_value == D("10.00")
    correct_lot_unit_cost(lot=source, new_unit_cost=D("3.25"), reason="freight", date=day(20), actor=None)
    run()
    assert [fresh(x.lot).unit_cost for x in (ab, bc)] == [D("3.250000"), D("3.250000")]
    assert [fresh(x.usage).cogs_value for x in (ab, bc)] == [D("13.00"), D("13.00")]
    assert fresh(shipped).cogs_value == D("13.00")
    causes = list(LotCostChange.objects.filter(lot__in=[ab.lot, bc.lot]).values_list("cause", flat=True))
    assert causes == ["transfer_recompute", "transfer_recompute"]
    assert ledger_violations() == []


def test_a_cost_that_depends_on_itself_is_reported_not_looped_on(office, branch, lic):
    # HQ has stock dated day 5; it goes to the branch on day 5 and comes back, dated day 3 (the branch
    # had it on hand when the clerk posted): FIFO then takes the HQ transfer out of the lot that came
    # back (older), which was taken from the branch lot made by that same transfer.
    adjust_in(office=office, lic=lic, quantity="10", unit_cost="10.00", date=day(5))
    out = transfer(office, branch, lic, "10", day(5))
    back = transfer(branch, office, lic, "10", day(3))
    first = run()
    assert first.exceptions_count == 0  # both at $10.00: nothing changes, nothing to report
    assert fresh(out.usage).cogs_value == D("100.00") and fresh(back.usage).cogs_value == D("100.00")
    assert out.usage.cogs_entries.get().lot_id == back.lot_id
    correct_lot_unit_cost(lot=fresh(back.lot), new_unit_cost=D("12.00"), reason="test", date=day(20), actor=None)
    result = run()
    assert result.status == "done" and result.round < 20
    exception = CogsRunException.objects.get(run=result)
    assert exception.lic_id == lic.pk and "depend on itself" in exception.message
    assert fresh(out.lot).unit_cost == D("10.000000")  # left as it is
    assert fresh(out.usage).cogs_value == D("120.00")  # the corrected lot was revalued


def test_trace_and_recall_follow_transfers(office, branch, lic, order):
    from orders.services import ShipmentLineInput, post_shipment
    from traceability.selectors import recall, trace

    source = adjust_in(office=office, lic=lic, quantity="5", unit_cost="10.00", date=day(1))
    line = transfer(office, branch, lic, "5", day(2))
    third = OfficeFactory(code="C3")
    second = transfer(branch, third, lic, "2", day(3))
    other = type(order).objects.create(number="SO-X", customer=order.customer, office=third, date=day(1))
    shipment = post_shipment(order=other, date=day(4), actor=None, lines=[ShipmentLineInput(lic=lic, quantity=D(2))])
    run()
    rows = recall(source)
    assert [(r.shipment_id, r.lot_id, r.quantity, r.depth) for r in rows] == [(shipment.pk, second.lot_id, D("2"), 3)]
    down = trace(source, direction="down")
    assert down.node_count == 3  # the BR transfer lot, the C3 transfer lot, the shipment
    up = trace(fresh(second.lot), direction="up")
    assert up.node_count == 2  # back through the BR transfer lot to the source lot in HQ
    assert line.lot_id != second.lot_id


def test_a_rounds_transfer_lots_are_recomputed_together(office, branch, lic, order, django_assert_max_num_queries):
    """Three transfers costed in one round: each lot's own target, its transfer's number and its date
    (never before the lot) in its cost history, all written by one batch."""
    from inventory_lots.services import LotCostTarget, change_lot_unit_costs_locked

    adjust_in(office=office, lic=lic, quantity="2", unit_cost="10.00", date=day(1))
    adjust_in(office=office, lic=lic, quantity="2", unit_cost="20.00", date=day(1))
    adjust_in(office=office, lic=lic, quantity="2", unit_cost="30.00", date=day(1))
    lines = [transfer(office, branch, lic, "2", day(n)) for n in (2, 3, 4)]
    assert {fresh(line.lot).unit_cost for line in lines} == {D("20.000000")}  # provisional: the average
    run(date=day(3))  # dated before the last lot: its change is dated with the lot
    changes = {c.lot_id: c for c in LotCostChange.objects.filter(lot__in=[line.lot for line in lines])}
    assert [
        (changes[line.lot_id].new_unit_cost, changes[line.lot_id].source_label, changes[line.lot_id].date)
        for line in lines
        if line.lot_id in changes
    ] == [
        (D("10.000000"), lines[0].transfer.number, day(3)),
        (D("30.000000"), lines[2].transfer.number, day(4)),
    ]  # the second lot's target is its provisional $20.00: no change, no history row
    assert [fresh(line.lot).unit_cost for line in lines] == [D("10.000000"), D("20.000000"), D("30.000000")]
    assert ledger_violations() == []
    # the batch's query count does not grow with its lots
    targets = [LotCostTarget(line.lot_id, D("11.00") + n, day(5)) for n, line in enumerate(lines)]
    with django_assert_max_num_queries(4):
        assert change_lot_unit_costs_locked(targets=targets[:1], cause="manual", actor=None) == 1
    with django_assert_max_num_queries(4):
        assert change_lot_unit_costs_locked(targets=targets, cause="manual", actor=None) == 2
