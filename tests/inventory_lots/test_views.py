"""The ledger pages: lot list (filters, search, sorting, totals, constant queries), lot detail
(General Info with Go-To, Current Inventory, serials, mfr lot, the released message), usage
list and detail, adjustment detail, and the CSV export."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory_lots import selectors
from inventory_lots.exports import HEADER
from inventory_lots.models import UsageCogs
from inventory_lots.services import AdjustmentLineInput, post_adjustment
from tests.conftest import DAY, adjust_in
from tests.factories import LicFactory

from .conftest import figure

D = Decimal
pytestmark = pytest.mark.django_db
HEADER_LINE = (
    "Lot,Type,Status,Office,LIC,Description,Date,Transaction,Parent order,Serialized,Track by mfr lot,"
    "Qty in,Qty used,Qty available,Unit cost,Value in,Value used,Value available,Accrued value"
)


def listed(response) -> list[str]:
    """Lot numbers (or usage labels) in the page's table, in order."""
    return [str(row.record) for row in response.context["table"].page.object_list]


def day(n: int) -> datetime.date:
    return DAY + datetime.timedelta(days=n)


@pytest.fixture
def lots(office, west, lic):
    gadget = LicFactory(code="GADGET", description="Shiny gadget")
    a = adjust_in(office=office, lic=lic, quantity="5", unit_cost="10", date=day(0))
    b = adjust_in(office=west, lic=lic, quantity="3", unit_cost="2", date=day(2))
    c = adjust_in(office=office, lic=gadget, quantity="7", unit_cost="1", date=day(4))
    type(a).objects.filter(pk=a.pk).update(qty_used=D("5"))  # closed, as a COGS run would leave it
    return {"a": a, "b": b, "c": c}


# --- lot list ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["c", "b", "a"]),
        ("lic=WIDGET", ["b", "a"]),
        ("office=WEST", ["b"]),
        ("status=open", ["c", "b"]),
        ("status=closed", ["a"]),
        ("type=purchase", ["c", "b", "a"]),
        ("type=production", []),
        ("date_from=2026-03-02", ["c", "b"]),
        ("date_to=2026-03-03", ["b", "a"]),
        ("date_from=2026-03-02&date_to=2026-03-04", ["b"]),
        ("q=gadget", ["c"]),
        ("q=hiny", ["c"]),
        ("q=WIDG", ["b", "a"]),
        ("lic=WIDGET&office=HQ&status=closed", ["a"]),
    ],
)
def test_lot_list_filters_return_the_right_lots(viewer_client, lots, query, expected):
    response = viewer_client.get(f"/lots/?{query}")
    assert response.status_code == 200
    assert listed(response) == [lots[k].number for k in expected]


def test_lot_list_finds_a_lot_by_number_or_bare_digits(viewer_client, lots):
    b = lots["b"]
    digits = str(int(b.number[3:]))
    for q in (b.number, b.number.lower(), b.number.replace("-", ""), digits, b.number[3:]):
        assert listed(viewer_client.get(f"/lots/?q={q}")) == [b.number], q


def test_unknown_lic_in_the_filter_shows_an_error_and_an_empty_table(viewer_client, lots):
    response = viewer_client.get("/lots/?lic=NOSUCH")
    assert response.status_code == 200
    assert "lic" in response.context["filter"].errors
    assert listed(response) == []
    text = response.content.decode()
    assert "Unknown code “NOSUCH”." in text
    assert "Fix the filter above: the list shows nothing until it is valid." in text


def test_lic_filter_ignores_case(viewer_client, lots):
    upper = listed(viewer_client.get("/lots/?lic=WIDGET"))
    assert upper and listed(viewer_client.get("/lots/?lic=widget")) == upper


def test_bad_date_in_the_filter_shows_an_error(viewer_client, lots):
    response = viewer_client.get("/lots/?date_from=yesterday")
    assert "date_from" in response.context["filter"].errors and listed(response) == []


def test_lot_list_sorts_by_date_both_ways(viewer_client, lots):
    numbers = [lots[k].number for k in ("a", "b", "c")]
    assert listed(viewer_client.get("/lots/?sort=date")) == numbers
    assert listed(viewer_client.get("/lots/?sort=-date")) == numbers[::-1]


def test_lots_of_one_date_sort_by_id(viewer_client, office, lic):
    first = adjust_in(office=office, lic=lic, quantity="1", unit_cost="1")
    second = adjust_in(office=office, lic=lic, quantity="1", unit_cost="1")
    assert listed(viewer_client.get("/lots/?sort=date")) == [first.number, second.number]
    assert listed(viewer_client.get("/lots/")) == [second.number, first.number]


@pytest.mark.parametrize("limit", [0, 5_000], ids=["index order", "sorted in memory"])
def test_small_and_large_filtered_sets_list_in_the_same_order(viewer_client, office, lic, monkeypatch, limit):
    """A set within TOTALS_LIMIT is sorted in memory (date + 0, id + 0), a larger one by index
    order: the page shows the same lots in the same order either way, both directions, and
    the page of 50 + next page work the same."""
    monkeypatch.setattr(selectors, "TOTALS_LIMIT", limit)
    dated = [adjust_in(office=office, lic=lic, quantity="1", unit_cost="1", date=day(n % 7)) for n in range(53)]
    newest_first = [lot.number for lot in sorted(dated, key=lambda x: (x.date, x.pk), reverse=True)]
    response = viewer_client.get(f"/lots/?q={lic.code}")
    assert (response.context["totals"] is None) == (limit == 0)
    assert listed(response) == newest_first[:50]
    assert listed(viewer_client.get(f"/lots/?q={lic.code}&page=2")) == newest_first[50:]
    assert listed(viewer_client.get(f"/lots/?q={lic.code}&sort=date"))[:5] == newest_first[::-1][:5]
    by_number = [x.number for x in sorted(dated, key=lambda x: x.pk, reverse=True)]
    assert listed(viewer_client.get(f"/lots/?q={lic.code}&sort=-number"))[:5] == by_number[:5]
    assert listed(viewer_client.get(f"/lots/?q={lic.code}&sort=-number&sort=date"))[:5] == by_number[:5]
    assert listed(viewer_client.get(f"/lots/?q={lic.code}&per_page=20&page=2")) == newest_first[20:40]
    assert listed(viewer_client.get(f"/lots/?q={lic.code}&per_page=100")) == newest_first
    assert listed(viewer_client.get(f"/lots/?q={lic.code}&page=+2")) == newest_first[50:]
    odd = viewer_client.get(f"/lots/?q={lic.code}&page=%C2%B2")  # "²": isdigit() but not int()
    assert odd.status_code in (200, 404)


@pytest.mark.parametrize("sort", ["", "&sort=date", "&sort=-number"])
def test_a_search_matching_nothing_lists_nothing(viewer_client, lots, sort):
    """No LIC and no lot number match: an empty list with zero totals (it was a 500)."""
    response = viewer_client.get(f"/lots/?q=no-such-thing{sort}")
    assert response.status_code == 200 and listed(response) == []
    assert response.context["totals"] == {
        "lots": 0,
        "qty_available": D("0"),
        "value_available": D("0"),
        "unit": None,
        "mixed_units": False,
    }


def test_lot_list_shows_totals_of_the_filtered_lots(viewer_client, lots):
    response = viewer_client.get("/lots/?status=open")
    totals = response.context["totals"]
    assert (totals["lots"], totals["qty_available"], totals["value_available"]) == (2, D("10"), D("13.00"))
    assert "<strong>2</strong> lots" in response.content.decode()


def test_lot_list_totals_are_not_computed_beyond_the_limit(viewer_client, lots, monkeypatch):
    monkeypatch.setattr(selectors, "TOTALS_LIMIT", 2)
    response = viewer_client.get("/lots/")
    assert response.context["totals"] is None
    assert "Totals not computed: more than 2 lots match (narrow the filter)." in response.content.decode()
    assert response.context["totals"] is None and viewer_client.get("/lots/?office=WEST").context["totals"]["lots"] == 1


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/lots/")
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_lot_list_query_count_does_not_grow_with_lots(viewer_client, office, lic):
    for n in range(3):
        adjust_in(office=office, lic=LicFactory(code=f"FEW-{n}"), quantity="1", unit_cost="1")
    few = _list_queries(viewer_client)
    lines = [
        AdjustmentLineInput(lic=LicFactory(code=f"MANY-{n}"), quantity=D(n + 1), unit_cost=D("1.25")) for n in range(57)
    ]
    post_adjustment(office=office, date=DAY, reason="count", lines=lines, actor=None)
    many = _list_queries(viewer_client)
    assert few == many
    assert len(listed(viewer_client.get("/lots/"))) == 50  # one page of 60


def test_usage_list_query_count_does_not_grow_with_usage(viewer_client, office, lic):
    def queries():
        with CaptureQueriesContext(connection) as ctx:
            viewer_client.get("/usage/")
        return len(ctx.captured_queries)

    post_adjustment(
        office=office, date=DAY, reason="r", actor=None, lines=[AdjustmentLineInput(lic=lic, quantity=D("-1"))]
    )
    few = queries()
    post_adjustment(
        office=office,
        date=DAY,
        reason="r",
        actor=None,
        lines=[AdjustmentLineInput(lic=LicFactory(code=f"U{n}"), quantity=D("-1")) for n in range(30)],
    )
    assert queries() == few


# --- lot detail -------------------------------------------------------------------------------


def test_lot_detail_shows_general_info_with_a_go_to_to_the_adjustment(viewer_client, office, lic):
    lot = adjust_in(office=office, lic=lic, quantity="5", unit_cost="10")
    adjustment = lot.transaction_type.get_object_for_this_type(pk=lot.transaction_id).adjustment
    response = viewer_client.get(f"/lots/{lot.pk}/")
    text = response.content.decode()
    assert "General Info" in text and f"{adjustment.number}/1" in text
    goto = f"/goto/{lot.transaction_type_id}/{lot.transaction_id}/"
    assert f'href="{goto}"' in text
    followed = viewer_client.get(goto)
    assert (followed.status_code, followed["Location"]) == (302, f"/adjustments/{adjustment.pk}/")
    assert "none" in text  # no parent order for an adjustment lot


def test_lot_detail_shows_current_inventory_figures(viewer_client, office, lic):
    lot = adjust_in(office=office, lic=lic, quantity="1234.5", unit_cost="2")
    type(lot).objects.filter(pk=lot.pk).update(qty_used=D("1000"), value_used=D("2000.00"))
    content = viewer_client.get(f"/lots/{lot.pk}/").content
    figures = {
        name: figure(content, name)
        for name in ("in_qty", "in_value", "used_qty", "used_value", "available_qty", "available_value")
    }
    assert figures == {
        "in_qty": "1,234.5",
        "in_value": "2,469.00",
        "used_qty": "1,000",
        "used_value": "2,000.00",
        "available_qty": "234.5",
        "available_value": "469.00",
    }
    assert b"Current Inventory" in content and b'id="lot-status">Open<' in content


def test_closed_lot_page_says_closed(viewer_client, lots):
    content = viewer_client.get(f"/lots/{lots['a'].pk}/").content
    assert b'id="lot-status">Closed<' in content and figure(content, "available_qty") == "0"


def test_lot_detail_lists_serials_of_a_serialized_lot(viewer_client, office, serial_lic):
    lot = adjust_in(office=office, lic=serial_lic, quantity="2", unit_cost="5", serial_numbers=("SN-B", "SN-A"))
    text = viewer_client.get(f"/lots/{lot.pk}/").content.decode()
    assert "SN-A, SN-B" in text and "<th>Serialized</th><td>Yes</td>" in text


def test_lot_detail_shows_the_mfr_lot(viewer_client, office, mfr_lic):
    lot = adjust_in(office=office, lic=mfr_lic, quantity="2", unit_cost="5", mfr_lot_number="MFR-42")
    text = viewer_client.get(f"/lots/{lot.pk}/").content.decode()
    assert "<th>Mfr lot</th><td>MFR-42</td>" in text and "<th>Track by Mfr Lot</th><td>Yes</td>" in text


def test_released_message_only_for_released_production_lots(viewer_client, production_lot, office, lic):
    released = production_lot(released=True)
    unreleased = production_lot(released=False)
    purchase = adjust_in(office=office, lic=lic, quantity="1", unit_cost="1")
    message = b"Released into general inventory."
    assert message in viewer_client.get(f"/lots/{released.pk}/").content
    assert message not in viewer_client.get(f"/lots/{unreleased.pk}/").content
    assert message not in viewer_client.get(f"/lots/{purchase.pk}/").content
    assert released.number.startswith("PR-")


def test_production_lot_page_shows_its_parent_order(viewer_client, production_lot, order):
    lot = production_lot()
    text = viewer_client.get(f"/lots/{lot.pk}/").content.decode()
    assert order.number in text and f'href="/goto/{lot.parent_order_type_id}/{order.pk}/"' in text
    assert figure(text.encode(), "in_value") == "100.00"


def test_unknown_lot_is_404(viewer_client):
    assert viewer_client.get("/lots/999999/").status_code == 404


def test_go_to_an_unknown_target_is_404(viewer_client, office):
    assert viewer_client.get("/goto/999999/1/").status_code == 404


# --- usage and adjustment pages -----------------------------------------------------------------


@pytest.fixture
def write_off(office, lic):
    adjust_in(office=office, lic=lic, quantity="10", unit_cost="3")
    return post_adjustment(
        office=office,
        date=day(1),
        reason="Damaged",
        actor=None,
        lines=[AdjustmentLineInput(lic=lic, quantity=D("-2.5"))],
    )


def test_usage_list_shows_and_filters_usage(viewer_client, write_off, west):
    usage = write_off.lines.get().usage
    assert listed(viewer_client.get("/usage/")) == [str(usage)]
    assert listed(viewer_client.get("/usage/?kind=adjustment&lic=WIDGET&office=HQ")) == [str(usage)]
    assert listed(viewer_client.get("/usage/?kind=shipment")) == []
    assert listed(viewer_client.get("/usage/?office=WEST")) == []
    assert listed(viewer_client.get("/usage/?unallocated=true")) == [str(usage)]
    UsageCogs.objects.filter(usage=usage).update(allocated_quantity=D("2.5"))
    assert listed(viewer_client.get("/usage/?unallocated=true")) == []
    response = viewer_client.get("/usage/?lic=NOSUCH")
    assert "lic" in response.context["filter"].errors and listed(response) == []


def test_usage_detail_shows_figures_and_go_to_its_source(viewer_client, write_off):
    usage = write_off.lines.get().usage
    content = viewer_client.get(f"/usage/{usage.pk}/").content
    assert (
        figure(content, "quantity"),
        figure(content, "allocated"),
        figure(content, "unallocated"),
        figure(content, "cogs_value"),
    ) == ("2.5", "0", "2.5", "0.00")
    goto = f"/goto/{usage.source_type_id}/{usage.source_id}/"
    assert goto.encode() in content and b"Adjustment" in content
    assert viewer_client.get(goto)["Location"] == f"/adjustments/{write_off.pk}/"
    assert viewer_client.get("/usage/999999/").status_code == 404


def test_adjustment_detail_lists_its_lines_with_links(viewer_client, office, lic, write_off):
    adjustment = post_adjustment(
        office=office,
        date=day(2),
        reason="Found stock",
        actor=None,
        lines=[
            AdjustmentLineInput(lic=lic, quantity=D("4"), unit_cost=D("2.5")),
            AdjustmentLineInput(lic=lic, quantity=D("-1")),
        ],
    )
    lot_line, usage_line = adjustment.lines.select_related("lot", "usage")
    text = viewer_client.get(f"/adjustments/{adjustment.pk}/").content.decode()
    assert adjustment.number in text and "Found stock" in text and "2026-03-03" in text
    assert f'href="/lots/{lot_line.lot_id}/">{lot_line.lot.number}</a>' in text
    assert f'href="/usage/{usage_line.usage_id}/">{usage_line.usage}</a>' in text
    assert viewer_client.get("/adjustments/999999/").status_code == 404


# --- CSV export -------------------------------------------------------------------------------


def export(client, query=""):
    response = client.get(f"/lots/export.csv{query}")
    assert response.status_code == 200, response.content if not response.streaming else ""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, list(csv.reader(io.StringIO(body.decode("utf-8"))))


def test_csv_export_header_is_exactly_the_contract(accountant_client, lots):
    response, rows = export(accountant_client)
    assert ",".join(rows[0]) == HEADER_LINE == ",".join(HEADER)
    assert response["Content-Type"].startswith("text/csv")
    assert f'filename="lots-{datetime.date.today().isoformat()}.csv"' in response["Content-Disposition"]


def test_csv_export_rows_are_plain_decimals_and_yes_no(accountant_client, office, serial_lic, lic):
    big = adjust_in(office=office, lic=lic, quantity="1234.5", unit_cost="1")
    adjust_in(office=office, lic=serial_lic, quantity="1", unit_cost="2", serial_numbers=("Q",))
    _, rows = export(accountant_client)
    by_lot = {row[0]: dict(zip(rows[0], row)) for row in rows[1:]}
    row = by_lot[big.number]
    assert (row["Type"], row["Status"], row["Office"], row["LIC"], row["Date"]) == (
        "Purchase",
        "Open",
        "HQ",
        "WIDGET",
        "2026-03-01",
    )
    assert (row["Serialized"], row["Track by mfr lot"]) == ("no", "no")
    assert row["Qty in"] == "1234.500000" and row["Unit cost"] == "1.000000"  # fixed places, plain
    assert (row["Value in"], row["Value used"], row["Value available"]) == ("1234.50", "0.00", "1234.50")
    assert D(row["Unit cost"]) == D("1") and row["Transaction"].startswith("ADJ-")
    assert row["Parent order"] == ""
    serial_row = next(r for r in by_lot.values() if r["LIC"] == "SCAN")
    assert serial_row["Serialized"] == "yes"


def test_csv_export_protects_against_formula_injection(accountant_client, office):
    lic = LicFactory(code="EVIL", description='=HYPERLINK("http://x")')
    plus = LicFactory(code="PLUS", description="+1+1")
    adjust_in(office=office, lic=lic, quantity="1", unit_cost="1")
    adjust_in(office=office, lic=plus, quantity="1", unit_cost="1")
    _, rows = export(accountant_client)
    descriptions = {row[4]: row[5] for row in rows[1:]}
    assert descriptions == {"EVIL": '\'=HYPERLINK("http://x")', "PLUS": "'+1+1"}


def test_csv_export_applies_the_list_filters(accountant_client, lots):
    _, rows = export(accountant_client, "?lic=WIDGET&status=open")
    assert [row[0] for row in rows[1:]] == [lots["b"].number]
    _, rows = export(accountant_client, "?q=gadget")
    assert [row[0] for row in rows[1:]] == [lots["c"].number]


def test_csv_export_of_a_search_matching_nothing_is_the_header_alone(accountant_client, lots):
    from inventory_lots.models import LotExport

    _, rows = export(accountant_client, "?q=no-such-thing")
    assert rows == [HEADER_LINE.split(",")]
    assert LotExport.objects.latest("id").row_count == 0
    response = accountant_client.get("/lots/export.xlsx?q=no-such-thing")
    assert response.status_code == 200


def test_csv_export_with_a_bad_filter_is_refused(accountant_client, lots):
    response = accountant_client.get("/lots/export.csv?lic=NOSUCH")
    assert response.status_code == 400
