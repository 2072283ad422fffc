"""The home page (the books at a glance, SVG charts drawn on the server) and the close page
(DOMAIN.md 10 "Closing a period": the checklist, then the lock date moved through its service).

A small ledger built through the services, "today" 10 May 2026 (the clock is the outside world:
``inventory_lots.dates.today`` is set for the whole test, services included):

- 10 Jan: WIDGET adjusted in, 10 @ 2.00 (20.00);
- 5 Feb: GADGET received on a PO, 5 @ 4.00, never invoiced (accrued inventory 20.00);
- 3 Mar: 4 WIDGET shipped; COGS run dated 31 Mar: 8.00;
- 2 Apr: 8 WIDGET shipped; COGS run dated 30 Apr: 6 allocated (12.00), 2 unallocated, accrued 4.00;
- lock date 31 March.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cogs.services import run_cogs_now
from inventory_lots import dates
from inventory_lots.selectors import current_lock_date
from orders.services import create_order
from purchasing import services as purchasing
from reports import close, home
from reports.journal import record_journal_export
from reports.models import JournalExport
from reports.services import check_ledger_now
from tests.cogs.conftest import ship
from tests.conftest import adjust_in
from tests.factories import CustomerFactory, LicFactory, OfficeFactory, VendorFactory

from .conftest import D, close_books

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 5, 10)


def day(month: int, n: int) -> datetime.date:
    return datetime.date(2026, month, n)


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    monkeypatch.setattr(dates, "today", lambda: TODAY)


def figures(html: str) -> dict:
    return dict(re.findall(r'data-figure="(\w+)">([^<]*)<', html))


def table(html: str, table_id: str) -> list[list[str]]:
    body = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    return [re.findall(r"<td[^>]*>(?:<a[^>]*>)?([^<]*)", row) for row in re.findall(r"<tr>(.*?)</tr>", body)[1:]]


def run(date):
    result = run_cogs_now(actor=None, date=date)
    assert result.status == "done", result.error
    return result


@pytest.fixture
def books(db):
    hq = OfficeFactory(code="HQ")
    widget, gadget = LicFactory(code="WIDGET"), LicFactory(code="GADGET")
    order = create_order(customer=CustomerFactory(code="CUST"), office=hq, date=day(1, 10))
    adjust_in(office=hq, lic=widget, quantity="10", unit_cost="2.00", date=day(1, 10))
    po = purchasing.create_purchase_order(
        vendor=VendorFactory(code="ACME"),
        office=hq,
        date=day(2, 5),
        actor=None,
        lines=[purchasing.POLineInput(lic=gadget, quantity=D(5), unit_cost=D("4.00"))],
    )
    purchasing.receive_purchase_order(
        purchase_order=po,
        date=day(2, 5),
        actor=None,
        lines=[purchasing.ReceiptLineInput(po_line=po.lines.get(), quantity=D(5))],
    )
    ship(lic=widget, office=hq, quantity="4", source=order, date=day(3, 3))
    run(day(3, 31))
    ship(lic=widget, office=hq, quantity="8", source=order, date=day(4, 2))
    last = run(day(4, 30))
    close_books(date=day(3, 31), actor=None)
    check_ledger_now()  # the background ledger check, in this process
    return {"hq": hq, "widget": widget, "order": order, "run": last}


# --- home ----------------------------------------------------------------------------------------


def test_home_cards_and_charts_show_the_books(books, viewer_client):
    page = viewer_client.get("/")
    html = page.content.decode()
    assert page.status_code == 200
    assert figures(html) == {
        "value_now": "20.00",
        "value_month_end": "20.00",
        "open_lots": "1",
        "quantity_now": "5",
        "unallocated_quantity": "2",
        "accrued_cogs": "4.00",
        "accrued_inventory": "20.00",
        "last_run": books["run"].number,
        "last_run_status": "Done",
        "last_run_value": "12.00",
        "last_run_accrued": "4.00",
        "lock_date": "2026-03-31",
        "next_close": "2026-04-30",
    }
    months = [
        "2025-05-31",
        "2025-06-30",
        "2025-07-31",
        "2025-08-31",
        "2025-09-30",
        "2025-10-31",
        "2025-11-30",
        "2025-12-31",
        "2026-01-31",
        "2026-02-28",
        "2026-03-31",
        "2026-04-30",
    ]
    assert table(html, "table-value") == [
        [m, v] for m, v in zip(months, ["0.00"] * 8 + ["20.00", "40.00", "32.00", "20.00"], strict=True)
    ]
    assert table(html, "table-cogs") == [
        [m[:7], v] for m, v in zip(months, ["0.00"] * 10 + ["8.00", "12.00"], strict=True)
    ]
    assert table(html, "table-aging") == [
        ["0-30", "0.00"],
        ["31-60", "0.00"],
        ["61-90", "0.00"],
        ["91-180", "20.00"],
        ["over 180", "0.00"],
    ]
    # the charts: one bar per figure, heights proportional (the largest is the full plot height)
    svg = html.split('id="chart-value-svg"', 1)[1].split("</svg>", 1)[0]
    heights = [float(h) for h in re.findall(r'<rect [^>]*height="([\d.]+)"', svg)]
    assert heights == [0.0] * 8 + [80.0, 160.0, 128.0, 80.0] and "<polyline" in svg
    assert "style=" not in html.split('id="books"', 1)[1]  # the CSP: no inline style, no script
    assert "<script" not in html.split('id="books"', 1)[1]
    # each chart links to the report behind it
    assert "/reports/valuation/?as_of=2026-04-30&amp;group_by=office" in html
    assert "/reports/roll-forward/?date_from=2025-05-01&amp;date_to=2026-04-30" in html
    assert "/reports/aging/?as_of=2026-05-10" in html


def test_chart_geometry_with_negative_values():
    chart = home.chart([("a", D("10.00")), ("b", D("-30.00")), ("c", D("0.00"))])
    assert chart.baseline == "50.0"  # 10 + 160 * 10 / 40
    assert [(b.y, b.height) for b in chart.bars] == [("10.0", "40.0"), ("50.0", "120.0"), ("50.0", "0.0")]
    assert home.chart([]).bars == [] and home.chart([("x", D(0))]).bars[0].height == "0.0"


def test_home_runs_the_same_queries_whatever_the_ledger_holds(books, viewer_client):
    viewer_client.get("/")  # warm the caches (permissions, content types)
    with CaptureQueriesContext(connection) as small:
        assert viewer_client.get("/").status_code == 200
    for n in range(3):  # more lots, usage, runs
        adjust_in(office=books["hq"], lic=books["widget"], quantity="3", unit_cost="1.50", date=day(4, 10 + n))
        ship(lic=books["widget"], office=books["hq"], quantity="1", source=books["order"], date=day(4, 12 + n))
    run(day(4, 30))
    with CaptureQueriesContext(connection) as more:
        assert viewer_client.get("/").status_code == 200
    assert len(more.captured_queries) == len(small.captured_queries)
    assert len(small.captured_queries) <= 40, [q["sql"][:80] for q in small.captured_queries]


def test_home_without_a_role_shows_no_figures(books, client):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="nobody"))
    html = client.get("/").content.decode()
    assert 'id="no-role"' in html and 'id="books"' not in html


def test_next_period_to_close():
    assert close.next_period_end(None, TODAY) == day(4, 30)
    assert close.next_period_end(day(3, 31), TODAY) == day(4, 30)
    assert close.next_period_end(day(3, 15), TODAY) == day(3, 31)
    assert close.next_period_end(day(2, 28), TODAY) == day(3, 31)
    assert close.month_end(datetime.date(2024, 2, 3)) == datetime.date(2024, 2, 29)


# --- close ---------------------------------------------------------------------------------------


def states(html: str) -> dict:
    return dict(re.findall(r'id="check-(\w+)".*?data-state="(\w+)"', html, re.S))


def test_close_page_checklist_for_the_next_period(books, viewer_client):
    page = viewer_client.get("/reports/close/")
    html = page.content.decode()
    assert page.status_code == 200
    assert states(html) == {"cogs_run": "ok", "unallocated": "review", "check_ledger": "ok", "journal": "todo"}
    assert figures(html) == {
        "lock": "2026-03-31",
        "period": "2026-04-01 to 2026-04-30",
        "unallocated_quantity": "2",
        "accrued_value": "4.00",
        "run_status": "Done",
        "ledger_check": "done, 0 violations",
    }
    assert books["run"].get_absolute_url() in html and "/cogs/unallocated/" in html
    assert 'id="read-only"' in html and 'id="lock-form"' not in html  # viewers read it only


def test_a_posting_after_the_run_reopens_the_cogs_item(books, accountant, accountant_client):
    adjust_in(office=books["hq"], lic=books["widget"], quantity="2", unit_cost="2.00", date=day(4, 20))
    html = accountant_client.get("/reports/close/?date=2026-04-30").content.decode()
    assert states(html)["cogs_run"] == "todo" and "run again" in html
    run(day(4, 30))
    html = accountant_client.get("/reports/close/?date=2026-04-30").content.decode()
    assert states(html)["check_ledger"] == "todo" and "the books have changed since" in html  # checked before
    check_ledger_now()
    html = accountant_client.get("/reports/close/?date=2026-04-30").content.decode()
    assert states(html) == {"cogs_run": "ok", "unallocated": "ok", "check_ledger": "ok", "journal": "todo"}
    # the journal of the period, every office, exported after the run: done
    record_journal_export(date_from=day(4, 1), date_to=day(4, 30), offices=[], detail="lines", actor=accountant)
    html = accountant_client.get("/reports/close/?date=2026-04-30").content.decode()
    assert states(html)["journal"] == "ok"
    # an export of one office only, or of a shorter period, does not count
    assert close.checklist(day(4, 30)).journal_export is not None
    assert close.journal_exported(JournalExport, day(3, 15), day(4, 30), None) is None
    # no run with that business date
    html = accountant_client.get("/reports/close/?date=2026-04-29").content.decode()
    assert states(html)["cogs_run"] == "todo" and "No COGS run over everything dated 2026-04-29" in html


def test_close_page_bad_date(books, viewer_client):
    page = viewer_client.get("/reports/close/?date=2026-02-30")
    assert page.status_code == 400 and 'id="close-checklist"' not in page.content.decode()


def test_accountant_moves_the_lock_date_with_confirmation(books, accountant_client):
    html = accountant_client.get("/reports/close/").content.decode()
    assert 'id="close-button"' in html and "Close the books through 2026-04-30" in html
    ask = accountant_client.post("/reports/close/", {"date": "2026-04-30"})
    html = ask.content.decode()
    assert ask.status_code == 200 and 'id="confirm-lock-date"' in html and current_lock_date() == day(3, 31)
    assert "2 items of the checklist are not done." in html  # unallocated usage to review, journal not exported
    done = accountant_client.post("/reports/close/", {"date": "2026-04-30", "confirm": "yes"})
    assert done.status_code == 302 and done["Location"] == "/reports/close/?date=2026-04-30"
    assert current_lock_date() == day(4, 30)
    assert "Books closed through 2026-04-30." in accountant_client.get(done["Location"]).content.decode()


@pytest.mark.parametrize(
    ("date", "message"),
    [
        ("2026-05-11", "The lock date cannot be later than today (2026-05-10): 2026-05-11 is in the future"),
        ("2026-03-15", "The lock date only moves forward: it is 2026-03-31 now."),
        ("2026-03-31", "The lock date only moves forward: it is 2026-03-31 now."),
        ("2026-02-30", "Enter a valid date."),
    ],
)
@pytest.mark.parametrize("confirm", ["", "yes"])
def test_the_lock_date_move_refuses_bad_dates(books, accountant_client, date, message, confirm):
    page = accountant_client.post("/reports/close/", {"date": date, "confirm": confirm})
    assert page.status_code == 400 and current_lock_date() == day(3, 31)
    assert message in page.content.decode().replace("&#x27;", "'")


def test_only_accountants_move_the_lock_date(books, viewer_client, clerk_client):
    for client in (viewer_client, clerk_client):
        assert client.post("/reports/close/", {"date": "2026-04-30", "confirm": "yes"}).status_code == 403
    assert current_lock_date() == day(3, 31)
