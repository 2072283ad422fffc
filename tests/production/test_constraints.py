"""The production tables' CHECK constraints hold even when Python is bypassed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from production import services
from production.models import JobCostEntry, ProductionOrder

from .conftest import DAY

D = Decimal
pytestmark = pytest.mark.django_db


def test_job_cost_amount_sign(chair_mo, chair_lics, production_user):
    entry = services.post_job_cost(
        production_order=chair_mo,
        date=DAY,
        lic=chair_lics["LABOR"],
        description="x",
        amount=D("5.00"),
        capitalized=True,
        actor=production_user,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        JobCostEntry.objects.filter(pk=entry.pk).update(amount=D("-5.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        JobCostEntry.objects.create(
            production_order=chair_mo,
            date=DAY,
            lic=chair_lics["LABOR"],
            description="r",
            amount=D("5.00"),
            reverses=entry,
        )
    services.reverse_job_cost(entry=entry, date=DAY, actor=production_user)
    with pytest.raises(IntegrityError), transaction.atomic():  # reversed at most once (one-to-one)
        JobCostEntry.objects.create(
            production_order=chair_mo,
            date=DAY,
            lic=chair_lics["LABOR"],
            description="r",
            amount=D("-5.00"),
            reverses=entry,
        )


def test_production_order_checks(chair_mo):
    for field, value in (("status", "bogus"), ("estimated_quantity", D("0")), ("estimated_unit_cost", D("-1"))):
        with pytest.raises(IntegrityError), transaction.atomic():
            ProductionOrder.objects.filter(pk=chair_mo.pk).update(**{field: value})
