"""The stored valuations of closed days (reports.snapshots, docs/reports.md "Snapshots"): written
when the lock date moves, read by ``valuation_totals``; at every date and scope they equal the scan of
the ledger (``scanned_totals``), before the lock date (the daily rows), after it (the rows at the
lock date plus the lots that changed since), after the lock date moves on, and after it moves back
and postings come into the reopened days. ``check_ledger`` compares them with the ledger and names
what a corruption broke."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection

from inventory_lots.models import Office
from orders.models import Order
from orders.services import ShipmentLineInput, post_shipment
from reports import selectors, snapshots
from reports.models import DailyValuation, OpenEntry, SnapshotFigures, ValuationSnapshot
from reports.selectors import Scope
from tests.conftest import adjust_in

from .conftest import D, build_ledger, close_books, day, run

pytestmark = pytest.mark.django_db


def days(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]


def scopes(ledger) -> list[Scope]:
    return [
        Scope(),
        Scope(office_id=ledger.hq.pk),
        Scope(office_id=ledger.branch.pk),
        Scope(type="purchase", office_id=ledger.branch.pk),
        Scope(type="purchase"),
        Scope(type="production", office_id=ledger.hq.pk),
    ]


FIRST, LAST = day(25, 2), day(30, 4)


def assert_same_as_scan(ledger, first=FIRST, last=LAST) -> int:
    """The stored path = the scan at every day and scope; returns how many answers came from it."""
    stored = 0
    for scope in scopes(ledger):
        for d in days(first, last):
            fast = snapshots.snapshot_totals(as_of=d, scope=scope)
            slow = selectors.scanned_totals(as_of=d, scope=scope)
            assert fast == slow, (d, scope, fast, slow)
            assert selectors.valuation_totals(as_of=d, scope=scope) == slow
            stored += 1
    return stored


def test_stored_totals_equal_the_scan_at_every_date_as_the_lock_date_moves(db):
    ledger = build_ledger()  # March and April, runs to 11 April
    assert snapshots.snapshot_totals(as_of=day(20), scope=Scope()) is None  # nothing stored yet

    close_books(date=day(31), actor=None)
    assert list(ValuationSnapshot.objects.order_by("date").values_list("date", flat=True)) == [day(31)]
    assert assert_same_as_scan(ledger) == 6 * 65
    assert snapshots.snapshot_violations() == []
    # the April entries were posted before the lock moved: kept as the open entries
    assert OpenEntry.objects.filter(date__gt=day(31)).count() > 0

    # after the lock date: new postings (above the watermark) are read too
    order = Order.objects.get()
    post_shipment(order=order, date=day(20, 4), actor=None, lines=[ShipmentLineInput(lic=ledger.widget, quantity=D(5))])
    adjust_in(office=ledger.branch, lic=ledger.gadget, quantity="7", unit_cost="4.00", date=day(21, 4))
    run(day(22, 4))
    assert_same_as_scan(ledger, first=day(28, 3))

    # forward to 15 April: a snapshot at the lock date, and the days in between
    close_books(date=day(15, 4), actor=None)
    assert list(ValuationSnapshot.objects.order_by("date").values_list("date", flat=True)) == [
        day(31),
        day(30, 4) - datetime.timedelta(days=15),
    ]
    assert_same_as_scan(ledger)
    assert snapshots.snapshot_violations() == []

    # back to 10 March (an administrator, with a reason): what was stored after it is dropped, and
    # postings dated in the reopened days are valued
    admin = User.objects.create_superuser("admin", "admin@example.com", "pw-123456789")
    close_books(date=day(10), actor=admin, reason="a missed receipt")
    assert list(ValuationSnapshot.objects.values_list("date", flat=True)) == [day(10)]
    assert not DailyValuation.objects.filter(date__gt=day(10)).exists()
    adjust_in(office=ledger.hq, lic=ledger.widget, quantity="3", unit_cost="1.50", date=day(12))
    run(day(23, 4))
    assert_same_as_scan(ledger)
    close_books(date=day(31), actor=admin)
    assert assert_same_as_scan(ledger) == 6 * 65
    assert snapshots.snapshot_violations() == []


def test_month_end_figures_by_lic_equal_the_scan(db):
    build_ledger()
    close_books(date=day(20, 4), actor=None)
    dates = list(ValuationSnapshot.objects.order_by("date").values_list("date", flat=True))
    assert dates == [day(31), day(20, 4)]  # the ledger starts on 1 March: March's month end, the lock date
    for snap in ValuationSnapshot.objects.all():
        stored = {
            (f.office_id, f.lic_id, f.type): (f.lots, f.quantity, f.value, f.unallocated_quantity, f.accrued_value)
            for f in SnapshotFigures.objects.filter(snapshot=snap)
            if any((f.lots, f.quantity, f.value, f.unallocated_quantity, f.accrued_value))  # not movements only
        }
        assert stored == selectors.ledger_figures(as_of=snap.date)
    hq = Office.objects.get(code="HQ")
    assert any(key[0] == hq.pk and key[2] == "" for key in selectors.ledger_figures(as_of=day(5, 4)))  # accrued


def _violations() -> list[dict]:
    return snapshots.snapshot_violations()


def test_check_ledger_names_a_stored_figure_that_disagrees_with_the_ledger(db, capsys):
    ledger = build_ledger()
    close_books(date=day(31), actor=None)
    call_command("check_ledger")  # clean
    figure = SnapshotFigures.objects.exclude(type="").filter(office_id=ledger.hq.pk).order_by("pk").first()
    SnapshotFigures.objects.filter(pk=figure.pk).update(value=figure.value + D("0.01"))
    names = {(v["check"], v["id"]) for v in _violations()}
    assert (
        "snapshot_figures",
        f"{figure.snapshot.date.isoformat()}/{ledger.hq.pk}/{figure.lic_id}/{figure.type}",
    ) in names
    assert ("snapshot_daily", figure.snapshot.date.isoformat()) in names
    with pytest.raises(SystemExit):
        call_command("check_ledger")
    assert "snapshot_figures" in capsys.readouterr().out


def test_check_ledger_names_daily_rows_and_entries_behind_the_snapshot(db):
    ledger = build_ledger()
    close_books(date=day(31), actor=None)
    row = DailyValuation.objects.filter(date__lte=day(31)).exclude(type="").order_by("-date").first()
    DailyValuation.objects.filter(pk=row.pk).update(lots=99)
    assert ("snapshot_daily", day(31).isoformat()) in {(v["check"], v["id"]) for v in _violations()}
    DailyValuation.objects.filter(pk=row.pk).update(lots=row.lots)

    # an entry posted after the snapshot but dated before it (written around the engine)
    lot = ledger.lots[0]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO cogs_cogsentry (run_id, kind, lic_id, office_id, lot_id, usage_id, date, quantity, value,"
            " unit_cost) SELECT run_id, 4, lic_id, office_id, lot_id, usage_id, %s, 0, 1.00, unit_cost"
            " FROM cogs_cogsentry WHERE lot_id = %s ORDER BY id LIMIT 1 RETURNING id",
            [day(20), lot.pk],
        )
        (entry_id,) = cursor.fetchone()
    names = {(v["check"], v["id"]) for v in _violations()}
    assert ("snapshot_entries", entry_id) in names
    # and an open entry that is no longer what the ledger holds
    OpenEntry.objects.filter(pk=OpenEntry.objects.order_by("pk").first().pk).update(value=D("123.45"))
    assert len([v for v in _violations() if v["check"] == "snapshot_entries"]) == 2


def test_pages_of_lots_walked_equal_the_whole_set(db):
    """A page of the per-lot valuation walks the lots (walk_sql): the same rows, in the same order,
    as the whole set computed at once, at every day, for each scope, at every page size."""
    ledger = build_ledger()
    for scope in [Scope(), Scope(office_id=ledger.branch.pk), Scope(lic_id=ledger.widget.pk), Scope(type="purchase")]:
        for d in days(FIRST, LAST):
            everything = selectors.valuation_rows(as_of=d, scope=scope)
            assert selectors.valuation_rows(as_of=d, scope=scope, limit=500) == everything
            assert selectors.valuation_rows(as_of=d, scope=scope, offset=1, limit=2) == everything[1:3]
            after, pages = None, []
            while page := selectors.valuation_rows(as_of=d, scope=scope, after=after, limit=2):
                pages += page
                after = page[-1].key
            assert pages == everything


def test_journal_summary_summed_in_sql_equals_the_summary_of_the_lines(db):
    from reports import journal

    build_ledger()
    for start, end in [(day(1), day(31)), (day(1, 4), day(30, 4)), (day(5), day(5))]:
        lines = journal.iter_lines(date_from=start, date_to=end)
        expected = list(journal.summarize(lines))
        got = list(journal.summary_lines(date_from=start, date_to=end))
        assert got == expected and [g.key for g in got] == [e.key for e in expected]
        assert got


def test_roll_forward_of_closed_months_from_the_snapshots_equals_the_scan(db):
    ledger = build_ledger()
    close_books(date=day(30, 4), actor=None)
    feb_end = day(1) - datetime.timedelta(days=1)
    for start, end in [(day(1), day(31)), (day(1, 4), day(30, 4)), (day(1), day(30, 4))]:
        for scope in [Scope(), Scope(office_id=ledger.hq.pk), Scope(lic_id=ledger.widget.pk)]:
            # from 1 March: no February snapshot, but nothing is dated before March (opening zero)
            stored = snapshots.stored_roll_forward(date_from=start, date_to=end, scope=scope)
            assert stored is not None and stored == selectors.scanned_roll_forward_rows(
                date_from=start, date_to=end, scope=scope
            )
    assert feb_end < day(1)
    assert snapshots.snapshot_violations() == []
    # a corrupted movement is named
    figure = SnapshotFigures.objects.filter(type="").exclude(cogs=0).order_by("pk").first()
    SnapshotFigures.objects.filter(pk=figure.pk).update(cogs=figure.cogs + 1)
    assert "snapshot_moves" in {v["check"] for v in snapshots.snapshot_violations()}
