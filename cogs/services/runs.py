"""COGS runs: start one, plan its rounds, record each job, finish or fail it.

A run goes in rounds. Each round takes the (LIC, office) pairs marked in PendingCogs within the
run's scope (plus production lots waiting for a cost recompute in its office scope), splits them
into jobs (up to COGS_JOB_LICS pairs each: some LICs in the run's office, or, for a run over every
office, some LICs in all their offices at once, so that a transfer lot is costed before the
pairs it is used in are planned) and runs the jobs: inline (``wait``, the command) or on the
procrastinate workers, any number at once. When the last job of a round is recorded, the next
round starts; a round finding nothing pending finishes the run. Rounds make production costs flow
in dependency order: a job that changes a component usage's COGS marks the production lot (or a
transfer lot the job could not cost itself), which the next round recomputes and revalues
(MAX_ROUNDS bounds the depth one run follows).
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import psycopg
from django.conf import settings
from django.contrib.auth.models import User
from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.functions import Now
from django.utils import timezone

from core.errors import DomainError, NotPermitted
from inventory_lots import pending
from inventory_lots.models import LineItemCode, Office
from inventory_lots.scope import check_can_post, scope_for
from inventory_lots.services import check_inventoried, check_open_date

from .. import locks
from ..models import CogsRun, CogsRunException, CogsRunJob, RunStatus
from .engine import LOT_COST_PAIRS_IN_SCOPE_SQL, JobResult, PairFailure, process_job

log = logging.getLogger(__name__)
MAX_ROUNDS = 20
MSG_NOT_QUEUED = "Run {run} is {status}: only a queued run can be started."
MSG_ALL_OFFICES = "A COGS run over every office needs access to every office: choose one of yours."


def job_size(pairs: int, *, inline: bool = False) -> int:
    """Pairs per job: at most COGS_JOB_LICS (memory per job), and at least ~8 jobs per run (per office
    in a run of one office) so that several workers share a run (jobs side by side lock different
    LICs). A run executed in one process (``wait``) takes the largest jobs: fewer transactions, same
    memory bound."""
    limit = int(getattr(settings, "COGS_JOB_LICS", 500))
    if inline:
        return max(1, limit)
    return max(1, min(limit, max(20, -(-pairs // 8))))


def _jobs_of(lic_offices: dict[int, int], size: int) -> list[tuple[int, ...]]:
    """The sorted LICs cut into jobs of about ``size`` pairs (``lic_offices``: LIC -> its pairs)."""
    jobs: list[tuple[int, ...]] = []
    current: list[int] = []
    count = 0
    for lic_id in sorted(lic_offices):
        current.append(lic_id)
        count += lic_offices[lic_id]
        if count >= size:
            jobs.append(tuple(current))
            current, count = [], 0
    if current:
        jobs.append(tuple(current))
    return jobs


@dataclass(frozen=True)
class JobSpec:
    run_id: int
    round: int
    office_id: int | None  # None: every office of these LICs with something pending
    lic_ids: tuple[int, ...]

    def as_kwargs(self) -> dict:
        return {"run_id": self.run_id, "round": self.round, "office_id": self.office_id, "lic_ids": list(self.lic_ids)}


@transaction.atomic
def start_cogs_run(
    *,
    actor: User | None,
    date: datetime.date | None = None,
    office: Office | None = None,
    lic: LineItemCode | None = None,
    wait: bool = False,
    dispatch: Callable[[int], None] | None = None,
) -> CogsRun:
    """Record a queued run. ``dispatch(run_id)`` (the workers' queue) is called on commit; a
    ``wait`` run is executed by the caller with ``execute_run``. The business date must be
    after the lock date (revaluations and accruals are dated with it). The actor must be allowed to
    post in the run's office, or in every office for a run over all of them."""
    if office is not None:
        check_can_post(actor, office)
    elif not scope_for(actor).all_offices:
        raise NotPermitted("office_not_permitted", MSG_ALL_OFFICES, field="office")
    date = date or timezone.localdate()
    check_open_date(date)
    if lic is not None:
        check_inventoried(lic)
    run = CogsRun.objects.create(date=date, office=office, lic=lic, created_by=actor, wait=wait)
    if dispatch is not None and not wait:
        transaction.on_commit(lambda: dispatch(run.pk))
    return run


def run_cogs_now(
    *,
    actor: User | None,
    date: datetime.date | None = None,
    office: Office | None = None,
    lic: LineItemCode | None = None,
    progress: Callable[[CogsRun], None] | None = None,
) -> CogsRun:
    """Start a run and execute it in this process (API ``wait: true``, the command)."""
    run = start_cogs_run(actor=actor, date=date, office=office, lic=lic, wait=True)
    try:
        execute_run(run_id=run.pk, progress=progress)
    except Exception:  # the failing job rolled back and fail_run recorded the error on the run
        log.exception("COGS run %s failed", run.pk)
    run.refresh_from_db()
    return run


def execute_run(*, run_id: int, progress: Callable[[CogsRun], None] | None = None) -> None:
    """Every round of a run, every job in turn, in this process."""
    while True:
        specs = plan_round(run_id=run_id)
        if not specs:
            return
        for spec in specs:
            run_job(spec=spec)
            if progress is not None:
                progress(CogsRun.objects.get(pk=run_id))


def _pending_pairs(cursor, run: CogsRun) -> dict[int, list[int]]:
    where, params = [], []
    if run.office_id:
        where.append("office_id = %s")
        params.append(run.office_id)
    office_where = " AND ".join(where) or "TRUE"
    lic_where = office_where
    if run.lic_id:
        lic_where = f"{office_where} AND lic_id = %s"
    # a pair this run could not post stays pending for the next run, not for this run's next round
    sql = (
        f"({pending.PAIRS_IN_SCOPE_SQL.format(scope=lic_where)} "  # noqa: S608
        f"UNION {LOT_COST_PAIRS_IN_SCOPE_SQL.format(scope=office_where)}) "
        "EXCEPT SELECT office_id, lic_id FROM cogs_cogsrunexception WHERE run_id = %s"
    )
    cursor.execute(sql, params + ([run.lic_id] if run.lic_id else []) + params + [run.pk])
    by_office: dict[int, list[int]] = defaultdict(list)
    for office_id, lic_id in cursor.fetchall():
        by_office[office_id].append(lic_id)
    return by_office


@transaction.atomic
def plan_round(*, run_id: int, after_round: int | None = None) -> list[JobSpec]:
    """Start the run's next round: the jobs to run, or [] when the run is finished (it then
    records the unallocated quantity left and is done). ``after_round``: plan only if the run is
    still at that round with every job done (a second trigger for one round -- a retried job
    re-dispatching it -- then does nothing)."""
    run = locks.run_for_update(run_id)
    if run.status in (RunStatus.DONE, RunStatus.FAILED):
        return []
    if after_round is not None and (run.round != after_round or run.jobs_done < run.jobs_total):
        return []
    try:  # the lock date may have moved past the run's date while it waited in the queue
        check_open_date(run.date)
    except DomainError as error:
        run.status, run.error, run.finished_at = RunStatus.FAILED, error.message, Now()
        run.save(update_fields=["status", "error", "finished_at"])
        return []
    with connection.cursor() as cursor:
        by_office = _pending_pairs(cursor, run) if run.round < MAX_ROUNDS else {}
    if not by_office:
        _finish(run)
        return []
    run.round += 1
    specs: list[JobSpec] = []
    lic_offices: dict[int, int] = defaultdict(int)  # LIC -> its pairs this round
    if run.office_id is None:
        # a LIC's pairs of every office in one job: a transfer and the lot it makes are planned together
        for lics in by_office.values():
            for lic_id in lics:
                lic_offices[lic_id] += 1
        size = job_size(sum(lic_offices.values()), inline=run.wait)
        specs.extend(JobSpec(run.pk, run.round, None, lics) for lics in _jobs_of(lic_offices, size))
    else:
        for office_id, lics in sorted(by_office.items()):
            one_each = dict.fromkeys(lics, 1)
            lic_offices.update(one_each)
            size = job_size(len(lics), inline=run.wait)
            specs.extend(JobSpec(run.pk, run.round, office_id, lics) for lics in _jobs_of(one_each, size))
    CogsRunJob.objects.bulk_create(
        [
            CogsRunJob(
                run=run,
                round=run.round,
                office_id=spec.office_id,
                first_lic_id=spec.lic_ids[0],
                lic_ids=list(spec.lic_ids),
                pairs=sum(lic_offices[lic_id] for lic_id in spec.lic_ids),
            )
            for spec in specs
        ]
    )
    run.jobs_total, run.jobs_done = len(specs), 0
    run.pairs_total += sum(len(v) for v in by_office.values())
    if run.status == RunStatus.QUEUED:
        run.status, run.started_at = RunStatus.RUNNING, Now()
    run.save(update_fields=["round", "jobs_total", "jobs_done", "pairs_total", "status", "started_at"])
    return specs


RECORD_SQL = f"""
UPDATE cogs_cogsrun SET jobs_done = jobs_done + 1, pairs_done = pairs_done + %(pairs)s,
  allocated_quantity = allocated_quantity + %(alloc)s, given_back_quantity = given_back_quantity + %(back)s,
  value_posted = value_posted + %(value)s, accrued_value_posted = accrued_value_posted + %(accrued)s,
  accrual_reversals_posted = accrual_reversals_posted + %(reversed)s,
  entries_posted = entries_posted + %(entries)s
WHERE id = %(run)s AND round = %(round)s
RETURNING status = '{RunStatus.RUNNING.value}' AND jobs_done >= jobs_total
"""  # noqa: S608 (constants only)


def run_job(*, spec: JobSpec, on_last: Callable[[int, int], None] | None = None) -> bool:
    """Run one job and record it on the run in the same transaction. Returns True for the last
    job of its round (``on_last(run_id, round)`` then runs on commit: the workers' next round)."""
    run = CogsRun.objects.filter(pk=spec.run_id).only("status", "date", "created_by", "round").first()
    if run is None or run.status != RunStatus.RUNNING or run.round != spec.round:
        return False
    try:
        try:
            last = _job_transaction(spec, run, on_last, pair_by_pair=False)
        except ISOLATED_ERRORS:
            # one pair's data cannot be written: run the job again pair by pair, each in a savepoint,
            # so the rest posts and the failing pairs are recorded (and stay pending for the next run)
            log.warning(
                "COGS job %s round %s office %s: a pair failed, retrying pair by pair",
                spec.run_id,
                spec.round,
                spec.office_id,
                exc_info=True,
            )
            last = _job_transaction(spec, run, on_last, pair_by_pair=True)
    except Exception as exc:
        fail_run(run_id=spec.run_id, error=f"{type(exc).__name__}: {exc}")
        raise
    return last


# errors of one pair's data (a value out of range, a CHECK the plan broke): isolated to that pair.
# Anything else (a lost connection, a deadlock) fails the run, as before. The engine's database
# thread uses psycopg's own cursors, whose errors Django does not wrap: both kinds are listed.
ISOLATED_ERRORS = (DataError, IntegrityError, psycopg.errors.DataError, psycopg.errors.IntegrityError)


@transaction.atomic
def _job_transaction(
    spec: JobSpec, run: CogsRun, on_last: Callable[[int, int], None] | None, *, pair_by_pair: bool
) -> bool:
    job_id = _claim(spec)
    if job_id is None:
        # this job committed before (a retried job of a dead worker): nothing to process;
        # if it completed its round, that worker may have died before dispatching the next
        last = _round_complete(spec)
    else:
        # a job of every office takes its LICs' pairs in every office: not those this run could not post
        skip = _failed_pairs(spec) if spec.office_id is None else set()

        def process(office_id: int | None, lic_ids: list[int]) -> JobResult:
            return process_job(
                run_id=spec.run_id,
                office_id=office_id,
                lic_ids=lic_ids,
                date=run.date,
                actor=run.created_by,
                skip=skip,
            )

        if not pair_by_pair:
            result = process(spec.office_id, list(spec.lic_ids))
        else:
            result = JobResult()
            for office_id, lic_id in _pending_of(spec):
                if (office_id, lic_id) in skip:
                    continue
                try:
                    with transaction.atomic():  # a savepoint: a failing pair leaves nothing (its pending mark stays)
                        result.merge(process(office_id, [lic_id]))
                except ISOLATED_ERRORS as exc:
                    result.pairs += 1
                    message = f"{type(exc).__name__}: {exc}".strip()
                    result.exceptions.append(PairFailure(lic_id, None, message, office_id))
        last = _record(spec, job_id, result)
    if last and on_last is not None:
        transaction.on_commit(lambda: on_last(spec.run_id, spec.round))
    return last


def _failed_pairs(spec: JobSpec) -> set[tuple[int, int]]:
    """The pairs (office, LIC) of the job's LICs this run could not post in an earlier round: they stay
    pending for the next run (as ``_pending_pairs`` leaves them out of the rounds)."""
    return set(
        CogsRunException.objects.filter(run_id=spec.run_id, lic_id__in=spec.lic_ids).values_list("office_id", "lic_id")
    )


def _pending_of(spec: JobSpec) -> list[tuple[int, int]]:
    """The job's pairs (office, LIC) with something pending, each retried on its own."""
    if spec.office_id is not None:
        return [(spec.office_id, lic_id) for lic_id in spec.lic_ids]
    with connection.cursor() as cursor:
        cursor.execute(
            f"{pending.PAIRS_IN_SCOPE_SQL.format(scope='lic_id = ANY(%s)')} "  # noqa: S608
            f"UNION {LOT_COST_PAIRS_IN_SCOPE_SQL.format(scope='lic_id = ANY(%s)')} ORDER BY 1, 2",
            [list(spec.lic_ids), list(spec.lic_ids)],
        )
        return [(office_id, lic_id) for office_id, lic_id in cursor.fetchall()]


def _claim(spec: JobSpec) -> int | None:
    """Mark the job's planned CogsRunJob row done (in the job's transaction); None if it is done
    already (the job committed before) or no committed plan lists it. A second execution running
    at the same time waits here for the first to commit or roll back (row lock), then skips or
    proceeds."""
    key = [spec.run_id, spec.round, spec.office_id, spec.lic_ids[0]]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cogs_cogsrunjob SET done_at = now() WHERE run_id = %s AND round = %s "
            "AND office_id IS NOT DISTINCT FROM %s AND first_lic_id = %s AND done_at IS NULL RETURNING id",
            key,
        )
        row = cursor.fetchone()
        if row is None:  # a round planned before CogsRunJob existed (a run in flight at the upgrade)
            cursor.execute(
                "INSERT INTO cogs_cogsrunjob (run_id, round, office_id, first_lic_id, lic_ids, entries, done_at, "
                "planned, pairs) SELECT %s, %s, %s, %s, %s, 0, now(), false, 0 WHERE NOT EXISTS "
                "(SELECT 1 FROM cogs_cogsrunjob WHERE run_id = %s AND round = %s AND planned) "
                "ON CONFLICT (run_id, round, office_id, first_lic_id) DO NOTHING RETURNING id",
                [*key, list(spec.lic_ids), spec.run_id, spec.round],
            )
            row = cursor.fetchone()
    if row is None:
        log.warning(
            "COGS job %s round %s office %s from LIC %s done already (or in no committed plan): skipped",
            spec.run_id,
            spec.round,
            spec.office_id,
            spec.lic_ids[0],
        )
        return None
    return row[0]


def unfinished_jobs(*, run_id: int, round: int) -> list[JobSpec]:  # noqa: A002
    """The planned jobs of the run's current round not done yet (for a retried ``run_round``
    whose worker died between planning the round and queueing its jobs)."""
    if not CogsRun.objects.filter(pk=run_id, status=RunStatus.RUNNING, round=round).exists():
        return []
    jobs = CogsRunJob.objects.filter(run_id=run_id, round=round, done_at__isnull=True).order_by(
        "office_id", "first_lic_id"
    )
    return [JobSpec(run_id, round, job.office_id, tuple(job.lic_ids)) for job in jobs]


def _round_complete(spec: JobSpec) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT status = '{RunStatus.RUNNING.value}' AND round = %s AND jobs_done >= jobs_total "  # noqa: S608
            "FROM cogs_cogsrun WHERE id = %s",
            [spec.round, spec.run_id],
        )
        row = cursor.fetchone()
    return bool(row and row[0])


def _record(spec: JobSpec, job_id: int, result: JobResult) -> bool:
    if result.exceptions:
        CogsRunException.objects.bulk_create(
            [
                CogsRunException(
                    run_id=spec.run_id,
                    office_id=office_id,
                    lic_id=lic_id,
                    usage_id=usage_id,
                    message=message[:4000],
                )
                for lic_id, usage_id, message, office_id in result.exceptions
            ]
        )
        CogsRun.objects.filter(pk=spec.run_id).update(exceptions_count=F("exceptions_count") + len(result.exceptions))
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cogs_cogsrunjob SET entries = %s WHERE id = %s RETURNING pairs", [result.entries, job_id]
        )
        planned_pairs = cursor.fetchone()[0]
        cursor.execute(
            RECORD_SQL,
            {
                "pairs": planned_pairs or len(spec.lic_ids),
                "alloc": result.allocated_quantity,
                "back": result.given_back_quantity,
                "value": result.value_posted,
                "accrued": result.accrued_value_posted,
                "reversed": result.accrual_reversals_posted,
                "entries": result.entries,
                "run": spec.run_id,
                "round": spec.round,
            },
        )
        row = cursor.fetchone()
    return bool(row and row[0])


def _finish(run: CogsRun) -> None:
    where, params = ["TRUE"], []
    if run.office_id:
        where.append("s.office_id = %s")
        params.append(run.office_id)
    if run.lic_id:
        where.append("s.lic_id = %s")
        params.append(run.lic_id)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(c.quantity - c.allocated_quantity), 0) FROM inventory_lots_usagecogs c "  # noqa: S608
            "WHERE c.quantity > 0 AND c.usage_id = ANY(ARRAY(SELECT s.usage_id FROM inventory_lots_unallocatedusage s "
            f"WHERE {' AND '.join(where)}))",
            params,
        )
        run.unallocated_quantity = cursor.fetchone()[0] or Decimal("0")
    # database time, like every created_at it is compared with (cost history attribution)
    run.status, run.finished_at = RunStatus.DONE, Now()
    run.started_at = run.started_at or Now()
    run.save(update_fields=["unallocated_quantity", "status", "finished_at", "started_at"])
    run.refresh_from_db(fields=["started_at", "finished_at"])


@transaction.atomic
def fail_run(*, run_id: int, error: str) -> None:
    """Record a failed run (its failing job wrote nothing: its transaction rolled back)."""
    CogsRun.objects.filter(pk=run_id).exclude(status=RunStatus.DONE).update(
        status=RunStatus.FAILED, error=error[:4000], finished_at=Now()
    )
