"""The stored aging (reports.snapshots: ``AgingFigures`` by lot date at each snapshot, ``AgingDay``
per closed day) and the roll-forwards read from the stored figures: at random dates, scopes and
bucket bounds they equal the scan of the ledger to the cent, before the lock date (the nearer
snapshot plus or minus the stored days), at it, after it (plus the lots changed since), as the lock
date moves forward, back and forward again; ``check_ledger`` names a stored aging that disagrees."""

from __future__ import annotations

import datetime
import random

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import Order
from orders.services import ShipmentLineInput, post_shipment
from reports import home, selectors, snapshots
from reports.models import AgingDay, AgingFigures, DailyMovement, ValuationSnapshot
from reports.selectors import Scope
from tests.conftest import adjust_in

from .conftest import D, build_ledger, close_books, day, run

pytestmark = pytest.mark.django_db

FIRST, LAST = day(25, 2), day(30, 4)
BOUNDS = [(30, 60, 90, 180), (2, 7, 14), (1,), (10, 3, 40)]  # the last unsorted: buckets count the bounds


def days(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]


def assert_same_as_scan(ledger, *, seed: int, first=FIRST, last=LAST) -> None:
    """Every day with two short bounds and every scope; random days with the other bounds."""
    rng = random.Random(seed)
    scopes = [Scope(), Scope(office_id=ledger.hq.pk), Scope(office_id=ledger.branch.pk)]
    cases = [(d, Scope(), (2, 7, 14)) for d in days(first, last)]
    cases += [(rng.choice(days(first, last)), rng.choice(scopes), rng.choice(BOUNDS)) for _ in range(25)]
    for d, scope, bounds in cases:
        stored = snapshots.stored_aging(as_of=d, scope=scope, bounds=bounds)
        assert stored is not None, (d, scope)  # answered from the stored aging
        scan = selectors.scanned_aging(as_of=d, scope=scope, bounds=bounds)
        assert selectors.aging(as_of=d, scope=scope, bounds=bounds) == scan, (d, scope, bounds)
        totals = selectors.aging(as_of=d, scope=scope, bounds=bounds, by_lic=False)
        assert totals.rows == [] and totals.totals == scan.totals, (d, scope, bounds)


def test_stored_aging_equals_the_scan_as_the_lock_date_moves(db):
    ledger = build_ledger()  # March and April, runs to 11 April
    assert snapshots.stored_aging(as_of=day(20), scope=Scope(), bounds=(30,)) is None  # nothing stored yet
    close_books(date=day(31))
    assert AgingFigures.objects.filter(lic_id__isnull=True).exists()  # the office totals
    assert not AgingDay.objects.filter(date__gt=day(31)).exists()
    assert_same_as_scan(ledger, seed=1)
    assert snapshots.snapshot_violations() == []

    # after the lock date: postings above the watermark are read too
    post_shipment(
        order=Order.objects.get(),
        date=day(20, 4),
        actor=None,
        lines=[ShipmentLineInput(lic=ledger.widget, quantity=D(5))],
    )
    adjust_in(office=ledger.branch, lic=ledger.gadget, quantity="7", unit_cost="4.00", date=day(21, 4))
    run(day(22, 4))
    assert_same_as_scan(ledger, seed=2, first=day(28, 3))

    close_books(date=day(15, 4))  # forward: a snapshot at 15 April, its days stored
    assert AgingDay.objects.filter(date__gt=day(31)).exists()
    assert_same_as_scan(ledger, seed=3)
    assert snapshots.snapshot_violations() == []

    # back to 10 March: what was stored after it is dropped; postings come into the reopened days
    admin = User.objects.create_superuser("admin", "admin@example.com", "pw-123456789")
    close_books(date=day(10), actor=admin, reason="a missed receipt")
    assert not AgingDay.objects.filter(date__gt=day(10)).exists()
    assert list(AgingFigures.objects.values_list("snapshot__date", flat=True).distinct()) == [day(10)]
    adjust_in(office=ledger.hq, lic=ledger.widget, quantity="3", unit_cost="1.50", date=day(12))
    run(day(23, 4))
    assert_same_as_scan(ledger, seed=4)
    close_books(date=day(30, 4), actor=admin)
    assert_same_as_scan(ledger, seed=5)
    assert snapshots.snapshot_violations() == []


def test_the_aging_before_the_first_snapshot_and_far_bounds(db):
    ledger = build_ledger()
    close_books(date=day(30, 4))
    for d in [datetime.date(2026, 1, 1), day(1), datetime.date.min, datetime.date(9999, 12, 31)]:
        for bounds in [(30,), (36500,), (0, 1)]:
            assert selectors.aging(as_of=d, bounds=bounds) == selectors.scanned_aging(as_of=d, bounds=bounds)
    # one LIC: the scan answers (its lots are few)
    assert snapshots.stored_aging(as_of=day(5, 4), scope=Scope(lic_id=ledger.widget.pk), bounds=(30,)) is None


def test_check_ledger_names_a_stored_aging_that_disagrees_with_the_ledger(db, capsys):
    ledger = build_ledger()
    close_books(date=day(15, 4))
    call_command("check_ledger")  # clean
    row = AgingFigures.objects.filter(snapshot__date=day(15, 4), office_id=ledger.hq.pk, lic_id__isnull=False).first()
    values = list(row.cum_values)
    values[-1] += D("0.01")
    AgingFigures.objects.filter(pk=row.pk).update(cum_values=values)
    names = {(v["check"], v["id"]) for v in snapshots.snapshot_violations()}
    key = f"{day(15, 4).isoformat()}/{ledger.hq.pk}/{row.lic_id}/{row.lot_dates[-1].isoformat()}"
    assert ("snapshot_aging", key) in names  # against the ledger
    assert ("snapshot_aging", key + "/days") in names  # against the stored days
    assert ("snapshot_aging", f"{day(15, 4).isoformat()}/{ledger.hq.pk}/all/{row.lot_dates[-1].isoformat()}") in names
    with pytest.raises(SystemExit):
        call_command("check_ledger")
    assert "snapshot_aging" in capsys.readouterr().out
    AgingFigures.objects.filter(pk=row.pk).update(cum_values=row.cum_values)
    assert snapshots.snapshot_violations() == []

    # a stored day that does not add up to the change between two snapshots
    stored_day = AgingDay.objects.filter(date__gt=day(31)).order_by("pk").first()
    AgingDay.objects.filter(pk=stored_day.pk).update(quantity=stored_day.quantity + 1)
    assert "snapshot_aging" in {v["check"] for v in snapshots.snapshot_violations()}


def test_roll_forward_of_the_first_month_and_the_open_month_from_stored_figures(db):
    ledger = build_ledger()
    close_books(date=day(31))  # March closed: its opening is before any record, April after the lock date
    post_shipment(
        order=Order.objects.get(),
        date=day(20, 4),
        actor=None,
        lines=[ShipmentLineInput(lic=ledger.widget, quantity=D(5))],
    )
    run(day(22, 4))
    periods = [(day(1), day(31)), (day(1, 4), day(30, 4)), (day(1), day(30, 4)), (day(1, 4), day(10, 4))]
    assert_rolls_as_the_scan(ledger, periods)
    # a period opening after the lock date: the scan
    assert snapshots.stored_roll_forward(date_from=day(5, 4), date_to=day(30, 4), scope=Scope()) is None


def assert_rolls_as_the_scan(ledger, periods) -> None:
    for start, end in periods:
        for scope in [Scope(), Scope(office_id=ledger.hq.pk), Scope(lic_id=ledger.widget.pk)]:
            stored = snapshots.stored_roll_forward(date_from=start, date_to=end, scope=scope)
            assert stored is not None, (start, end)
            assert stored == selectors.scanned_roll_forward_rows(date_from=start, date_to=end, scope=scope), (
                start,
                end,
                scope,
            )


def test_roll_forward_of_any_closed_period_from_the_stored_days(db):
    """Periods whose dates are not snapshot dates: the opening from the nearest snapshot before it
    plus the stored days, the movements from the stored days and the snapshots in between."""
    ledger = build_ledger()
    close_books(date=day(15, 4))
    rng = random.Random(7)
    closed = days(day(1), day(15, 4))
    periods = [(day(5), day(20)), (day(5), day(12, 4)), (day(2, 4), day(3, 4)), (day(16, 3), day(20, 4))]
    periods += [tuple(sorted(rng.sample(closed, 2))) for _ in range(12)]
    assert_rolls_as_the_scan(ledger, periods)
    assert snapshots.snapshot_violations() == []
    # a stored day that does not add up to its snapshot is named
    row = DailyMovement.objects.exclude(cogs=0).order_by("pk").first()
    DailyMovement.objects.filter(pk=row.pk).update(cogs=row.cogs + 1)
    names = {v["check"] for v in snapshots.snapshot_violations()}
    assert "snapshot_day_moves" in names


def test_home_aging_chart_from_the_stored_aging(db, viewer_client):
    build_ledger()
    close_books(date=day(31))
    today = day(20, 4)
    books = home.books(today)
    assert books.aging.totals == selectors.scanned_aging(as_of=today).totals
    viewer_client.get("/")
    with CaptureQueriesContext(connection) as first:
        viewer_client.get("/")
    close_books(date=day(15, 4))
    assert ValuationSnapshot.objects.count() == 2
    with CaptureQueriesContext(connection) as second:
        viewer_client.get("/")
    assert len(first.captured_queries) == len(second.captured_queries)
