"""The pure COGS plan (cogs.allocation): no database. DOMAIN.md examples and properties."""

from __future__ import annotations

import datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from cogs.allocation import (
    ACCRUAL,
    ALLOCATION,
    GIVE_BACK,
    GIVE_BACK_LIFO,
    REVALUATION,
    Holding,
    PlanLot,
    PlanUsage,
    money,
    plan_pair,
)

D = Decimal
DAY = datetime.date(2026, 3, 1)


def day(n):
    return datetime.date(2026, 3, n)


def lot(id_, qty_in, cost, date=DAY, used="0", value_used="0.00", released=True):
    return PlanLot(id_, date, D(qty_in), D(used), D(cost), D(value_used), released)


def values(plan, kind=ALLOCATION):
    return [(e.usage_id, e.lot_id, e.quantity, e.value) for e in plan.entries if e.kind == kind]


def test_fifo_and_lifo():
    for method, expected in (("fifo", [(9, 1, D(5), D("50.00")), (9, 2, D(2), D("24.00"))]),
                             ("lifo", [(9, 2, D(5), D("60.00")), (9, 1, D(2), D("20.00"))])):
        lots = [lot(1, "5", "10.00", day(1)), lot(2, "5", "12.00", day(2))]
        plan = plan_pair(method=method, lots=lots, usages=[PlanUsage(9, day(3), D(7))])
        assert values(plan) == expected


def test_specific_unit_takes_only_the_named_lot():
    lots = [lot(1, "5", "10.00", day(1)), lot(2, "5", "12.00", day(2))]
    usage = PlanUsage(9, day(3), D(7), lot_id=2)
    plan = plan_pair(method="specific", lots=lots, usages=[usage])
    assert values(plan) == [(9, 2, D(5), D("60.00"))] and usage.unallocated == D(2)


def test_unreleased_lots_are_skipped():
    lots = [lot(1, "5", "10.00", day(1), released=False), lot(2, "5", "12.00", day(2))]
    plan = plan_pair(method="fifo", lots=lots, usages=[PlanUsage(9, day(3), D(7))])
    assert values(plan) == [(9, 2, D(5), D("60.00"))]


def test_give_back_lifo_across_lots_never_beyond_qty_used():
    lots = [lot(1, "5", "10.00", day(1), used="5", value_used="50.00"),
            lot(2, "5", "12.00", day(2), used="2", value_used="24.00")]
    ret = PlanUsage(10, day(4), D(-3))
    plan = plan_pair(method="fifo", lots=lots, usages=[ret])
    assert values(plan, GIVE_BACK_LIFO) == [(10, 2, D(-2), D("-24.00")), (10, 1, D(-1), D("-10.00"))]
    assert (lots[0].qty_used, lots[1].qty_used) == (D(4), D(0))


def test_named_return_goes_to_latest_allocation_first():
    lots = [lot(1, "5", "10.00", day(1), used="5", value_used="50.00"),
            lot(2, "5", "12.00", day(2), used="2", value_used="24.00")]
    ret = PlanUsage(10, day(4), D(-4), returns_usage_id=9)
    held = [Holding(9, 1, D(5), last_allocation=100), Holding(9, 2, D(2), last_allocation=101)]
    plan = plan_pair(method="fifo", lots=lots, usages=[ret], named_holdings=held)
    assert values(plan, GIVE_BACK) == [(10, 2, D(-2), D("-24.00")), (10, 1, D(-2), D("-20.00"))]


def test_return_with_nothing_to_give_back_stays_unallocated():
    ret = PlanUsage(10, day(4), D(-3))
    plan = plan_pair(method="fifo", lots=[lot(1, "5", "1.00")], usages=[ret])
    assert plan.entries == [] and ret.unallocated == D(-3)


def test_give_back_loop_example():
    lots = [lot(1, "30", "4.00")]
    ship, ret = PlanUsage(1, day(2), D(50)), PlanUsage(2, day(3), D(-50), returns_usage_id=1)
    plan = plan_pair(method="fifo", lots=lots, usages=[ship, ret])
    assert plan.passes == 4
    assert [(e.kind, e.quantity) for e in plan.entries] == [
        (ALLOCATION, D(30)), (GIVE_BACK, D(-30)), (ALLOCATION, D(20)), (GIVE_BACK, D(-20))]
    assert (ship.allocated, ret.allocated, lots[0].qty_used) == (D(50), D(-50), D(0))
    assert plan.usage_deltas[1][1] == D("200.00") and plan.usage_deltas[2][1] == D("-200.00")


def test_rounding_remainder_rule():
    lots = [lot(1, "3", "3.333333")]
    plan = plan_pair(method="fifo", lots=lots, usages=[PlanUsage(i, DAY, D(1)) for i in (1, 2, 3)])
    assert [e.value for e in plan.entries] == [D("3.33"), D("3.33"), D("3.34")]
    assert lots[0].value_used == lots[0].value_in == D("10.00")


def test_late_cost_change_revaluation_quantity_zero():
    lots = [lot(1, "15", "35.59", used="15", value_used="525.00")]
    plan = plan_pair(method="fifo", lots=lots, usages=[], revalue={1: [Holding(7, 1, D(15), D("525.00"), 5)]},
                     run_date=day(31))
    assert [(e.kind, e.quantity, e.value, e.date) for e in plan.entries] == [(REVALUATION, D(0), D("8.85"), day(31))]


def test_allocation_dated_first_open_day_when_usage_is_in_closed_period():
    plan = plan_pair(method="fifo", lots=[lot(1, "5", "1.00")], usages=[PlanUsage(1, day(2), D(1))],
                     first_open=day(11))
    assert plan.entries[0].date == day(11)


def test_accrual_estimate_and_no_cost_basis():
    usage = PlanUsage(1, day(2), D(5))
    plan = plan_pair(method="fifo", lots=[lot(1, "3", "10.00")], usages=[usage], accrue=True,
                     estimate=D("10.00"), run_date=day(31))
    assert values(plan, ACCRUAL) == [(1, None, D(2), D("20.00"))]
    orphan = PlanUsage(2, day(2), D(5))
    plan = plan_pair(method="fifo", lots=[], usages=[orphan], accrue=True, estimate=None)
    assert plan.entries == [] and plan.usage_deltas[2][3] is True


# --- properties: random streams never over-allocate, never go negative, and totals tie --------

event = st.one_of(
    st.tuples(st.just("lot"), st.integers(1, 20), st.sampled_from(["1.00", "2.50", "3.333333", "0.07", "10"])),
    st.tuples(st.just("use"), st.integers(1, 25), st.just("")),
    st.tuples(st.just("ret"), st.integers(1, 10), st.booleans()),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(event, min_size=1, max_size=30), st.sampled_from(["fifo", "lifo"]), st.integers(1, 4))
def test_random_streams_tie(events, method, runs_every):
    lots: list[PlanLot] = []
    usages: list[PlanUsage] = []
    holdings: dict[tuple[int, int], Decimal] = {}
    values_by_usage: dict[int, Decimal] = {}
    entries = []
    for n, (what, quantity, extra) in enumerate(events, start=1):
        if what == "lot":
            lots.append(lot(n, str(quantity), extra, day(1 + n % 28)))
        elif what == "use":
            usages.append(PlanUsage(n, day(1 + n % 28), D(quantity)))
        else:
            outflows = [u for u in usages if u.quantity > 0]
            named = outflows[-1].id if (extra and outflows) else None
            if named is not None:
                returned = -sum((u.quantity for u in usages if u.returns_usage_id == named), D(0))
                quantity = min(quantity, int(outflows[-1].quantity - returned))
            if quantity > 0:  # a return may not name more than its usage has left (refused when posted)
                usages.append(PlanUsage(n, day(1 + n % 28), D(-quantity), returns_usage_id=named))
        if n % runs_every == 0 or n == len(events):
            pending = [u for u in usages if u.unallocated != 0]
            named_ids = {u.returns_usage_id for u in pending if u.returns_usage_id}
            named_h = []
            for uid in named_ids:
                for lot_id in {k[1] for k in holdings if k[0] == uid}:
                    q = holdings[(uid, lot_id)] + sum(
                        (holdings.get((r.id, lot_id), D(0)) for r in usages if r.returns_usage_id == uid
                         and any(e.usage_id == r.id and e.lot_id == lot_id and e.kind == GIVE_BACK for e in entries)),
                        D(0))
                    named_h.append(Holding(uid, lot_id, q))
            plan = plan_pair(method=method, lots=lots, usages=pending, named_holdings=named_h)
            entries.extend(plan.entries)
            for e in plan.entries:
                key = (e.usage_id, e.lot_id)
                holdings[key] = holdings.get(key, D(0)) + e.quantity
                values_by_usage[e.usage_id] = values_by_usage.get(e.usage_id, D(0)) + e.value
    for lt in lots:
        on_lot = [e for e in entries if e.lot_id == lt.id]
        assert D(0) <= lt.qty_used <= lt.qty_in
        assert sum((e.quantity for e in on_lot), D(0)) == lt.qty_used
        assert sum((e.value for e in on_lot), D(0)) == lt.value_used
        if lt.qty_used == lt.qty_in and all(e.kind == ALLOCATION for e in on_lot):
            assert lt.value_used == lt.value_in
    for u in usages:
        assert abs(u.allocated) <= abs(u.quantity) and (u.allocated == 0 or (u.allocated > 0) == (u.quantity > 0))
        assert sum((e.quantity for e in entries if e.usage_id == u.id), D(0)) == u.allocated
    # nothing allocatable is left behind: with stock left, no outflow stays unallocated
    if any(lt.available > 0 for lt in lots):
        assert all(u.unallocated <= 0 for u in usages)
    assert money(sum((lt.value_used for lt in lots), D(0))) == sum(values_by_usage.values(), D(0))
