"""Real parallel connections: two runs and clerks posting usage and returns at once never
allocate a unit twice; two workers share the jobs of one run; real worker processes run a run."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import queue
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Sum

from cogs import services
from cogs.selectors import ledger_violations
from inventory_lots.models import InventoryUsage, Lot
from tests.concurrency import run_concurrently
from tests.conftest import adjust_in
from tests.dburl import subprocess_database_url
from tests.factories import LicFactory, OfficeFactory

from .conftest import RUN_DAY, day, give_back, ship

D = Decimal
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_two_runs_and_clerks_never_allocate_a_unit_twice():
    office = OfficeFactory(code="HQ")
    lic = LicFactory(code="W")
    source = adjust_in(office=office, lic=lic, quantity="1", unit_cost="1.00", date=day(1))
    for n in range(4):
        adjust_in(office=office, lic=lic, quantity="10", unit_cost=f"{n + 2}.00", date=day(1 + n))
    for _ in range(10):
        ship(lic=lic, office=office, quantity="2", source=source, date=day(5))

    def runs():
        return [services.run_cogs_now(actor=None, date=RUN_DAY).status for _ in range(4)]

    def clerk_ships():
        for _ in range(8):
            ship(lic=lic, office=office, quantity="3", source=source, date=day(6))

    def clerk_returns():
        for _ in range(4):
            give_back(lic=lic, office=office, quantity="2", source=source, date=day(7))

    results = run_concurrently(runs, runs, clerk_ships, clerk_returns)
    assert results[0] == ["done"] * 4 and results[1] == ["done"] * 4
    assert results[2] is None and results[3] is None
    services.run_cogs_now(actor=None, date=RUN_DAY)
    assert ledger_violations() == []
    stock = Lot.objects.filter(lic=lic).aggregate(i=Sum("qty_in"), u=Sum("qty_used"))
    net_usage = InventoryUsage.objects.filter(lic=lic).aggregate(
        q=Sum("quantity"), a=Sum("cogs_state__allocated_quantity")
    )
    assert stock["i"] == D("41") and net_usage["q"] == D("36")  # 20 + 24 shipped, 8 returned
    assert stock["u"] == net_usage["a"] == D("36")
    again = services.run_cogs_now(actor=None, date=RUN_DAY)
    assert again.entries_posted == 0


def _seed_many_lics(n=6):
    office = OfficeFactory(code="HQ")
    other = OfficeFactory(code="WEST")
    lics = [LicFactory(code=f"L{i}") for i in range(n)]
    source = adjust_in(office=office, lic=lics[0], quantity="1", unit_cost="1.00", date=day(1))
    for lic in lics:
        for off in (office, other):
            adjust_in(office=off, lic=lic, quantity="5", unit_cost="2.00", date=day(1))
            adjust_in(office=off, lic=lic, quantity="5", unit_cost="3.00", date=day(2))
            ship(lic=lic, office=off, quantity="7", source=source, date=day(3))
    return lics


def test_two_workers_share_one_run(settings):
    settings.COGS_JOB_LICS = 2
    _seed_many_lics()
    run = services.start_cogs_run(actor=None, date=RUN_DAY)
    jobs: queue.Queue = queue.Queue()
    for spec in services.plan_round(run_id=run.pk):
        jobs.put(spec)
    done_by: dict[str, int] = {"a": 0, "b": 0}

    def next_round(run_id, after_round):
        for spec in services.plan_round(run_id=run_id, after_round=after_round):
            jobs.put(spec)

    def worker(name):
        def work():
            while True:
                try:
                    spec = jobs.get(timeout=2)
                except queue.Empty:
                    return
                services.run_job(spec=spec, on_last=next_round)
                done_by[name] += 1

        return work

    results = run_concurrently(worker("a"), worker("b"))
    assert results == [None, None]
    run.refresh_from_db()
    assert run.status == "done" and run.jobs_done == run.jobs_total and run.round == 1
    assert done_by["a"] >= 1 and done_by["b"] >= 1 and done_by["a"] + done_by["b"] == 6  # 2 offices x 3 jobs
    # 12 pairs of 7 units: 5 x 2.00 + 2 x 3.00 each, but L0 in HQ starts with its 1 @ 1.00 source lot
    assert run.allocated_quantity == D("84") and run.value_posted == D("190.00")
    assert ledger_violations() == []


def test_worker_processes_run_a_queued_run(settings):
    settings.COGS_JOB_LICS = 2
    _seed_many_lics()
    from cogs.tasks import process_job

    run = services.start_cogs_run(actor=None, date=RUN_DAY)
    process_job.batch_defer(*[s.as_kwargs() for s in services.plan_round(run_id=run.pk)])
    connection.close()
    env = {**os.environ, "DATABASE_URL": subprocess_database_url(), "DJANGO_SETTINGS_MODULE": "lotledger.settings_test"}
    root = Path(__file__).resolve().parents[2]
    cmd = [sys.executable, "manage.py", "procrastinate", "worker", "--queues", "cogs", "--one-shot"]
    procs = [
        subprocess.Popen(cmd, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for _ in range(2)
    ]
    for p in procs:
        p.wait(timeout=120)
    run.refresh_from_db()
    assert run.status == "done", [p.stderr.read()[-2000:] for p in procs]
    assert run.allocated_quantity == D("84") and ledger_violations() == []


def _one_shot_worker() -> subprocess.CompletedProcess:
    connection.close()
    env = {**os.environ, "DATABASE_URL": subprocess_database_url(), "DJANGO_SETTINGS_MODULE": "lotledger.settings_test"}
    root = Path(__file__).resolve().parents[2]
    cmd = [sys.executable, "manage.py", "procrastinate", "worker", "--queues", "cogs", "--one-shot"]
    return subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=120, check=False)


def _retry_stalled() -> int:
    """Run the periodic task's body (``cogs.tasks.retry_stalled``) on an event loop of its own, in
    a thread of its own (the browser tests leave an event loop in this one)."""
    from asgiref.sync import sync_to_async
    from django.db import connections
    from procrastinate.contrib.django import app

    from cogs.tasks import retry_stalled

    async def retry_then_close() -> int:
        try:
            return await retry_stalled(app)
        finally:  # the connection procrastinate's queries opened in asgiref's executor thread
            await sync_to_async(connections.close_all)()

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, retry_then_close()).result(timeout=60)


def _held_by_a_dead_worker(job_id: int) -> None:
    """Job ``job_id`` is "doing" on a worker whose last heartbeat was 5 minutes ago."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now() - interval '5 minutes') RETURNING id"
        )
        cursor.execute(
            "UPDATE procrastinate_jobs SET status = 'doing', worker_id = %s WHERE id = %s",
            [cursor.fetchone()[0], job_id],
        )


@pytest.mark.parametrize("committed", [False, True], ids=["died mid-job", "died after its commit"])
def test_a_dead_workers_job_is_retried_and_counted_once(settings, committed):
    """A worker died holding a job: mid-job (its transaction rolled back: nothing written) or
    after the job's COMMIT, before procrastinate marked it done. The stalled-job task puts the
    job back in the queue (a "doing" job is never taken again otherwise: the run would stay
    "running"); a live worker then finishes the run, every job counted once (a committed job
    finds its CogsRunJob row and does nothing) and the figures those of an undisturbed run."""
    from cogs.tasks import process_job

    settings.COGS_JOB_LICS = 2
    _seed_many_lics()
    run = services.start_cogs_run(actor=None, date=RUN_DAY)
    specs = services.plan_round(run_id=run.pk)
    job_ids = process_job.batch_defer(*[s.as_kwargs() for s in specs])
    if committed:
        services.run_job(spec=specs[0])
    _held_by_a_dead_worker(job_ids[0])
    # what the workers' periodic task cogs.retry_stalled_jobs does every 5 minutes
    assert _retry_stalled() == 1
    assert _retry_stalled() == 0  # back in the queue, no longer "doing"
    proc = _one_shot_worker()
    run.refresh_from_db()
    assert run.status == "done", proc.stderr[-2000:]
    assert run.jobs_done == run.jobs_total == 6 and run.round == 1
    assert run.allocated_quantity == D("84") and run.value_posted == D("190.00")
    assert ("done already (or in no committed plan): skipped" in proc.stderr) == committed
    assert ledger_violations() == []


def test_a_round_whose_next_round_was_never_dispatched_resumes(settings):
    """The worker committed the last job of a round and died before deferring the next round:
    the run would stay "running" forever. The retried job finds itself recorded, sees its round
    complete and dispatches the next round (once: plan_round ignores a second trigger)."""
    from cogs.tasks import process_job

    settings.COGS_JOB_LICS = 2
    _seed_many_lics()
    run = services.start_cogs_run(actor=None, date=RUN_DAY)
    specs = services.plan_round(run_id=run.pk)
    for spec in specs:
        services.run_job(spec=spec)  # no on_last: the next round is never dispatched
    _held_by_a_dead_worker(process_job.defer(**specs[-1].as_kwargs()))
    run.refresh_from_db()
    assert (run.status, run.jobs_done, run.jobs_total) == ("running", 6, 6)
    assert services.plan_round(run_id=run.pk, after_round=0) == []  # a stale trigger changes nothing
    assert _retry_stalled() == 1
    proc = _one_shot_worker()
    run.refresh_from_db()
    assert run.status == "done", proc.stderr[-2000:]
    assert (run.round, run.jobs_done, run.allocated_quantity, run.value_posted) == (1, 6, D("84"), D("190.00"))
    assert ledger_violations() == []


def test_a_round_planned_but_never_queued_is_queued_by_the_retry(settings):
    """The worker running ``cogs.run_round`` committed the round's plan and died before queueing
    its jobs. The retried task finds the round planned (plan_round does nothing a second time)
    and queues the planned jobs not done; a worker finishes the run with every job counted once.
    A job no committed plan lists (a rolled-back plan's) does nothing."""
    from cogs import tasks

    settings.COGS_JOB_LICS = 2
    _seed_many_lics()
    run = services.start_cogs_run(actor=None, date=RUN_DAY)
    specs = services.plan_round(run_id=run.pk, after_round=0)  # committed; the jobs were never queued
    stray = services.JobSpec(run.pk, 1, specs[0].office_id, (10**12,))
    assert services.run_job(spec=stray) is False
    tasks.run_round(run_id=run.pk, after_round=0)  # the retry
    proc = _one_shot_worker()
    run.refresh_from_db()
    assert run.status == "done", proc.stderr[-2000:]
    assert (run.round, run.jobs_done, run.jobs_total) == (1, 6, 6)
    assert run.allocated_quantity == D("84") and run.value_posted == D("190.00")
    assert ledger_violations() == []


def test_a_round_planned_before_the_job_table_still_finishes(settings):
    """A run in flight at the upgrade: its round was planned with no CogsRunJob rows. Its jobs run,
    each recorded when it runs, and a duplicate of one of them does nothing."""
    from cogs.models import CogsRunJob

    settings.COGS_JOB_LICS = 2
    _seed_many_lics()
    run = services.start_cogs_run(actor=None, date=RUN_DAY)
    specs = services.plan_round(run_id=run.pk)
    CogsRunJob.objects.filter(run=run).delete()  # as planned by the previous version
    assert [services.run_job(spec=spec) for spec in specs] == [False] * 5 + [True]
    # a duplicate does nothing; as its round is complete it asks for the next round again
    assert services.run_job(spec=specs[0]) is True
    assert services.plan_round(run_id=run.pk, after_round=1) == []  # nothing pending: the run is done
    run.refresh_from_db()
    assert (run.status, run.jobs_done, run.jobs_total) == ("done", 6, 6)
    assert run.allocated_quantity == D("84") and run.value_posted == D("190.00")
    assert CogsRunJob.objects.filter(run=run, planned=False).count() == 6
