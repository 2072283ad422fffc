"""Helpers of the ledger-core tests: row counts (a refusal writes nothing), raw usage rows for
constraint tests, serialized/mfr/specific LICs, a production lot and the adjustment form data."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from inventory_lots.models import (
    AdjustmentLine,
    InventoryAdjustment,
    InventoryUsage,
    LotCostChange,
    LotSerial,
)
from inventory_lots.models import Lot as LotModel
from inventory_lots.services import create_lot
from tests.conftest import DAY
from tests.factories import LicFactory, OfficeFactory

D = Decimal
LEDGER_MODELS = (LotModel, LotSerial, InventoryUsage, InventoryAdjustment, AdjustmentLine, LotCostChange)


def ledger_counts() -> dict[str, int]:
    """Rows of every ledger table: equal before and after a refused operation."""
    return {model.__name__: model.objects.count() for model in LEDGER_MODELS}


def usage_row(*, lic, office, quantity, kind="shipment", **extra) -> InventoryUsage:
    """A usage row written straight to the table (constraint tests only: it skips the service)."""
    return InventoryUsage.objects.create(
        lic=lic,
        office=office,
        date=DAY,
        quantity=D(quantity),
        kind=kind,
        source_type=ContentType.objects.get_for_model(office),
        source_id=office.pk,
        source_label="raw",
        **extra,
    )


def figure(content: bytes, name: str) -> str:
    """The text of the page cell marked ``data-figure="name"``."""
    match = re.search(rf'data-figure="{name}">([^<]*)<', content.decode())
    assert match, f"no data-figure={name}"
    return match.group(1).strip()


def adjustment_post_data(*lines: dict, office="HQ", date="2026-03-02", reason="count") -> dict:
    data = {
        "office": office,
        "date": date,
        "reason": reason,
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "1000",
    }
    for index, line in enumerate(lines):
        for key in ("lic", "quantity", "unit_cost", "mfr_lot_number", "serial_numbers"):
            data[f"lines-{index}-{key}"] = line.get(key, "")
    return data


@pytest.fixture
def west(db):
    return OfficeFactory(code="WEST", name="West warehouse")


@pytest.fixture
def serial_lic(db):
    return LicFactory(code="SCAN", description="Scanner", serialized=True)


@pytest.fixture
def mfr_lic(db):
    return LicFactory(code="RESIN", description="Resin", track_by_mfr_lot=True)


@pytest.fixture
def specific_lic(db):
    return LicFactory(code="ENGINE", description="Engine", costing_method="specific")


@pytest.fixture
def production_lot(db, office, lic, order):
    def make(*, released=True, quantity="4", cost="25.00"):
        with transaction.atomic():
            return create_lot(
                type="production",
                office=office,
                lic=lic,
                date=DAY,
                quantity=D(quantity),
                unit_cost_value=D(cost),
                transaction_obj=order,
                transaction_label=order.number,
                parent_order=order,
                released=released,
            )

    return make
