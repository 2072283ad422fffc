"""Every door of the reports: the pages (figures, drill-down office -> LIC -> lot -> the lot page,
bookmarkable GET forms), the CSV and xlsx exports (same bytes at the page and the API, formula
guard, the export permission), the API (API.md's keys, cursor pages, the schema), the
``valuation`` command; the same bad input refused at each with the same words; query counts that
do not grow with the ledger."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from inventory_lots.dates import today
from inventory_lots.models import Lot
from tests.api.openapi_check import api_schema, problems
from tests.conftest import adjust_in
from tests.factories import LicFactory, OfficeFactory

from .conftest import D, build_ledger, day

pytestmark = pytest.mark.django_db
API = "/api/v1/reports/"
MARCH = "as_of=2026-03-31"


@pytest.fixture
def ledger(db):
    return build_ledger()


def figures(html: str) -> dict:
    return dict(re.findall(r'data-figure="(\w+)">([^<]*)<', html))


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body(response).decode())))


# --- pages -------------------------------------------------------------------------------------------


def test_valuation_page_figures_and_drill_down_to_the_lot_page(ledger, viewer_client):
    page = viewer_client.get(f"/reports/valuation/?{MARCH}&group_by=office")
    html = page.content.decode()
    assert page.status_code == 200
    # 31 March (conftest.build_ledger): HQ WIDGET 6 @ 2.00, GADGET 5 (45.00 - 16.88); BR WIDGET 3 @ 2.50
    assert figures(html) == {
        "lots": "3",
        "quantity": "14",
        "value": "47.62",
        "unallocated_quantity": "0",
        "accrued_value": "0.00",
    }
    assert 'method="get"' in html and 'value="2026-03-31"' in html  # a bookmarkable GET form
    offices = re.findall(r'href="([^"]+)" data-drill="office">(\w+)<', html)
    assert [name for _, name in offices] == ["BR", "HQ"]
    hq = viewer_client.get(offices[1][0].replace("&amp;", "&"))
    html = hq.content.decode()
    assert "group_by=lic" in offices[1][0] and figures(html)["value"] == "40.12"
    lics = re.findall(r'href="([^"]+)" data-drill="lic">(\w+)<', html)
    assert [name for _, name in lics] == ["GADGET", "WIDGET"]
    lots = viewer_client.get(lics[1][0].replace("&amp;", "&")).content.decode()
    assert figures(lots)["value"] == "12.00" and "as_of=2026-03-31" in lics[1][0]
    [(lot_url, lot_id)] = re.findall(r'href="([^"]+)" data-lot="(\d+)"', lots)
    assert lot_url == f"/lots/{lot_id}/" and viewer_client.get(lot_url).status_code == 200
    assert Lot.objects.get(pk=lot_id).lic.code == "WIDGET"


def test_roll_forward_and_aging_pages(ledger, viewer_client):
    page = viewer_client.get("/reports/roll-forward/?date_from=2026-03-01&date_to=2026-03-31")
    html = page.content.decode()
    assert page.status_code == 200
    row = re.search(r"<td >BR</td>.*?</tr>", html, re.S).group(0)
    assert re.findall(r'text-end">([-\d.,]+)</td>', row) == [
        "0.00",
        "10.00",
        "0.00",
        "0.00",
        "0.00",
        "0.00",
        "2.50",
        "7.50",
    ]
    assert re.search(r"<tfoot.*?</tfoot>", html, re.S).group(0).count("47.62") == 1  # the closing total
    assert viewer_client.get("/reports/aging/?as_of=2026-03-31&buckets=10,20").status_code == 200
    aging = viewer_client.get("/reports/aging/?as_of=2026-03-31&buckets=10,20").content.decode()
    assert "Qty 0-10" in aging and "Value over 20" in aging
    # BR WIDGET: 3 units, 28 days old on 31 March: over 20
    row = re.search(r"<td >BR</td>.*?</tr>", aging, re.S).group(0)
    assert re.findall(r'text-end">([-\d.,]+)</td>', row) == ["0", "0.00", "0", "0.00", "3", "7.50", "3", "7.50"]
    assert viewer_client.get("/reports/").status_code == 200


BAD_INPUT = [
    ("valuation", "as_of=2026-02-30", "as_of", "Enter a date as YYYY-MM-DD."),
    ("valuation", "as_of=yesterday", "as_of", "Enter a date as YYYY-MM-DD."),
    ("valuation", "office=NOPE", "office", "Unknown code “NOPE”."),
    ("valuation", "lic=NOPE", "lic", "Unknown code “NOPE”."),
    ("valuation", "group_by=day", "group_by", "Select a valid choice. day is not one of the available choices."),
    (
        "roll-forward",
        "date_from=2026-03-05&date_to=2026-03-01",
        "date_to",
        "The period ends (2026-03-01) before it starts (2026-03-05).",
    ),
    ("roll-forward", "date_from=2026-03-32", "date_from", "Enter a date as YYYY-MM-DD."),
    (
        "roll-forward",
        "date_from=2099-01-01",
        "date_to",
        f"The period ends ({today().isoformat()}) before it starts (2099-01-01).",
    ),
    (
        "aging",
        "buckets=30,20",
        "buckets",
        "Give the age buckets' upper bounds in days: whole numbers from 0 to "
        "36500, increasing, separated by commas (e.g. 30,60,90,180).",
    ),
    (
        "aging",
        "buckets=-1",
        "buckets",
        "Give the age buckets' upper bounds in days: whole numbers from 0 to "
        "36500, increasing, separated by commas (e.g. 30,60,90,180).",
    ),
    ("aging", "buckets=" + ",".join(str(n) for n in range(1, 14)), "buckets", "At most 12 bucket bounds."),
    ("aging", "office=NOPE", "office", "Unknown code “NOPE”."),
]


@pytest.mark.parametrize(
    ("report", "query", "field", "message"), BAD_INPUT, ids=[f"{r}-{q}" for r, q, _, _ in BAD_INPUT]
)
def test_bad_input_is_refused_with_the_same_words_at_every_door(
    ledger, report, query, field, message, client, accountant, api
):
    client.force_login(accountant)
    page = client.get(f"/reports/{report}/?{query}")
    assert page.status_code == 400 and message in page.content.decode().replace("&#x27;", "'")
    assert 'id="report-error"' in page.content.decode() and 'data-figure="value"' not in page.content.decode()
    for fmt in ("csv", "xlsx"):
        export = client.get(f"/reports/{report}.{fmt}?{query}")
        assert (export.status_code, export.content.decode()) == (400, f"Invalid parameters: {field}: {message}")
        answer = api(accountant).get(f"{API}{report}.{fmt}?{query}")
        assert answer.status_code == 400 and answer.json() == {
            "code": "invalid",
            "message": f"{field}: {message}",
            "field": field,
            "errors": {field: [message]},
        }
    answer = api(accountant).get(f"{API}{report}/?{query}")
    assert answer.status_code == 400 and answer.json()["field"] == field
    assert answer.json()["errors"] == {field: [message]}


# --- exports -----------------------------------------------------------------------------------------


def test_valuation_csv_by_lot_lic_and_office(ledger, accountant_client):
    rows = csv_rows(accountant_client.get(f"/reports/valuation.csv?{MARCH}&group_by=lic"))
    assert rows == [
        ["Office", "LIC", "Description", "Lots", "Quantity", "Value"],
        ["BR", "WIDGET", "Widget", "1", "3", "7.50"],
        ["HQ", "GADGET", "'=Gadget", "1", "5", "28.12"],  # the formula guard
        ["HQ", "WIDGET", "Widget", "1", "6", "12.00"],
    ]
    lots = csv_rows(accountant_client.get(f"/reports/valuation.csv?{MARCH}&office=HQ"))
    assert lots[0] == ["Office", "LIC", "Description", "Lot", "Type", "Date", "Unit cost", "Quantity", "Value"]
    assert [r[1:3] + r[4:] for r in lots[1:]] == [
        ["GADGET", "'=Gadget", "Purchase", "2026-03-02", "5.625", "5", "28.12"],
        ["WIDGET", "Widget", "Purchase", "2026-03-01", "2", "6", "12.00"],
    ]
    offices = csv_rows(accountant_client.get(f"/reports/valuation.csv?{MARCH}&group_by=office"))
    assert offices == [["Office", "Lots", "Quantity", "Value"], ["BR", "1", "3", "7.50"], ["HQ", "2", "11", "40.12"]]
    response = accountant_client.get(f"/reports/valuation.csv?{MARCH}")
    assert response["Content-Disposition"] == 'attachment; filename="valuation-2026-03-31.csv"'
    assert response.streaming


def test_roll_forward_and_aging_csv(ledger, accountant_client):
    rows = csv_rows(accountant_client.get("/reports/roll-forward.csv?date_from=2026-03-01&date_to=2026-03-31"))
    assert rows[0] == [
        "Office",
        "LIC",
        "Description",
        "Opening value",
        "Lots in",
        "Cost changes",
        "COGS",
        "Production",
        "Transfers out",
        "Adjustments out",
        "Closing value",
    ]
    assert rows[1:] == [
        ["BR", "WIDGET", "Widget", "0.00", "10.00", "0.00", "0.00", "0.00", "0.00", "2.50", "7.50"],
        ["HQ", "GADGET", "'=Gadget", "0.00", "40.00", "5.00", "16.88", "0.00", "0.00", "0.00", "28.12"],
        ["HQ", "WIDGET", "Widget", "0.00", "20.00", "0.00", "8.00", "0.00", "0.00", "0.00", "12.00"],
    ]
    aging = csv_rows(accountant_client.get(f"/reports/aging.csv?{MARCH}&office=BR&buckets=30"))
    assert aging == [
        [
            "Office",
            "LIC",
            "Description",
            "Qty 0-30",
            "Value 0-30",
            "Qty over 30",
            "Value over 30",
            "Qty total",
            "Value total",
        ],
        ["BR", "WIDGET", "Widget", "3", "7.50", "0", "0.00", "3", "7.50"],
    ]


@pytest.mark.parametrize("report", ["valuation", "roll-forward", "aging"])
def test_xlsx_has_the_csv_rows_with_numbers_as_numbers(ledger, accountant_client, report):
    from openpyxl import load_workbook

    query = "date_from=2026-03-01&date_to=2026-03-31" if report == "roll-forward" else MARCH
    response = accountant_client.get(f"/reports/{report}.xlsx?{query}")
    assert response.status_code == 200 and response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = load_workbook(io.BytesIO(body(response))).active
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    from_csv = csv_rows(accountant_client.get(f"/reports/{report}.csv?{query}"))
    assert len(cells) == len(from_csv) >= 3 and cells[0] == from_csv[0]
    for xlsx_row, csv_row in zip(cells[1:], from_csv[1:]):
        for cell, text in zip(xlsx_row, csv_row):
            if isinstance(cell, (int, float)) and not isinstance(cell, bool):
                assert D(str(cell)) == D(text)  # a number in the workbook, the same figure as the CSV's
            elif hasattr(cell, "date"):
                assert cell.date().isoformat() == text
            else:
                assert cell == text
    assert any(isinstance(c, (int, float)) for c in cells[1])


def test_exports_need_the_export_permission_and_the_api_serves_the_same_bytes(
    ledger, viewer_client, client, accountant, viewer, api
):
    for report in ("valuation", "roll-forward", "aging"):
        for fmt in ("csv", "xlsx"):
            assert viewer_client.get(f"/reports/{report}.{fmt}").status_code == 403
            refused = api(viewer).get(f"{API}{report}.{fmt}")
            assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
            assert APIClient().get(f"{API}{report}.{fmt}").status_code == 401  # no credentials
        client.force_login(accountant)
        query = f"?{MARCH}&group_by=lic" if report == "valuation" else "?date_from=2026-03-01&date_to=2026-03-31"
        assert body(client.get(f"/reports/{report}.csv{query}")) == body(
            api(accountant).get(f"{API}{report}.csv{query}")
        )
        client.force_login(viewer)
    # viewers read every report, page and API
    for report in ("valuation", "roll-forward", "aging"):
        assert viewer_client.get(f"/reports/{report}/").status_code == 200
        assert api(viewer).get(f"{API}{report}/").status_code == 200


# --- API ---------------------------------------------------------------------------------------------


def test_api_valuation_keys_totals_and_cursor_pages(ledger, api, viewer):
    client = api(viewer)
    first = client.get(f"{API}valuation/?{MARCH}&page_size=2").json()
    assert set(first) == {"as_of", "group_by", "totals", "next", "results"}
    assert first["as_of"] == "2026-03-31" and first["group_by"] == "lot"
    assert first["totals"] == {
        "lots": 3,
        "quantity": "14.000000",
        "value": "47.62",
        "unallocated_quantity": "0.000000",
        "accrued_value": "0.00",
    }
    assert {"office", "lic", "lot", "quantity", "value"} <= set(first["results"][0])
    rows, page = list(first["results"]), first
    while page["next"]:
        page = client.get(page["next"]).json()
        rows += page["results"]
    assert [(r["office"], r["lic"], r["quantity"], r["value"]) for r in rows] == [
        ("BR", "WIDGET", "3.000000", "7.50"),
        ("HQ", "GADGET", "5.000000", "28.12"),
        ("HQ", "WIDGET", "6.000000", "12.00"),
    ]
    by_lic = client.get(f"{API}valuation/?{MARCH}&group_by=lic&office=hq").json()  # codes ignore case
    assert [set(r) for r in by_lic["results"]] == [{"office", "lic", "description", "lots", "quantity", "value"}] * 2
    assert by_lic["totals"]["value"] == "40.12"
    by_office = client.get(f"{API}valuation/?{MARCH}&group_by=office").json()
    assert [(r["office"], r["lic"], r["value"]) for r in by_office["results"]] == [
        ("BR", None, "7.50"),
        ("HQ", None, "40.12"),
    ]
    schema = api_schema()
    for answer in (first, by_lic, by_office):
        assert problems(schema, "Valuation", answer) == []


def test_api_valuation_today_is_the_lot_api_figures(ledger, api, viewer):
    client = api(viewer)
    lots = client.get("/api/v1/lots/?page_size=500").json()["results"]
    valued = client.get(f"{API}valuation/?page_size=500").json()
    expected = {
        lot["id"]: (lot["qty_available"], lot["value_available"])
        for lot in lots
        if D(lot["qty_available"]) or D(lot["value_available"])
    }
    assert {r["lot"]: (r["quantity"], r["value"]) for r in valued["results"]} == expected
    assert D(valued["totals"]["value"]) == sum(D(lot["value_available"]) for lot in lots)
    for lot in lots:  # and the lot page's own "current" section
        current = client.get(f"/api/v1/lots/{lot['id']}/").json()["sections"]["current"]
        assert (D(current["available_qty"]), D(current["available_value"])) == (
            D(lot["qty_available"]),
            D(lot["value_available"]),
        )


def test_api_roll_forward_and_aging_keys(ledger, api, viewer):
    client = api(viewer)
    rolled = client.get(f"{API}roll-forward/?date_from=2026-03-01&date_to=2026-03-31&office=HQ").json()
    assert set(rolled) == {"date_from", "date_to", "results", "totals"}
    keys = {
        "opening_value",
        "lots_in",
        "cost_changes",
        "cogs",
        "production",
        "transfers_out",
        "adjustments_out",
        "closing_value",
    }
    assert set(rolled["totals"]) == keys and all(keys | {"office", "lic"} <= set(r) for r in rolled["results"])
    assert rolled["totals"] == {
        "opening_value": "0.00",
        "lots_in": "60.00",
        "cost_changes": "5.00",
        "cogs": "24.88",
        "production": "0.00",
        "transfers_out": "0.00",
        "adjustments_out": "0.00",
        "closing_value": "40.12",
    }
    aged = client.get(f"{API}aging/?{MARCH}&buckets=2,28").json()
    assert set(aged) == {"as_of", "buckets", "results", "totals"} and aged["buckets"] == ["0-2", "3-28", "over 28"]
    assert {"office", "lic", "quantities", "values"} <= set(aged["results"][0])
    # 31 March: BR WIDGET 28 days old, HQ GADGET 29, HQ WIDGET 30
    assert aged["totals"]["quantities"] == ["0.000000", "3.000000", "11.000000"]
    assert aged["totals"]["values"] == ["0.00", "7.50", "40.12"]
    schema = api_schema()
    assert problems(schema, "RollForward", rolled) == [] and problems(schema, "Aging", aged) == []


@pytest.mark.parametrize(
    ("query", "code", "field"),
    [
        ("cursor=not-ours", "invalid_cursor", "cursor"),
        ("cursor=WyJIUSJd", "invalid_cursor", "cursor"),  # ["HQ"]: a position of another grouping
        ("page_size=0", "invalid_page_size", "page_size"),
        ("page_size=x", "invalid_page_size", "page_size"),
    ],
)
def test_api_paging_errors(ledger, api, viewer, query, code, field):
    answer = api(viewer).get(f"{API}valuation/?{query}")
    assert answer.status_code == 400 and (answer.json()["code"], answer.json()["field"]) == (code, field)


def test_api_extreme_dates_do_not_fail(ledger, api, viewer):
    client = api(viewer)
    for query in (
        "valuation/?as_of=0001-01-01",
        "valuation/?as_of=9999-12-31",
        "aging/?as_of=0001-01-01",
        "aging/?as_of=9999-12-31&buckets=36500",
        "roll-forward/?date_from=0001-01-01&date_to=9999-12-31",
    ):
        assert client.get(f"{API}{query}").status_code == 200, query
    assert (
        client.get(f"{API}roll-forward/?date_from=0001-01-01&date_to=9999-12-31").json()["totals"]["closing_value"]
        == "84.62"
    )


# --- the command -------------------------------------------------------------------------------------


def test_command_prints_the_valuation_and_writes_the_csv(ledger, tmp_path, accountant_client, capsys):
    out = io.StringIO()
    call_command("valuation", "--as-of", "2026-03-31", stdout=out)
    text = out.getvalue()
    assert text.splitlines()[0] == "Inventory valuation as of 2026-03-31"
    assert re.search(r"^BR  WIDGET\s+1\s+3\s+7\.50$", text, re.M)
    assert re.search(r"^Total\s+3\s+14\s+47\.62$", text, re.M)
    assert "Usage not yet allocated: 0; open accrued COGS: 0.00" in text
    target = tmp_path / "valuation.csv"
    call_command(
        "valuation",
        "--as-of",
        "2026-03-31",
        "--office",
        "HQ",
        "--csv",
        str(target),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    page = accountant_client.get(f"/reports/valuation.csv?{MARCH}&office=HQ")
    assert target.read_bytes() == body(page)
    out = io.StringIO()
    call_command("valuation", "--as-of", "2026-04-04", "--office", "HQ", "--lic", "WIDGET", stdout=out)
    assert "Usage not yet allocated: 16; open accrued COGS: 32.00" in out.getvalue()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-of", "2026-02-30"], "--as-of: Enter a date as YYYY-MM-DD."),
        (["--as-of", "31/03/2026"], "--as-of: Enter a date as YYYY-MM-DD."),
        (["--office", "NOPE"], "--office: Unknown code “NOPE”."),
        (["--lic", "NOPE"], "--lic: Unknown code “NOPE”."),
        (["--group-by", "day"], "--group-by: Select a valid choice. day is not one of the available choices."),
    ],
)
def test_command_refuses_bad_input(ledger, args, message):
    with pytest.raises(CommandError) as refused:
        call_command("valuation", *args, stdout=io.StringIO())
    assert str(refused.value) == message


def test_command_refuses_a_file_it_cannot_write(ledger, tmp_path):
    with pytest.raises(CommandError, match="Cannot write"):
        call_command("valuation", "--csv", str(tmp_path / "missing" / "v.csv"), stdout=io.StringIO())


# --- query counts ------------------------------------------------------------------------------------

PAGES = [
    "/reports/valuation/?as_of=2026-04-30",
    "/reports/valuation/?as_of=2026-04-30&group_by=lic",
    "/reports/valuation/?as_of=2026-04-30&group_by=office&office=HQ&lic=WIDGET",
    "/reports/roll-forward/?date_from=2026-03-01&date_to=2026-04-30",
    "/reports/aging/?as_of=2026-04-30",
    f"{API}valuation/?as_of=2026-04-30&page_size=2",
    f"{API}roll-forward/?date_from=2026-03-01",
    f"{API}aging/?as_of=2026-04-30",
]


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        assert response.status_code == 200, (url, response.content[:300])
        response.content  # noqa: B018 - a page renders while its content is read
    return len(ctx.captured_queries)


def test_pages_and_api_run_the_same_queries_whatever_the_ledger(ledger, viewer_client):
    for url in PAGES:
        _count(viewer_client, url)  # warm caches (content types, permissions)
    small = {url: _count(viewer_client, url) for url in PAGES}
    for n in range(6):  # more offices, LICs and lots, in every grouping
        office, lic = OfficeFactory(), LicFactory()
        for _ in range(3):
            adjust_in(office=office, lic=lic, quantity="2", unit_cost="1.25", date=day(1 + n, 4))
    assert len(Lot.objects.all()) > 20
    assert {url: _count(viewer_client, url) for url in PAGES} == small


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_settings_are_put_back(client):
    """Report statements run without JIT and with more work_mem; in autocommit (a real request)
    those are session settings, reset when the statement is done, also after a streamed CSV (its
    server-side cursor is declared WITH HOLD, so its rows exist before the reset)."""
    from core import roles
    from tests.factories import user_with_role

    office, lic = OfficeFactory(code="HQ"), LicFactory(code="WIDGET")
    adjust_in(office=office, lic=lic, quantity="4", unit_cost="2.50", date=day(1))
    client.force_login(user_with_role(roles.ACCOUNTANT))
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        before = cursor.fetchone()[0]
    assert client.get("/reports/valuation/").status_code == 200
    assert csv_rows(client.get("/reports/valuation.csv?group_by=office")) == [
        ["Office", "Lots", "Quantity", "Value"],
        ["HQ", "1", "4", "10.00"],
    ]
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == before
        cursor.execute("SHOW work_mem")
        assert cursor.fetchone()[0] != "64MB"
