"""Fixtures of orders tests: stock of a FIFO LIC, a specific-unit LIC and a serialized LIC."""

from __future__ import annotations

import pytest

from tests.conftest import adjust_in
from tests.factories import LicFactory


@pytest.fixture
def stock(db, office, lic):
    """WIDGET: 10 @ $4.00 (FIFO). ENGINE: 2 @ $100.00 (specific unit). SCANNER: 3 serialized."""
    engine = LicFactory(code="ENGINE", costing_method="specific")
    scanner = LicFactory(code="SCANNER", serialized=True)
    return {
        "WIDGET": adjust_in(office=office, lic=lic, quantity="10", unit_cost="4.00"),
        "ENGINE": adjust_in(office=office, lic=engine, quantity="2", unit_cost="100.00"),
        "SCANNER": adjust_in(
            office=office, lic=scanner, quantity="3", unit_cost="50.00", serial_numbers=("S1", "S2", "S3")
        ),
    }
