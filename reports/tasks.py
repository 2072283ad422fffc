"""The period close's background jobs (procrastinate, on the workers' ``cogs`` queue, which every
worker ``make run`` and docker compose start already takes): the stored figures of closed days
after a lock-date move, and the ledger check the close page shows (reports.services).

``reports.write_snapshots`` runs one at a time and in the order queued (procrastinate's ``lock``),
at most one waiting (its ``queueing_lock``: a job not started yet writes up to the lock date in
force when it starts, so it covers every move queued before it); a failure is retried with a
growing wait, and a periodic catch-up queues a job for a move whose figures are still not written
after that (a worker lost, the retries spent). The work is one transaction, so a worker that dies
leaves nothing half-written; the reports read the days not written yet from the ledger meanwhile.
"""

from __future__ import annotations

import logging

from django.db import transaction
from procrastinate import RetryStrategy
from procrastinate.contrib.django import app
from procrastinate.exceptions import AlreadyEnqueued

from cogs.tasks import QUEUE

from . import services

log = logging.getLogger(__name__)

SNAPSHOT_LOCK = "reports_write_snapshots"
CHECK_LOCK = "reports_check_ledger"


def dispatch_snapshots() -> None:
    """Queue the job (on commit of a lock-date move); a job already waiting covers this move too."""
    try:
        with transaction.atomic():  # a savepoint when called inside a transaction: the refusal rolls back alone
            write_snapshots.defer()
    except AlreadyEnqueued:
        log.info("stored figures: a job is already queued; it writes up to the latest lock date")


@app.task(
    name="reports.write_snapshots",
    queue=QUEUE,
    lock=SNAPSHOT_LOCK,
    queueing_lock=SNAPSHOT_LOCK,
    retry=RetryStrategy(max_attempts=5, exponential_wait=4),
)
def write_snapshots() -> None:
    services.write_snapshots_now()
    services.request_ledger_check()  # the new figures, checked (queued at once: no transaction here)


def dispatch_ledger_check() -> None:
    try:
        with transaction.atomic():
            check_ledger.defer()
    except AlreadyEnqueued:
        log.info("ledger check: a job is already queued; it fills every waiting check")


@app.task(name="reports.check_ledger", queue=QUEUE, lock=CHECK_LOCK, queueing_lock=CHECK_LOCK, retry=2)
def check_ledger() -> None:
    services.check_ledger_now()


@app.periodic(cron="*/15 * * * *", periodic_id="reports_snapshots_catch_up")
@app.task(name="reports.snapshots_catch_up", queue=QUEUE, queueing_lock="reports_snapshots_catch_up")
def snapshots_catch_up(timestamp: int) -> None:
    """Every 15 minutes: a lock-date move whose figures failed for good, or whose job was lost,
    gets a new job."""
    if services.snapshots_behind():
        dispatch_snapshots()


@app.periodic(cron="40 2 * * *", periodic_id="reports_nightly_check")
@app.task(name="reports.nightly_check", queue=QUEUE, queueing_lock="reports_nightly_check")
def nightly_check(timestamp: int) -> None:
    """Every night: every ledger check, so the close page's result is never older than a day."""
    services.request_ledger_check()
