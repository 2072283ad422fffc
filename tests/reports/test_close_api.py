"""``GET /api/v1/close/`` (reports.api.CloseJobsView, reports.close.close_jobs): the lock date and the
state of the period close's background jobs as the close page shows them (the stored figures of
the latest lock-date move, the latest finished ledger check and one waiting), to the close page's
readers only (the viewer permission, "see costs", every office). The jobs are run in this process,
as tests/reports/test_close_jobs.py runs them (``write_snapshots_now``, ``check_ledger_now``)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from core import roles
from inventory_lots import dates
from inventory_lots.services import set_lock_date
from reports import services
from reports.models import JobStatus, LedgerCheck, SnapshotRun
from tests.api.openapi_check import api_schema, problems
from tests.conftest import adjust_in
from tests.factories import LicFactory, OfficeFactory, UserFactory, user_with_role

from .conftest import day, fail_snapshot_job

pytestmark = pytest.mark.django_db
URL = "/api/v1/close/"
TODAY = datetime.date(2026, 5, 10)
# the token's user, its permissions, then the lock date, the latest stored-figures job, the latest
# finished ledger check, the books' watermark and the waiting check: whatever the jobs recorded
QUERIES = 8


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    monkeypatch.setattr(dates, "today", lambda: TODAY)


def utc(moment: datetime.datetime | None) -> str | None:
    """A timestamp as the API writes it (API.md: ISO 8601 UTC)."""
    return None if moment is None else moment.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def ledger():
    hq, widget = OfficeFactory(code="HQ"), LicFactory(code="WIDGET")
    adjust_in(office=hq, lic=widget, quantity="10", unit_cost="2.00", date=day(2))
    return hq, widget


def test_nothing_closed_nor_checked_yet(api, viewer):
    response = api(viewer).get(URL)
    assert response.status_code == 200
    assert response.json() == {
        "lock_date": None,
        "stored_figures": None,
        "ledger_check": None,
        "ledger_check_waiting": None,
    }


def test_a_move_queues_the_stored_figures_then_the_job_writes_them(
    api, accountant, viewer, django_capture_on_commit_callbacks
):
    ledger()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert api(accountant).post("/api/v1/lock-date/", {"date": "2026-03-31"}, format="json").status_code == 201
    assert len(callbacks) == 1  # the job, queued on commit
    run = SnapshotRun.objects.get()
    body = api(viewer).get(URL).json()
    assert body == {
        "lock_date": "2026-03-31",
        "stored_figures": {
            "id": run.pk,
            "status": "queued",
            "date": "2026-03-31",
            "created_at": utc(run.created_at),
            "started_at": None,
            "finished_at": None,
            "attempts": 0,
            "step": "",
            "steps_done": 0,
            "steps_total": 0,
            "written_through": None,
            "error": "",
        },
        "ledger_check": None,
        "ledger_check_waiting": None,
    }
    assert body["stored_figures"]["created_at"].endswith("Z")

    assert services.write_snapshots_now() == day(31)  # the job's body, in this process
    run.refresh_from_db()
    assert run.started_at <= run.finished_at
    body = api(viewer).get(URL).json()
    assert body == {
        "lock_date": "2026-03-31",
        "stored_figures": {
            "id": run.pk,
            "status": "done",
            "date": "2026-03-31",
            "created_at": utc(run.created_at),
            "started_at": utc(run.started_at),
            "finished_at": utc(run.finished_at),
            "attempts": 1,
            "step": "",
            "steps_done": services.SNAPSHOT_STEPS,
            "steps_total": services.SNAPSHOT_STEPS,
            "written_through": "2026-03-31",
            "error": "",
        },
        "ledger_check": None,
        "ledger_check_waiting": None,
    }
    # a later move: the latest request is shown, queued again, the earlier one's figures kept
    set_lock_date(date=day(15, 4), actor=accountant)
    later = SnapshotRun.objects.order_by("-id").first()
    body = api(viewer).get(URL).json()
    assert (body["lock_date"], body["stored_figures"]["id"], body["stored_figures"]["status"]) == (
        "2026-04-15",
        later.pk,
        "queued",
    )
    assert body["stored_figures"]["written_through"] is None and later.pk != run.pk


def test_a_failed_job_shows_its_error_and_attempt_then_the_retry(api, viewer, monkeypatch):
    ledger()
    set_lock_date(date=day(31), actor=None)
    run = fail_snapshot_job(monkeypatch)
    body = api(viewer).get(URL).json()
    assert body["stored_figures"] == {
        "id": run.pk,
        "status": "failed",
        "date": "2026-03-31",
        "created_at": utc(run.created_at),
        "started_at": utc(run.started_at),
        "finished_at": utc(run.finished_at),
        "attempts": 1,
        # the stage is recorded through a connection of its own, which this test's transaction hides
        "step": "",
        "steps_done": 0,
        "steps_total": 0,
        "written_through": None,
        "error": "RuntimeError: disk full",
    }
    assert run.started_at <= run.finished_at
    monkeypatch.undo()
    services.write_snapshots_now()  # the retry
    stored = api(viewer).get(URL).json()["stored_figures"]
    assert (stored["status"], stored["attempts"], stored["written_through"], stored["error"]) == (
        "done",
        2,
        "2026-03-31",
        "",
    )


def test_the_ledger_check_its_currency_one_waiting_and_a_failed_one(api, viewer, accountant, monkeypatch):
    hq, widget = ledger()
    check = services.check_ledger_now()
    check.refresh_from_db()
    expected = {
        "id": check.pk,
        "status": "done",
        "created_at": utc(check.created_at),
        "started_at": utc(check.started_at),
        "finished_at": utc(check.finished_at),
        "violations_count": 0,
        "error": "",
        "current": True,
    }
    assert api(viewer).get(URL).json() == {
        "lock_date": None,
        "stored_figures": None,
        "ledger_check": expected,
        "ledger_check_waiting": None,
    }
    # a posting since: the result no longer speaks for the books (the close page: "changed since")
    adjust_in(office=hq, lic=widget, quantity="1", unit_cost="2.00", date=day(3))
    assert api(viewer).get(URL).json()["ledger_check"] == {**expected, "current": False}
    assert "the books have changed since" in _close_page(viewer)

    # one queued (the page's button): shown beside the latest finished one
    waiting = services.request_ledger_check(actor=accountant, dispatch=lambda: None)
    waiting.refresh_from_db()
    body = api(viewer).get(URL).json()
    assert body["ledger_check"] == {**expected, "current": False}
    assert body["ledger_check_waiting"] == {
        "id": waiting.pk,
        "status": "queued",
        "created_at": utc(waiting.created_at),
        "started_at": None,
    }

    # it runs and fails: the latest finished check is the failed one, with its error; none waits
    def broken(limit):
        raise RuntimeError("statement timeout")

    monkeypatch.setattr(services, "all_violations", broken)
    with pytest.raises(RuntimeError):
        services.check_ledger_now()
    waiting.refresh_from_db()
    assert api(viewer).get(URL).json()["ledger_check"] == {
        "id": waiting.pk,
        "status": "failed",
        "created_at": utc(waiting.created_at),
        "started_at": utc(waiting.started_at),
        "finished_at": utc(waiting.finished_at),
        "violations_count": None,
        "error": "RuntimeError: statement timeout",
        "current": True,
    }
    assert api(viewer).get(URL).json()["ledger_check_waiting"] is None


def test_the_answer_matches_its_schema(api, viewer):
    ledger()
    set_lock_date(date=day(31), actor=None)
    services.write_snapshots_now()
    services.check_ledger_now()
    services.request_ledger_check(dispatch=lambda: None)
    body = api(viewer).get(URL).json()
    assert None not in (body["stored_figures"], body["ledger_check"], body["ledger_check_waiting"])
    schema = api_schema()
    assert problems(schema, "CloseJobs", body) == []  # strict: no key the schema does not document
    operation = schema["paths"][URL]
    assert list(operation) == ["get"] and set(operation["get"]["responses"]) == {"200", "401", "403"}


def _close_page(user) -> str:
    client = Client()
    client.force_login(user)
    return client.get("/reports/close/").content.decode()


def test_only_the_close_pages_readers_get_it(api, viewer, accountant, clerk, admin_user):
    """The close page's rule (reports.pages.require_books_wide): the viewer permission, "see
    costs" and every office; the page and the API refuse the same users."""
    hq, _ = ledger()
    limited = user_with_role(roles.ACCOUNTANT, username="hq-only", all_offices=False, offices={hq: True})
    no_role = UserFactory(username="no-role")
    for user, expected in [
        (viewer, 200),
        (accountant, 200),
        (admin_user, 200),
        (clerk, 403),  # no "see costs"
        (limited, 403),  # not every office
        (no_role, 403),  # no viewer permission
    ]:
        assert api(user).get(URL).status_code == expected, user.username
        page = Client()
        page.force_login(user)
        assert page.get("/reports/close/").status_code == expected, user.username
    refused = api(limited).get(URL).json()
    assert refused == {
        "code": "permission_denied",
        "message": "The lock date is the same for every office: closing needs every office.",
        "field": None,
        "errors": {},
    }
    assert api(clerk).get(URL).json()["message"] == "You do not have access to costs."
    anonymous = APIClient().get(URL)
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "not_authenticated"
    # read-only: nothing to post (a viewer's POST is refused by role, an administrator's is 405)
    assert api(viewer).post(URL, {}, format="json").status_code == 403
    assert api(admin_user).post(URL, {}, format="json").status_code == 405
    assert not SnapshotRun.objects.exists() and not LedgerCheck.objects.exists()


def test_the_same_queries_whatever_the_jobs_recorded(api, viewer, accountant):
    client = api(viewer)
    client.get(URL)  # warm the content types
    with CaptureQueriesContext(connection) as empty:
        assert client.get(URL).status_code == 200
    hq, widget = ledger()
    for n in range(3):  # moves (done, then queued), checks done, failed and waiting
        adjust_in(office=hq, lic=widget, quantity="1", unit_cost="2.00", date=day(10 + n, 4))
        set_lock_date(date=day(1 + n, 4), actor=None)
        services.write_snapshots_now()
        services.check_ledger_now()
    set_lock_date(date=day(20, 4), actor=accountant)
    LedgerCheck.objects.filter(pk=LedgerCheck.objects.order_by("-id").first().pk).update(
        status=JobStatus.FAILED, error="RuntimeError: x"
    )
    services.request_ledger_check(dispatch=lambda: None)
    with CaptureQueriesContext(connection) as full:
        body = client.get(URL).json()
    assert body["stored_figures"]["status"] == "queued" and body["ledger_check_waiting"]["status"] == "queued"
    assert len(empty.captured_queries) == len(full.captured_queries) == QUERIES, [
        q["sql"][:120] for q in full.captured_queries
    ]
