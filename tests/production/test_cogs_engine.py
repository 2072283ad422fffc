"""The chair example with the real COGS engine."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cogs.services import run_cogs_now
from production import services

from .conftest import LATER, run_chair_example

pytestmark = pytest.mark.django_db
D = Decimal


def _run_cogs(actor):
    return run_cogs_now(actor=actor, date=LATER)


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
    services.issue_components(
        production_order=chair_mo,
        date=LATER,
        actor=production_user,
        lines=[services.ComponentLine(lic=chair_lics["LEG"], quantity=D("-4"), returns_usage=leg_issue)],
    )
    services.reverse_job_cost(
        entry=JobCostEntry.objects.get(description="Finishing"), date=LATER, actor=production_user
    )
    _run_cogs(accountant)
    lot.refresh_from_db()
    inputs = selectors.cost_inputs(chair_mo, lot)
    assert (inputs.components_value, inputs.capitalized_value) == (D("160.00"), D("50.00"))
    assert lot.unit_cost == D("21.000000")  # (100 - 10 + 70 + 50) / 10


def test_inputs_returned_and_reversed_to_zero_cost_zero_not_the_estimate(
    chair_mo, chair_lics, production_user, accountant
):
    """Once anything was costed, the formula rules: everything returned and reversed is 0.00,
    never the estimated unit cost (which would create value nobody spent)."""
    from production.models import JobCostEntry

    lot = run_chair_example(chair_mo, chair_lics, production_user)
    _run_cogs(accountant)
    services.issue_components(
        production_order=chair_mo,
        date=LATER,
        actor=production_user,
        lines=[
            services.ComponentLine(lic=chair_lics["LEG"], quantity=D("-40")),
            services.ComponentLine(lic=chair_lics["SEAT"], quantity=D("-10")),
        ],
    )
    for entry in JobCostEntry.objects.filter(production_order=chair_mo):
        services.reverse_job_cost(entry=entry, date=LATER, actor=production_user)
    _run_cogs(accountant)
    lot.refresh_from_db()
    assert chair_mo.estimated_unit_cost > 0
    assert lot.unit_cost == D("0")
