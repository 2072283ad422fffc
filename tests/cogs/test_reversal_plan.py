"""The reversal of a customer return in the pure plan (DOMAIN.md 9): a positive shipment usage naming
the return (``reverses_usage_id``) goes first to the lots that return gave back to, latest give-back
first, never more than each took back, then by the costing method."""

from __future__ import annotations

import datetime
from decimal import Decimal

from cogs.allocation import ALLOCATION, GIVE_BACK, Holding, PlanLot, PlanUsage, plan_pair

D = Decimal


def day(n):
    return datetime.date(2026, 3, n)


def lot(id_, qty_in, cost, date, used="0", value_used="0.00"):
    return PlanLot(id_, date, D(qty_in), D(used), D(cost), D(value_used))


def allocations(plan, usage_id):
    return [(e.lot_id, e.quantity, e.value) for e in plan.entries if e.kind == ALLOCATION and e.usage_id == usage_id]


def test_a_reversed_return_goes_back_to_the_lot_it_gave_back_to_not_the_fifo_lot():
    # FIFO: lot 1 (1 Mar) 5 @ $10.00, lot 2 (2 Mar) 5 @ $12.00; shipment 9 of 7 takes 5 + 2; the return
    # 10 of 2 naming it gives back to lot 2 (the shipment's latest allocation); lot 3, dated 1 Feb, is
    # the FIFO lot now. The reversal 11 of the return takes its 2 back from lot 2, not lot 3.
    lots = [lot(1, "5", "10.00", day(1)), lot(2, "5", "12.00", day(2)), lot(3, "4", "7.00", datetime.date(2026, 2, 1))]
    lots[2].movement_date = lots[2].date
    shipment = PlanUsage(9, day(3), D(7))
    ret = PlanUsage(10, day(4), D(-2), returns_usage_id=9)
    reversal = PlanUsage(11, day(5), D(2), reverses_usage_id=10)
    # lot 3 is FIFO-first: keep it out of the shipment by giving it a later movement date... simpler: plan
    # the shipment alone first on lots 1 and 2, then the rest with lot 3 present
    first = plan_pair(method="fifo", lots=lots[:2], usages=[shipment])
    assert allocations(first, 9) == [(1, D(5), D("50.00")), (2, D(2), D("24.00"))]
    plan = plan_pair(
        method="fifo",
        lots=lots,
        usages=[ret, reversal],
        named_holdings=[Holding(9, 1, D(5), D(0), 1), Holding(9, 2, D(2), D(0), 2)],
    )
    gave = [(e.lot_id, e.quantity, e.value) for e in plan.entries if e.kind == GIVE_BACK]
    assert gave == [(2, D(-2), D("-24.00"))]
    assert allocations(plan, 11) == [(2, D(2), D("24.00"))]
    assert (lots[0].qty_used, lots[1].qty_used, lots[2].qty_used) == (D(5), D(2), D(0))


def test_posted_give_backs_are_put_back_latest_first_then_the_costing_method():
    # the return 10 gave back 1 to lot 1 (entry 50) and 2 to lot 2 (entry 60) in an earlier run; its
    # reversal of 4 takes 2 from lot 2, then 1 from lot 1, then 1 by FIFO (lot 3, the oldest with stock)
    lots = [
        lot(1, "5", "10.00", day(2), used="4", value_used="40.00"),
        lot(2, "5", "12.00", day(3), used="3", value_used="36.00"),
        lot(3, "5", "8.00", day(1)),
    ]
    reversal = PlanUsage(11, day(5), D(4), reverses_usage_id=10)
    plan = plan_pair(
        method="fifo",
        lots=lots,
        usages=[reversal],
        reversed_give_backs=[Holding(10, 1, D(1), D(0), 50), Holding(10, 2, D(2), D(0), 60)],
    )
    assert allocations(plan, 11) == [(2, D(2), D("24.00")), (1, D(1), D("10.00")), (3, D(1), D("8.00"))]


def test_never_more_than_a_give_back_took_nor_what_the_lot_has():
    # the return gave back 3 to lot 1, but lot 1 has only 1 left now (used again since): 1 from it,
    # the rest by LIFO (lot 2)
    lots = [lot(1, "5", "10.00", day(1), used="4", value_used="40.00"), lot(2, "5", "12.00", day(2))]
    reversal = PlanUsage(11, day(5), D(3), reverses_usage_id=10)
    plan = plan_pair(method="lifo", lots=lots, usages=[reversal], reversed_give_backs=[Holding(10, 1, D(3), D(0), 50)])
    assert allocations(plan, 11) == [(1, D(1), D("10.00")), (2, D(2), D("24.00"))]


def test_the_reversal_waits_while_its_return_is_not_given_back():
    # an unnamed return with no lot able to take it back stays unallocated: its reversal waits too (no
    # FIFO allocation from the lot with stock); both accrue, with opposite signs
    lots = [lot(1, "5", "10.00", day(1))]
    ret = PlanUsage(10, day(4), D(-2))
    reversal = PlanUsage(11, day(5), D(2), reverses_usage_id=10)
    plan = plan_pair(method="fifo", lots=lots, usages=[ret, reversal], accrue=True, estimate=D("10.00"))
    assert allocations(plan, 11) == [] and ret.unallocated == D(-2) and reversal.unallocated == D(2)
    assert ret.accrued_value + reversal.accrued_value == 0


def test_specific_unit_reversal_needs_no_lot():
    lots = [lot(1, "5", "10.00", day(1), used="3", value_used="30.00"), lot(2, "5", "12.00", day(2))]
    reversal = PlanUsage(11, day(5), D(2), reverses_usage_id=10)
    plan = plan_pair(
        method="specific", lots=lots, usages=[reversal], reversed_give_backs=[Holding(10, 1, D(2), D(0), 7)]
    )
    assert allocations(plan, 11) == [(1, D(2), D("20.00"))]
