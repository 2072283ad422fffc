"""Serial numbers through the services (issue 17): a serial leaves stock once, comes back only by a
return naming it, and every usage that names serials is checked against where each serial is. The
state lives in ``SerialUse`` (one row per serial taken out by a usage; ``returned_by`` once a return
brings it back), kept by the services, with a PostgreSQL constraint that a serial is out at most once.

Decisions tested here (docs/traceability.md, "Serial numbers"):
- a usage that takes stock out (shipment, negative adjustment, component issue) may name only serials
  in stock in its office: unknown serials, serials of another office and serials already out are refused;
- one document names a serial once (across its lines);
- a return of a serialized LIC names the serials it returns; each must be out on the usage it names;
  a return that names no usage is made to name the one usage that has those serials out (serials out on
  different usages go on separate lines), and that usage must fit the document (a shipment of the order,
  an issue of the production order);
- input a LIC does not track (serials, a mfr lot) is refused, not dropped; serialized quantities are whole.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from core.errors import StateConflict, ValidationFailed
from inventory_lots.models import InventoryUsage, LotSerial, SerialUse
from inventory_lots.services import AdjustmentLineInput, post_adjustment
from orders import services as orders
from orders.models import CustomerReturn, Shipment
from production import services as production
from purchasing.services import (
    POLineInput,
    ReceiptLineInput,
    create_purchase_order,
    receive_purchase_order,
    reverse_receipt,
)
from tests.conftest import DAY, adjust_in
from tests.factories import LicFactory

from .conftest import ledger_counts

D = Decimal
pytestmark = pytest.mark.django_db
LATER = DAY + datetime.timedelta(days=1)


@pytest.fixture
def scan(db):
    return LicFactory(code="SCAN", description="Scanner", serialized=True)


@pytest.fixture
def lots(office, west, scan):
    """SCAN in HQ: lot A (S1, S2) at $10.00, lot B (S3, S4) at $20.00; in WEST: lot W (W1)."""
    return {
        "A": adjust_in(office=office, lic=scan, quantity="2", unit_cost="10.00", serial_numbers=("S1", "S2")),
        "B": adjust_in(
            office=office, lic=scan, quantity="2", unit_cost="20.00", serial_numbers=("S3", "S4"), date=LATER
        ),
        "W": adjust_in(office=west, lic=scan, quantity="1", unit_cost="30.00", serial_numbers=("W1",)),
    }


def ship(order, *lines, date=LATER):
    """``lines``: (lic, quantity, serials)."""
    return orders.post_shipment(
        order=order,
        date=date,
        actor=None,
        lines=[orders.ShipmentLineInput(lic=lic, quantity=D(q), serial_numbers=tuple(s)) for lic, q, s in lines],
    )


def give_back(order, lic, quantity, serials, usage=None):
    return orders.post_return(
        order=order,
        date=LATER,
        actor=None,
        lines=[orders.ReturnLineInput(lic=lic, quantity=D(quantity), usage=usage, serial_numbers=tuple(serials))],
    )


def refused(call, code, message, field, exc_type=ValidationFailed):
    before = ledger_counts(), Shipment.objects.count(), CustomerReturn.objects.count(), SerialUse.objects.count()
    with pytest.raises(exc_type) as exc:
        call()
    assert (exc.value.code, exc.value.message, exc.value.field) == (code, message, field)
    assert (
        ledger_counts(),
        Shipment.objects.count(),
        CustomerReturn.objects.count(),
        SerialUse.objects.count(),
    ) == before
    return exc.value


def out_on(serial: str) -> int | None:
    """The usage that has ``serial`` out of stock now (None: in stock)."""
    return (
        SerialUse.objects.filter(serial__serial_number=serial, returned_by__isnull=True)
        .values_list("usage_id", flat=True)
        .first()
    )


# --- taking serials out -----------------------------------------------------------------------------


def test_a_shipment_records_which_usage_took_each_serial_out(order, scan, lots):
    shipment = ship(order, (scan, "2", ("S1", "S3")))
    usage = shipment.lines.get().usage
    assert (out_on("S1"), out_on("S3"), out_on("S2")) == (usage.pk, usage.pk, None)
    assert sorted(SerialUse.objects.filter(usage=usage).values_list("serial__lot_id", flat=True)) == sorted(
        [lots["A"].pk, lots["B"].pk]
    )


def test_a_serial_already_shipped_cannot_ship_again(order, scan, lots):
    first = ship(order, (scan, "1", ("S1",)))
    refused(
        lambda: ship(order, (scan, "1", ("S1",))),
        "serial_not_in_stock",
        f"Line 1: Serial number(s) of SCAN not in stock in HQ: S1 (out on {first.number}).",
        "lines[0].serial_numbers",
    )


def test_one_serial_on_two_lines_of_one_shipment_is_refused(order, scan, lots):
    refused(
        lambda: ship(order, (scan, "1", ("S1",)), (scan, "2", ("S2", "S1"))),
        "serial_repeated",
        "Line 2: Serial number(s) of SCAN already named on line 1: S1.",
        "lines[1].serial_numbers",
    )


def test_one_serial_on_two_lines_of_one_adjustment_is_refused(office, scan, lots):
    refused(
        lambda: post_adjustment(
            office=office,
            date=LATER,
            reason="loss",
            actor=None,
            lines=[
                AdjustmentLineInput(lic=scan, quantity=D("-1"), serial_numbers=("S4",)),
                AdjustmentLineInput(lic=scan, quantity=D("-1"), serial_numbers=("S4",)),
            ],
        ),
        "serial_repeated",
        "Line 2: Serial number(s) of SCAN already named on line 1: S4.",
        "lines[1].serial_numbers",
    )


def test_a_negative_adjustment_cannot_write_off_a_shipped_serial(office, order, scan, lots):
    first = ship(order, (scan, "1", ("S2",)))
    refused(
        lambda: post_adjustment(
            office=office,
            date=LATER,
            reason="loss",
            actor=None,
            lines=[AdjustmentLineInput(lic=scan, quantity=D("-1"), serial_numbers=("S2",))],
        ),
        "serial_not_in_stock",
        f"Line 1: Serial number(s) of SCAN not in stock in HQ: S2 (out on {first.number}).",
        "lines[0].serial_numbers",
    )


@pytest.fixture
def mo(office, order):
    return production.create_production_order(
        office=office,
        date=DAY,
        order=order,
        lic=LicFactory(code="KIT"),
        estimated_quantity=D("1"),
        estimated_unit_cost=D("100.00"),
        actor=None,
    )


def test_a_component_issue_cannot_consume_a_shipped_serial(order, scan, lots, mo):
    first = ship(order, (scan, "1", ("S3",)))
    refused(
        lambda: production.issue_components(
            production_order=mo,
            date=LATER,
            actor=None,
            lines=[production.ComponentLine(lic=scan, quantity=D("1"), serial_numbers=("S3",))],
        ),
        "serial_not_in_stock",
        f"Line 1: Serial number(s) of SCAN not in stock in HQ: S3 (out on {first.number}).",
        "lines[0].serial_numbers",
    )


def test_one_serial_on_two_component_lines_is_refused(scan, lots, mo):
    refused(
        lambda: production.issue_components(
            production_order=mo,
            date=LATER,
            actor=None,
            lines=[
                production.ComponentLine(lic=scan, quantity=D("1"), serial_numbers=("S1",)),
                production.ComponentLine(lic=scan, quantity=D("1"), serial_numbers=("S1",)),
            ],
        ),
        "serial_repeated",
        "Line 2: Serial number(s) of SCAN already named on line 1: S1.",
        "lines[1].serial_numbers",
    )


def test_a_serial_of_another_office_cannot_ship_here(order, scan, lots):
    refused(
        lambda: ship(order, (scan, "1", ("W1",))),
        "serial_unknown",
        "Line 1: Unknown serial number(s) for SCAN in HQ: W1.",
        "lines[0].serial_numbers",
    )


def test_a_named_lot_must_hold_the_serials(order, office):
    engine = LicFactory(code="ENG-SN", costing_method="specific", serialized=True)
    first = adjust_in(office=office, lic=engine, quantity="1", unit_cost="5", serial_numbers=("E1",))
    adjust_in(office=office, lic=engine, quantity="1", unit_cost="5", serial_numbers=("E2",))
    refused(
        lambda: orders.post_shipment(
            order=order,
            date=LATER,
            actor=None,
            lines=[orders.ShipmentLineInput(lic=engine, quantity=D("1"), lot=first, serial_numbers=("E2",))],
        ),
        "serial_not_in_lot",
        f"Line 1: Serial number(s) of ENG-SN not in lot {first.number}: E2.",
        "lines[0].serial_numbers",
    )


def test_specific_unit_serials_of_two_lots_need_no_lot(order, office):
    """The serials name the units: a specific-unit usage of serials in two lots is allocated to both
    (tests/cogs/test_serials.py), so it need not (cannot) name one lot."""
    engine = LicFactory(code="ENG-SN", costing_method="specific", serialized=True)
    adjust_in(office=office, lic=engine, quantity="1", unit_cost="5", serial_numbers=("E1",))
    adjust_in(office=office, lic=engine, quantity="1", unit_cost="5", serial_numbers=("E2",))
    usage = ship(order, (engine, "2", ("E1", "E2"))).lines.get().usage
    assert (usage.lot_id, out_on("E1"), out_on("E2")) == (None, usage.pk, usage.pk)


# --- returns bring serials back ---------------------------------------------------------------------


def test_a_return_brings_its_serials_back_and_they_can_ship_again(order, scan, lots):
    shipped = ship(order, (scan, "2", ("S1", "S2"))).lines.get().usage
    back = give_back(order, scan, "1", ("S1",), usage=shipped).lines.get().usage
    assert (out_on("S1"), out_on("S2")) == (None, shipped.pk)
    assert SerialUse.objects.get(serial__serial_number="S1").returned_by_id == back.pk
    again = ship(order, (scan, "1", ("S1",))).lines.get().usage
    assert out_on("S1") == again.pk
    assert SerialUse.objects.filter(serial__serial_number="S1").count() == 2  # the history stays


def test_a_return_must_name_serials_its_usage_has_out(order, scan, lots):
    shipped = ship(order, (scan, "1", ("S1",))).lines.get().usage
    other = ship(order, (scan, "1", ("S2",)))
    refused(
        lambda: give_back(order, scan, "1", ("S2",), usage=shipped),
        "serial_not_on_usage",
        f"Line 1: Serial number(s) of SCAN not out on usage {shipped}: S2 (out on {other.number}).",
        "lines[0].serial_numbers",
    )
    refused(
        lambda: give_back(order, scan, "1", ("S3",), usage=shipped),
        "serial_not_on_usage",
        f"Line 1: Serial number(s) of SCAN not out on usage {shipped}: S3 (in stock).",
        "lines[0].serial_numbers",
    )


def test_a_serial_returned_once_cannot_be_returned_again(order, scan, lots):
    shipped = ship(order, (scan, "2", ("S1", "S2"))).lines.get().usage
    give_back(order, scan, "1", ("S1",), usage=shipped)
    refused(
        lambda: give_back(order, scan, "1", ("S1",), usage=shipped),
        "serial_not_on_usage",
        f"Line 1: Serial number(s) of SCAN not out on usage {shipped}: S1 (in stock).",
        "lines[0].serial_numbers",
    )


def test_a_return_of_a_serialized_lic_names_its_serials(order, scan, lots):
    shipped = ship(order, (scan, "1", ("S1",))).lines.get().usage
    refused(
        lambda: give_back(order, scan, "1", (), usage=shipped),
        "serial_count_mismatch",
        "Line 1: SCAN is serialized: give exactly 1 distinct serial numbers (got 0).",
        "lines[0].serial_numbers",
    )


def test_a_return_naming_no_usage_names_the_usage_that_has_the_serials_out(order, scan, lots):
    shipped = ship(order, (scan, "2", ("S1", "S3"))).lines.get().usage
    back = give_back(order, scan, "2", ("S3", "S1")).lines.get().usage
    assert back.returns_usage_id == shipped.pk
    assert (out_on("S1"), out_on("S3")) == (None, None)


def test_serials_out_on_two_usages_are_returned_on_two_lines(order, scan, lots):
    first = ship(order, (scan, "1", ("S1",))).lines.get().usage
    second = ship(order, (scan, "1", ("S2",))).lines.get().usage
    refused(
        lambda: give_back(order, scan, "2", ("S1", "S2")),
        "serial_usages_differ",
        f"Line 1: Serial numbers of SCAN went out on different usages ({first}, {second}): return each "
        "usage's serials on a line of their own.",
        "lines[0].serial_numbers",
    )
    document = orders.post_return(
        order=order,
        date=LATER,
        actor=None,
        lines=[
            orders.ReturnLineInput(lic=scan, quantity=D("1"), serial_numbers=("S1",)),
            orders.ReturnLineInput(lic=scan, quantity=D("1"), serial_numbers=("S2",)),
        ],
    )
    assert [line.usage.returns_usage_id for line in document.lines.order_by("line_no")] == [first.pk, second.pk]


def test_a_customer_return_of_a_written_off_serial_is_refused(office, order, scan, lots):
    written_off = (
        post_adjustment(
            office=office,
            date=LATER,
            reason="loss",
            actor=None,
            lines=[AdjustmentLineInput(lic=scan, quantity=D("-1"), serial_numbers=("S4",))],
        )
        .lines.get()
        .usage
    )
    refused(
        lambda: give_back(order, scan, "1", ("S4",)),
        "return_not_of_order",
        f"Line 1: Usage {written_off} is not a shipment of order {order.number}.",
        "lines[0].usage",
    )


def test_a_return_of_a_serial_in_stock_is_refused(order, scan, lots):
    ship(order, (scan, "1", ("S1",)))  # (the order's return limit: it shipped one)
    refused(
        lambda: give_back(order, scan, "1", ("S2",)),
        "serial_not_out",
        "Line 1: Serial number(s) of SCAN not out of stock in HQ, nothing to return: S2.",
        "lines[0].serial_numbers",
    )


def test_components_returned_to_stock_name_their_issue(scan, lots, mo):
    (issued,) = production.issue_components(
        production_order=mo,
        date=LATER,
        actor=None,
        lines=[production.ComponentLine(lic=scan, quantity=D("2"), serial_numbers=("S1", "S2"))],
    )
    (back,) = production.issue_components(
        production_order=mo,
        date=LATER,
        actor=None,
        lines=[production.ComponentLine(lic=scan, quantity=D("-1"), serial_numbers=("S2",))],
    )
    assert (back.returns_usage_id, out_on("S1"), out_on("S2")) == (issued.pk, issued.pk, None)


# --- the constraint behind the services -------------------------------------------------------------


def test_postgresql_refuses_a_serial_out_twice(order, scan, lots):
    first = ship(order, (scan, "1", ("S1",))).lines.get().usage
    second = ship(order, (scan, "1", ("S2",))).lines.get().usage
    serial = LotSerial.objects.get(serial_number="S1")
    with pytest.raises(IntegrityError, match="inventory_lots_serial_out_once"), transaction.atomic():
        SerialUse.objects.create(serial=serial, usage=second)
    with connection.cursor() as cursor, pytest.raises(IntegrityError), transaction.atomic():
        cursor.execute(
            "UPDATE inventory_lots_serialuse SET returned_by_id = NULL, serial_id = %s WHERE usage_id = %s",
            [serial.pk, second.pk],
        )
    assert out_on("S1") == first.pk


def test_a_serial_is_not_named_twice_by_one_usage(order, scan, lots):
    usage = ship(order, (scan, "1", ("S1",))).lines.get().usage
    back = give_back(order, scan, "1", ("S1",), usage=usage).lines.get().usage
    with pytest.raises(IntegrityError, match="inventory_lots_serial_once_per_usage"), transaction.atomic():
        SerialUse.objects.create(serial=LotSerial.objects.get(serial_number="S1"), usage=usage, returned_by=back)


# --- input a LIC does not track is refused, not dropped (issue 17, item 2) -----------------------------


def test_serials_for_a_lic_that_is_not_serialized_are_refused_everywhere(office, order, lic, mo):
    adjust_in(office=office, lic=lic, quantity="5", unit_cost="1")
    message = "Line 1: WIDGET is not serialized: leave the serial numbers empty."
    refused(
        lambda: post_adjustment(
            office=office,
            date=DAY,
            reason="in",
            actor=None,
            lines=[AdjustmentLineInput(lic=lic, quantity=D("1"), unit_cost=D("1"), serial_numbers=("X1",))],
        ),
        "serial_not_tracked",
        message,
        "lines[0].serial_numbers",
    )
    refused(
        lambda: post_adjustment(
            office=office,
            date=DAY,
            reason="out",
            actor=None,
            lines=[AdjustmentLineInput(lic=lic, quantity=D("-1"), serial_numbers=("X1",))],
        ),
        "serial_not_tracked",
        message,
        "lines[0].serial_numbers",
    )
    refused(lambda: ship(order, (lic, "1", ("X1",))), "serial_not_tracked", message, "lines[0].serial_numbers")
    refused(
        lambda: production.issue_components(
            production_order=mo,
            date=DAY,
            actor=None,
            lines=[production.ComponentLine(lic=lic, quantity=D("1"), serial_numbers=("X1",))],
        ),
        "serial_not_tracked",
        message,
        "lines[0].serial_numbers",
    )
    refused(
        lambda: production.produce(production_order=mo, date=DAY, quantity=D("1"), serial_numbers=("K1",), actor=None),
        "serial_not_tracked",
        "KIT is not serialized: leave the serial numbers empty.",
        "serial_numbers",
    )


def test_a_mfr_lot_for_a_lic_not_tracked_by_mfr_lot_is_refused(office, lic, mo, vendor):
    refused(
        lambda: post_adjustment(
            office=office,
            date=DAY,
            reason="in",
            actor=None,
            lines=[AdjustmentLineInput(lic=lic, quantity=D("1"), unit_cost=D("1"), mfr_lot_number="M-1")],
        ),
        "mfr_lot_not_tracked",
        "Line 1: WIDGET is not tracked by manufacturer lot: leave the manufacturer lot number empty.",
        "lines[0].mfr_lot_number",
    )
    po = create_purchase_order(
        vendor=vendor,
        office=office,
        date=DAY,
        actor=None,
        lines=[POLineInput(lic=lic, quantity=D("2"), unit_cost=D("1.00"))],
    )
    refused(
        lambda: receive_purchase_order(
            purchase_order=po,
            date=DAY,
            actor=None,
            lines=[ReceiptLineInput(po_line=po.lines.get(), quantity=D("1"), mfr_lot_number="M-1")],
        ),
        "mfr_lot_not_tracked",
        "Line 1: WIDGET is not tracked by manufacturer lot: leave the manufacturer lot number empty.",
        "lines[0].mfr_lot_number",
    )
    refused(
        lambda: receive_purchase_order(
            purchase_order=po,
            date=DAY,
            actor=None,
            lines=[ReceiptLineInput(po_line=po.lines.get(), quantity=D("1"), serial_numbers=("X1",))],
        ),
        "serial_not_tracked",
        "Line 1: WIDGET is not serialized: leave the serial numbers empty.",
        "lines[0].serial_numbers",
    )
    refused(
        lambda: production.produce(production_order=mo, date=DAY, quantity=D("1"), mfr_lot_number="M-1", actor=None),
        "mfr_lot_not_tracked",
        "KIT is not tracked by manufacturer lot: leave the manufacturer lot number empty.",
        "mfr_lot_number",
    )


def test_more_production_of_a_mfr_lot_tracked_lot_keeps_its_mfr_lot(office, order):
    resin = LicFactory(code="RESIN", track_by_mfr_lot=True)
    mo = production.create_production_order(
        office=office,
        date=DAY,
        order=order,
        lic=resin,
        estimated_quantity=D("4"),
        estimated_unit_cost=D("1"),
        actor=None,
    )
    lot = production.produce(production_order=mo, date=DAY, quantity=D("1"), mfr_lot_number="M-1", actor=None)
    production.produce(production_order=mo, date=DAY, quantity=D("1"), mfr_lot_number="M-1", actor=None)
    production.produce(production_order=mo, date=DAY, quantity=D("1"), actor=None)
    refused(
        lambda: production.produce(production_order=mo, date=DAY, quantity=D("1"), mfr_lot_number="M-2", actor=None),
        "mfr_lot_differs",
        f"Lot {lot.number} has manufacturer lot M-1: report more of it under that number (or leave it empty).",
        "mfr_lot_number",
    )


@pytest.mark.parametrize("quantity", ["1.5", "-0.5"])
def test_serialized_quantities_are_whole_numbers(office, order, scan, lots, quantity):
    q = D(quantity)
    if q > 0:
        refused(
            lambda: post_adjustment(
                office=office,
                date=DAY,
                reason="in",
                actor=None,
                lines=[AdjustmentLineInput(lic=scan, quantity=q, unit_cost=D("1"), serial_numbers=("N1", "N2"))],
            ),
            "serial_quantity_not_whole",
            "Line 1: SCAN is serialized: the quantity must be a whole number (got 1.5).",
            "lines[0].quantity",
        )
        refused(
            lambda: ship(order, (scan, quantity, ("S1", "S2"))),
            "serial_quantity_not_whole",
            "Line 1: SCAN is serialized: the quantity must be a whole number (got 1.5).",
            "lines[0].quantity",
        )
    else:
        refused(
            lambda: post_adjustment(
                office=office,
                date=DAY,
                reason="out",
                actor=None,
                lines=[AdjustmentLineInput(lic=scan, quantity=q, serial_numbers=("S1",))],
            ),
            "serial_quantity_not_whole",
            "Line 1: SCAN is serialized: the quantity must be a whole number (got 0.5).",
            "lines[0].quantity",
        )


# --- siblings -----------------------------------------------------------------------------------------


def test_a_receipt_whose_serial_is_out_cannot_be_reversed(office, order, scan, vendor):
    """Its lot's serials cannot go back to "unused" while one is out on a usage (before: a 500 from the
    protected delete, or, without the movement table, a shipped serial silently forgotten)."""
    po = create_purchase_order(
        vendor=vendor,
        office=office,
        date=DAY,
        actor=None,
        lines=[POLineInput(lic=scan, quantity=D("2"), unit_cost=D("1.00"))],
    )
    receipt = receive_purchase_order(
        purchase_order=po,
        date=DAY,
        actor=None,
        lines=[ReceiptLineInput(po_line=po.lines.get(), quantity=D("2"), serial_numbers=("R1", "R2"))],
    )
    ship(order, (scan, "1", ("R2",)))
    lot = receipt.lines.get().lot
    refused(
        lambda: reverse_receipt(receipt=receipt, date=LATER, reason="wrong", actor=None),
        "lot_used",
        f"Lot {lot.number} of receipt {receipt.number} has been used: a receipt can be reversed only while its "
        "lots are unused.",
        None,
        exc_type=StateConflict,
    )
    assert LotSerial.objects.filter(lot=lot).count() == 2


def test_usage_serial_numbers_stay_as_posted(order, scan, lots):
    usage = ship(order, (scan, "2", (" S3 ", "S1"))).lines.get().usage
    assert InventoryUsage.objects.get(pk=usage.pk).serial_numbers == ["S3", "S1"]


# --- the migration's record of serials posted before the movement table ----------------------------------


def test_the_migration_records_where_serials_already_posted_are(order, scan, lots):
    """Serials shipped and returned before ``SerialUse`` existed are recorded in posting order; a serial
    a second usage named while it was already out (the bug) is not recorded twice: check_ledger names
    that usage (serial_usage) for an accountant."""
    import importlib

    from django.apps import apps as django_apps

    from tests.cogs.ledger_checks import assert_names

    from .conftest import usage_row

    migration = importlib.import_module("inventory_lots.migrations.0014_serial_use")
    shipped = ship(order, (scan, "2", ("S1", "S2"))).lines.get().usage
    back = give_back(order, scan, "1", ("S2",), usage=shipped).lines.get().usage
    SerialUse.objects.all().delete()  # as before the table existed
    twice = usage_row(lic=scan, office=order.office, quantity="1", serial_numbers=["S1"])  # the bug's usage
    migration.record_serials_already_posted(django_apps, None)
    assert list(
        SerialUse.objects.order_by("id").values_list("serial__serial_number", "usage_id", "returned_by_id")
    ) == [("S1", shipped.pk, None), ("S2", shipped.pk, back.pk)]
    assert "names S1; recorded none" in assert_names("serial_usage", twice.pk)["detail"]
