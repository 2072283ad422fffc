"""Import test helpers: files generated in the test (CSV or xlsx), the row counts of everything an
import may write (a refused import writes none of it), a user allowed to import."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from imports import formats
from imports.models import ImportedLot
from inventory_lots.models import AdjustmentLine, InventoryAdjustment, LineItemCode, Lot, LotSerial, Office
from orders.models import Customer
from purchasing.models import Vendor
from tests.factories import LicFactory, OfficeFactory, user_with_role

OPENING_HEADER = ["office", "lic", "quantity", "unit_cost", "lot_date", "mfr_lot", "serials", "reference"]
LIC_HEADER = [
    "code",
    "description",
    "inventoried",
    "serialized",
    "track_by_mfr_lot",
    "costing_method",
    "unit",
    "active",
]
WRITTEN = (Office, LineItemCode, Vendor, Customer, Lot, LotSerial, InventoryAdjustment, AdjustmentLine, ImportedLot)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in WRITTEN}


def sheet(header: list[str], rows: list[list], fmt: str = "csv") -> bytes:
    if fmt == "xlsx":
        return formats.xlsx_bytes(header, rows, title="data")
    return formats.csv_bytes(header, rows)


def opening_row(**values) -> list:
    row = {"office": "HQ", "lic": "WIDGET", "quantity": "10", "unit_cost": "2.50", "lot_date": "2026-03-01"}
    row.update(values)
    return [row.get(name, "") for name in OPENING_HEADER]


@pytest.fixture
def stock_master(db):
    """Offices HQ and WEST; LICs WIDGET (plain), SCAN (serialized), RESIN (mfr lot), LABOR (service)."""
    OfficeFactory(code="HQ", name="Headquarters")
    OfficeFactory(code="WEST", name="West")
    LicFactory(code="WIDGET", description="Widget")
    LicFactory(code="SCAN", description="Scanner", serialized=True)
    LicFactory(code="RESIN", description="Resin", track_by_mfr_lot=True)
    LicFactory(code="LABOR", description="Labour", inventoried=False)


@pytest.fixture
def importer(db):
    """A viewer granted the import permission (what an administrator gives someone)."""
    from core import roles

    user = user_with_role(roles.VIEWER, username="importer")
    user.user_permissions.add(Permission.objects.get(codename="run_import", content_type__app_label="imports"))
    return user
