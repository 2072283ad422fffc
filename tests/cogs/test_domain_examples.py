"""DOMAIN.md section 6 worked examples through the services, with exact Decimals."""

from __future__ import annotations

import pytest

from cogs.selectors import ledger_violations
from inventory_lots.services import correct_lot_unit_cost
from tests.conftest import adjust_in

from .conftest import D, day, fresh, give_back, run, ship

pytestmark = pytest.mark.django_db


def two_lots(office, lic):
    a = adjust_in(office=office, lic=lic, quantity="5", unit_cost="10.00", date=day(1))
    b = adjust_in(office=office, lic=lic, quantity="5", unit_cost="12.00", date=day(2))
    return a, b


def test_fifo_takes_oldest_lot_first(office, lic, order):
    a, b = two_lots(office, lic)
    usage = ship(lic=lic, office=office, quantity="7", source=order, date=day(3))
    result = run()
    usage = fresh(usage)
    assert usage.cogs_value == D("74.00")
    assert usage.allocated_quantity == D("7")
    assert (fresh(a).status, fresh(a).value_used) == ("closed", D("50.00"))
    assert (fresh(b).qty_available, fresh(b).value_used) == (D("3"), D("24.00"))
    assert result.allocated_quantity == D("7") and result.value_posted == D("74.00")
    assert result.unallocated_quantity == D("0") and result.entries_posted == 2
    assert ledger_violations() == []


def test_lifo_takes_newest_lot_first(office, lic, order):
    lic.costing_method = "lifo"
    lic.save()
    a, b = two_lots(office, lic)
    usage = ship(lic=lic, office=office, quantity="7", source=order, date=day(3))
    run()
    assert fresh(usage).cogs_value == D("80.00")
    assert fresh(b).status == "closed" and fresh(b).value_used == D("60.00")
    assert fresh(a).qty_available == D("3") and fresh(a).value_used == D("20.00")


def test_give_back_across_lots_lifo_within_limits(office, lic, order):
    a, b = two_lots(office, lic)
    ship(lic=lic, office=office, quantity="7", source=order, date=day(3))
    run()
    ret = give_back(lic=lic, office=office, quantity="3", source=order, date=day(4))
    result = run()
    ret = fresh(ret)
    assert ret.allocated_quantity == D("-3") and ret.cogs_value == D("-34.00")  # -2 x 12 - 1 x 10
    assert (fresh(b).qty_available, fresh(b).qty_used) == (D("5"), D("0"))
    assert (fresh(a).qty_available, fresh(a).status) == (D("1"), "open")
    assert result.given_back_quantity == D("3") and result.value_posted == D("-34.00")
    assert ledger_violations() == []


def test_receive_ship_return_adjustment_lot(office, lic, order):
    lot = adjust_in(office=office, lic=lic, quantity="10", unit_cost="29.99", date=day(1))
    shipped = ship(lic=lic, office=office, quantity="10", source=order, date=day(2))
    assert fresh(shipped).unallocated_quantity == D("10")
    run()
    assert fresh(shipped).cogs_value == D("299.90")
    assert fresh(lot).status == "closed" and fresh(lot).value_used == D("299.90")
    ret = give_back(lic=lic, office=office, quantity="2", source=order, date=day(3), returns=shipped)
    run()
    assert fresh(ret).cogs_value == D("-59.98")
    assert (fresh(lot).status, fresh(lot).qty_available) == ("open", D("2"))
    assert ledger_violations() == []


def test_unallocated_then_adjust_in(office, lic, order):
    adjust_in(office=office, lic=lic, quantity="3", unit_cost="10.00", date=day(1))
    usage = ship(lic=lic, office=office, quantity="5", source=order, date=day(2))
    first = run()
    assert fresh(usage).cogs_value == D("30.00") and fresh(usage).unallocated_quantity == D("2")
    assert first.unallocated_quantity == D("2")
    adjust_in(office=office, lic=lic, quantity="2", unit_cost="11.00", date=day(5))
    second = run()
    assert second.value_posted == D("22.00") and second.unallocated_quantity == D("0")
    assert fresh(usage).cogs_value == D("52.00") and fresh(usage).unallocated_quantity == D("0")


def test_unallocated_accrues_then_reverses(office, lic, order):
    adjust_in(office=office, lic=lic, quantity="3", unit_cost="10.00", date=day(1))
    usage = ship(lic=lic, office=office, quantity="5", source=order, date=day(2))
    first = run()
    assert fresh(usage).accrued_value == D("20.00") and first.accrued_value_posted == D("20.00")
    adjust_in(office=office, lic=lic, quantity="2", unit_cost="11.00", date=day(5))
    second = run()
    usage = fresh(usage)
    assert second.accrued_value_posted == D("-20.00")
    assert (usage.cogs_value, usage.accrued_value, usage.no_cost_basis) == (D("52.00"), D("0.00"), False)
    assert ledger_violations() == []


def test_rounding_remainder_goes_to_last_allocation(office, lic, order):
    lot = adjust_in(office=office, lic=lic, quantity="3", unit_cost="3.333333", date=day(1))
    usages = [ship(lic=lic, office=office, quantity="1", source=order, date=day(2)) for _ in range(3)]
    run()
    assert [fresh(u).cogs_value for u in usages] == [D("3.33"), D("3.33"), D("3.34")]
    lot = fresh(lot)
    assert lot.value_in == D("10.00") and lot.value_used == D("10.00") and lot.value_available == D("0.00")


def test_late_cost_change_revalues(office, lic, order):
    lot = adjust_in(office=office, lic=lic, quantity="15", unit_cost="35.00", date=day(1))
    usage = ship(lic=lic, office=office, quantity="15", source=order, date=day(2))
    run()
    assert fresh(usage).cogs_value == D("525.00")
    correct_lot_unit_cost(lot=lot, new_unit_cost=D("35.59"), reason="freight", date=day(20), actor=None)
    assert fresh(lot).value_in - fresh(lot).value_used == D("8.85")  # not yet revalued: still in the lot
    result = run()
    assert result.value_posted == D("8.85") and result.entries_posted == 1
    assert fresh(usage).cogs_value == D("533.85")
    assert fresh(lot).value_used == D("533.85")
    entry = fresh(usage).cogs_entries.order_by("-id").first()
    assert (entry.kind, entry.quantity, entry.value, entry.date) == (4, D("0"), D("8.85"), result.date)
    assert ledger_violations() == []


def test_give_back_loop(office, lic, order):
    lot = adjust_in(office=office, lic=lic, quantity="30", unit_cost="4.00", date=day(1))
    shipped = ship(lic=lic, office=office, quantity="50", source=order, date=day(2))
    ret = give_back(lic=lic, office=office, quantity="50", source=order, date=day(3), returns=shipped)
    run()
    assert fresh(shipped).cogs_value == D("200.00") and fresh(shipped).unallocated_quantity == D("0")
    assert fresh(ret).cogs_value == D("-200.00") and fresh(ret).unallocated_quantity == D("0")
    assert (fresh(lot).qty_used, fresh(lot).qty_available) == (D("0"), D("30"))
    assert ledger_violations() == []


def test_rerun_posts_nothing(office, lic, order):
    two_lots(office, lic)
    ship(lic=lic, office=office, quantity="12", source=order, date=day(3))
    run()
    again = run()
    assert (again.entries_posted, again.value_posted, again.accrued_value_posted) == (0, D("0.00"), D("0.00"))
