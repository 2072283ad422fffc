from decimal import Decimal

from tests.conftest import adjust_in


def test_adjustment_creates_open_lot_with_value(office, lic):
    lot = adjust_in(office=office, lic=lic, quantity="3", unit_cost="3.333333")
    lot.refresh_from_db()
    assert lot.number.startswith("PL-")
    assert lot.status == "open"
    assert lot.qty_available == Decimal("3")
    assert lot.value_in == Decimal("10.00")
