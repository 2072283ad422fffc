"""Closing a period (DOMAIN.md 10, last item): for a date D, the checklist the close page shows
before an accountant moves the lock date to D.

(a) a COGS run over everything (no office, no LIC) with business date D finished, status done and
    no exception, no earlier than the latest posting dated <= D was made (the ``created_at`` of the
    latest lot, receipt, production report, usage, unit cost change or job cost dated <= D), and
    nothing pending (``PendingCogs`` / ``PendingLotCost`` empty: every posting marks its pair
    pending in its own transaction, so a posting the run did not see is always caught here);
(b) usage not yet allocated at D and the open accrued COGS at D (``reports.selectors``): shown for
    review, it does not hold the close up (the accruals carry its estimated cost into the period);
(c) ``check_ledger`` clean: every check it runs (COGS, documents, journal, stored figures) runs as a
    background job, whose stored result counts only while nothing was written since it started
    (decision record 0017); the page never runs them (the COGS checks alone took seconds at scale);
(d) the journal of the period exported: an export (``reports.JournalExport``) of every office
    whose period covers the day after the lock date .. D, made no earlier than the latest posting
    dated <= D and the run of (a); "not available yet" while no such model is installed.

Beside the checklist, the state of the background job writing the stored figures of the last
lock-date move (``reports.SnapshotRun``); ``close_jobs`` gives the jobs' states alone (the API's
``GET /close/``). Reads only; the lock date moves through ``inventory_lots.services.set_lock_date``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.db import connection
from django.urls import NoReverseMatch, reverse

from cogs import selectors as cogs_selectors
from cogs.models import CogsRun, RunStatus
from inventory_lots import dates
from inventory_lots.selectors import current_lock_date

from . import selectors, services
from .models import JobStatus, LedgerCheck, SnapshotRun

VIOLATIONS_SHOWN = 20

OK, TODO, REVIEW, UNAVAILABLE = "ok", "todo", "review", "unavailable"
STATE_LABELS = {OK: "Done", TODO: "To do", REVIEW: "Review", UNAVAILABLE: "Not available yet"}


def month_end(day: datetime.date) -> datetime.date:
    """The last day of ``day``'s month."""
    first_next = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return first_next - datetime.timedelta(days=1)


def last_month_end(today: datetime.date) -> datetime.date:
    """The last day of the month before ``today``'s."""
    return today.replace(day=1) - datetime.timedelta(days=1)


def next_period_end(lock: datetime.date | None, today: datetime.date) -> datetime.date:
    """The next period to close: the end of the month of the day after the lock date; with no lock
    date, the last month end before today."""
    if lock is None:
        return last_month_end(today)
    if lock >= datetime.date.max - datetime.timedelta(days=31):
        return lock
    return month_end(lock + datetime.timedelta(days=1))


LAST_POSTING = """
SELECT GREATEST(
    (SELECT max(created_at) FROM inventory_lots_lot WHERE date <= %(d)s),
    (SELECT max(created_at) FROM purchasing_receipt WHERE date <= %(d)s),
    (SELECT max(created_at) FROM production_productionreport WHERE date <= %(d)s),
    (SELECT max(created_at) FROM inventory_lots_inventoryusage WHERE date <= %(d)s),
    (SELECT max(created_at) FROM inventory_lots_lotcostchange WHERE date <= %(d)s),
    (SELECT max(created_at) FROM production_jobcostentry WHERE date <= %(d)s))"""


def last_posting_at(day: datetime.date) -> datetime.datetime | None:
    """When the latest posting dated <= ``day`` was made (one query; None when there is none)."""
    with connection.cursor() as cursor:
        cursor.execute(LAST_POSTING, {"d": day})
        return cursor.fetchone()[0]


def run_for(day: datetime.date) -> CogsRun | None:
    """The latest finished run over everything with business date ``day``; else the latest such
    run in any state (queued, running, failed), so the page can say what it is doing."""
    runs = CogsRun.objects.filter(date=day, office__isnull=True, lic__isnull=True)
    return runs.filter(status=RunStatus.DONE).order_by("-finished_at", "-id").first() or runs.order_by("-id").first()


@dataclass(frozen=True)
class Check:
    key: str
    title: str
    state: str
    text: str
    url: str
    link_text: str

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]


@dataclass(frozen=True)
class StoredFigures:
    """The latest lock-date move's stored figures, as its job left them (reports.SnapshotRun)."""

    run: SnapshotRun
    state: str
    text: str

    @property
    def label(self) -> str:
        return {OK: "Written", TODO: "Failed", REVIEW: "Writing"}[self.state]


def _when(moment) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment is not None else "?"


def stored_figures() -> StoredFigures | None:
    """The state of the latest request to write the stored figures (one query), or None."""
    run = SnapshotRun.objects.order_by("-id").first()
    if run is None:
        return None
    target = f"{run.date:%Y-%m-%d}"
    if run.status == JobStatus.DONE:
        seconds = (run.finished_at - run.started_at).total_seconds() if run.started_at and run.finished_at else 0
        return StoredFigures(
            run,
            OK,
            f"Written up to {run.written_through or run.date:%Y-%m-%d} ({_when(run.finished_at)}, {seconds:.0f} s).",
        )
    meanwhile = "Until then, the reports read the days after the latest stored date from the ledger (exact, slower)."
    if run.status == JobStatus.FAILED:
        return StoredFigures(
            run,
            TODO,
            f"Writing the stored figures up to {target} failed ({_when(run.finished_at)}, attempt {run.attempts}): "
            f"{run.error} It is retried automatically. {meanwhile}",
        )
    if run.status == JobStatus.RUNNING:
        step = f": step {run.steps_done} of {run.steps_total}, {run.step}" if run.steps_total else ""
        return StoredFigures(
            run, REVIEW, f"Writing the stored figures up to {target} since {_when(run.started_at)}{step}. {meanwhile}"
        )
    return StoredFigures(
        run, REVIEW, f"Writing the stored figures up to {target} is queued ({_when(run.created_at)}). {meanwhile}"
    )


def waiting_ledger_check() -> LedgerCheck | None:
    """The newest check queued or running (one query), or None."""
    return LedgerCheck.objects.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).order_by("-id").first()


def _ledger_check(latest: LedgerCheck | None, waiting: LedgerCheck | None, now: dict) -> Check:
    """OK only when the latest full check found nothing and nothing was written since it started
    (its watermark is the books' now)."""
    link = ("#violations", "The list")
    queued = ""
    if waiting is not None:
        queued = (
            f" A check is running since {_when(waiting.started_at)}."
            if waiting.status == JobStatus.RUNNING
            else f" A check is queued ({_when(waiting.created_at)})."
        )
    if latest is None:
        text = (
            "Every check of check_ledger (the journal's and the stored figures' too) has not run yet: run the checks."
        )
        return Check("check_ledger", "Ledger check", TODO, text + queued, "#run-checks", "Run the checks")
    if latest.status == JobStatus.FAILED:
        text = f"The ledger check of {_when(latest.started_at)} failed: {latest.error}"
        return Check("check_ledger", "Ledger check", TODO, text + queued, "#run-checks", "Run the checks")
    if latest.violations_count:
        text = (
            f"check_ledger found {latest.violations_count} broken invariants at {_when(latest.started_at)} "
            "(listed below): the figures do not tie until they are fixed."
        )
        return Check("check_ledger", "Ledger check", TODO, text + queued, *link)
    if not latest.is_current(now):
        text = (
            f"check_ledger found nothing at {_when(latest.started_at)}, but the books have changed since: "
            "run the checks again."
        )
        return Check("check_ledger", "Ledger check", TODO, text + queued, "#run-checks", "Run the checks")
    return Check(
        "check_ledger",
        "Ledger check",
        OK,
        f"check_ledger found nothing at {_when(latest.started_at)} (every ledger, document, journal and stored-figure "
        "invariant), and nothing has been written since." + queued,
        reverse("reports:index"),
        "Reports",
    )


@dataclass(frozen=True)
class Checklist:
    date: datetime.date
    lock: datetime.date | None
    period_start: datetime.date | None  # the day after the lock date (None: from the beginning)
    run: CogsRun | None
    last_posting_at: datetime.datetime | None
    pending: bool
    unallocated_quantity: Decimal
    accrued_value: Decimal
    violations: list[dict]
    journal_export: object | None
    journal_available: bool
    checks: list[Check]
    ledger_check: LedgerCheck | None = None  # the latest finished background check
    ledger_check_waiting: LedgerCheck | None = None  # one queued or running
    stored: StoredFigures | None = None

    @property
    def open_items(self) -> int:
        return sum(1 for c in self.checks if c.state != OK)


def journal_export_model():
    """The journal export batch model, when the journal export has been built (DOMAIN.md 10)."""
    try:
        model = apps.get_model("reports", "JournalExport")
    except LookupError:
        return None
    names = {f.name for f in model._meta.get_fields()}
    return model if {"date_from", "date_to"} <= names else None


def journal_exported(model, start: datetime.date | None, day: datetime.date, since: datetime.datetime | None):
    """The latest export of every office covering the whole period (start .. day) made no earlier
    than ``since`` (the latest posting dated <= day, or the run's finish when later), or None."""
    exports = model.objects.filter(date_to__gte=day, offices=[])
    if start is not None:
        exports = exports.filter(date_from__lte=start)
    if since is not None:
        exports = exports.filter(created_at__gte=since)
    return exports.order_by("-pk").first()


def _journal_url() -> str:
    for name in ("reports:journal", "reports:index"):
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return "/reports/"


def _run_check(day, run, last_at, pending) -> Check:
    url, link = reverse("cogs:run_list"), "COGS runs"
    if run is None:
        return Check(
            "cogs_run",
            "COGS run",
            TODO,
            f"No COGS run over everything dated {day:%Y-%m-%d} yet: start "
            "one with this business date, so its revaluations and accruals fall in the period.",
            url,
            link,
        )
    if run.status != RunStatus.DONE or run.exceptions_count:
        return Check(
            "cogs_run",
            "COGS run",
            TODO,
            f"{run.number} dated {day:%Y-%m-%d} is {run.status_label.lower()}.",
            run.get_absolute_url(),
            run.number,
        )
    if last_at is not None and run.finished_at < last_at:
        return Check(
            "cogs_run",
            "COGS run",
            TODO,
            f"{run.number} finished {run.finished_at:%Y-%m-%d %H:%M} UTC, "
            f"before the latest posting dated on or before {day:%Y-%m-%d} ({last_at:%Y-%m-%d %H:%M} UTC): "
            "run again.",
            url,
            link,
        )
    if pending:
        return Check(
            "cogs_run",
            "COGS run",
            TODO,
            f"{run.number} is done, but postings made since are waiting for COGS: run again.",
            url,
            link,
        )
    return Check(
        "cogs_run",
        "COGS run",
        OK,
        f"{run.number} dated {day:%Y-%m-%d} finished "
        f"{run.finished_at:%Y-%m-%d %H:%M} UTC, after every posting dated up to then; nothing pending.",
        run.get_absolute_url(),
        run.number,
    )


def checklist(day: datetime.date, *, violations_limit: int = VIOLATIONS_SHOWN) -> Checklist:
    """The close checklist for ``day`` (a constant number of queries)."""
    lock = current_lock_date()
    start = lock + datetime.timedelta(days=1) if lock is not None and lock < datetime.date.max else None
    run, last_at, pending = run_for(day), last_posting_at(day), cogs_selectors.anything_pending()
    totals = selectors.valuation_totals(as_of=day)
    model = journal_export_model()
    since = max([t for t in (last_at, run.finished_at if run is not None else None) if t is not None], default=None)
    export = journal_exported(model, start, day, since) if model is not None else None

    unallocated_url = reverse("cogs:unallocated")
    valuation_url = f"{reverse('reports:valuation')}?as_of={day:%Y-%m-%d}&group_by=office"
    if totals.unallocated_quantity or totals.accrued_value:
        usage = Check(
            "unallocated",
            "Unallocated usage",
            REVIEW,
            f"{totals.unallocated_quantity.normalize():f} units of usage dated up to {day:%Y-%m-%d} "
            f"are not allocated to lots; their accrued COGS at that date is {totals.accrued_value:,.2f}.",
            unallocated_url,
            "Unallocated usage",
        )
    else:
        usage = Check(
            "unallocated",
            "Unallocated usage",
            OK,
            f"Every usage dated up to {day:%Y-%m-%d} is allocated; no accrued COGS open at that date.",
            valuation_url,
            "Valuation",
        )
    latest_check = services.latest_ledger_check()
    waiting = waiting_ledger_check()
    ledger = _ledger_check(latest_check, waiting, services.ledger_watermark())
    violations = list(latest_check.violations[:violations_limit]) if latest_check is not None else []
    if model is None:
        journal = Check(
            "journal",
            "Journal exported",
            UNAVAILABLE,
            "The journal and its exports are not built yet: export the roll-forward of the period instead.",
            f"{reverse('reports:roll_forward')}?date_from={(start or day.replace(day=1)):%Y-%m-%d}"
            f"&date_to={day:%Y-%m-%d}",
            "Roll-forward",
        )
    else:
        journal = Check(
            "journal",
            "Journal exported",
            OK if export else TODO,
            f"{export} ({export.line_count} lines) covers the period, made after its latest posting and COGS run."
            if export
            else "No export of the journal of the period, for every office, made after its latest posting "
            "and COGS run.",
            _journal_url(),
            "Journal",
        )
    return Checklist(
        date=day,
        lock=lock,
        period_start=start,
        run=run,
        last_posting_at=last_at,
        pending=pending,
        unallocated_quantity=totals.unallocated_quantity,
        accrued_value=totals.accrued_value,
        violations=violations,
        journal_export=export,
        journal_available=model is not None,
        checks=[_run_check(day, run, last_at, pending), usage, ledger, journal],
        ledger_check=latest_check,
        ledger_check_waiting=waiting,
        stored=stored_figures(),
    )


@dataclass(frozen=True)
class CloseJobs:
    """The lock date and the state of the period close's background jobs, as the close page reads
    them (``GET /api/v1/close/``, reports.api)."""

    lock: datetime.date | None
    stored: StoredFigures | None  # the latest lock-date move's stored figures
    ledger_check: LedgerCheck | None  # the latest finished check (done or failed)
    ledger_check_waiting: LedgerCheck | None  # one queued or running
    ledger_check_current: bool  # nothing written since ``ledger_check`` started (its watermark is the books')

    @property
    def snapshot_run(self) -> SnapshotRun | None:
        return self.stored.run if self.stored is not None else None


def close_jobs() -> CloseJobs:
    """The close page's job states without its checklist (five queries, whatever was recorded)."""
    latest = services.latest_ledger_check()
    now = services.ledger_watermark()
    return CloseJobs(
        lock=current_lock_date(),
        stored=stored_figures(),
        ledger_check=latest,
        ledger_check_waiting=waiting_ledger_check(),
        ledger_check_current=latest is not None and latest.is_current(now),
    )


def default_date() -> datetime.date:
    return next_period_end(current_lock_date(), dates.today())
