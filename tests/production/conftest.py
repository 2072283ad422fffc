"""Fixtures of production tests: the chair example of DOMAIN.md 5 (LEG, SEAT, CHAIR; LABOR and
FINISHING job cost LICs), with component stock made through the adjustment service."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import transaction

from core.money import extended
from inventory_lots import locks
from inventory_lots.models import UsageCogs
from production import selectors, services
from tests.conftest import DAY, adjust_in
from tests.factories import LicFactory, ServiceLicFactory

D = Decimal
LATER = DAY + datetime.timedelta(days=1)
# Unit costs of the components in the chair example (DOMAIN.md 5).
CHAIR_COSTS = {"LEG": D("2.50"), "SEAT": D("7.00")}


@pytest.fixture
def chair_lics(db):
    return {
        "LEG": LicFactory(code="LEG", description="Chair leg"),
        "SEAT": LicFactory(code="SEAT", description="Chair seat"),
        "CHAIR": LicFactory(code="CHAIR", description="Chair (produced)"),
        "LABOR": ServiceLicFactory(code="LABOR", description="Labour"),
        "FINISHING": ServiceLicFactory(code="FINISHING", description="Finishing"),
    }


@pytest.fixture
def chair_stock(chair_lics, office):
    """40 legs at $2.50 and 10 seats at $7.00 in stock (purchase-type lots)."""
    return {
        "LEG": adjust_in(office=office, lic=chair_lics["LEG"], quantity="40", unit_cost="2.50"),
        "SEAT": adjust_in(office=office, lic=chair_lics["SEAT"], quantity="10", unit_cost="7.00"),
    }


@pytest.fixture
def chair_mo(chair_lics, chair_stock, office, order, production_user):
    return services.create_production_order(
        office=office,
        date=DAY,
        order=order,
        lic=chair_lics["CHAIR"],
        estimated_quantity=D("10"),
        estimated_unit_cost=D("24.00"),
        actor=production_user,
    )


def cost_components_test_only(mo, costs=CHAIR_COSTS) -> None:
    """TEST-ONLY stand-in for a COGS run (the COGS engine is built in parallel by another helper):
    give every component usage of the order its allocated quantity and COGS value with a raw
    ``update()`` (quantity x the component's unit cost, returns negative), then recompute the
    production lot's unit cost the way the COGS engine does (LIC lock held by the caller)."""
    for usage in selectors.component_usages(mo).select_related("lic"):
        UsageCogs.objects.filter(usage=usage).update(
            allocated_quantity=usage.quantity, cogs_value=extended(usage.quantity, costs[usage.lic.code])
        )
    mo.refresh_from_db()
    if mo.lot_id:
        with transaction.atomic():
            locks.lics_for_update([mo.lic_id])
            services.recompute_production_lot_cost_locked(lot=mo.lot, date=LATER, actor=None)


def run_chair_example(mo, chair_lics, actor):
    """DOMAIN.md 5 through the services: issue 40 legs and 10 seats, labour $50.00 and finishing
    $30.00 capitalized, produce 10."""
    services.issue_components(
        production_order=mo,
        date=DAY,
        actor=actor,
        lines=[
            services.ComponentLine(lic=chair_lics["LEG"], quantity=D("40")),
            services.ComponentLine(lic=chair_lics["SEAT"], quantity=D("10")),
        ],
    )
    services.post_job_cost(
        production_order=mo,
        date=DAY,
        lic=chair_lics["LABOR"],
        description="Assembly labour",
        amount=D("50.00"),
        capitalized=True,
        actor=actor,
    )
    services.post_job_cost(
        production_order=mo,
        date=DAY,
        lic=chair_lics["FINISHING"],
        description="Finishing",
        amount=D("30.00"),
        capitalized=True,
        actor=actor,
    )
    return services.produce(production_order=mo, date=DAY, quantity=D("10"), actor=actor)
