"""Demo data of production: the chair example of DOMAIN.md 5 (40 legs at $2.50, 10 seats at
$7.00, capitalized labour $50.00 and finishing $30.00, 10 chairs produced and released) plus a
second, still open order with a component return, an expensed cost and a reversed entry."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from inventory_lots.models import LineItemCode, Office
from inventory_lots.services import AdjustmentLineInput, post_adjustment
from orders.models import Order
from production import services

D = Decimal


def seed(*, rng: random.Random, actor, today: datetime.date) -> None:
    lic = {
        code: LineItemCode.objects.get(code=code) for code in ("LEG", "SEAT", "CHAIR", "LABOR", "OUTSIDE", "OVERHEAD")
    }
    office = Office.objects.get(code="HQ")
    day = today - datetime.timedelta(days=5)
    post_adjustment(
        office=office,
        date=day,
        reason="Chair components received",
        actor=actor,
        lines=[
            AdjustmentLineInput(lic=lic["LEG"], quantity=D(60), unit_cost=D("2.50")),
            AdjustmentLineInput(lic=lic["SEAT"], quantity=D(15), unit_cost=D("7.00")),
        ],
    )
    parent = Order.objects.filter(office=office).order_by("id").first()
    mo = services.create_production_order(
        office=office,
        date=day,
        order=parent,
        lic=lic["CHAIR"],
        estimated_quantity=D(10),
        estimated_unit_cost=D("24.00"),
        actor=actor,
    )
    services.issue_components(
        production_order=mo,
        date=day,
        actor=actor,
        lines=[
            services.ComponentLine(lic=lic["LEG"], quantity=D(40)),
            services.ComponentLine(lic=lic["SEAT"], quantity=D(10)),
        ],
    )
    for code, description, amount, capitalized in (
        ("LABOR", "Assembly labour", "50.00", True),
        ("OUTSIDE", "Finishing", "30.00", True),
        ("OVERHEAD", "Shop cleanup", "12.00", False),
    ):
        services.post_job_cost(
            production_order=mo,
            date=day,
            lic=lic[code],
            description=description,
            amount=D(amount),
            capitalized=capitalized,
            actor=actor,
        )
    services.produce(production_order=mo, date=day, quantity=D(10), actor=actor)
    services.release(production_order=mo, actor=actor)

    # a second order, still open: components issued, 2 legs returned, a mistaken entry reversed
    later = day + datetime.timedelta(days=2)
    mo2 = services.create_production_order(
        office=office,
        date=later,
        lic=lic["CHAIR"],
        estimated_quantity=D(4),
        estimated_unit_cost=D("25.00"),
        actor=actor,
    )
    (legs, _) = services.issue_components(
        production_order=mo2,
        date=later,
        actor=actor,
        lines=[
            services.ComponentLine(lic=lic["LEG"], quantity=D(18)),
            services.ComponentLine(lic=lic["SEAT"], quantity=D(4)),
        ],
    )
    services.issue_components(
        production_order=mo2,
        date=later,
        actor=actor,
        lines=[services.ComponentLine(lic=lic["LEG"], quantity=D(-2), returns_usage=legs)],
    )
    wrong = services.post_job_cost(
        production_order=mo2,
        date=later,
        lic=lic["LABOR"],
        description="Labour (typo)",
        amount=D("200.00"),
        capitalized=True,
        actor=actor,
    )
    services.reverse_job_cost(entry=wrong, date=later, actor=actor)
    services.post_job_cost(
        production_order=mo2,
        date=later,
        lic=lic["LABOR"],
        description="Assembly labour",
        amount=D("20.00"),
        capitalized=True,
        actor=actor,
    )
    services.produce(production_order=mo2, date=later, quantity=D(2), actor=actor)
