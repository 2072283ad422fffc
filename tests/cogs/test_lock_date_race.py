"""A COGS job dates its entries from the lock date it read: the lock date must not move past them
before the job commits (set_lock_date waits for running jobs, as it waits for postings)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from cogs.models import CogsEntry
from cogs.selectors import ledger_violations
from cogs.services import engine
from inventory_lots import services as inventory_services
from tests.conftest import adjust_in
from tests.factories import LicFactory, OfficeFactory

from .conftest import day, run, ship

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _in_thread(fn, results, key):
    def runner():
        try:
            results[key] = fn()
        except Exception as exc:  # noqa: BLE001 - the test inspects what the thread got
            results[key] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=runner)
    thread.start()
    return thread


def test_the_lock_date_waits_for_a_running_cogs_job(monkeypatch):
    office, lic = OfficeFactory(code="HQ"), LicFactory(code="W")
    source = adjust_in(office=office, lic=lic, quantity="10", unit_cost="2.00", date=day(1))
    ship(lic=lic, office=office, quantity="4", source=source, date=day(3))

    job_has_read_the_lock_date, let_the_job_go = threading.Event(), threading.Event()
    real_first_open_day = engine.first_open_day

    def first_open_day_then_pause():
        value = real_first_open_day()
        job_has_read_the_lock_date.set()
        let_the_job_go.wait(timeout=30)
        return value

    monkeypatch.setattr(engine, "first_open_day", first_open_day_then_pause)
    results: dict = {}
    job = _in_thread(run, results, "run")
    assert job_has_read_the_lock_date.wait(timeout=30)
    mover = _in_thread(lambda: inventory_services.set_lock_date(date=day(20), actor=None), results, "lock")
    mover.join(timeout=2)
    moved_while_the_job_was_open = not mover.is_alive()
    let_the_job_go.set()
    job.join(timeout=60)
    mover.join(timeout=60)

    assert not moved_while_the_job_was_open
    assert results["run"].status == "done"
    assert not isinstance(results["lock"], Exception)
    assert CogsEntry.objects.filter(date__lte=day(20)).count() >= 1  # the job dated before the move
    assert ledger_violations() == []
