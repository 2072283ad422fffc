"""COGS test helpers: ledger history made through the inventory_lots services, runs through
cogs.services."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection

from cogs import services as cogs_services
from inventory_lots.models import InventoryUsage, Lot
from inventory_lots.services import record_usage
from tests.conftest import adjust_in

D = Decimal
DAY = datetime.date(2026, 3, 1)
RUN_DAY = datetime.date(2026, 3, 31)


def day(n: int) -> datetime.date:
    return datetime.date(2026, 3, n)


def ship(*, lic, office, quantity, source, date=DAY, lot=None, kind="shipment") -> InventoryUsage:
    return record_usage(
        lic=lic,
        office=office,
        date=date,
        quantity=D(quantity),
        kind=kind,
        source=source,
        source_label=str(source),
        actor=None,
        lot=lot,
    )


def give_back(*, lic, office, quantity, source, date=DAY, returns=None) -> InventoryUsage:
    """A return of ``quantity`` units (positive number; the usage is negative)."""
    return record_usage(
        lic=lic,
        office=office,
        date=date,
        quantity=-D(quantity),
        kind="return",
        source=source,
        source_label=str(source),
        actor=None,
        returns_usage=returns,
    )


def run(**kwargs):
    kwargs.setdefault("date", RUN_DAY)
    return cogs_services.run_cogs_now(actor=kwargs.pop("actor", None), **kwargs)


def refuse_entries(column: str, value: int) -> None:
    """From now on in the test's transaction, writing a COGS entry whose ``column`` is ``value`` fails
    as a numeric overflow would (a database error of one pair); ``allow_entries`` lifts it."""
    with connection.cursor() as cursor:
        cursor.execute(f"""
            CREATE FUNCTION pg_temp.refuse() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.{column} = {int(value)} THEN
              RAISE EXCEPTION 'numeric field overflow' USING ERRCODE = 'numeric_value_out_of_range'; END IF;
              RETURN NEW; END $$;
            CREATE TRIGGER refuse BEFORE INSERT ON cogs_cogsentry FOR EACH ROW EXECUTE FUNCTION pg_temp.refuse();""")


def allow_entries() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER refuse ON cogs_cogsentry")


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def lot_state(lot: Lot) -> tuple:
    lot = fresh(lot)
    return lot.qty_used, lot.qty_available, lot.value_used, lot.status


@pytest.fixture
def stock():
    return adjust_in
