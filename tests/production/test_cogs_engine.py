"""The chair example with the real COGS engine (built by the COGS helper in parallel): skipped
until cogs.services provides a run function."""

from __future__ import annotations

import inspect
from decimal import Decimal

import pytest

from production import services

from .conftest import LATER, run_chair_example

cogs_services = pytest.importorskip("cogs.services")
pytestmark = pytest.mark.django_db
D = Decimal


def _run_cogs(actor):
    for name in ("run_cogs", "start_run", "run"):
        func = getattr(cogs_services, name, None)
        if func is None:
            continue
        params = inspect.signature(func).parameters
        kwargs = {k: v for k, v in (("actor", actor), ("date", LATER), ("wait", True)) if k in params}
        return func(**kwargs)
    pytest.skip("cogs.services has no run function yet")


def test_chair_example_with_real_cogs(chair_mo, chair_lics, production_user, accountant):
    lot = run_chair_example(chair_mo, chair_lics, production_user)
    services.release(production_order=chair_mo, actor=production_user)
    _run_cogs(accountant)
    lot.refresh_from_db()
    assert lot.unit_cost == D("25.000000")
    assert lot.value_in == D("250.00")


def test_return_and_reversal_with_real_cogs(chair_mo, chair_lics, production_user, accountant):
    from production import selectors
    from production.models import JobCostEntry

    lot = run_chair_example(chair_mo, chair_lics, production_user)
    _run_cogs(accountant)
    leg_issue = selectors.component_usages(chair_mo).get(lic=chair_lics["LEG"])
    assert leg_issue.cogs_value == D("100.00")
    services.issue_components(production_order=chair_mo, date=LATER, actor=production_user, lines=[
        services.ComponentLine(lic=chair_lics["LEG"], quantity=D("-4"), returns_usage=leg_issue)])
    services.reverse_job_cost(entry=JobCostEntry.objects.get(description="Finishing"), date=LATER,
                              actor=production_user)
    _run_cogs(accountant)
    lot.refresh_from_db()
    inputs = selectors.cost_inputs(chair_mo, lot)
    assert (inputs.components_value, inputs.capitalized_value) == (D("160.00"), D("50.00"))
    assert lot.unit_cost == D("21.000000")  # (100 - 10 + 70 + 50) / 10
