"""The ledger core's services: adjustments, default unit cost, serials and mfr lots, specific
unit usage, returns, refusals (which write nothing), the lock date and unit-cost corrections."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType

from core.errors import StateConflict, ValidationFailed
from inventory_lots import selectors, services
from inventory_lots.models import AdjustmentLine, InventoryUsage, Lot, LotCostChange, LotSerial, PendingCogs
from inventory_lots.services import AdjustmentLineInput, post_adjustment, record_usage
from tests.conftest import DAY, adjust_in
from tests.factories import LicFactory

from .conftest import ledger_counts

D = Decimal
NEXT_DAY = DAY + datetime.timedelta(days=1)
pytestmark = pytest.mark.django_db


def adjust(office, *lines, actor=None, date=DAY, reason="count"):
    return post_adjustment(office=office, date=date, reason=reason, actor=actor, lines=list(lines))


def line(lic, quantity, unit_cost=None, **extra):
    return AdjustmentLineInput(
        lic=lic, quantity=D(quantity), unit_cost=None if unit_cost is None else D(unit_cost), **extra
    )


def refused(call, code: str, message: str | None = None, field: str | None = None, error=ValidationFailed):
    """``call()`` is refused with ``code`` (and message/field) and writes no ledger row."""
    before = ledger_counts()
    with pytest.raises(error) as info:
        call()
    assert info.value.code == code
    if message is not None:
        assert info.value.message == message
    if field is not None:
        assert info.value.field == field
    assert ledger_counts() == before
    return info.value


def use(lic, office, quantity, *, kind="shipment", source, **extra):
    return record_usage(
        lic=lic,
        office=office,
        date=DAY,
        quantity=D(quantity),
        kind=kind,
        source=source,
        source_label=str(source),
        actor=None,
        **extra,
    )


# --- positive and negative adjustment lines ---------------------------------------------------


def test_positive_line_creates_purchase_lot_pointing_at_its_adjustment_line(office, lic, clerk):
    adjustment = adjust(office, line(lic, "12", "4.25"), actor=clerk)
    adj_line = adjustment.lines.get()
    lot = Lot.objects.get(pk=adj_line.lot_id)
    assert re.fullmatch(r"ADJ-\d{6}", adjustment.number)
    assert re.fullmatch(r"PL-\d{6}", lot.number)
    assert (lot.type, lot.status, lot.released) == ("purchase", "open", True)
    assert lot.transaction_label == f"{adjustment.number}/1"
    assert lot.transaction_type == ContentType.objects.get_for_model(AdjustmentLine)
    assert lot.transaction_id == adj_line.pk
    assert (lot.parent_order_type, lot.parent_order_id, lot.parent_order_label) == (None, None, "")
    assert (lot.qty_in, lot.qty_used, lot.unit_cost, lot.value_in) == (D("12"), D("0"), D("4.25"), D("51.00"))
    assert (lot.date, lot.office, lot.lic) == (DAY, office, lic)
    assert (adj_line.line_no, adj_line.quantity, adj_line.unit_cost, adj_line.usage_id) == (1, D("12"), D("4.25"), None)
    assert adjustment.created_by == clerk


def test_each_line_of_an_adjustment_gets_its_own_lot_and_label(office, lic):
    adjustment = adjust(office, line(lic, "1", "1"), line(lic, "2", "2"), line(lic, "3", "3"))
    labels = [ln.lot.transaction_label for ln in adjustment.lines.select_related("lot")]
    assert labels == [f"{adjustment.number}/{n}" for n in (1, 2, 3)]
    assert Lot.objects.count() == 3


def test_lot_copies_serialized_and_mfr_lot_flags_from_the_lic(office, serial_lic, mfr_lic, lic):
    adjustment = adjust(
        office,
        line(serial_lic, "2", "10", serial_numbers=("A1", "A2")),
        line(mfr_lic, "5.5", "3", mfr_lot_number=" M-77 "),
        line(lic, "1", "1"),  # (a mfr lot for it is refused since issue 17: tests/inventory_lots/test_serials.py)
    )
    serial_lot, mfr_lot, plain_lot = (ln.lot for ln in adjustment.lines.select_related("lot"))
    assert (serial_lot.serialized, serial_lot.track_by_mfr_lot) == (True, False)
    assert sorted(serial_lot.serials.values_list("serial_number", flat=True)) == ["A1", "A2"]
    assert (mfr_lot.serialized, mfr_lot.track_by_mfr_lot, mfr_lot.mfr_lot_number) == (False, True, "M-77")
    assert (plain_lot.serialized, plain_lot.track_by_mfr_lot, plain_lot.mfr_lot_number) == (False, False, "")


def test_lot_keeps_its_flags_when_the_lic_changes_later(office, serial_lic):
    lot = adjust_in(office=office, lic=serial_lic, quantity="1", unit_cost="1", serial_numbers=("Z",))
    type(serial_lic).objects.filter(pk=serial_lic.pk).update(serialized=False)
    assert Lot.objects.get(pk=lot.pk).serialized is True


def test_negative_line_writes_positive_adjustment_usage(office, lic, clerk):
    adjust_in(office=office, lic=lic, quantity="10", unit_cost="2")
    adjustment = adjust(office, line(lic, "-4"), actor=clerk)
    adj_line = adjustment.lines.get()
    usage = InventoryUsage.objects.get(pk=adj_line.usage_id)
    assert (usage.kind, usage.quantity, usage.allocated_quantity, usage.unallocated_quantity) == (
        "adjustment",
        D("4"),
        D("0"),
        D("4"),
    )
    assert (usage.source_type, usage.source_id, usage.source_label) == (
        ContentType.objects.get_for_model(adjustment),
        adjustment.pk,
        adjustment.number,
    )
    assert (adj_line.quantity, adj_line.lot_id, adj_line.unit_cost) == (D("-4"), None, None)
    assert (usage.lic, usage.office, usage.date, usage.created_by) == (lic, office, DAY, clerk)
    assert Lot.objects.count() == 1  # no lot for a negative line


def test_adjustment_marks_the_lic_office_pair_pending_for_cogs(office, lic):
    PendingCogs.objects.all().delete()
    adjust(office, line(lic, "3", "1"))
    assert list(PendingCogs.objects.values_list("lic_id", "office_id")) == [(lic.pk, office.pk)]
    PendingCogs.objects.all().delete()
    adjust(office, line(lic, "-1"))
    assert PendingCogs.objects.filter(lic=lic, office=office).count() == 1


def test_adjustment_numbers_increase(office, lic):
    first = adjust(office, line(lic, "1", "1"))
    second = adjust(office, line(lic, "1", "1"))
    assert int(second.number[4:]) == int(first.number[4:]) + 1


# --- default unit cost ------------------------------------------------------------------------


def test_default_unit_cost_is_the_average_of_open_lots_weighted_by_quantity(office, lic):
    adjust_in(office=office, lic=lic, quantity="10", unit_cost="2.00")
    adjust_in(office=office, lic=lic, quantity="30", unit_cost="4.00")
    assert str(selectors.default_unit_cost(lic=lic, office=office)) == "3.500000"
    lot = adjust(office, line(lic, "5")).lines.get().lot
    assert (lot.unit_cost, lot.value_in) == (D("3.5"), D("17.50"))


def test_default_unit_cost_weights_by_available_quantity_and_skips_closed_lots(office, lic):
    a = adjust_in(office=office, lic=lic, quantity="10", unit_cost="2.00")
    b = adjust_in(office=office, lic=lic, quantity="30", unit_cost="4.00")
    closed = adjust_in(office=office, lic=lic, quantity="5", unit_cost="100.00")
    Lot.objects.filter(pk=a.pk).update(qty_used=D("9"))  # as COGS would: 1 left at 2.00
    Lot.objects.filter(pk=b.pk).update(qty_used=D("28"))  # 2 left at 4.00
    Lot.objects.filter(pk=closed.pk).update(qty_used=D("5"))
    assert selectors.default_unit_cost(lic=lic, office=office) == D("3.333333")  # (2 + 8) / 3, half up


def test_default_unit_cost_rounds_half_up_to_six_places(office, lic):
    adjust_in(office=office, lic=lic, quantity="1", unit_cost="1.00")
    adjust_in(office=office, lic=lic, quantity="2", unit_cost="2.00")
    assert selectors.default_unit_cost(lic=lic, office=office) == D("1.666667")


def test_default_unit_cost_ignores_lots_of_other_offices(office, west, lic):
    adjust_in(office=office, lic=lic, quantity="1", unit_cost="9.00")
    adjust_in(office=west, lic=lic, quantity="1", unit_cost="1.00")
    assert selectors.default_unit_cost(lic=lic, office=west) == D("1")


def test_default_unit_cost_without_open_lots_is_the_most_recent_lot_by_date_then_id(office, lic):
    later_date = adjust_in(office=office, lic=lic, quantity="1", unit_cost="7.00", date=NEXT_DAY)
    same_day_lower_id = adjust_in(office=office, lic=lic, quantity="1", unit_cost="5.00", date=DAY)
    same_day_higher_id = adjust_in(office=office, lic=lic, quantity="1", unit_cost="6.00", date=DAY)
    Lot.objects.filter(pk__in=[later_date.pk, same_day_lower_id.pk, same_day_higher_id.pk]).update(qty_used=D("1"))
    assert selectors.default_unit_cost(lic=lic, office=office) == D("7.00")
    Lot.objects.filter(pk=later_date.pk).update(date=DAY - datetime.timedelta(days=5))
    assert selectors.default_unit_cost(lic=lic, office=office) == D("6.00")
    lot = adjust(office, line(lic, "2"), date=NEXT_DAY).lines.get().lot
    assert lot.unit_cost == D("6")


def test_positive_line_without_unit_cost_or_lots_is_refused_clearly(office, lic):
    refused(
        lambda: adjust(office, line(lic, "5")),
        "unit_cost_required",
        "Line 1: WIDGET has no lots in HQ to take a unit cost from: enter the unit cost.",
        "lines[0].unit_cost",
    )
    assert selectors.default_unit_cost(lic=lic, office=office) is None


def test_negative_line_needs_no_unit_cost_basis(office, lic):
    usage = adjust(office, line(lic, "-2")).lines.get().usage
    assert (usage.quantity, usage.unallocated_quantity) == (D("2"), D("2"))


# --- serials and manufacturer lots -------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "serials", "got"),
    [("3", ("S1", "S2"), 2), ("2", ("S1", "S1"), 1), ("1", (), 0)],  # 1.5: test_serials.py (whole numbers)
)
def test_serialized_lic_needs_exactly_quantity_distinct_serials(office, serial_lic, quantity, serials, got):
    count = D(quantity).normalize()
    refused(
        lambda: adjust(office, line(serial_lic, quantity, "1", serial_numbers=serials)),
        "serial_count_mismatch",
        f"Line 1: SCAN is serialized: give exactly {count} distinct serial numbers (got {got}).",
        "lines[0].serial_numbers",
    )


def test_serial_already_used_for_the_lic_is_refused(office, west, serial_lic):
    adjust_in(office=office, lic=serial_lic, quantity="2", unit_cost="1", serial_numbers=("S1", "S2"))
    refused(
        lambda: adjust(west, line(serial_lic, "2", "1", serial_numbers=("S2", "S3"))),
        "serial_taken",
        "Line 1: Serial number(s) already used for SCAN: S2.",
        "lines[0].serial_numbers",
    )
    assert LotSerial.objects.filter(lic=serial_lic).count() == 2


def test_same_serial_is_allowed_on_another_lic(office, serial_lic):
    other = LicFactory(code="SCAN2", serialized=True)
    adjust_in(office=office, lic=serial_lic, quantity="1", unit_cost="1", serial_numbers=("S1",))
    adjust_in(office=office, lic=other, quantity="1", unit_cost="1", serial_numbers=("S1",))
    assert LotSerial.objects.filter(serial_number="S1").count() == 2


def test_usage_naming_unknown_serials_is_refused(office, west, serial_lic):
    adjust_in(office=office, lic=serial_lic, quantity="2", unit_cost="1", serial_numbers=("S1", "S2"))
    adjust_in(office=west, lic=serial_lic, quantity="1", unit_cost="1", serial_numbers=("W1",))
    refused(
        lambda: adjust(office, line(serial_lic, "-2", serial_numbers=("S1", "W1"))),
        "serial_unknown",
        "Line 1: Unknown serial number(s) for SCAN in HQ: W1.",
        "lines[0].serial_numbers",
    )
    usage = adjust(office, line(serial_lic, "-2", serial_numbers=("S2", "S1"))).lines.get().usage
    assert usage.serial_numbers == ["S2", "S1"]


def test_mfr_lot_number_is_required_for_a_tracked_lic(office, mfr_lic):
    refused(
        lambda: adjust(office, line(mfr_lic, "4", "1", mfr_lot_number="   ")),
        "mfr_lot_required",
        "Line 1: RESIN is tracked by manufacturer lot: enter the manufacturer lot number.",
        "lines[0].mfr_lot_number",
    )


# --- specific unit usage ----------------------------------------------------------------------


def test_specific_unit_usage_must_name_a_lot(office, specific_lic, order):
    refused(
        lambda: use(specific_lic, office, "1", source=order),
        "lot_required",
        "ENGINE uses specific unit costing: name the lot the usage takes from.",
        "lot",
    )


def test_specific_unit_usage_naming_its_lot_is_recorded(office, specific_lic, order):
    lot = adjust_in(office=office, lic=specific_lic, quantity="2", unit_cost="900")
    usage = use(specific_lic, office, "1", source=order, lot=lot)
    assert (usage.lot_id, usage.quantity, usage.kind, usage.source_label) == (lot.pk, D("1"), "shipment", order.number)


def test_specific_unit_usage_naming_a_lot_of_another_lic_or_office_is_refused(office, west, specific_lic, lic, order):
    other_lic_lot = adjust_in(office=office, lic=lic, quantity="2", unit_cost="1")
    other_office_lot = adjust_in(office=west, lic=specific_lic, quantity="2", unit_cost="1")
    for lot in (other_lic_lot, other_office_lot):
        refused(
            lambda lot=lot: use(specific_lic, office, "1", source=order, lot=lot),
            "lot_mismatch",
            f"Lot {lot.number} is not a lot of ENGINE in HQ.",
            "lot",
        )


def test_specific_unit_usage_by_serials_finds_their_lot(office, order):
    lic = LicFactory(code="SPEC-SN", costing_method="specific", serialized=True)
    lot = adjust_in(office=office, lic=lic, quantity="2", unit_cost="50", serial_numbers=("X1", "X2"))
    usage = use(lic, office, "1", source=order, serial_numbers=("X2",))
    assert (usage.lot_id, usage.serial_numbers) == (lot.pk, ["X2"])


# --- returns ----------------------------------------------------------------------------------


@pytest.fixture
def shipped(office, lic, order):
    adjust_in(office=office, lic=lic, quantity="10", unit_cost="2")
    return use(lic, office, "5", source=order)


def test_return_naming_its_usage_is_recorded_negative(shipped, office, lic, order):
    ret = use(lic, office, "-3", kind="return", source=order, returns_usage=shipped)
    assert (ret.quantity, ret.kind, ret.returns_usage_id, ret.unallocated_quantity) == (
        D("-3"),
        "return",
        shipped.pk,
        D("-3"),
    )


def test_return_may_not_exceed_usage_net_of_earlier_returns(shipped, office, lic, order):
    refused(
        lambda: use(lic, office, "-6", kind="return", source=order, returns_usage=shipped),
        "return_exceeds_usage",
        f"Usage {shipped} has only 5 left to return (asked 6).",
        "quantity",
    )
    use(lic, office, "-3", kind="return", source=order, returns_usage=shipped)
    refused(
        lambda: use(lic, office, "-3", kind="return", source=order, returns_usage=shipped),
        "return_exceeds_usage",
        f"Usage {shipped} has only 2 left to return (asked 3).",
        "quantity",
    )
    last = use(lic, office, "-2", kind="return", source=order, returns_usage=shipped)
    assert sum(u.quantity for u in shipped.returns.all()) == D("-5") and last.quantity == D("-2")


def test_round_quantities_print_in_plain_figures_in_messages(office, lic, order):
    """100 normalized is 1E+2: a message must say 100."""
    adjust_in(office=office, lic=lic, quantity="300", unit_cost="2")
    shipped = use(lic, office, "100", source=order)
    refused(
        lambda: use(lic, office, "-200", kind="return", source=order, returns_usage=shipped),
        "return_exceeds_usage",
        f"Usage {shipped} has only 100 left to return (asked 200).",
        "quantity",
    )


def test_return_of_usage_of_another_lic_or_office_is_refused(shipped, west, order):
    other_lic = LicFactory(code="OTHER")
    for lic_, office_ in ((other_lic, shipped.office), (shipped.lic, west)):
        refused(
            lambda lic_=lic_, office_=office_: use(
                lic_, office_, "-1", kind="return", source=order, returns_usage=shipped
            ),
            "return_mismatch",
            f"The returned usage {shipped} is not usage of {lic_.code} in {office_.code}.",
            "usage",
        )


def test_return_of_a_return_is_refused(shipped, office, lic, order):
    ret = use(lic, office, "-1", kind="return", source=order, returns_usage=shipped)
    refused(
        lambda: use(lic, office, "-1", kind="return", source=order, returns_usage=ret),
        "return_of_return",
        f"Usage {ret} is itself a return and cannot be returned.",
        "usage",
    )


def test_return_with_positive_quantity_is_refused(shipped, office, lic, order):
    refused(
        lambda: use(lic, office, "1", kind="return", source=order),
        "wrong_sign",
        "A return must have a negative quantity.",
        "quantity",
    )
    refused(lambda: use(lic, office, "1", kind="job", source=order, returns_usage=shipped), "wrong_sign")


def test_shipment_with_negative_quantity_is_refused(office, lic, order):
    refused(
        lambda: use(lic, office, "-1", source=order),
        "wrong_sign",
        "A shipment must have a positive quantity.",
        "quantity",
    )


# --- bad input is refused and writes nothing ---------------------------------------------------


def test_non_inventoried_lic_is_refused_everywhere(office, service_lic, order):
    message = "LABOR is not an inventoried line item code: it has no lots or usage."
    refused(
        lambda: adjust(office, line(service_lic, "1", "1")), "lic_not_inventoried", f"Line 1: {message}", "lines[0].lic"
    )
    refused(lambda: adjust(office, line(service_lic, "-1")), "lic_not_inventoried", f"Line 1: {message}")
    refused(lambda: use(service_lic, office, "1", kind="job", source=order), "lic_not_inventoried", message, "lic")


def test_zero_quantity_is_refused(office, lic, order):
    refused(
        lambda: adjust(office, line(lic, "0", "1")),
        "zero_quantity",
        "Line 1: Quantity cannot be zero.",
        "lines[0].quantity",
    )
    refused(lambda: use(lic, office, "0", kind="job", source=order), "zero_quantity", "Quantity cannot be zero.")


def test_too_many_decimal_places_are_refused_not_rounded(office, lic):
    refused(
        lambda: adjust(office, line(lic, "1.0000001", "1")),
        "too_many_decimal_places",
        "Line 1: Ensure that there are no more than 6 decimal places.",
        "lines[0].quantity",
    )
    refused(
        lambda: adjust(office, line(lic, "1", "2.0000005")),
        "too_many_decimal_places",
        "Line 1: Ensure that there are no more than 6 decimal places.",
        "lines[0].unit_cost",
    )


def test_negative_unit_cost_is_refused(office, lic):
    refused(
        lambda: adjust(office, line(lic, "1", "-0.01")),
        "negative_unit_cost",
        "Line 1: Unit cost cannot be negative.",
        "lines[0].unit_cost",
    )


def test_adjustment_without_lines_or_reason_is_refused(office, lic):
    refused(lambda: adjust(office), "no_lines", "Enter at least one line.", "lines")
    refused(lambda: adjust(office, line(lic, "1", "1"), reason="  "), "reason_required", field="reason")


def test_a_bad_later_line_rolls_back_the_earlier_lines(office, lic, service_lic):
    error = refused(
        lambda: adjust(office, line(lic, "5", "1"), line(lic, "-1"), line(service_lic, "1", "1")),
        "lic_not_inventoried",
        field="lines[2].lic",
    )
    assert error.message.startswith("Line 3: ")
    assert PendingCogs.objects.filter(lic=lic).count() == 0


def test_floats_never_reach_a_quantity():
    with pytest.raises(TypeError):
        services.qty(0.1)


# --- precision: what is in memory is what is stored --------------------------------------------


def test_in_memory_decimals_equal_the_reloaded_ones(office, lic):
    lot = adjust(office, line(lic, "2.5", "3.5")).lines.get().lot
    reloaded = Lot.objects.get(pk=lot.pk)
    for name in ("qty_in", "qty_used", "qty_available", "unit_cost", "value_in", "value_used"):
        assert str(getattr(lot, name)) == str(getattr(reloaded, name)), name
    assert (str(reloaded.qty_in), str(reloaded.unit_cost), str(reloaded.value_in)) == ("2.500000", "3.500000", "8.75")


def test_usage_quantity_in_memory_equals_the_reloaded_one(office, lic, order):
    usage = use(lic, office, "1.25", kind="job", source=order)
    assert str(usage.quantity) == str(InventoryUsage.objects.get(pk=usage.pk).quantity) == "1.250000"


# --- lock date --------------------------------------------------------------------------------


def test_lock_date_only_moves_forward(accountant):
    first = services.set_lock_date(date=DAY, actor=accountant)
    assert (selectors.current_lock_date(), first.set_by) == (DAY, accountant)
    for day in (DAY, DAY - datetime.timedelta(days=1)):
        refused(
            lambda day=day: services.set_lock_date(date=day, actor=accountant),
            "lock_date_backwards",
            "The lock date only moves forward: it is 2026-03-01 now. Only an administrator can move it back, "
            "with a reason.",
            "date",
            error=StateConflict,
        )
    services.set_lock_date(date=NEXT_DAY, actor=accountant)
    assert selectors.current_lock_date() == NEXT_DAY


def test_state_conflict_is_a_409(accountant):
    services.set_lock_date(date=DAY, actor=accountant)
    with pytest.raises(StateConflict) as info:
        services.set_lock_date(date=DAY, actor=accountant)
    assert info.value.status == 409


def test_posting_on_or_before_the_lock_date_is_refused_naming_it(office, lic, order):
    services.set_lock_date(date=DAY, actor=None)
    message = "The books are closed through 2026-03-01: choose a date after it."
    for day in (DAY, DAY - datetime.timedelta(days=3)):
        refused(lambda day=day: adjust(office, line(lic, "1", "1"), date=day), "date_locked", message, "date")
        refused(
            lambda day=day: record_usage(
                lic=lic,
                office=office,
                date=day,
                quantity=D("1"),
                kind="job",
                source=order,
                source_label="x",
                actor=None,
            ),
            "date_locked",
            message,
            "date",
        )
    lot = adjust(office, line(lic, "1", "1"), date=NEXT_DAY).lines.get().lot
    assert lot.date == NEXT_DAY


# --- unit cost correction ---------------------------------------------------------------------


def test_correct_lot_unit_cost_records_the_change_and_marks_cogs_pending(office, lic, accountant):
    lot = adjust_in(office=office, lic=lic, quantity="4", unit_cost="2.50")
    PendingCogs.objects.all().delete()
    change = services.correct_lot_unit_cost(
        lot=lot, new_unit_cost=D("2.75"), reason=" invoice typo ", date=NEXT_DAY, actor=accountant
    )
    stored = LotCostChange.objects.get()
    assert stored.pk == change.pk
    assert (
        stored.old_unit_cost,
        stored.new_unit_cost,
        stored.cause,
        stored.reason,
        stored.date,
        stored.created_by,
    ) == (D("2.5"), D("2.75"), "manual", "invoice typo", NEXT_DAY, accountant)
    reloaded = Lot.objects.get(pk=lot.pk)
    assert (reloaded.unit_cost, reloaded.value_in) == (D("2.75"), D("11.00"))
    assert (lot.unit_cost, lot.value_in) == (D("2.75"), D("11.00"))
    assert PendingCogs.objects.filter(lic=lic, office=office).count() == 1


def test_correcting_to_the_same_unit_cost_records_nothing(office, lic):
    lot = adjust_in(office=office, lic=lic, quantity="4", unit_cost="2.50")
    assert (
        services.correct_lot_unit_cost(lot=lot, new_unit_cost=D("2.500000"), reason="x", date=DAY, actor=None) is None
    )
    assert LotCostChange.objects.count() == 0


def test_unit_cost_correction_refusals_write_nothing(office, lic):
    lot = adjust_in(office=office, lic=lic, quantity="4", unit_cost="2.50")
    fix = services.correct_lot_unit_cost
    refused(
        lambda: fix(lot=lot, new_unit_cost=D("3"), reason=" ", date=DAY, actor=None), "reason_required", field="reason"
    )
    refused(
        lambda: fix(lot=lot, new_unit_cost=D("-3"), reason="r", date=DAY, actor=None),
        "negative_unit_cost",
        "Unit cost cannot be negative.",
    )
    refused(
        lambda: fix(lot=lot, new_unit_cost=D("3.0000001"), reason="r", date=DAY, actor=None), "too_many_decimal_places"
    )
    services.set_lock_date(date=DAY, actor=None)
    refused(lambda: fix(lot=lot, new_unit_cost=D("3"), reason="r", date=DAY, actor=None), "date_locked")
    assert Lot.objects.get(pk=lot.pk).unit_cost == D("2.5")
