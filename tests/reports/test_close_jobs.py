"""The period close's background jobs (reports.services, reports.tasks; decision records 0016, 0017):
a lock-date move is a short transaction that queues the job writing the stored figures, at every
door; while the job has not run (or after a move back it has not caught up with) every report is
exact, from the ledger; a failed job is shown on the close page and runs again; the close page's
"Ledger check" item is OK only on a full check (journal and stored figures included) that found
nothing and after which nothing was written."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection

from core import roles
from inventory_lots.models import LockDate
from inventory_lots.services import set_lock_date
from reports import services, snapshots
from reports.models import JobStatus, LedgerCheck, SnapshotFigures, SnapshotRun, ValuationSnapshot
from tests.conftest import adjust_in

from .conftest import build_ledger, close_books, day, fail_snapshot_job
from .test_snapshots import FIRST, LAST, assert_same_as_scan, days, scopes

pytestmark = pytest.mark.django_db


def assert_reports_exact(ledger) -> None:
    """What the reports answer (stored figures where they may be read, else the ledger) = the scan:
    valuation totals at every day and scope, the roll-forward of each month and of both, the
    journal summary of each month."""
    from reports import journal, selectors

    for scope in scopes(ledger):
        for d in days(FIRST, LAST):
            assert selectors.valuation_totals(as_of=d, scope=scope) == selectors.scanned_totals(as_of=d, scope=scope)
    for start, end in [(day(1), day(31)), (day(1, 4), day(30, 4)), (day(1), day(30, 4))]:
        report = selectors.roll_forward(date_from=start, date_to=end)
        assert report.rows == selectors.scanned_roll_forward_rows(date_from=start, date_to=end)
        lines = journal.iter_lines(date_from=start, date_to=end)
        assert list(journal.summary_lines(date_from=start, date_to=end)) == list(journal.summarize(lines))


def queued_jobs() -> list[str]:
    """The period-close jobs waiting (a COGS job another test committed may wait beside them: the
    jobs table of a transactional test's database is not emptied between tests)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT task_name FROM procrastinate_jobs WHERE status = 'todo' AND task_name LIKE 'reports.%%' ORDER BY id"
        )
        return [r[0] for r in cursor.fetchall()]


def stored_dates() -> list[datetime.date]:
    return list(ValuationSnapshot.objects.order_by("date").values_list("date", flat=True))


def test_a_move_queues_the_job_and_the_reports_are_exact_before_it_runs(django_capture_on_commit_callbacks):
    ledger = build_ledger()
    close_books(date=day(31))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        set_lock_date(date=day(15, 4), actor=None)
    assert len(callbacks) == 1 and queued_jobs() == ["reports.write_snapshots"]
    run = SnapshotRun.objects.order_by("-id").first()
    assert (run.date, run.status) == (day(15, 4), JobStatus.QUEUED)
    assert stored_dates() == [day(31)]  # nothing written in the move's transaction
    assert snapshots.snapshot_state()[0] == day(31)  # the days after it: from the ledger
    assert_same_as_scan(ledger)
    assert_reports_exact(ledger)
    # a second move while the job waits: no second job (the waiting one writes up to the latest)
    with django_capture_on_commit_callbacks(execute=True):
        set_lock_date(date=day(20, 4), actor=None)
    assert queued_jobs() == ["reports.write_snapshots"]
    assert services.write_snapshots_now() == day(20, 4)
    assert stored_dates() == [day(31), day(20, 4)]
    assert set(SnapshotRun.objects.values_list("status", flat=True)) == {JobStatus.DONE}
    assert SnapshotRun.objects.filter(written_through=day(20, 4)).count() == 2
    assert_same_as_scan(ledger)
    assert snapshots.snapshot_violations() == []


def test_a_move_back_before_the_job_runs_is_never_served_stale():
    """Written to 15 April; moved back to 10 March, a posting in the reopened days, moved on to 20
    April, all before any job ran: the 15 April snapshot no longer holds (the posting is not in it),
    so nothing stored after 10 March is read until the job has rewritten it."""
    ledger = build_ledger()
    close_books(date=day(15, 4))
    admin = User.objects.create_superuser("admin", "admin@example.com", "pw-123456789")
    set_lock_date(date=day(10), actor=admin, reason="a missed receipt")
    assert snapshots.snapshot_state() is None
    adjust_in(office=ledger.hq, lic=ledger.widget, quantity="3", unit_cost="1.50", date=day(12))
    set_lock_date(date=day(20, 4), actor=admin)
    assert snapshots.snapshot_state() is None  # 15 April <= the lock date, but the lock went below it since
    assert_reports_exact(ledger)
    assert snapshots.snapshot_violations() == []  # stale figures are not read, so not checked either
    services.write_snapshots_now()
    assert stored_dates() == [day(31), day(20, 4)]  # 15 April (and 31 March before it) dropped, rewritten
    assert_same_as_scan(ledger)
    assert snapshots.snapshot_violations() == []


def test_a_failed_job_is_shown_on_the_close_page_and_runs_again(monkeypatch, viewer_client):
    build_ledger()
    set_lock_date(date=day(31), actor=None)
    run = fail_snapshot_job(monkeypatch)
    assert (run.status, run.attempts, run.error) == (JobStatus.FAILED, 1, "RuntimeError: disk full")
    assert services.snapshots_behind()  # the periodic catch-up queues a job for it
    html = viewer_client.get("/reports/close/").content.decode()
    stored = html.split('id="stored-figures"', 1)[1].split("</div>", 1)[0]
    assert 'data-state="todo"' in stored and "failed" in stored and "disk full" in stored
    assert "retried automatically" in stored

    monkeypatch.undo()
    services.write_snapshots_now()  # the retry
    run.refresh_from_db()
    assert (run.status, run.attempts, run.written_through, run.error) == (JobStatus.DONE, 2, day(31), "")
    assert not services.snapshots_behind()
    stored = viewer_client.get("/reports/close/").content.decode().split('id="stored-figures"', 1)[1]
    assert 'data-state="ok"' in stored.split("</div>", 1)[0] and "Written up to 2026-03-31" in stored


def test_every_door_queues_the_job_and_writes_nothing(django_capture_on_commit_callbacks, accountant, api):
    build_ledger()
    admin = User.objects.create_superuser("root2", "root2@example.com", "pw-Secret-123")
    from django.test import Client

    page = Client()
    page.force_login(accountant)
    with django_capture_on_commit_callbacks(execute=True):
        response = page.post("/reports/close/", {"date": "2026-03-31", "confirm": "yes"})
    assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        assert api(accountant).post("/api/v1/lock-date/", {"date": "2026-04-10"}, format="json").status_code == 201
    admin_client = Client()
    admin_client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/inventory_lots/lockdate/move-back/", {"date": "2026-03-20", "reason": "a late invoice"}
        )
    assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        call_command("stored_figures", "--queue")
    assert list(SnapshotRun.objects.order_by("id").values_list("date", "status")) == [
        (day(31), JobStatus.QUEUED),
        (day(10, 4), JobStatus.QUEUED),
        (day(20), JobStatus.QUEUED),
    ]
    assert list(SnapshotRun.objects.values_list("lock_row_id", flat=True).order_by("id")) == list(
        LockDate.objects.order_by("id").values_list("id", flat=True)
    )
    assert queued_jobs() == ["reports.write_snapshots"]  # one waiting job covers them all
    assert not ValuationSnapshot.objects.exists()
    call_command("stored_figures")  # in this process, waiting for it
    assert stored_dates() == [day(20)]
    assert set(SnapshotRun.objects.values_list("status", flat=True)) == {JobStatus.DONE}


def states(html: str) -> dict[str, str]:
    out = {}
    for part in html.split('id="check-')[1:]:
        key = part.split('"', 1)[0]
        out[key] = part.split('data-state="', 1)[1].split('"', 1)[0]
    return out


def test_the_ledger_check_item_needs_a_full_check_after_the_last_write(viewer, accountant, accountant_client):
    build_ledger()
    close_books(date=day(31))
    html = accountant_client.get("/reports/close/").content.decode()
    assert states(html)["check_ledger"] == "todo" and "has not run yet" in html  # never checked: not OK
    check = services.check_ledger_now()
    assert (check.status, check.violations_count) == (JobStatus.DONE, 0)
    html = accountant_client.get("/reports/close/").content.decode()
    assert states(html)["check_ledger"] == "ok"

    # a stored figure broken with SQL: the item is no longer OK, before the next check and after it
    figure = SnapshotFigures.objects.exclude(value=0).order_by("pk").first()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE reports_snapshotfigures SET value = value + 1 WHERE id = %s", [figure.pk])
    html = accountant_client.get("/reports/close/").content.decode()
    assert states(html)["check_ledger"] == "todo" and "the books have changed since" in html
    services.check_ledger_now()
    html = accountant_client.get("/reports/close/").content.decode()
    assert states(html)["check_ledger"] == "todo" and "snapshot_figures" in html.split('id="violations"', 1)[1]

    # the page's button queues a check (accountants); a viewer may not
    from django.test import Client

    just_viewer = Client()
    just_viewer.force_login(viewer)
    assert just_viewer.post("/reports/close/check/", {"date": "2026-04-30"}).status_code == 403
    assert not LedgerCheck.objects.filter(status=JobStatus.QUEUED).exists()
    response = accountant_client.post("/reports/close/check/", {"date": "2026-04-30"})
    assert response.status_code == 302 and response["Location"] == "/reports/close/?date=2026-04-30"
    waiting = LedgerCheck.objects.get(status=JobStatus.QUEUED)
    assert waiting.requested_by == accountant
    html = accountant_client.get("/reports/close/?date=2026-04-30").content.decode()
    assert "A check is queued" in html


def test_the_close_page_runs_the_same_queries_with_jobs_recorded(viewer_client):
    from django.test.utils import CaptureQueriesContext

    ledger = build_ledger()
    close_books(date=day(31))
    services.check_ledger_now()
    # something pending, as after (the COGS item's query stops at the first table with a pending row)
    adjust_in(office=ledger.hq, lic=ledger.widget, quantity="1", unit_cost="1.50", date=day(9, 4))
    with CaptureQueriesContext(connection) as before:
        viewer_client.get("/reports/close/")
    for n in range(3):  # more postings, moves whose jobs wait, a failed job, checks waiting and done
        adjust_in(office=ledger.hq, lic=ledger.widget, quantity="3", unit_cost="1.50", date=day(10 + n, 4))
        set_lock_date(date=day(1 + n, 4), actor=None)
        services.check_ledger_now()
    SnapshotRun.objects.filter(pk=SnapshotRun.objects.order_by("-id").first().pk).update(status=JobStatus.FAILED)
    services.request_ledger_check(dispatch=lambda: None)
    with CaptureQueriesContext(connection) as after:
        viewer_client.get("/reports/close/")
    assert len(after.captured_queries) == len(before.captured_queries)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_writes_the_figures_then_checks_the_ledger():
    """The move commits (no test transaction around it), its job goes to procrastinate's table, and a
    worker process (``manage.py procrastinate worker --one-shot``, as ``make run`` starts one) writes
    the figures, then runs the ledger check it queues."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from tests.dburl import subprocess_database_url

    with connection.cursor() as cursor:  # jobs an earlier transactional test committed are not this test's
        cursor.execute("DELETE FROM procrastinate_jobs WHERE status = 'todo'")
    ledger = build_ledger()
    set_lock_date(date=day(31), actor=None)
    assert queued_jobs() == ["reports.write_snapshots"] and not ValuationSnapshot.objects.exists()
    connection.close()
    env = {**os.environ, "DATABASE_URL": subprocess_database_url(), "DJANGO_SETTINGS_MODULE": "lotledger.settings_test"}
    cmd = [sys.executable, "manage.py", "procrastinate", "worker", "--queues", "cogs", "--one-shot"]
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=300, check=False)
    run = SnapshotRun.objects.get()
    assert (run.status, run.written_through, run.attempts) == (JobStatus.DONE, day(31), 1), proc.stderr[-2000:]
    assert run.steps_done == run.steps_total == services.SNAPSHOT_STEPS  # every stage reported
    assert stored_dates() == [day(31)]
    check = LedgerCheck.objects.get()
    assert (check.status, check.violations_count) == (JobStatus.DONE, 0), proc.stderr[-2000:]
    assert_same_as_scan(ledger)
    # the check the job queued counts the job's own writes: the close page shows the item OK
    from django.test import Client

    from tests.factories import user_with_role

    reader = Client()
    reader.force_login(user_with_role(roles.VIEWER))
    html = reader.get("/reports/close/").content.decode()
    assert states(html)["check_ledger"] == "ok", html.split('id="check-check_ledger"', 1)[1][:600]
