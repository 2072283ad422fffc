"""Nothing process-wide changes inside a web request: a COGS run started with ``wait`` through the
API or the page runs in the request's worker, beside its other requests, and must leave the
interpreter's switch interval alone. A worker's job and the run_cogs command may lower it while
their jobs pipeline (cogs.services.pipeline.switch_interval_tuning)."""

from __future__ import annotations

import io
import sys

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from cogs.models import CogsRun
from cogs.services.pipeline import SWITCH_INTERVAL
from tests.conftest import adjust_in

from .conftest import D, day, fresh, ship

pytestmark = pytest.mark.django_db


class SwitchIntervalSeen:
    """The interpreter's switch interval at every statement (the engine's database thread runs its
    statements through the connection's execute wrappers)."""

    def __init__(self) -> None:
        self.seen: set[float] = set()

    def __call__(self, execute, sql, params, many, context):
        self.seen.add(sys.getswitchinterval())
        return execute(sql, params, many, context)


@pytest.fixture
def shipped(office, lic, order):
    adjust_in(office=office, lic=lic, quantity="5", unit_cost="10.00", date=day(1))
    return ship(lic=lic, office=office, quantity="3", source=order, date=day(2))


def test_a_wait_run_through_the_api_leaves_the_switch_interval_alone(api, accountant, shipped):
    before = sys.getswitchinterval()
    seen = SwitchIntervalSeen()
    with connection.execute_wrapper(seen):
        r = api(accountant).post("/api/v1/cogs-runs/", {"date": "2026-03-31", "wait": True}, format="json")
    assert r.status_code == 201 and r.json()["status"] == "done"
    assert fresh(shipped).cogs_value == D("30.00")
    assert seen.seen == {before} and sys.getswitchinterval() == before


def test_a_wait_run_from_the_page_leaves_the_switch_interval_alone(accountant_client, shipped):
    before = sys.getswitchinterval()
    seen = SwitchIntervalSeen()
    with connection.execute_wrapper(seen):
        r = accountant_client.post(reverse("cogs:run_list"), {"date": "2026-03-31", "wait": "on"})
    assert r.status_code == 302 and CogsRun.objects.get().status == "done"
    assert seen.seen == {before} and sys.getswitchinterval() == before


def test_the_command_lowers_it_while_its_jobs_pipeline_and_restores_it(shipped):
    before = sys.getswitchinterval()
    seen = SwitchIntervalSeen()
    with connection.execute_wrapper(seen):
        call_command("run_cogs", "--date", "2026-03-31", stdout=io.StringIO())
    assert fresh(shipped).cogs_value == D("30.00")
    assert min(seen.seen) == pytest.approx(SWITCH_INTERVAL) and before in seen.seen
    assert sys.getswitchinterval() == before
