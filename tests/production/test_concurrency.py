"""Two users at once: the produced-LIC lock serialises writes to one production order, so a job
cost entry is reversed once and an order released once, with no deadlock."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from core.errors import StateConflict
from production import services
from production.models import JobCostEntry, ProductionOrder

from .conftest import DAY

D = Decimal


def _concurrently(n, fn):
    barrier = threading.Barrier(n)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(fn())
        except StateConflict as exc:
            errors.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "deadlock or hang"
    return results, errors


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_concurrent_reversals_and_releases(chair_lics, office):
    # no role users here: an earlier transactional test's flush may have emptied the role groups
    production_user = None
    mo = services.create_production_order(
        office=office,
        date=DAY,
        lic=chair_lics["CHAIR"],
        estimated_quantity=D(2),
        estimated_unit_cost=D(5),
        actor=production_user,
    )
    entry = services.post_job_cost(
        production_order=mo,
        date=DAY,
        lic=chair_lics["LABOR"],
        description="x",
        amount=D("10.00"),
        capitalized=True,
        actor=production_user,
    )
    services.produce(production_order=mo, date=DAY, quantity=D(2), actor=production_user)

    results, errors = _concurrently(
        4,
        lambda: services.reverse_job_cost(entry=JobCostEntry.objects.get(pk=entry.pk), date=DAY, actor=production_user),
    )
    assert len(results) == 1 and errors == ["already_reversed"] * 3
    assert JobCostEntry.objects.filter(reverses=entry).count() == 1

    results, errors = _concurrently(
        4, lambda: services.release(production_order=ProductionOrder.objects.get(pk=mo.pk), actor=production_user)
    )
    assert len(results) == 1 and errors == ["already_released"] * 3
