"""Transfers of serialized LICs (DOMAIN.md 9): the line names its serials, they leave the source lots (a
serial movement on the transfer usage, as a shipment's) and become serials of the transfer lot, so a
shipment in the destination names them and COGS allocates by them; the serial search shows the path;
the reversal puts them back. Worked by hand with exact figures."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from cogs.selectors import ledger_violations
from core.errors import StateConflict, ValidationFailed
from inventory_lots.models import InventoryUsage, Lot, LotSerial, SerialUse
from inventory_lots.services import record_usage
from tests.cogs.conftest import fresh
from tests.conftest import adjust_in
from tests.factories import LicFactory, OfficeFactory
from tests.reports.conftest import D, day, run
from tests.reports.test_journal import assert_balanced, balance
from traceability.serials import find_serials
from transfers.models import Transfer, TransferLine
from transfers.reversals import reverse_transfer
from transfers.services import TransferLineInput, post_transfer

pytestmark = pytest.mark.django_db


@pytest.fixture
def branch(db):
    return OfficeFactory(code="BR", name="Branch")


@pytest.fixture
def scanner(db):
    return LicFactory(code="SCAN", serialized=True)


@pytest.fixture
def stock(office, scanner):
    """HQ: lot A, S1-S3 @ $20.00; lot B, S4 @ $30.00."""
    a = adjust_in(
        office=office, lic=scanner, quantity="3", unit_cost="20.00", date=day(1), serial_numbers=["S1", "S2", "S3"]
    )
    b = adjust_in(office=office, lic=scanner, quantity="1", unit_cost="30.00", date=day(1), serial_numbers=["S4"])
    return a, b


def send(office, branch, lic, serials, date=None, quantity=None):
    return post_transfer(
        from_office=office,
        to_office=branch,
        date=date or day(2),
        lines=[TransferLineInput(lic=lic, quantity=D(quantity or len(serials)), serial_numbers=serials)],
        actor=None,
    )


def ship_serials(lic, office, serials, source, date):
    return record_usage(
        lic=lic,
        office=office,
        date=date,
        quantity=D(len(serials)),
        kind="shipment",
        source=source,
        source_label=str(source),
        actor=None,
        serial_numbers=serials,
    )


def live(lic, serial):
    return LotSerial.objects.get(lic=lic, serial_number=serial, moved=False)


def test_transfer_2_serials_ship_one_from_the_destination(office, branch, scanner, stock, order):
    a, b = stock
    t = send(office, branch, scanner, ["S1", "S4"])
    line = t.lines.get()
    assert line.serial_numbers == ["S1", "S4"] and line.usage.serial_numbers == ["S1", "S4"]
    # provisional cost: the mean of the serials' lots, (20.00 + 30.00) / 2
    assert (line.lot.office, line.lot.qty_in, line.lot.unit_cost, line.lot.serialized) == (
        branch,
        D("2"),
        D("25.000000"),
        True,
    )
    assert sorted(line.lot.serials.values_list("serial_number", flat=True)) == ["S1", "S4"]
    s1 = live(scanner, "S1")
    assert s1.lot_id == line.lot_id and s1.carried_from.lot_id == a.pk and s1.carried_from.moved
    assert SerialUse.objects.get(serial=s1.carried_from).usage_id == line.usage_id
    shipped = ship_serials(scanner, branch, ["S4"], order, day(3))
    run(day(5))
    # the transfer usage by its serials: S1 from A 20.00 + S4 from B 30.00 = 50.00 -> the lot at 25.00
    assert fresh(line.usage).cogs_value == D("50.00")
    assert (fresh(a).qty_used, fresh(a).value_used, fresh(b).qty_used, fresh(b).value_used) == (
        D("1"),
        D("20.00"),
        D("1"),
        D("30.00"),
    )
    assert fresh(line.lot).unit_cost == D("25.000000")
    assert fresh(shipped).cogs_value == D("25.00")
    assert (fresh(line.lot).qty_used, fresh(line.lot).value_used) == (D("1"), D("25.00"))
    # where is S4: its path, HQ (transferred on the transfer) then BR (shipped)
    path = [(s.lot_number, s.office, s.status) for s in find_serials("S4")]
    assert path == [(b.number, "HQ", "transferred"), (line.lot.number, "BR", "shipped")]
    assert find_serials("S4")[0].text == f"Transferred on {t.number}"
    assert [(s.office, s.status) for s in find_serials("S1")] == [("HQ", "transferred"), ("BR", "in_stock")]
    # HQ cannot ship S1 any more; BR can
    with pytest.raises(ValidationFailed) as exc:
        ship_serials(scanner, office, ["S1"], order, day(4))
    assert exc.value.code == "serial_unknown"
    assert_balanced()
    assert balance("1360", day(31)) == D("0.00")
    assert ledger_violations() == []
    call_command("check_ledger")


def counts():
    return (
        Transfer.objects.count(),
        TransferLine.objects.count(),
        Lot.objects.count(),
        InventoryUsage.objects.count(),
        LotSerial.objects.count(),
        SerialUse.objects.count(),
        LotSerial.objects.filter(moved=True).count(),
    )


@pytest.mark.parametrize(
    ("serials", "quantity", "code"),
    [
        (["S1", "ZZ"], None, "serial_unknown"),  # not known in the source office
        (["S1", "S1"], "2", "serial_count_mismatch"),  # twice in one line
        (["S1"], "2", "serial_count_mismatch"),  # the count differs from the quantity
        (["S1", "S2"], "1.5", "serial_quantity_not_whole"),
        ([], "1", "serial_count_mismatch"),
    ],
)
def test_refusals_write_nothing(office, branch, scanner, stock, serials, quantity, code):
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        send(office, branch, scanner, serials, quantity=quantity)
    assert exc.value.code == code
    assert counts() == before


def test_a_serial_out_of_stock_in_the_source_is_refused(office, branch, scanner, stock, order):
    ship_serials(scanner, office, ["S2"], order, day(2))
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        send(office, branch, scanner, ["S1", "S2"], date=day(3))
    assert exc.value.code == "serial_not_in_stock"
    assert counts() == before
    send(office, branch, scanner, ["S1"], date=day(3))
    before = counts()
    with pytest.raises(ValidationFailed) as exc:  # S1 is in BR now
        send(office, branch, scanner, ["S1"], date=day(3))
    assert exc.value.code == "serial_unknown"
    assert counts() == before


def test_reversal_puts_the_serials_back(office, branch, scanner, stock, order):
    a, _ = stock
    t = send(office, branch, scanner, ["S1", "S2"])
    line = t.lines.get()
    reversal = reverse_transfer(transfer=t, date=day(3), reason="x", actor=None)
    back = reversal.lines.get()
    assert back.serial_numbers == ["S1", "S2"] and back.usage.serial_numbers == ["S1", "S2"]
    assert not LotSerial.objects.filter(lot=line.lot).exists()
    assert [live(scanner, s).lot_id for s in ("S1", "S2")] == [a.pk, a.pk]
    assert [(s.office, s.status) for s in find_serials("S1")] == [("HQ", "in_stock")]
    assert find_serials("S1")[0].text == f"In stock (returned on {reversal.number})"
    # HQ can ship S1 again, BR cannot
    with pytest.raises(ValidationFailed):
        ship_serials(scanner, branch, ["S1"], order, day(4))
    shipped = ship_serials(scanner, office, ["S1"], order, day(4))
    run(day(5))
    assert (fresh(line.usage).cogs_value, fresh(back.usage).cogs_value) == (D("40.00"), D("-40.00"))
    assert fresh(shipped).cogs_value == D("20.00")
    assert (fresh(a).qty_used, fresh(a).value_used, fresh(line.lot).qty_in) == (D("1"), D("20.00"), D("0"))
    assert_balanced()
    assert balance("1360", day(31)) == D("0.00")
    call_command("check_ledger")


def test_reversal_refused_once_a_serial_left_the_transfer_lot(office, branch, scanner, stock, order):
    t = send(office, branch, scanner, ["S1", "S2"])
    ship_serials(scanner, branch, ["S2"], order, day(3))
    with pytest.raises(StateConflict) as exc:
        reverse_transfer(transfer=t, date=day(4), reason="x", actor=None)
    assert exc.value.code == "lot_used"


def test_transfer_there_and_back_again(office, branch, scanner, stock, order):
    """HQ -> BR -> HQ by two transfers: the serial lives in its third row, which a shipment from HQ names."""
    a, _ = stock
    first = send(office, branch, scanner, ["S3"])
    second = send(branch, office, scanner, ["S3"], date=day(3))
    rows = list(LotSerial.objects.filter(lic=scanner, serial_number="S3").order_by("id"))
    assert [(r.lot.office.code, r.moved) for r in rows] == [("HQ", True), ("BR", True), ("HQ", False)]
    assert rows[2].lot_id == second.lines.get().lot_id
    shipped = ship_serials(scanner, office, ["S3"], order, day(4))
    run(day(5))
    assert fresh(first.lines.get().usage).cogs_value == D("20.00")
    assert fresh(second.lines.get().usage).cogs_value == D("20.00")
    assert fresh(shipped).cogs_value == D("20.00")
    assert [s.status for s in find_serials("S3")] == ["transferred", "transferred", "shipped"]
    assert (fresh(a).qty_used, fresh(a).value_used) == (D("1"), D("20.00"))
    call_command("check_ledger")


def test_api_posts_a_serialized_transfer(api, clerk, office, branch, scanner, stock):
    answer = api(clerk).post(
        "/api/v1/transfers/",
        {
            "from_office": "HQ",
            "to_office": "BR",
            "date": "2026-03-02",
            "lines": [{"lic": "SCAN", "quantity": "2", "serial_numbers": ["S1", "S2"]}],
        },
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    assert answer.json()["lines"][0]["serial_numbers"] == ["S1", "S2"]
    refused = api(clerk).post(
        "/api/v1/transfers/",
        {
            "from_office": "HQ",
            "to_office": "BR",
            "date": "2026-03-02",
            "lines": [{"lic": "SCAN", "quantity": "2", "serial_numbers": ["S1", "S3"]}],
        },
        format="json",
    )
    assert refused.status_code == 400 and refused.json()["code"] == "serial_unknown"
