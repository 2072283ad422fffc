"""The period close's background work (decision records 0016 and 0017): writing the stored figures
of closed days after a lock-date move, and running every ledger check for the close page.

Each has a record the close page reads (``SnapshotRun``, ``LedgerCheck``), a procrastinate task that
does the work on the workers (reports.tasks), and an in-process way for commands and tests
(``write_snapshots_now``, ``check_ledger_now``), as COGS runs have ``run_cogs_now``.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable

from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F, Q
from django.utils import timezone

from .models import JobStatus, LedgerCheck, SnapshotRun

log = logging.getLogger(__name__)

CHECK_VIOLATIONS_KEPT = 100  # a check's violations stored for the close page (the count is exact)
# the stages reports.snapshots._write reports through its ``step`` callback (the progress shown
# while it runs; a finished job records how many there were)
SNAPSHOT_STEPS = 8


# --- stored figures --------------------------------------------------------------------------------


def request_snapshots(lock_row, *, dispatch: Callable[[], None] | None = None) -> SnapshotRun:
    """In the lock-date move's transaction: record that the stored figures must reach its date,
    and queue the job when the move commits (nothing is queued for a move rolled back)."""
    run = SnapshotRun.objects.create(lock_row_id=lock_row.pk, date=lock_row.date)
    if dispatch is None:
        from .tasks import dispatch_snapshots

        dispatch = dispatch_snapshots
    transaction.on_commit(dispatch)
    return run


class _Progress:
    """Tells the close page which stage a job is at, through a connection of its own (the job's
    transaction is not visible until it commits). Best effort: a failure here never fails the job."""

    def __init__(self, run_ids: list[int]) -> None:
        self.run_ids, self.done = run_ids, 0
        self.conn: BaseDatabaseWrapper | None = None

    def __call__(self, name: str) -> None:
        self.done += 1
        try:
            if self.conn is None:
                self.conn = connections.create_connection("default")
                with self.conn.cursor() as cursor:
                    cursor.execute("SET lock_timeout = '1s'")
            with self.conn.cursor() as cursor:
                cursor.execute(
                    "UPDATE reports_snapshotrun SET step = %s, steps_done = %s, steps_total = %s WHERE id = ANY(%s)",
                    [name[:80], self.done, max(SNAPSHOT_STEPS, self.done), self.run_ids],
                )
        except Exception:  # noqa: BLE001 - progress is a courtesy, the write is what matters
            log.warning("stored figures: progress not recorded", exc_info=True)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


def write_snapshots_now(step: Callable[[str], None] | None = None) -> datetime.date | None:
    """Bring the stored figures to the lock date in force, in this process (the job's body; the
    ``stored_figures`` command; tests). Marks the requests it covers running, then done or failed (the
    error kept for the close page; the exception is raised again so the job is retried). ``step``
    is told each stage too (the command prints them). Returns the lock date written up to."""
    from inventory_lots.models import LockDate

    from . import snapshots

    current = LockDate.objects.order_by("-id").values_list("id", flat=True).first()
    open_runs = SnapshotRun.objects.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.FAILED])
    if current is not None:
        open_runs = open_runs.filter(lock_row_id__lte=current)
    with transaction.atomic():
        run_ids = list(open_runs.values_list("id", flat=True))
        started = timezone.now()
        SnapshotRun.objects.filter(id__in=run_ids).update(
            status=JobStatus.RUNNING,
            started_at=started,
            finished_at=None,
            step="",
            steps_done=0,
            error="",
            attempts=F("attempts") + 1,
        )
    progress = _Progress(run_ids)

    def stage(name: str) -> None:
        progress(name)
        if step is not None:
            step(name)

    try:
        through = snapshots.sync_snapshots(step=stage)
    except Exception as error:
        SnapshotRun.objects.filter(id__in=run_ids).update(
            status=JobStatus.FAILED, finished_at=timezone.now(), error=f"{type(error).__name__}: {error}"[:2000]
        )
        raise
    finally:
        progress.close()
    SnapshotRun.objects.filter(id__in=run_ids).update(
        status=JobStatus.DONE,
        finished_at=timezone.now(),
        written_through=through,
        step="",
        steps_done=progress.done,
        steps_total=progress.done,
    )
    return through


def snapshots_behind() -> bool:
    """True when a lock-date move's stored figures failed, or were queued or started over an hour ago
    and are still not written (a job lost with its worker): the periodic catch-up queues a job (a job
    already waiting, such as procrastinate's own retry, makes that a no-op)."""
    return SnapshotRun.objects.filter(status=JobStatus.FAILED).exists() or (
        SnapshotRun.objects.filter(Q(status=JobStatus.QUEUED) | Q(status=JobStatus.RUNNING))
        .filter(created_at__lt=timezone.now() - datetime.timedelta(hours=1))
        .exists()
    )


# --- the ledger check ------------------------------------------------------------------------------


def all_violations(limit: int = CHECK_VIOLATIONS_KEPT) -> list[dict]:
    """Every check ``manage.py check_ledger`` runs: the COGS ledger, the documents, and those the
    apps above cogs register (the journal's, the stored figures')."""
    from cogs.management.commands.check_ledger import document_violations
    from cogs.selectors import ledger_violations, other_ledger_violations

    return ledger_violations(limit=limit) + document_violations(limit=limit) + other_ledger_violations(limit=limit)


# What the checks read, by the highest id of each table (each a primary-key lookup): a posting, a
# COGS run, a lock-date move, the stored figures rewritten or a journal export adds a row to one of
# them, and a change of an office's accounts moves its updated_at.
WATERMARK_TABLES = (
    "inventory_lots_lot",
    "inventory_lots_inventoryusage",
    "inventory_lots_lotcostchange",
    "inventory_lots_adjustmentline",
    "purchasing_receiptline",
    "production_productionreport",
    "production_jobcostentry",
    "cogs_cogsentry",
    "inventory_lots_lockdate",
    "reports_valuationsnapshot",
    "reports_journalexport",
)
# ... and PostgreSQL's count of rows inserted, updated and deleted in the apps' tables (committed,
# and this transaction's own): a change made around the services, an UPDATE in psql, moves it too
# (the statistics reach other sessions within a second or so of the commit). The jobs' own records
# are left out: a check running must not make itself stale.
WRITES_SQL = """
SELECT COALESCE(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM (
    SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables WHERE schemaname = 'public'
    UNION ALL
    SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_xact_user_tables WHERE schemaname = 'public'
) t
WHERE relname ~ '^(inventory_lots|purchasing|production|orders|transfers|movements|cogs|reports)_'
  AND relname NOT IN ('reports_ledgercheck', 'reports_snapshotrun')"""
_MAX_IDS = ", ".join(f"(SELECT max(id) FROM {t})" for t in WATERMARK_TABLES)  # noqa: S608 - fixed table names
WATERMARK_SQL = f"SELECT {_MAX_IDS}, (SELECT max(updated_at) FROM reports_officeaccounts), ({WRITES_SQL})"  # noqa: S608


def ledger_watermark() -> dict[str, str | None]:
    """The highest id of each table the checks read, the latest change of the accounts and the
    count of row writes in the apps' tables (one query): equal to a check's ``watermark`` while
    nothing was written since it started."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(WATERMARK_SQL)
        row = cursor.fetchone()
    names = [*WATERMARK_TABLES, "reports_officeaccounts.updated_at", "row_writes"]
    return {name: (None if value is None else str(value)) for name, value in zip(names, row, strict=True)}


def _flush_own_statistics() -> None:
    """This session's counts of rows written reach ``pg_stat_user_tables`` when it is next idle, at
    most once a second: force that (PostgreSQL 15+: it happens before the next statement's answer),
    so a check's watermark counts what this worker wrote just before (the stored figures). Inside a
    transaction nothing is flushed, and the transaction's own view counts them instead."""
    from django.db import connection

    if connection.in_atomic_block:
        return
    connection.ensure_connection()
    if getattr(connection, "pg_version", 0) >= 150000:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_force_next_flush()")


def request_ledger_check(*, actor=None, dispatch: Callable[[], None] | None = None) -> LedgerCheck:
    """Record a check to run and queue the job when this transaction commits (at once outside one).
    A check already waiting is returned instead of a second record; the job runs every waiting one."""
    check = LedgerCheck.objects.filter(status=JobStatus.QUEUED).order_by("-id").first()
    if check is None:
        check = LedgerCheck.objects.create(requested_by=actor)
    if dispatch is None:
        from .tasks import dispatch_ledger_check

        dispatch = dispatch_ledger_check
    transaction.on_commit(dispatch)
    return check


def check_ledger_now() -> LedgerCheck:
    """Run every ledger check in this process (the job's body; tests) and store the result on the
    waiting records (a new one when none waits). The checks only read; the records are written in
    their own short transactions."""
    ids = list(LedgerCheck.objects.filter(status=JobStatus.QUEUED).values_list("id", flat=True))
    if not ids:
        ids = [LedgerCheck.objects.create().pk]
    checks = LedgerCheck.objects.filter(id__in=ids)
    _flush_own_statistics()
    checks.update(status=JobStatus.RUNNING, started_at=timezone.now(), error="", watermark=ledger_watermark())
    try:
        violations = all_violations(limit=CHECK_VIOLATIONS_KEPT)
    except Exception as error:
        checks.update(
            status=JobStatus.FAILED, finished_at=timezone.now(), error=f"{type(error).__name__}: {error}"[:2000]
        )
        raise
    kept = [{"check": v["check"], "id": str(v["id"]), "detail": str(v["detail"])} for v in violations]
    checks.update(
        status=JobStatus.DONE,
        finished_at=timezone.now(),
        violations_count=len(violations),
        violations=kept[:CHECK_VIOLATIONS_KEPT],
    )
    return LedgerCheck.objects.get(pk=max(ids))


def latest_ledger_check() -> LedgerCheck | None:
    """The latest check that finished (done or failed), for the close page."""
    return (
        LedgerCheck.objects.filter(status__in=[JobStatus.DONE, JobStatus.FAILED])
        .order_by("-finished_at", "-id")
        .first()
    )
