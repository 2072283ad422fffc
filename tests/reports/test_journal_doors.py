"""The journal's doors: the page, its files, the API (``/journal/``, ``/journal-exports/``,
``/accounts/``), recorded exports with new lines marked, bad input refused with the same words at
every door, the export permission, and the journal invariants of check_ledger broken around
Python."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection

from reports import journal
from reports.models import JournalExport, OfficeAccounts
from tests.cogs.conftest import ship
from tests.conftest import adjust_in
from tests.factories import OfficeFactory

from .conftest import D, day, run

pytestmark = pytest.mark.django_db
API = "/api/v1/"
PERIOD = "date_from=2026-03-01&date_to=2026-03-31"


@pytest.fixture
def books(office, lic, order):
    """3 @ $10.00 in (1 Mar), 2 shipped (2 Mar), costed: 2 records, 4 lines, $50.00 each side."""
    adjust_in(office=office, lic=lic, quantity="3", unit_cost="10.00", date=day(1))
    ship(lic=lic, office=office, quantity="2", source=order, date=day(2))
    run(day(2))


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body(response).decode())))


def test_api_journal_lines_summary_totals_and_pages(books, api, viewer):
    client = api(viewer)
    data = client.get(f"{API}journal/?{PERIOD}").json()
    assert data["totals"] == {"debit": "50.00", "credit": "50.00", "lines": 4}
    assert [(r["date"], r["account"], r["debit"], r["credit"]) for r in data["results"]] == [
        ("2026-03-01", "1300", "30.00", "0.00"),
        ("2026-03-01", "5100", "0.00", "30.00"),
        ("2026-03-02", "5000", "20.00", "0.00"),
        ("2026-03-02", "1300", "0.00", "20.00"),
    ]
    first = data["results"][0]
    assert first["source"]["type"] == "lot" and first["lic"] == "WIDGET" and first["memo"]
    pages, url = [], f"{API}journal/?{PERIOD}&page_size=3"
    while url:
        page = client.get(url).json()
        pages.append(page["results"])
        url = page["next"]
    assert [len(p) for p in pages] == [3, 1] and sum(pages, []) == data["results"]
    summary = client.get(f"{API}journal/?{PERIOD}&detail=summary").json()
    assert [(r["date"], r["account"], r["debit"], r["credit"]) for r in summary["results"]] == [
        ("2026-03-01", "1300", "30.00", "0.00"),
        ("2026-03-01", "5100", "0.00", "30.00"),
        ("2026-03-02", "1300", "0.00", "20.00"),
        ("2026-03-02", "5000", "20.00", "0.00"),
    ]
    assert "source" not in summary["results"][0]
    assert client.get(f"{API}journal/?{PERIOD}&cursor=nonsense").json()["code"] == "invalid_cursor"


BAD = [
    ("date_from=2026-02-30", "date_from", "Enter a date as YYYY-MM-DD."),
    (
        "date_from=2026-03-05&date_to=2026-03-01",
        "date_to",
        "The period ends (2026-03-01) before it starts (2026-03-05).",
    ),
    ("office=NOPE", "office", "Unknown code “NOPE”."),
]


@pytest.mark.parametrize("query,field,message", BAD)
def test_bad_input_is_refused_at_every_door(books, api, accountant, accountant_client, query, field, message):
    response = api(accountant).get(f"{API}journal/?{query}")
    assert response.status_code == 400 and response.json()["field"] == field
    assert response.json()["errors"][field] == [message]
    page = accountant_client.get(f"/reports/journal/?{query}")
    assert page.status_code == 400 and message in page.content.decode()
    for url in (f"/reports/journal.csv?{query}", f"{API}reports/journal.csv?{query}"):
        assert accountant_client.get(url).status_code == 400
    post = dict(item.split("=") for item in query.split("&"))
    post.setdefault("date_from", "2026-03-01")
    post.setdefault("date_to", "2026-03-31")
    if "office" in post:
        post["offices"], field = [post.pop("office")], "offices"
    response = api(accountant).post(f"{API}journal-exports/", post, format="json")
    assert response.status_code == 400 and response.json()["errors"][field] == [message], response.json()
    assert JournalExport.objects.count() == 0


def test_exporting_nothing_is_refused(books, api, accountant, accountant_client):
    response = api(accountant).post(
        f"{API}journal-exports/", {"date_from": "2026-04-01", "date_to": "2026-04-30"}, format="json"
    )
    assert response.status_code == 400 and response.json()["code"] == "nothing_to_export"
    response = accountant_client.post("/reports/journal/export/", {"date_from": "2026-04-01", "date_to": "2026-04-30"})
    assert response.status_code == 302
    assert JournalExport.objects.count() == 0


def test_exports_are_recorded_and_a_re_export_marks_the_new_lines(
    books, office, lic, order, api, accountant, accountant_client
):
    client = api(accountant)
    first = client.post(
        f"{API}journal-exports/", {"date_from": "2026-03-01", "date_to": "2026-03-31"}, format="json"
    ).json()
    assert (first["line_count"], first["debit"], first["credit"], first["created_by"]) == (
        4,
        "50.00",
        "50.00",
        accountant.username,
    )
    rows = csv_rows(client.get(first["csv"]))
    assert rows[0][-1] == "New" and [r[-1] for r in rows[1:]] == ["no"] * 4
    ship(lic=lic, office=office, quantity="1", source=order, date=day(3))  # dated in the period, later
    run(day(3))
    again = client.post(
        f"{API}journal-exports/", {"date_from": "2026-03-01", "date_to": "2026-03-31"}, format="json"
    ).json()
    assert (again["line_count"], again["new_line_count"], again["debit"]) == (6, 2, "60.00")
    rows = csv_rows(client.get(again["csv"]))
    assert rows[1:5] == [r[:-1] + ["no"] for r in csv_rows(client.get(first["csv"]))[1:]]  # the same lines
    assert [(r[0], r[2], r[4], r[5], r[-1]) for r in rows[5:]] == [
        ("2026-03-03", "5000", "10.00", "0.00", "yes"),
        ("2026-03-03", "1300", "0.00", "10.00", "yes"),
    ]
    assert csv_rows(client.get(first["csv"]))[1:] == [r[:-1] + ["no"] for r in rows[1:5]]  # the first is unchanged
    assert client.get(again["xlsx"]).status_code == 200
    assert accountant_client.get(f"/reports/journal-exports/{again['id']}.csv").status_code == 200
    response = accountant_client.post(
        "/reports/journal/export/", {"date_from": "2026-03-01", "date_to": "2026-03-31", "detail": "summary"}
    )
    assert response.status_code == 302 and JournalExport.objects.count() == 3
    page = accountant_client.get(f"/reports/journal/?{PERIOD}")
    assert page.status_code == 200 and "journal-export-form" in page.content.decode()


def test_a_viewer_reads_but_cannot_export_the_journal(books, api, viewer, viewer_client):
    assert viewer_client.get(f"/reports/journal/?{PERIOD}").status_code == 200
    assert "journal-export-form" not in viewer_client.get(f"/reports/journal/?{PERIOD}").content.decode()
    assert (
        viewer_client.post("/reports/journal/export/", {"date_from": "2026-03-01", "date_to": "2026-03-31"}).status_code
        == 403
    )
    assert viewer_client.get(f"/reports/journal.csv?{PERIOD}").status_code == 403
    assert (
        api(viewer)
        .post(f"{API}journal-exports/", {"date_from": "2026-03-01", "date_to": "2026-03-31"}, format="json")
        .status_code
        == 403
    )
    assert JournalExport.objects.count() == 0


def test_page_shows_totals_and_the_csv_is_the_api_file(books, accountant_client, api, accountant):
    page = accountant_client.get(f"/reports/journal/?{PERIOD}").content.decode()
    assert 'id="total-debit">50.00' in page and 'id="total-credit">50.00' in page
    from_page = body(accountant_client.get(f"/reports/journal.csv?{PERIOD}"))
    assert from_page == body(api(accountant).get(f"{API}reports/journal.csv?{PERIOD}"))
    assert from_page.decode().splitlines()[1].startswith("2026-03-01,HQ,1300,Inventory,30.00,0.00,WIDGET,lot,")


def test_accounts_api_defaults_and_administrators_write(books, api, accountant, admin_user, office):
    OfficeFactory(code="BR")
    data = api(accountant).get(f"{API}accounts/").json()
    assert data["results"][0] == {
        "office": "BR",
        "inventory": "1300",
        "work_in_process": "1350",
        "in_transit": "1360",
        "received_not_invoiced": "2100",
        "accrued_cogs": "2150",
        "opening_equity": "3900",
        "cogs": "5000",
        "adjustments": "5100",
        "capitalized_clearing": "5900",
    }
    assert api(accountant).put(f"{API}accounts/", {"office": "HQ", "cogs": "5001"}, format="json").status_code == 403
    response = api(admin_user).put(f"{API}accounts/", {"office": "hq", "cogs": "5001"}, format="json")
    assert response.status_code == 200 and response.json()["cogs"] == "5001" and response.json()["inventory"] == "1300"
    response = api(admin_user).put(f"{API}accounts/", {"office": "NOPE", "cogs": "5001"}, format="json")
    assert response.status_code == 400 and response.json()["field"] == "office"
    response = api(admin_user).put(f"{API}accounts/", {"office": "HQ", "cogs": " "}, format="json")
    assert response.status_code == 400
    assert OfficeAccounts.objects.get(office=office).cogs == "5001"
    lines = journal.journal_lines(date_from=day(2), date_to=day(2))
    assert [x.account for x in lines] == ["5001", "1300"]


def test_admin_edits_the_accounts(books, admin_user, client, office):
    client.force_login(admin_user)
    assert client.get("/admin/reports/officeaccounts/add/").status_code == 200
    response = client.post(
        "/admin/reports/officeaccounts/add/",
        {
            "office": office.pk,
            "inventory": "1310",
            "work_in_process": "1350",
            "in_transit": "1360",
            "received_not_invoiced": "2100",
            "accrued_cogs": "2150",
            "opening_equity": "3900",
            "cogs": "5000",
            "adjustments": "5100",
            "capitalized_clearing": "5900",
        },
    )
    assert response.status_code == 302
    assert journal.journal_lines(date_from=day(1), date_to=day(1))[0].account == "1310"


# --- check_ledger's journal checks -----------------------------------------------------------------


def test_the_journal_checks_hold_on_the_books(books):
    assert journal.journal_violations() == []


def test_inventory_balance_check_names_the_office_and_month(books, office, lic):
    lot = adjust_in(office=office, lic=lic, quantity="1", unit_cost="4.00", date=day(4))
    from inventory_lots.services import correct_lot_unit_cost

    correct_lot_unit_cost(lot=lot, new_unit_cost=D("5.00"), date=day(5), reason="price", actor=None)
    with connection.cursor() as cursor:  # a unit cost written without its cost change row
        cursor.execute("UPDATE inventory_lots_lot SET unit_cost = 7 WHERE id = %s", [lot.pk])
    found = [v for v in journal.journal_violations() if v["check"] == "journal_inventory_valuation"]
    assert found == [
        {
            "check": "journal_inventory_valuation",
            "id": "HQ",
            "detail": "2026-03-31: Inventory balance 15.00 <> valuation 17.00",
        }
    ]
