"""The journal's stored daily sums (reports.models.JournalDay, written with the snapshots when the
lock date moves): the summary read from them (and, after the latest snapshot, from the ledger with
the open entries) equals the summary of the lines read from the ledger alone, for random periods and
offices, as the lock date moves forward, back and forward again, after later postings and after an
office's accounts are remapped; ``check_ledger`` names a stored sum that disagrees."""

from __future__ import annotations

import datetime
import random

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from orders.models import Order
from orders.services import ShipmentLineInput, post_shipment
from reports import journal, snapshots
from reports.models import JournalDay, SnapshotCogs
from tests.conftest import adjust_in

from .conftest import D, build_ledger, close_books, day, run

pytestmark = pytest.mark.django_db

FIRST, LAST = day(25, 2), day(30, 4)


def periods(rng: random.Random, count: int) -> list[tuple[datetime.date, datetime.date]]:
    span = (LAST - FIRST).days
    out = [(day(1), day(31)), (day(1, 4), day(30, 4)), (FIRST, LAST)]
    for _ in range(count):
        a, b = sorted(rng.randrange(0, span + 1) for _ in range(2))
        out.append((FIRST + datetime.timedelta(days=a), FIRST + datetime.timedelta(days=b)))
    return out


def assert_summary_is_the_scan(ledger, rng: random.Random, count: int = 12) -> None:
    offices = [None, [ledger.hq.pk], [ledger.branch.pk], [ledger.hq.pk, ledger.branch.pk]]
    for start, end in periods(rng, count):
        for office_ids in offices:
            expected = list(journal.summarize(journal.iter_lines(date_from=start, date_to=end, office_ids=office_ids)))
            got = list(journal.summary_lines(date_from=start, date_to=end, office_ids=office_ids))
            assert got == expected, (start, end, office_ids)
            assert [g.key for g in got] == [e.key for e in expected]
            lines = list(journal.iter_lines(date_from=start, date_to=end, office_ids=office_ids))
            totals = journal.journal_totals(date_from=start, date_to=end, office_ids=office_ids)
            assert totals == journal.JournalTotals(
                line_count=len(lines),
                debit=sum((line.debit for line in lines), D("0.00")),
                credit=sum((line.credit for line in lines), D("0.00")),
            ), (start, end, office_ids)


def test_stored_journal_summary_equals_the_lines_as_the_lock_date_moves(db):
    rng = random.Random(19)
    ledger = build_ledger()
    assert_summary_is_the_scan(ledger, rng)  # nothing stored: the scan

    close_books(date=day(31), actor=None)
    assert JournalDay.objects.exists()
    assert not JournalDay.objects.filter(date__gt=day(31)).exists()
    assert_summary_is_the_scan(ledger, rng)
    assert snapshots.snapshot_violations() == []

    # postings after the lock date (entries above the watermark, a new lot) are read live
    order = Order.objects.get()
    post_shipment(order=order, date=day(20, 4), actor=None, lines=[ShipmentLineInput(lic=ledger.widget, quantity=D(5))])
    adjust_in(office=ledger.branch, lic=ledger.gadget, quantity="7", unit_cost="4.00", date=day(21, 4))
    run(day(22, 4))
    assert_summary_is_the_scan(ledger, rng)

    close_books(date=day(15, 4), actor=None)
    assert_summary_is_the_scan(ledger, rng)
    assert snapshots.snapshot_violations() == []

    # back to 10 March: the stored days after it are dropped, postings come into the reopened days
    admin = User.objects.create_superuser("admin", "admin@example.com", "pw-123456789")
    close_books(date=day(10), actor=admin, reason="a missed receipt")
    assert not JournalDay.objects.filter(date__gt=day(10)).exists()
    adjust_in(office=ledger.hq, lic=ledger.widget, quantity="3", unit_cost="1.50", date=day(12))
    run(day(23, 4))
    assert_summary_is_the_scan(ledger, rng)
    close_books(date=day(31), actor=admin)
    assert_summary_is_the_scan(ledger, rng)
    assert snapshots.snapshot_violations() == []

    # an office's accounts remapped after the days were stored: the summary shows the new numbers
    journal.set_office_accounts(office=ledger.hq, accounts={"cogs": "5010", "adjustments": "5010"}, actor=admin)
    assert_summary_is_the_scan(ledger, rng, count=4)
    assert any(line.account == "5010" for line in journal.summary_lines(date_from=day(1), date_to=day(31)))


def test_check_ledger_names_a_stored_journal_sum_that_disagrees(db, capsys):
    ledger = build_ledger()
    close_books(date=day(31), actor=None)
    call_command("check_ledger")  # clean
    row = JournalDay.objects.filter(office_id=ledger.hq.pk).order_by("date", "role").first()
    before = sum(line.debit for line in journal.summary_lines(date_from=day(1), date_to=day(31)))
    JournalDay.objects.filter(pk=row.pk).update(debit=row.debit + D("0.01"))
    # the summary of closed days is what is stored (so the check is what guards it)
    assert sum(line.debit for line in journal.summary_lines(date_from=day(1), date_to=day(31))) == before + D("0.01")
    names = {(v["check"], v["id"]) for v in snapshots.snapshot_violations()}
    assert ("snapshot_journal", f"{row.date.isoformat()}/{ledger.hq.pk}/{row.role}") in names
    with pytest.raises(SystemExit):
        call_command("check_ledger")
    assert "snapshot_journal" in capsys.readouterr().out
    # a day stored after the snapshot (the journal there is still open) is named too
    JournalDay.objects.filter(pk=row.pk).update(debit=row.debit)
    JournalDay.objects.create(
        date=day(5, 4), office_id=ledger.hq.pk, role="cogs", lines=1, debit=D("1.00"), credit=D("0")
    )
    assert ("snapshot_journal", f"{day(5, 4).isoformat()}/{ledger.hq.pk}/cogs") in {
        (v["check"], v["id"]) for v in snapshots.snapshot_violations()
    }


def test_detailed_journal_csv_written_by_copy_is_the_lines_as_python_writes_them(db, accountant_client):
    """The detailed CSV comes from PostgreSQL's COPY (exports.journal_csv_response): byte for byte the
    CSV Python writes from the lines (the workbook's cells), for whole months, a span and an office."""
    import csv
    import io

    from reports import exports

    ledger = build_ledger()
    for query in (
        "date_from=2026-03-01&date_to=2026-03-31",
        "date_from=2026-04-01&date_to=2026-04-30",
        "date_from=2026-02-25&date_to=2026-04-30",
        f"date_from=2026-03-01&date_to=2026-04-30&office={ledger.branch.code}",
    ):
        response = accountant_client.get(f"/reports/journal.csv?{query}")
        assert response.status_code == 200
        got = b"".join(response.streaming_content).decode()
        sheet = exports.journal_sheet(dict(item.split("=") for item in query.split("&")))
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(sheet.header)
        rows = [sheet.cells(line, True) for line in sheet.rows]
        writer.writerows(rows)
        assert rows
        assert got == out.getvalue(), query


def test_home_cogs_per_month_from_the_stored_movements_equals_the_entries(db):
    """The home page's COGS per month read from the snapshots' movements (and the entries after the
    latest one, without a scan) = the sum of the entries, as the lock date moves forward and back."""
    from reports import home

    ledger = build_ledger()
    admin = User.objects.create_superuser("admin", "admin@example.com", "pw-123456789")

    def assert_same() -> None:
        for first, last in [(day(1, 2), day(31, 5)), (day(1), day(31)), (day(1, 4), day(30, 4))]:
            scanned = {m: v for m, v in home.scanned_cogs_by_month(first, last).items() if v != 0}
            assert home.cogs_by_month(first, last) == scanned, (first, last)
            assert scanned

    for lock in (day(31), day(15, 4)):
        close_books(date=lock, actor=admin)
        assert_same()
    order = Order.objects.get()
    post_shipment(order=order, date=day(20, 4), actor=None, lines=[ShipmentLineInput(lic=ledger.widget, quantity=D(5))])
    run(day(22, 4))
    assert_same()
    close_books(date=day(10), actor=admin, reason="a missed receipt")
    assert_same()
    close_books(date=day(30, 4), actor=admin)
    assert_same()
    # read from the stored movements summed per office (a corrupted one shows; check_ledger's
    # snapshot_day_moves names it)
    stored = SnapshotCogs.objects.order_by("pk").first()
    SnapshotCogs.objects.filter(pk=stored.pk).update(cogs=stored.cogs + 1)
    month = stored.snapshot.date.replace(day=1)
    assert (
        home.cogs_by_month(day(1, 2), day(31, 5))[month] == home.scanned_cogs_by_month(day(1, 2), day(31, 5))[month] + 1
    )
    named = {(v["check"], v["id"]) for v in snapshots.snapshot_violations()}
    assert ("snapshot_day_moves", f"{stored.snapshot.date.isoformat()}/{stored.office_id}/cogs") in named
