"""Background jobs on PostgreSQL (procrastinate, its Django integration; no Redis).

``cogs.run_round`` plans a round of a run and defers one ``cogs.process_chunk`` job per
(office, LIC chunk); any number of workers (``manage.py procrastinate worker``) take them at
once; the job that records the last chunk of a round defers the next round. A periodic task
starts a run over everything on a schedule.
"""

from __future__ import annotations

import logging

from procrastinate.contrib.django import app

from . import services
from .models import CogsRun, RunStatus

log = logging.getLogger(__name__)
QUEUE = "cogs"


def dispatch_run(run_id: int) -> None:
    """Queue a run for the workers (called on commit of the run's creation)."""
    run_round.defer(run_id=run_id)


@app.task(name="cogs.run_round", queue=QUEUE)
def run_round(run_id: int) -> None:
    specs = services.plan_round(run_id=run_id)
    if specs:
        process_chunk.batch_defer(*[spec.as_kwargs() for spec in specs])


@app.task(name="cogs.process_chunk", queue=QUEUE)
def process_chunk(run_id: int, round: int, office_id: int, lic_ids: list[int]) -> None:  # noqa: A002
    spec = services.ChunkSpec(run_id, round, office_id, tuple(lic_ids))
    services.run_chunk(spec=spec, on_last=dispatch_run)


@app.periodic(cron="*/30 * * * *", periodic_id="cogs_all")
@app.task(name="cogs.scheduled_run", queue=QUEUE, queueing_lock="cogs_scheduled_run")
def scheduled_run(timestamp: int) -> None:
    """Every 30 minutes: a run over everything, unless one is already queued or running."""
    if CogsRun.objects.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING], office=None, lic=None).exists():
        return
    services.start_cogs_run(actor=None, dispatch=dispatch_run)
