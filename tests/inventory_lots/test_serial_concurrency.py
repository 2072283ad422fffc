"""One serial posted out by several clerks at once (real parallel connections, issue 17): the LIC row
lock, taken first by every posting, serialises them, so exactly one shipment (or write-off) takes the
serial and the others are refused with the service's message, not a 500 from the constraint."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.errors import ValidationFailed
from inventory_lots.models import SerialUse
from inventory_lots.services import AdjustmentLineInput, post_adjustment
from orders import services as orders
from tests.concurrency import run_concurrently
from tests.conftest import DAY, adjust_in
from tests.factories import CustomerFactory, LicFactory, OfficeFactory

D = Decimal
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_one_serial_shipped_and_written_off_at_once_leaves_once():
    office = OfficeFactory(code="HQ")
    scan = LicFactory(code="SCAN", serialized=True)
    adjust_in(office=office, lic=scan, quantity="3", unit_cost="1.00", serial_numbers=("S1", "S2", "S3"))
    order = orders.create_order(customer=CustomerFactory(code="C"), office=office, date=DAY)

    def ship(serial):
        return lambda: orders.post_shipment(
            order=order,
            date=DAY,
            actor=None,
            lines=[orders.ShipmentLineInput(lic=scan, quantity=D("1"), serial_numbers=(serial,))],
        )

    def write_off(serial):
        return lambda: post_adjustment(
            office=office,
            date=DAY,
            reason="loss",
            actor=None,
            lines=[AdjustmentLineInput(lic=scan, quantity=D("-1"), serial_numbers=(serial,))],
        )

    for serial in ("S1", "S2", "S3"):
        results = run_concurrently(ship(serial), ship(serial), write_off(serial))
        errors = [r for r in results if isinstance(r, Exception)]
        assert len(errors) == 2, results
        assert all(isinstance(e, ValidationFailed) and e.code == "serial_not_in_stock" for e in errors), errors
        assert SerialUse.objects.filter(serial__serial_number=serial, returned_by__isnull=True).count() == 1
