"""Hypothesis: random streams of adjustments in (FIFO and LIFO LICs, 2- and 6-place unit costs),
shipments, returns naming a shipment (in pieces), negative adjustments, transfers to a second office
and back (out of transfer lots), physical counts in either office and COGS runs, on random March dates
in any order. After each stream:

- the valuation at today is the lot figures (qty_in, value_in, qty_used, value_used of every lot);
- every lot at every date has 0 <= qty_used <= qty_in (stock never used before it exists), read
  the fast way (current figures less what is dated later) and the long way (its dated records) alike;
- for random periods, opening + lots in + cost changes - COGS - production - adjustments out =
  closing, per pair and in total, the opening is the valuation at the day before and the closing
  the valuation at the end, and two adjacent periods chain;
- check_ledger's checks are clean (cogs.selectors.ledger_violations)."""

from __future__ import annotations

import datetime
import os
from collections import Counter

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cogs.selectors import ledger_violations
from core.errors import DomainError
from inventory_lots.counts import CountLineInput, book_quantities, post_count
from inventory_lots.dates import today
from inventory_lots.models import InventoryUsage, Lot
from inventory_lots.services import AdjustmentLineInput, post_adjustment
from reports import selectors
from tests.cogs.conftest import give_back, ship
from tests.conftest import adjust_in
from tests.factories import LicFactory, OfficeFactory
from transfers.services import TransferLineInput, on_hand, post_transfer

from .conftest import D, assert_ties, day, run, totals

pytestmark = pytest.mark.django_db
ONE_DAY = datetime.timedelta(days=1)
SETTINGS = settings(
    max_examples=int(os.environ.get("REPORTS_FUZZ_EXAMPLES", "20")),
    deadline=None,
    derandomize=not os.environ.get("REPORTS_FUZZ_RANDOM"),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

DAYS = st.integers(min_value=1, max_value=28)
COSTS = st.one_of(
    st.integers(min_value=1, max_value=5000).map(lambda c: D(c) / 100),
    st.integers(min_value=1, max_value=9_999_999).map(lambda c: D(c) / 1_000_000),
)
OPERATION = st.one_of(
    st.tuples(st.just("in"), st.integers(0, 1), st.integers(1, 9), COSTS, DAYS),
    st.tuples(st.just("ship"), st.integers(0, 1), st.integers(1, 12), DAYS),
    st.tuples(st.just("return"), st.integers(0, 50), st.integers(1, 3), st.integers(0, 5)),
    st.tuples(st.just("out"), st.integers(0, 1), st.integers(1, 3), DAYS),
    # a transfer of a LIC to the branch, then some of the branch's stock back (out of transfer lots) some
    # days later; each at most what its source has on hand (shipments here may leave the office short:
    # the office first receives what it lacks by an adjustment in)
    st.tuples(st.just("transfer"), st.integers(0, 1), st.integers(1, 6), DAYS, st.integers(0, 4), st.integers(0, 3)),
    # a count of a LIC in the office (0) or the branch (1): counted = the book quantity + this
    st.tuples(st.just("count"), st.integers(0, 1), st.integers(0, 1), st.integers(-4, 3), DAYS),
    st.tuples(st.just("run"), DAYS),
)


def _post(op, lics, office, order, shipped: list, branch=None, tally: Counter | None = None) -> None:
    kind = op[0]
    if kind == "in":
        _, i, quantity, cost, n = op
        adjust_in(office=office, lic=lics[i], quantity=str(quantity), unit_cost=str(cost), date=day(n))
    elif kind == "ship":
        _, i, quantity, n = op
        shipped.append(ship(lic=lics[i], office=office, quantity=str(quantity), source=order, date=day(n)))
    elif kind == "return" and shipped:
        _, pick, quantity, later = op
        usage = shipped[pick % len(shipped)]
        left = usage.quantity + sum(r.quantity for r in InventoryUsage.objects.filter(returns_usage=usage))
        if left > 0:
            give_back(
                lic=usage.lic,
                office=office,
                quantity=str(min(D(quantity), left)),
                source=order,
                date=min(usage.date + datetime.timedelta(days=later), day(28)),
                returns=usage,
            )
    elif kind == "out":
        _, i, quantity, n = op
        post_adjustment(
            office=office,
            date=day(n),
            reason="loss",
            actor=None,
            lines=[AdjustmentLineInput(lic=lics[i], quantity=-D(quantity))],
        )
    elif kind == "transfer":
        _, i, quantity, n, back, later = op
        short = D(quantity) - on_hand(lic=lics[i], office=office)
        if short > 0:
            adjust_in(office=office, lic=lics[i], quantity=str(short), unit_cost="7.50", date=day(n))
        for way, (source, destination, asked, date) in enumerate(
            ((office, branch, quantity, day(n)), (branch, office, back, day(min(n + later, 28))))
        ):
            moved = min(D(asked), on_hand(lic=lics[i], office=source))  # more is refused (not_on_hand)
            if moved > 0:
                post_transfer(
                    from_office=source,
                    to_office=destination,
                    date=date,
                    lines=[TransferLineInput(lic=lics[i], quantity=moved)],
                    actor=None,
                )
                if tally is not None:
                    tally[("transfer", way)] += 1
    elif kind == "count":
        _, i, where, difference, n = op
        counted_in = branch if where else office
        book = book_quantities(office=counted_in, date=day(n), lic_ids=[lics[i].pk]).get(lics[i].pk, D(0))
        try:
            with transaction.atomic():
                post_count(
                    office=counted_in,
                    date=day(n),
                    lines=[CountLineInput(lic=lics[i], counted_quantity=max(book + difference, D(0)))],
                    actor=None,
                )
            if tally is not None:
                tally[("count", where)] += 1
        except DomainError as refused:  # an overage where the office has no lot has no cost to take
            assert refused.code == "unit_cost_required", refused
    elif kind == "run":
        run(day(op[1]))


def _check(periods) -> None:
    now = today()
    states = selectors.lots_at(as_of=now)
    for lot in Lot.objects.all():
        state = states[lot.pk]
        assert (state.qty_in, state.value_in, state.qty_used, state.value_used) == (
            lot.qty_in,
            lot.value_in,
            lot.qty_used,
            lot.value_used,
        ), lot.number
    assert totals(now)[:2] == (
        sum((lot.qty_available for lot in Lot.objects.all()), D(0)),
        sum((lot.value_available for lot in Lot.objects.all()), D(0)),
    )
    for n in range(1, 29):
        states = selectors.lots_at(as_of=day(n))
        assert states == selectors.lots_at_by_events(as_of=day(n)), n  # the fast way is the definition
        for state in states.values():
            assert D(0) <= state.qty_used <= state.qty_in, (n, state)
    for a, b in periods:
        start, middle, end = day(min(a, b)), day(min(a, b)) + ONE_DAY * (abs(a - b) // 2), day(max(a, b))
        whole = selectors.roll_forward(date_from=start, date_to=end)
        first = selectors.roll_forward(date_from=start, date_to=middle)
        second = selectors.roll_forward(date_from=middle + ONE_DAY, date_to=end)
        for report in (whole, first, second):
            for row in [*report.rows, report.totals]:
                assert_ties(row)
            assert report.totals.opening_value == totals(report.date_from - ONE_DAY)[1]
            assert report.totals.closing_value == totals(report.date_to)[1]
        assert first.totals.closing_value == second.totals.opening_value
        for name in ("lots_in", "cost_changes", "cogs", "adjustments_out"):
            assert getattr(whole.totals, name) == getattr(first.totals, name) + getattr(second.totals, name), name
    assert ledger_violations() == []


def test_random_streams_value_today_as_the_lots_and_roll_forward_ties(office, order):
    lics = [LicFactory(code="FIFO"), LicFactory(code="LIFO", costing_method="lifo")]
    branch = OfficeFactory(code="BR", name="Branch")
    tally: Counter = Counter()  # the transfers and counts posted, over every example

    @SETTINGS
    @given(
        operations=st.lists(OPERATION, min_size=1, max_size=14),
        periods=st.lists(st.tuples(DAYS, DAYS), min_size=1, max_size=3),
    )
    def check(operations, periods):
        with transaction.atomic():
            shipped: list = []
            for op in [*operations, ("run", 28)]:
                _post(op, lics, office, order, shipped, branch, tally)
            _check(periods)
            transaction.set_rollback(True)

    check()
    # both ways (the way back out of transfer lots), counts in both offices: not only skipped steps
    assert {("transfer", 0), ("transfer", 1), ("count", 0), ("count", 1)} <= set(tally), tally
