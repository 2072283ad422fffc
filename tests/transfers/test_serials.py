"""Transfers of serialized LICs (DOMAIN.md 9): the line names its serials, they leave the source lots (a
serial movement on the transfer usage, as a shipment's) and become serials of the transfer lot, so a
shipment in the destination names them and COGS allocates by them; the serial search shows where each
is now (its path on request); the reversal puts them back. Worked by hand with exact figures."""

from __future__ import annotations

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cogs.selectors import ledger_violations
from core.errors import StateConflict, ValidationFailed
from inventory_lots.models import InventoryUsage, Lot, LotSerial, SerialUse
from inventory_lots.services import record_usage
from tests.cogs.conftest import fresh
from tests.conftest import adjust_in
from tests.factories import LicFactory, OfficeFactory, roles, user_with_role
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
    # where is S4 now: BR (shipped), once; its path: HQ (transferred on the transfer) then BR
    assert [(s.lot_number, s.office, s.status) for s in find_serials("S4")] == [(line.lot.number, "BR", "shipped")]
    path = [(s.lot_number, s.office, s.status, s.moved) for s in find_serials("S4", history=True)]
    assert path == [(b.number, "HQ", "transferred", True), (line.lot.number, "BR", "shipped", False)]
    assert find_serials("S4", history=True)[0].text == f"Transferred on {t.number}"
    assert [(s.office, s.status) for s in find_serials("S1")] == [("BR", "in_stock")]
    assert [(s.office, s.status) for s in find_serials("S1", history=True)] == [
        ("HQ", "transferred"),
        ("BR", "in_stock"),
    ]
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
    assert [(s.office, s.status) for s in find_serials("S1", history=True)] == [("HQ", "in_stock")]  # no path left
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
    assert [(s.lot_id, s.status) for s in find_serials("S3")] == [(rows[2].lot_id, "shipped")]
    assert [s.status for s in find_serials("S3", history=True)] == ["transferred", "transferred", "shipped"]
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


# --- where is a transferred serial now (one row per serial; its path on request) -----------------------


@pytest.fixture
def warehouse(db):
    return OfficeFactory(code="WH", name="Warehouse")


def where(client, **params):
    """``GET /api/v1/serials/`` as ``(serial_number, lot, lot_number, office, status)`` rows."""
    answer = client.get("/api/v1/serials/", params)
    assert answer.status_code == 200, answer.content
    return [(r["serial_number"], r["lot"], r["lot_number"], r["office"], r["status"]) for r in answer.json()["results"]]


def test_api_a_serial_carried_a_to_b_to_c_then_shipped_is_one_row_where_it_is_now(
    api, viewer, office, branch, warehouse, scanner, stock, order
):
    a, b = stock
    first = send(office, branch, scanner, ["S1", "S4"])
    second = send(branch, warehouse, scanner, ["S4"], date=day(3))
    shipped = ship_serials(scanner, warehouse, ["S4"], order, day(4))
    in_br, in_wh = first.lines.get().lot, second.lines.get().lot
    client = api(viewer)
    assert where(client, serial_number="S4") == [("S4", in_wh.pk, in_wh.number, "WH", "shipped")]
    (row,) = client.get("/api/v1/serials/", {"serial_number": "S4"}).json()["results"]
    assert (row["usage"], row["document"]) == (
        shipped.pk,
        {"type": ContentType.objects.get_for_model(order).model, "id": order.pk, "label": str(order)},
    )
    assert where(client, serial_number="S4", lic="SCAN") == [("S4", in_wh.pk, in_wh.number, "WH", "shipped")]
    assert where(client, serial_number="S1") == [("S1", in_br.pk, in_br.number, "BR", "in_stock")]
    assert where(client, serial_number="S2") == [("S2", a.pk, a.number, "HQ", "in_stock")]
    # its path on request, newest first as every list here: where it is now, then the rows the transfers
    # carried it out of (status transferred, the transfer as document)
    assert where(client, serial_number="S4", history="true") == [
        ("S4", in_wh.pk, in_wh.number, "WH", "shipped"),
        ("S4", in_br.pk, in_br.number, "BR", "transferred"),
        ("S4", b.pk, b.number, "HQ", "transferred"),
    ]
    documents = [
        r["document"]["label"]
        for r in client.get("/api/v1/serials/", {"serial_number": "S4", "history": "true"}).json()["results"]
    ]
    assert documents == [str(order), second.number, first.number]


def test_api_after_a_reversal_the_serial_is_back_in_its_original_lot(
    api, viewer, office, branch, warehouse, scanner, stock, order
):
    a, _ = stock
    client = api(viewer)
    t = send(office, branch, scanner, ["S1", "S2"])
    reversal = reverse_transfer(transfer=t, date=day(3), reason="x", actor=None)
    assert where(client, serial_number="S1") == [("S1", a.pk, a.number, "HQ", "in_stock")]
    assert where(client, serial_number="S1", history="true") == [("S1", a.pk, a.number, "HQ", "in_stock")]
    (row,) = client.get("/api/v1/serials/", {"serial_number": "S1"}).json()["results"]
    assert (row["usage"], row["returned_by"]) == (
        None,
        {"type": "transfer", "id": reversal.pk, "label": reversal.number},
    )
    # the last leg of a chain reversed: back in the middle lot, from where it can go on
    first = send(office, branch, scanner, ["S3"], date=day(4))
    second = send(branch, warehouse, scanner, ["S3"], date=day(5))
    reverse_transfer(transfer=second, date=day(6), reason="x", actor=None)
    in_br = first.lines.get().lot
    assert where(client, serial_number="S3") == [("S3", in_br.pk, in_br.number, "BR", "in_stock")]
    assert where(client, serial_number="S3", history="true") == [
        ("S3", in_br.pk, in_br.number, "BR", "in_stock"),
        ("S3", a.pk, a.number, "HQ", "transferred"),
    ]
    ship_serials(scanner, branch, ["S3"], order, day(7))
    assert where(client, serial_number="S3") == [("S3", in_br.pk, in_br.number, "BR", "shipped")]


def test_api_every_serial_lists_each_serial_once_in_constant_queries(
    api, viewer, office, branch, warehouse, scanner, stock, order
):
    a, b = stock
    client = api(viewer)
    first = send(office, branch, scanner, ["S1"])
    in_br = first.lines.get().lot
    with CaptureQueriesContext(connection) as small:
        listed = where(client)
    assert listed == [
        ("S1", in_br.pk, in_br.number, "BR", "in_stock"),
        ("S4", b.pk, b.number, "HQ", "in_stock"),
        ("S3", a.pk, a.number, "HQ", "in_stock"),
        ("S2", a.pk, a.number, "HQ", "in_stock"),
    ]
    second = send(office, branch, scanner, ["S2", "S4"], date=day(3))
    third = send(branch, warehouse, scanner, ["S1", "S2"], date=day(4))
    ship_serials(scanner, warehouse, ["S2"], order, day(5))
    in_br2, in_wh = second.lines.get().lot, third.lines.get().lot
    with CaptureQueriesContext(connection) as large:
        listed = where(client)
    assert len(large) == len(small)
    assert listed == [  # newest row first: the WH lot's S1, S2 are the newest rows
        ("S2", in_wh.pk, in_wh.number, "WH", "shipped"),
        ("S1", in_wh.pk, in_wh.number, "WH", "in_stock"),
        ("S4", in_br2.pk, in_br2.number, "BR", "in_stock"),
        ("S3", a.pk, a.number, "HQ", "in_stock"),
    ]
    pages = client.get("/api/v1/serials/", {"page_size": 3}).json()
    assert [r["serial_number"] for r in pages["results"]] == ["S2", "S1", "S4"]
    rest = client.get(pages["next"]).json()
    assert ([r["serial_number"] for r in rest["results"]], rest["next"]) == (["S3"], None)
    assert len(where(client, history="true")) == 9  # every row: 4 live, 5 left behind by the transfers


def _table(page: str, table_id: str) -> list[tuple[str, ...]] | None:
    """The (lot, office, where) cells of a serial search table's rows, or None without the table."""
    found = re.search(rf'<table[^>]*id="{table_id}".*?</table>', page, re.S)
    if found is None:
        return None
    rows = []
    for tr in re.findall(r"<tr data-status.*?</tr>", found.group(0), re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
        rows.append((cells[2], cells[3], cells[4]))
    return rows


def test_the_search_page_says_where_it_is_now_and_marks_the_path_as_history(
    client, viewer, office, branch, warehouse, scanner, stock, order
):
    _, b = stock
    first = send(office, branch, scanner, ["S4"])
    second = send(branch, warehouse, scanner, ["S4"], date=day(3))
    in_br, in_wh = first.lines.get().lot, second.lines.get().lot
    client.force_login(viewer)
    page = client.get(reverse("traceability:serials"), {"serial_number": "S4"}).content.decode()
    assert _table(page, "serial-results") == [(in_wh.number, "WH", "In stock")]
    assert "Earlier lots of this serial (history: a transfer carried it on)" in page
    assert _table(page, "serial-history") == [
        (b.number, "HQ", f"Transferred on {first.number}"),
        (in_br.number, "BR", f"Transferred on {second.number}"),
    ]
    page = client.get(reverse("traceability:serials"), {"serial_number": "S3"}).content.decode()
    assert _table(page, "serial-results") == [(stock[0].number, "HQ", "In stock")]
    assert _table(page, "serial-history") is None and "Earlier lots" not in page


def test_a_user_of_the_source_office_only_sees_where_it_went_as_history(api, client, office, branch, scanner, stock):
    a, _ = stock
    t = send(office, branch, scanner, ["S1"])
    hq_only = user_with_role(roles.VIEWER, username="hq_only", all_offices=False, offices={office: False})
    assert where(api(hq_only), serial_number="S1") == []  # where it is now: an office they do not see
    assert where(api(hq_only), serial_number="S1", history="true") == [("S1", a.pk, a.number, "HQ", "transferred")]
    client.force_login(hq_only)
    page = client.get(reverse("traceability:serials"), {"serial_number": "S1"}).content.decode()
    assert _table(page, "serial-results") == [] and "1 lot in another office" in page
    assert _table(page, "serial-history") == [(a.number, "HQ", f"Transferred on {t.number}")]
    assert t.lines.get().lot.number not in page and "No lot has serial number" not in page
