"""The pure plan of serialized usage (cogs.allocation, issue 17): a usage that names serials takes, from
each lot holding some of them, exactly the count of its serials there, whatever the costing method; a
return of serials gives back to those serials' lots. Examples, then random streams (hypothesis)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from hypothesis import example, given, settings
from hypothesis import strategies as st

from cogs.allocation import ALLOCATION, GIVE_BACK, GIVE_BACK_LIFO, Holding, PlanLot, PlanUsage, plan_pair

from .test_allocation import Ledger

D = Decimal


def day(n):
    return datetime.date(2026, 3, n)


def lot(id_, qty_in, cost, date, released=True):
    return PlanLot(id_, date, D(qty_in), D(0), D(cost), D(0), released)


def moved(plan, kinds=(ALLOCATION,)):
    return sorted((e.usage_id, e.lot_id, e.quantity, e.value) for e in plan.entries if e.kind in kinds)


def test_the_serials_lots_not_the_method_decide():
    for method in ("fifo", "lifo", "specific"):
        old, new = lot(1, "2", "10.00", day(1)), lot(2, "2", "20.00", day(2))
        usages = [PlanUsage(10, day(3), D(1)), PlanUsage(11, day(3), D(2))]
        plan = plan_pair(
            method=method, lots=[old, new], usages=usages, serial_lots={10: {2: D(1)}, 11: {1: D(1), 2: D(1)}}
        )
        assert moved(plan) == [(10, 2, D(1), D("20.00")), (11, 1, D(1), D("10.00")), (11, 2, D(1), D("20.00"))]


def test_a_usage_waits_for_its_serials_unreleased_lot_and_takes_only_what_is_left_to_take():
    open_lot, made = lot(1, "5", "1.00", day(1)), lot(2, "2", "7.00", day(2), released=False)
    usage = PlanUsage(10, day(3), D(2))
    plan = plan_pair(method="fifo", lots=[open_lot, made], usages=[usage], serial_lots={10: {1: D(1), 2: D(1)}})
    assert moved(plan) == [(10, 1, D(1), D("1.00"))] and usage.unallocated == 1
    made.released = True
    # the next run: one of lot 1 already allocated, so only lot 2's serial is left to take
    plan = plan_pair(method="fifo", lots=[open_lot, made], usages=[usage], serial_lots={10: {1: D(0), 2: D(1)}})
    assert moved(plan) == [(10, 2, D(1), D("7.00"))] and usage.unallocated == 0


def test_a_return_of_serials_gives_back_to_their_lots_not_to_the_latest_allocation():
    a, b = lot(1, "2", "10.00", day(1)), lot(2, "2", "20.00", day(2))
    a.qty_used, a.value_used, b.qty_used, b.value_used = D(1), D("10.00"), D(1), D("20.00")
    back = PlanUsage(12, day(4), D(-1), returns_usage_id=11)
    held = [Holding(11, 1, D(1), D(0), 5), Holding(11, 2, D(1), D(0), 6)]  # lot 2 allocated last
    plan = plan_pair(method="fifo", lots=[a, b], usages=[back], named_holdings=held, serial_lots={12: {1: D(1)}})
    assert moved(plan, (GIVE_BACK, GIVE_BACK_LIFO)) == [(12, 1, D(-1), D("-10.00"))]


def test_a_return_of_serials_waits_while_its_usage_is_not_allocated():
    made = lot(2, "2", "7.00", day(2), released=False)
    usage, back = PlanUsage(10, day(3), D(1)), PlanUsage(11, day(4), D(-1), returns_usage_id=10)
    plan = plan_pair(method="fifo", lots=[made], usages=[usage, back], serial_lots={10: {2: D(1)}, 11: {2: D(1)}})
    assert plan.entries == []
    made.released = True
    plan = plan_pair(method="fifo", lots=[made], usages=[usage, back], serial_lots={10: {2: D(1)}, 11: {2: D(1)}})
    assert moved(plan, (ALLOCATION, GIVE_BACK, GIVE_BACK_LIFO)) == [
        (10, 2, D(1), D("7.00")),
        (11, 2, D(-1), D("-7.00")),
    ]
    assert made.qty_used == 0


# --- random streams ----------------------------------------------------------------------------------

serial_event = st.one_of(
    st.tuples(st.just("lot"), st.integers(1, 4), st.booleans()),  # units (serials), released
    st.tuples(st.just("release"), st.integers(0, 9), st.just(False)),
    st.tuples(st.just("ship"), st.integers(1, 3), st.integers(0, 50)),  # how many serials, which
    st.tuples(st.just("ret"), st.integers(1, 3), st.integers(0, 50)),  # how many, of which usage
)


class SerialBook:
    """Where each serial is, as the services keep it (SerialUse)."""

    def __init__(self):
        self.lot_of: dict[str, int] = {}
        self.out: dict[str, int] = {}  # serial -> the usage that has it out
        self.named: dict[int, list[str]] = {}  # usage (or return) id -> the serials it names

    def counts(self, usage_id: int) -> dict[int, Decimal]:
        out: dict[int, Decimal] = {}
        for serial in self.named[usage_id]:
            out[self.lot_of[serial]] = out.get(self.lot_of[serial], D(0)) + 1
        return out


def serial_lots(book: SerialBook, ledger: Ledger, pending: list[PlanUsage]) -> dict[int, dict[int, Decimal]]:
    """What the engine reads: per pending usage and lot, its serials there less what it already moved there."""
    moved_: dict[tuple[int, int], Decimal] = {}
    for _, e in ledger.entries:
        if e.lot_id is not None and e.kind in (ALLOCATION, GIVE_BACK, GIVE_BACK_LIFO):
            moved_[(e.usage_id, e.lot_id)] = moved_.get((e.usage_id, e.lot_id), D(0)) + abs(e.quantity)
    return {
        u.id: {lot_id: n - moved_.get((u.id, lot_id), D(0)) for lot_id, n in book.counts(u.id).items()} for u in pending
    }


@settings(max_examples=200, deadline=None)
@given(
    st.lists(serial_event, min_size=1, max_size=30), st.sampled_from(["fifo", "lifo", "specific"]), st.integers(1, 4)
)
# a serial shipped again dated before its first shipment (docs/decisions/0021-unused-lot-and-serial-order.md)
@example(
    [("release", 0, False), ("lot", 1, False), *[("release", 0, False)] * 7, ("lot", 1, False)]
    + [("release", 0, False)] * 7
    + [("ship", 1, 0), ("ret", 1, 0), ("ship", 1, 0)],
    "fifo",
    1,
)
def test_random_serial_streams_follow_the_serials(events, method, runs_every):
    lots: list[PlanLot] = []
    usages: list[PlanUsage] = []
    book, ledger = SerialBook(), Ledger()

    def run():
        pending = [u for u in usages if u.unallocated != 0]
        named_ids = {u.returns_usage_id for u in pending if u.returns_usage_id}
        ledger.post(
            plan_pair(
                method=method,
                lots=lots,
                usages=pending,
                named_holdings=ledger.named_holdings(named_ids),
                posted=ledger.records(),
                run_date=day(28),
                serial_lots=serial_lots(book, ledger, pending),
            )
        )

    for n, (what, count, pick) in enumerate(events, start=1):
        if what == "lot":
            lots.append(lot(n, str(count), str(n), day(1 + n % 20), released=pick))
            book.lot_of.update({f"S{n}-{k}": n for k in range(count)})
        elif what == "release" and lots:
            lots[count % len(lots)].released = True
        elif what == "ship":
            in_stock = sorted(s for s in book.lot_of if s not in book.out)
            chosen = [in_stock[(pick + k) % len(in_stock)] for k in range(min(count, len(in_stock)))]
            if chosen:
                usages.append(PlanUsage(n, day(1 + n % 20), D(len(chosen))))
                book.named[n] = chosen
                book.out.update(dict.fromkeys(chosen, n))
        else:
            outflows = sorted(set(book.out.values()))
            if outflows:
                named = outflows[pick % len(outflows)]
                chosen = sorted(s for s, u in book.out.items() if u == named)[:count]
                usages.append(PlanUsage(n, day(1 + n % 20), D(-len(chosen)), returns_usage_id=named))
                ledger.returns_of[n] = named
                book.named[n] = chosen
                for s in chosen:
                    del book.out[s]
        if n % runs_every == 0:
            run()
    for lt in lots:  # everything released: every usage can now be allocated, and is
        lt.released = True
    run()
    run()  # (a second pass posts nothing)
    for u in usages:
        assert u.unallocated == 0, u
        net: dict[int, Decimal] = {}
        for _, e in ledger.entries:
            if e.usage_id == u.id and e.lot_id is not None:
                net[e.lot_id] = net.get(e.lot_id, D(0)) + abs(e.quantity)
        assert {k: v for k, v in net.items() if v} == book.counts(u.id), (u, net)
    for lt in lots:
        assert D(0) <= lt.qty_used <= lt.qty_in
        assert sum((e.quantity for _, e in ledger.entries if e.lot_id == lt.id), D(0)) == lt.qty_used
        assert lt.qty_used == sum((1 for s, lot_id in book.lot_of.items() if lot_id == lt.id and s in book.out), 0)
