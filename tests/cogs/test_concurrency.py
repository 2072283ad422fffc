"""Real parallel connections: two runs and clerks posting usage and returns at once never
allocate a unit twice; two workers share the jobs of one run; real worker processes run a run."""

from __future__ import annotations

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
    net_usage = InventoryUsage.objects.filter(lic=lic).aggregate(q=Sum("quantity"), a=Sum("allocated_quantity"))
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
    settings.COGS_CHUNK_LICS = 2
    _seed_many_lics()
    run = services.start_cogs_run(actor=None, date=RUN_DAY)
    jobs: queue.Queue = queue.Queue()
    for spec in services.plan_round(run_id=run.pk):
        jobs.put(spec)
    done_by: dict[str, int] = {"a": 0, "b": 0}

    def next_round(run_id):
        for spec in services.plan_round(run_id=run_id):
            jobs.put(spec)

    def worker(name):
        def work():
            while True:
                try:
                    spec = jobs.get(timeout=2)
                except queue.Empty:
                    return
                services.run_chunk(spec=spec, on_last=next_round)
                done_by[name] += 1
        return work

    results = run_concurrently(worker("a"), worker("b"))
    assert results == [None, None]
    run.refresh_from_db()
    assert run.status == "done" and run.jobs_done == run.jobs_total and run.round == 1
    assert done_by["a"] >= 1 and done_by["b"] >= 1 and done_by["a"] + done_by["b"] == 6  # 2 offices x 3 chunks
    # 12 pairs of 7 units: 5 x 2.00 + 2 x 3.00 each, but L0 in HQ starts with its 1 @ 1.00 source lot
    assert run.allocated_quantity == D("84") and run.value_posted == D("190.00")
    assert ledger_violations() == []


def test_worker_processes_run_a_queued_run(settings):
    settings.COGS_CHUNK_LICS = 2
    _seed_many_lics()
    from cogs.tasks import process_chunk

    run = services.start_cogs_run(actor=None, date=RUN_DAY)
    process_chunk.batch_defer(*[s.as_kwargs() for s in services.plan_round(run_id=run.pk)])
    connection.close()
    env = {**os.environ, "DATABASE_URL": subprocess_database_url(),
           "DJANGO_SETTINGS_MODULE": "lotledger.settings_test"}
    root = Path(__file__).resolve().parents[2]
    cmd = [sys.executable, "manage.py", "procrastinate", "worker", "--queues", "cogs", "--one-shot"]
    procs = [subprocess.Popen(cmd, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for _ in range(2)]
    for p in procs:
        p.wait(timeout=120)
    run.refresh_from_db()
    assert run.status == "done", [p.stderr.read()[-2000:] for p in procs]
    assert run.allocated_quantity == D("84") and ledger_violations() == []
