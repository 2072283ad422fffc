"""Background jobs on PostgreSQL (procrastinate, its Django integration; no Redis).

``cogs.run_round`` plans a round of a run and defers one ``cogs.process_job`` task per job
(one office, some of its LICs); any number of workers (``manage.py procrastinate worker``) take
them at once; the job that records the last of its round defers the next round. A periodic task
starts a run over everything on a schedule; another retries the jobs of a worker that died
(procrastinate's heartbeats: no heartbeat for STALLED_AFTER seconds). A job is one transaction,
so a dead worker's job left nothing half-written; a job that had committed skips on retry
(``CogsRunJob``), so the run resumes where it stopped instead of staying "running". A third
prunes finished jobs from procrastinate's tables, which would otherwise grow by every job of
every run (~30 per full run) and every periodic tick.
"""

from __future__ import annotations

import logging

from procrastinate.contrib.django import app

from . import selectors, services
from .models import CogsRun, RunStatus
from .services.pipeline import switch_interval_tuning

log = logging.getLogger(__name__)
QUEUE = "cogs"
STALLED_AFTER = 60  # seconds without a worker heartbeat (procrastinate sends one every 10 s)
KEEP_SUCCEEDED_HOURS = 72  # a succeeded job's row stays 3 days (the run's own record stays forever)
KEEP_UNSUCCESSFUL_HOURS = 30 * 24  # failed, cancelled or aborted: 30 days, for whoever investigates


def dispatch_run(run_id: int, after_round: int = 0) -> None:
    """Queue the run's next round for the workers: on commit of the run's creation (round 0) and
    of the job that completes a round."""
    run_round.defer(run_id=run_id, after_round=after_round)


@app.task(name="cogs.run_round", queue=QUEUE)
def run_round(run_id: int, after_round: int | None = None) -> None:
    specs = services.plan_round(run_id=run_id, after_round=after_round)
    if not specs and after_round is not None:
        # already planned: by this job before its worker died (retried), jobs maybe never queued;
        # queue again those not done (a duplicate of a job that runs or ran does nothing)
        specs = services.unfinished_jobs(run_id=run_id, round=after_round + 1)
    if specs:
        process_job.batch_defer(*[spec.as_kwargs() for spec in specs])


# the alias: tasks queued under the earlier name before an upgrade still run
@app.task(name="cogs.process_job", aliases=["cogs.process_chunk"], queue=QUEUE)
def process_job(run_id: int, round: int, office_id: int | None, lic_ids: list[int]) -> None:  # noqa: A002
    spec = services.JobSpec(run_id, round, office_id, tuple(lic_ids))
    with switch_interval_tuning():  # a worker process: nothing else waits on its interpreter
        services.run_job(spec=spec, on_last=dispatch_run)


@app.periodic(cron="*/30 * * * *", periodic_id="cogs_all")
@app.task(name="cogs.scheduled_run", queue=QUEUE, queueing_lock="cogs_scheduled_run")
def scheduled_run(timestamp: int) -> None:
    """Every 30 minutes: a run over everything, unless one is already queued or running, or nothing
    is pending (no PendingCogs / PendingLotCost row): then nothing is recorded, not an empty run."""
    if CogsRun.objects.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING], office=None, lic=None).exists():
        return
    if not selectors.anything_pending():
        return
    services.start_cogs_run(actor=None, dispatch=dispatch_run)


@app.periodic(cron="*/5 * * * *", periodic_id="cogs_retry_stalled")
@app.task(name="cogs.retry_stalled_jobs", queue=QUEUE, queueing_lock="cogs_retry_stalled", pass_context=True)
async def retry_stalled_jobs(context, timestamp: int) -> None:
    """Every 5 minutes: put the COGS jobs of dead workers back in the queue."""
    await retry_stalled(context.app)


async def retry_stalled(procrastinate_app, seconds_since_heartbeat: float = STALLED_AFTER) -> int:
    manager = procrastinate_app.job_manager
    stalled = await manager.get_stalled_jobs(queue=QUEUE, seconds_since_heartbeat=seconds_since_heartbeat)
    retried = 0
    for job in stalled:
        try:  # one job that cannot be retried (finished meanwhile, its queueing lock taken) must not stop the rest
            await manager.retry_job(job)
        except Exception:
            log.exception("COGS job %s (%s) of a dead worker could not be retried", job.id, job.task_name)
            continue
        log.warning("COGS job %s (%s) of a dead worker: retried", job.id, job.task_name)
        retried += 1
    return retried


@app.periodic(cron="17 * * * *", periodic_id="cogs_prune_jobs")
@app.task(name="cogs.prune_jobs", queue=QUEUE, queueing_lock="cogs_prune_jobs", pass_context=True)
async def prune_jobs_task(context, timestamp: int) -> None:
    """Every hour: delete procrastinate's finished jobs (and their events) past their keeping time.
    COGS history lives in CogsRun / CogsRunJob / CogsEntry, never in these rows."""
    await prune_jobs(context.app)


async def prune_jobs(
    procrastinate_app, *, succeeded_hours: int = KEEP_SUCCEEDED_HOURS, unsuccessful_hours: int = KEEP_UNSUCCESSFUL_HOURS
) -> None:
    manager = procrastinate_app.job_manager
    await manager.delete_old_jobs(nb_hours=succeeded_hours)
    await manager.delete_old_jobs(
        nb_hours=unsuccessful_hours, include_failed=True, include_cancelled=True, include_aborted=True
    )
