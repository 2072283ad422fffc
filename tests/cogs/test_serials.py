"""COGS of serialized usage (issue 17): a usage that names serials is allocated to the lots holding
those serials, per lot the count of its serials there, whatever the LIC's costing method; a return of
serials gives back to those serials' lots. Recall by lot is then right, and ``check_ledger`` checks
serial integrity (``serial_out_twice``, ``serial_usage``, ``serial_lots``), each check seen to fire."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection

from cogs.models import CogsEntry, EntryKind
from inventory_lots.models import LotSerial, SerialUse
from orders import services as orders
from production import services as production
from tests.conftest import adjust_in
from tests.factories import LicFactory
from traceability import selectors as trace

from .conftest import day, fresh, run
from .ledger_checks import all_violations, assert_names, found

D = Decimal
pytestmark = pytest.mark.django_db


def ship(order, lic, *serials, date=None):
    shipment = orders.post_shipment(
        order=order,
        date=date or day(5),
        actor=None,
        lines=[orders.ShipmentLineInput(lic=lic, quantity=D(len(serials)), serial_numbers=serials)],
    )
    return shipment.lines.get().usage


def give_back(order, lic, *serials, usage=None):
    document = orders.post_return(
        order=order,
        date=day(6),
        actor=None,
        lines=[orders.ReturnLineInput(lic=lic, quantity=D(len(serials)), usage=usage, serial_numbers=serials)],
    )
    return document.lines.get().usage


def allocations(usage) -> dict[int, tuple[Decimal, Decimal]]:
    """lot id -> (net quantity, value) of the usage's allocations and give-backs."""
    out: dict[int, list[Decimal]] = {}
    for lot_id, quantity, value in CogsEntry.objects.filter(usage=usage, lot__isnull=False).values_list(
        "lot_id", "quantity", "value"
    ):
        t = out.setdefault(lot_id, [D("0"), D("0")])
        t[0] += quantity
        t[1] += value
    return {lot_id: (q, v) for lot_id, (q, v) in out.items()}


def make_scanner(office, method="fifo"):
    """SCAN: lot A (S1, S2) at $10.00 on day 1, lot B (S3, S4) at $20.00 on day 2."""
    scan = LicFactory(code="SCAN", serialized=True, costing_method=method)
    a = adjust_in(office=office, lic=scan, quantity="2", unit_cost="10.00", date=day(1), serial_numbers=("S1", "S2"))
    b = adjust_in(office=office, lic=scan, quantity="2", unit_cost="20.00", date=day(2), serial_numbers=("S3", "S4"))
    return scan, a, b


@pytest.mark.parametrize("method", ["fifo", "lifo", "specific"])
def test_a_serialized_usage_is_allocated_to_the_lots_of_its_serials(office, order, method):
    """The issue's case: FIFO put the newer lot's serial on the oldest lot (and LIFO the other way)."""
    scan, a, b = make_scanner(office, method)
    newer = ship(order, scan, "S3")  # FIFO alone would take lot A
    older = ship(order, scan, "S2")  # LIFO alone would take lot B
    run()
    assert allocations(newer) == {b.pk: (D("1"), D("20.00"))}
    assert allocations(older) == {a.pk: (D("1"), D("10.00"))}
    assert (fresh(a).qty_used, fresh(b).qty_used) == (D("1"), D("1"))
    assert all_violations() == []


def test_serials_of_two_lots_on_one_usage_are_allocated_to_each_lot_for_its_count(office, order):
    scan, a, b = make_scanner(office)
    usage = ship(order, scan, "S4", "S1", "S3")
    run()
    assert allocations(usage) == {a.pk: (D("1"), D("10.00")), b.pk: (D("2"), D("40.00"))}
    assert fresh(usage).cogs_value == D("50.00")
    assert all_violations() == []


def test_recall_by_lot_follows_the_serials(office, order):
    scan, a, b = make_scanner(office)
    usage = ship(order, scan, "S3")
    run()
    assert [row.shipment_id for row in trace.recall(b)] == [usage.source_id]
    assert trace.recall(a) == []


def test_a_serial_shipped_again_with_an_earlier_date_does_not_block_its_first_shipment(office, order):
    """S1 ships on day 10 and comes back (a return naming that shipment), then ships again dated day 5,
    all before a run (the services check where a serial is now, not at which date). By date the second
    shipment would take lot A's unit first, the first then finds no stock and its return waits on it:
    both stay unallocated for ever. Serials move in posting order, so they are allocated in it."""
    scan = LicFactory(code="SCAN", serialized=True)
    a = adjust_in(office=office, lic=scan, quantity="1", unit_cost="10.00", date=day(1), serial_numbers=("S1",))
    first = ship(order, scan, "S1", date=day(10))
    back = (
        orders.post_return(
            order=order,
            date=day(11),
            actor=None,
            lines=[orders.ReturnLineInput(lic=scan, quantity=D(1), usage=first, serial_numbers=("S1",))],
        )
        .lines.get()
        .usage
    )
    again = ship(order, scan, "S1", date=day(5))
    run()
    assert [fresh(u).unallocated_quantity for u in (first, back, again)] == [D("0"), D("0"), D("0")]
    assert allocations(first) == allocations(again) == {a.pk: (D("1"), D("10.00"))}
    assert allocations(back) == {a.pk: (D("-1"), D("-10.00"))}
    assert fresh(a).qty_used == D("1")
    assert all_violations() == []


def test_a_return_of_serials_gives_back_to_their_lots(office, order):
    scan, a, b = make_scanner(office)
    usage = ship(order, scan, "S1", "S3")
    run()
    back = give_back(order, scan, "S3", usage=usage)
    run()
    assert allocations(back) == {b.pk: (D("-1"), D("-20.00"))}
    assert (fresh(a).qty_used, fresh(b).qty_used) == (D("1"), D("0"))
    again = ship(order, scan, "S3", date=day(7))
    run()
    assert allocations(again) == {b.pk: (D("1"), D("20.00"))}
    assert all_violations() == []


def test_a_return_naming_no_usage_gives_back_to_its_serials_lot(office, order):
    """(It is made to name the usage that has the serial out, the latest allocation of which would be
    lot A's: the serial decides.)"""
    scan, a, b = make_scanner(office)
    usage = ship(order, scan, "S3", "S1")
    run()
    back = give_back(order, scan, "S3")
    assert back.returns_usage_id == usage.pk
    run()
    assert allocations(back) == {b.pk: (D("-1"), D("-20.00"))}
    assert all_violations() == []


@pytest.fixture
def robot(office, order):
    """ROBOT: a released purchase lot P (P1) on day 1 and an unreleased production lot R (R1, R2) on day 2."""
    lic = LicFactory(code="ROBOT", serialized=True)
    purchase = adjust_in(office=office, lic=lic, quantity="1", unit_cost="100.00", date=day(1), serial_numbers=("P1",))
    mo = production.create_production_order(
        office=office,
        date=day(2),
        order=order,
        lic=lic,
        estimated_quantity=D("2"),
        estimated_unit_cost=D("70.00"),
        actor=None,
    )
    made = production.produce(
        production_order=mo, date=day(2), quantity=D("2"), serial_numbers=("R1", "R2"), actor=None
    )
    return lic, purchase, made, mo


def test_a_serial_in_an_unreleased_lot_waits_for_the_release_not_for_another_lot(order, robot):
    lic, purchase, made, mo = robot
    usage = ship(order, lic, "R1", "P1")
    run()
    assert allocations(usage) == {purchase.pk: (D("1"), D("100.00"))}  # R1's lot is not released
    assert fresh(usage).unallocated_quantity == D("1")
    production.release(production_order=mo, actor=None)
    run()
    assert allocations(usage) == {purchase.pk: (D("1"), D("100.00")), made.pk: (D("1"), D("70.00"))}
    assert all_violations() == []


def test_a_return_of_a_serial_waits_until_its_usage_is_allocated(order, robot):
    lic, purchase, made, mo = robot
    usage = ship(order, lic, "R1")
    back = give_back(order, lic, "R1", usage=usage)
    run()
    assert (allocations(usage), allocations(back)) == ({}, {})
    production.release(production_order=mo, actor=None)
    run()
    assert allocations(usage) == {made.pk: (D("1"), D("70.00"))}
    assert allocations(back) == {made.pk: (D("-1"), D("-70.00"))}
    assert (fresh(purchase).qty_used, fresh(made).qty_used) == (D("0"), D("0"))
    assert all_violations() == []


def test_plain_lics_keep_their_costing_method(office, order, lic):
    old = adjust_in(office=office, lic=lic, quantity="2", unit_cost="1.00", date=day(1))
    adjust_in(office=office, lic=lic, quantity="2", unit_cost="2.00", date=day(2))
    usage = (
        orders.post_shipment(
            order=order, date=day(5), actor=None, lines=[orders.ShipmentLineInput(lic=lic, quantity=D("1"))]
        )
        .lines.get()
        .usage
    )
    run()
    assert allocations(usage) == {old.pk: (D("1"), D("1.00"))}


# --- check_ledger: serial integrity ---------------------------------------------------------------------


def sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.fixture
def books(office, order):
    """Lot A (S1, S2, S5, S6) at $10.00, lot B (S3, S4) at $20.00: S1 shipped on usage one, S2 on usage
    two (both lot A), S3 on usage three (lot B); one run."""
    scan = LicFactory(code="SCAN", serialized=True)
    a = adjust_in(
        office=office, lic=scan, quantity="4", unit_cost="10.00", date=day(1), serial_numbers=("S1", "S2", "S5", "S6")
    )
    b = adjust_in(office=office, lic=scan, quantity="2", unit_cost="20.00", date=day(2), serial_numbers=("S3", "S4"))
    books = {
        "a": a,
        "b": b,
        "one": ship(order, scan, "S1"),
        "two": ship(order, scan, "S2"),
        "three": ship(order, scan, "S3"),
    }
    run()
    assert all_violations() == []
    return books


def serial(number: str) -> int:
    return LotSerial.objects.get(serial_number=number).pk


def test_serial_out_twice_names_the_serial(books):
    """With the constraint dropped (in the test's transaction), usage two's movement is pointed at S1:
    S1 is out on two usages at once (and usage two no longer has the serial it names)."""
    sql("DROP INDEX inventory_lots_serial_out_once")
    sql("UPDATE inventory_lots_serialuse SET serial_id = %s WHERE usage_id = %s", [serial("S1"), books["two"].pk])
    violations = all_violations()
    assert "S1" in assert_names("serial_out_twice", serial("S1"), violations)["detail"]
    assert {v for v in found(violations) if v[0].startswith("serial")} == {
        ("serial_out_twice", serial("S1")),
        ("serial_usage", books["two"].pk),
    }


def test_serial_usage_names_a_usage_whose_movements_differ_from_its_serials(books):
    """Usage three's movement is pointed at S4 (in stock, S3's lot-mate in lot B): S4 looks out and S3 in
    stock, while usage three names S3. The counts per lot still match, so only serial_usage sees it."""
    sql("UPDATE inventory_lots_serialuse SET serial_id = %s WHERE usage_id = %s", [serial("S4"), books["three"].pk])
    violations = all_violations()
    assert "S3" in assert_names("serial_usage", books["three"].pk, violations)["detail"]
    assert {v for v in found(violations) if v[0].startswith("serial")} == {("serial_usage", books["three"].pk)}


def test_serial_usage_names_a_usage_with_a_serial_missing(books):
    sql("DELETE FROM inventory_lots_serialuse WHERE usage_id = %s", [books["one"].pk])
    violations = all_violations()
    assert_names("serial_usage", books["one"].pk, violations)
    assert_names("serial_lots", books["one"].pk, violations)  # its lot A allocation has no serial there now


def test_serial_lots_names_a_usage_allocated_to_a_lot_without_its_serials(books, capsys):
    """What the old engine did (issue 17): usage three's S3 is in lot B, its allocation moved to lot A;
    both lots' balances moved with it, so every sum ties and only the serial check sees it."""
    a, b, three = books["a"], books["b"], books["three"]
    entry = CogsEntry.objects.get(usage=three, kind=EntryKind.ALLOCATION)
    sql("UPDATE cogs_cogsentry SET lot_id = %s WHERE id = %s", [a.pk, entry.pk])
    sql(
        "UPDATE inventory_lots_lot SET qty_used = qty_used + 1, value_used = value_used + %s WHERE id = %s",
        [entry.value, a.pk],
    )
    sql(
        "UPDATE inventory_lots_lot SET qty_used = qty_used - 1, value_used = value_used - %s WHERE id = %s",
        [entry.value, b.pk],
    )
    violations = all_violations()
    detail = assert_names("serial_lots", three.pk, violations)["detail"]
    assert a.number in detail
    assert found(violations) == {("serial_lots", three.pk)}
    with pytest.raises(SystemExit) as exit_info:
        call_command("check_ledger")
    assert exit_info.value.code == 1
    assert f"serial_lots: #{three.pk}: " in capsys.readouterr().out


def test_serial_checks_are_clean_after_returns_and_reshipping(books, order):
    scan = books["a"].lic
    give_back(order, scan, "S1", usage=books["one"])
    ship(order, scan, "S1", date=day(7))
    run()
    assert all_violations() == []
    assert SerialUse.objects.filter(serial_id=serial("S1")).count() == 2


def test_the_unallocated_page_says_a_serial_waits_for_its_lot_release(order, robot, office):
    """Sibling: with other stock released, the reason said "Stock is available: the next COGS run
    allocates it", which no run would do (the serial decides the lot)."""
    from cogs.selectors import REASON_SERIAL_UNRELEASED, unallocated_list, with_reasons

    lic, purchase, made, mo = robot
    adjust_in(office=office, lic=lic, quantity="1", unit_cost="100.00", date=day(1), serial_numbers=("P2",))
    usage = ship(order, lic, "R2")
    run()
    (row,) = with_reasons(list(unallocated_list()))
    assert (row.pk, row.reason) == (usage.pk, REASON_SERIAL_UNRELEASED)
