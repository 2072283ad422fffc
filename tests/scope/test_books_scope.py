"""Who sees what in the books (DOMAIN.md section 11): COGS runs and entries, the reports and their
files, the journal and its recorded exports, the home page, trace, recall and serial search, for
an accountant limited to EAST and a warehouse clerk limited to EAST without "see costs", against
the same history in EAST and WEST (tests/scope/walk_world.py: February closed with its stored
figures, March open)."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import transaction
from django.test import Client
from rest_framework.test import APIClient

from cogs.models import CogsRun
from core import roles
from inventory_lots.models import Lot
from inventory_lots.scope import scope_for
from reports import home, selectors
from reports.models import JournalExport
from tests.factories import user_with_role
from tests.scope.walk_world import LOCK, RUN_DAY, build_walk


@pytest.fixture(scope="module")
def books(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        roles.ensure_role_groups()
        walk = build_walk()
        east = walk.east.office
        walk.accountant = user_with_role(
            roles.ACCOUNTANT, username="east-accountant", all_offices=False, offices={east: True}
        )
        walk.clerk = user_with_role(
            roles.CLERK, username="east-clerk", all_offices=False, offices={east: True}, see_costs=False
        )
        yield walk
        transaction.set_rollback(True)


def page(user, url: str, method: str = "get", data=None):
    client = Client()
    client.force_login(user)
    return getattr(client, method)(url, data or {})


def api(user, url: str, method: str = "get", data=None):
    client = APIClient()
    client.force_authenticate(user)
    if method == "get":
        return client.get(url)
    return getattr(client, method)(url, data or {}, format="json")


def body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8", errors="replace")


def assert_nothing_of_west(books, text: str) -> None:
    leaked = [s for s in books.secrets["west"] if s in text]
    assert not leaked, leaked
    assert "WEST" not in text and "NORTH" not in text


REPORT_PAGES = [
    f"/reports/valuation/?as_of={RUN_DAY}&group_by=lot",
    f"/reports/valuation/?as_of={RUN_DAY}&group_by=office",
    f"/reports/valuation/?as_of={LOCK}&group_by=lic",
    f"/reports/roll-forward/?date_from=2026-02-01&date_to={RUN_DAY}",
    f"/reports/aging/?as_of={RUN_DAY}",
    f"/reports/aging/?as_of={LOCK}",
    f"/reports/journal/?date_from=2026-02-01&date_to={RUN_DAY}",
    f"/reports/journal/?date_from=2026-02-01&date_to={RUN_DAY}&detail=summary",
]
REPORT_FILES = [
    f"/reports/valuation.csv?as_of={RUN_DAY}",
    f"/reports/valuation.xlsx?as_of={RUN_DAY}&group_by=office",
    f"/reports/roll-forward.csv?date_from=2026-03-01&date_to={RUN_DAY}",
    f"/reports/aging.csv?as_of={RUN_DAY}",
    f"/reports/journal.csv?date_from=2026-02-01&date_to={RUN_DAY}",
    f"/reports/journal.csv?date_from=2026-02-01&date_to={RUN_DAY}&detail=summary",
]
REPORT_API = [
    f"/api/v1/reports/valuation/?as_of={RUN_DAY}",
    f"/api/v1/reports/roll-forward/?date_from=2026-02-01&date_to={RUN_DAY}",
    f"/api/v1/reports/aging/?as_of={LOCK}",
    f"/api/v1/journal/?date_from=2026-02-01&date_to={RUN_DAY}",
    f"/api/v1/reports/valuation.csv?as_of={LOCK}&group_by=lic",
    f"/api/v1/reports/journal.csv?date_from=2026-02-01&date_to={RUN_DAY}",
    "/api/v1/accounts/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", REPORT_PAGES + REPORT_FILES)
def test_the_reports_of_a_restricted_accountant_show_nothing_of_west(books, url):
    response = page(books.accountant, url)
    assert response.status_code == 200, url
    text = body(response)
    assert_nothing_of_west(books, text)
    if url.endswith("csv") or ".csv?" in url:
        assert books.east.office.code in text  # their own office is there


@pytest.mark.django_db
@pytest.mark.parametrize("url", REPORT_API)
def test_the_report_api_of_a_restricted_accountant_shows_nothing_of_west(books, url):
    response = api(books.accountant, url)
    assert response.status_code == 200, url
    assert_nothing_of_west(books, body(response))


@pytest.mark.django_db
@pytest.mark.parametrize("as_of", [LOCK, RUN_DAY])
def test_report_totals_count_only_the_users_offices(books, as_of):
    """Stored (at the lock date) or live, the totals for the user's offices are EAST's alone."""
    east = books.east.office.pk
    mine = selectors.Scope(office_ids=(east,))
    alone = selectors.Scope(office_id=east)
    assert selectors.valuation_totals(as_of=as_of, scope=mine) == selectors.valuation_totals(as_of=as_of, scope=alone)
    assert selectors.valuation_totals(as_of=as_of, scope=mine).value != selectors.valuation_totals(as_of=as_of).value
    assert selectors.aging(as_of=as_of, scope=mine).totals == selectors.aging(as_of=as_of, scope=alone).totals
    period = {"date_from": as_of.replace(day=1), "date_to": as_of}
    assert selectors.roll_forward(**period, scope=mine).totals == selectors.roll_forward(**period, scope=alone).totals
    # an office chosen outside the user's leaves nothing
    west = selectors.Scope(office_id=books.west.office.pk, office_ids=(east,))
    assert selectors.valuation_totals(as_of=as_of, scope=west).lots == 0


@pytest.mark.django_db
def test_the_home_page_covers_only_the_users_offices(books):
    east = books.east.office.pk
    figures = home.books(today=RUN_DAY, access=scope_for(books.accountant))
    alone = selectors.valuation_totals(as_of=RUN_DAY, scope=selectors.Scope(office_id=east))
    assert figures.now == alone
    assert figures.last_run is not None and figures.last_run.office_id == east
    text = body(page(books.accountant, "/"))
    assert_nothing_of_west(books, text)
    assert 'id="card-value"' in text and 'id="home-charts"' in text


@pytest.mark.django_db
def test_the_home_page_without_costs_shows_quantities_only(books):
    text = body(page(books.clerk, "/"))
    assert 'data-figure="open_lots"' in text and 'data-figure="unallocated_quantity"' in text
    for absent in ("card-value", "card-accrued-inventory", "card-last-run", "home-charts", "accrued_cogs"):
        assert absent not in text
    leaked = [s for s in books.secrets["money"] if s in text]
    assert not leaked, leaked
    assert_nothing_of_west(books, text)


# --- COGS ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_restricted_accountant_sees_the_runs_and_entries_of_their_offices(books):
    east_run, west_run = books.east.run, books.west.run
    text = body(page(books.accountant, "/cogs/runs/"))
    assert str(east_run) in text and str(west_run) not in text
    assert page(books.accountant, f"/cogs/runs/{east_run.pk}/").status_code == 200
    for url in (
        f"/cogs/runs/{west_run.pk}/",
        f"/cogs/runs/{west_run.pk}/progress/",
        f"/cogs/runs/{west_run.pk}/entries.csv",
    ):
        assert page(books.accountant, url).status_code == 404, url
    for url in (
        f"/api/v1/cogs-runs/{west_run.pk}/",
        f"/api/v1/cogs-runs/{west_run.pk}/entries/",
        f"/api/v1/cogs-runs/{west_run.pk}/entries.csv",
    ):
        assert api(books.accountant, url).status_code == 404, url
    listed = api(books.accountant, "/api/v1/cogs-runs/").json()["results"]
    assert {r["id"] for r in listed} == set(
        CogsRun.objects.filter(office=books.east.office).values_list("pk", flat=True)
    )
    posted = CogsRun.objects.filter(office=books.east.office, entries_posted__gt=0).first()
    rows = list(csv.reader(io.StringIO(body(page(books.accountant, f"/cogs/runs/{posted.pk}/entries.csv")))))
    assert len(rows) > 1 and {r[4] for r in rows[1:]} == {"EAST"}
    assert_nothing_of_west(books, body(page(books.accountant, "/cogs/unallocated/")))


@pytest.mark.django_db
def test_a_run_over_every_office_is_seen_only_with_every_office(books):
    everything = CogsRun.objects.create(date=RUN_DAY, status="done")
    assert page(books.accountant, f"/cogs/runs/{everything.pk}/").status_code == 404
    assert page(books.admin, f"/cogs/runs/{everything.pk}/").status_code == 200


@pytest.mark.django_db
def test_starting_a_run_needs_posting_rights_in_its_office_or_every_office(books):
    before = CogsRun.objects.count()
    for data in ({"office": "WEST", "wait": "on"}, {"wait": "on"}):
        assert page(books.accountant, "/cogs/runs/", "post", data).status_code == 403, data
    for data in ({"office": "WEST", "wait": True}, {"wait": True}):
        response = api(books.accountant, "/api/v1/cogs-runs/", "post", data)
        assert response.status_code == 403, (data, response.content)
    assert CogsRun.objects.count() == before
    response = api(books.accountant, "/api/v1/cogs-runs/", "post", {"office": "EAST", "wait": True})
    assert response.status_code == 201, response.content
    assert CogsRun.objects.get(pk=response.json()["id"]).office == books.east.office


@pytest.mark.django_db
def test_the_clerk_without_costs_meets_403_on_every_money_door(books):
    run = books.east.run
    pages = [
        "/cogs/runs/",
        f"/cogs/runs/{run.pk}/",
        f"/cogs/runs/{run.pk}/entries.csv",
        "/cogs/unallocated/",
        "/reports/close/",
        *REPORT_PAGES,
    ]
    for url in pages:
        assert page(books.clerk, url).status_code == 403, url
    for url in ["/api/v1/cogs-runs/", f"/api/v1/cogs-runs/{run.pk}/entries/", *REPORT_API[:4]]:
        assert api(books.clerk, url).status_code == 403, url


# --- the journal's recorded exports ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_restricted_users_journal_export_covers_only_their_offices(books):
    response = api(
        books.accountant, "/api/v1/journal-exports/", "post", {"date_from": "2026-02-01", "date_to": str(RUN_DAY)}
    )
    assert response.status_code == 201, response.content
    batch = JournalExport.objects.get(pk=response.json()["id"])
    assert batch.offices == ["EAST"]
    text = body(api(books.accountant, f"/api/v1/reports/journal-exports/{batch.pk}.csv"))
    assert "EAST" in text
    assert_nothing_of_west(books, text)
    west = books.west.journal_export
    assert api(books.accountant, f"/api/v1/journal-exports/{west.pk}/").status_code == 404
    assert api(books.accountant, f"/api/v1/reports/journal-exports/{west.pk}.csv").status_code == 404
    assert page(books.accountant, f"/reports/journal-exports/{west.pk}.csv").status_code == 404
    refused = api(
        books.accountant,
        "/api/v1/journal-exports/",
        "post",
        {"date_from": "2026-02-01", "date_to": str(RUN_DAY), "offices": ["WEST"]},
    )
    assert refused.status_code == 400


@pytest.mark.django_db
def test_the_journal_export_page_records_only_the_users_offices(books):
    data = {"date_from": "2026-02-01", "date_to": str(RUN_DAY)}
    response = page(books.accountant, "/reports/journal/export/", "post", data)
    assert response.status_code == 302
    assert JournalExport.objects.latest("id").offices == ["EAST"]
    before = JournalExport.objects.count()
    page(books.accountant, "/reports/journal/export/", "post", {**data, "office": "WEST"})
    assert JournalExport.objects.count() == before


# --- trace, recall, serials -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_trace_into_another_office_shows_one_line_without_details(books):
    """EAST's transfer to SOUTH: its lot lies in an office the user does not see."""
    south_lot = books.east.transfer_lot
    usage = south_lot.transfer_line.usage
    source = Lot.objects.filter(cogs_entries__usage=usage).first()
    assert source is not None and source.office == books.east.office
    answer = api(books.accountant, f"/api/v1/lots/{source.pk}/trace/?direction=down&depth=5").json()
    hidden = [n for n in _nodes(answer["nodes"]) if n.get("hidden")]
    assert hidden and hidden[0]["label"] == "1 lot in another office"
    details = ("lot", "lot_number", "lot_url", "lic", "quantity", "via", "via_url")
    assert all(hidden[0][key] is None for key in details) and hidden[0]["children"] == []
    text = body(page(books.accountant, f"/trace/lots/{source.pk}/?direction=down"))
    assert "1 lot in another office" in text and south_lot.number not in text
    up = api(books.accountant, f"/api/v1/lots/{south_lot.pk}/trace/?direction=up")
    assert up.status_code == 404  # the SOUTH lot itself
    admin = api(books.admin, f"/api/v1/lots/{source.pk}/trace/?direction=down&depth=5").json()
    assert south_lot.number in str(admin) and not [n for n in _nodes(admin["nodes"]) if n.get("hidden")]


def _nodes(nodes):
    for node in nodes:
        yield node
        yield from _nodes(node["children"])


@pytest.mark.django_db
def test_west_lots_are_404_at_trace_recall_and_serial_doors(books):
    lot = books.west.stock_lot
    for url in (f"/trace/lots/{lot.pk}/", f"/trace/lots/{lot.pk}/recall/", f"/trace/lots/{lot.pk}/recall.csv"):
        assert page(books.accountant, url).status_code == 404, url
    for url in (f"/api/v1/lots/{lot.pk}/trace/", f"/api/v1/lots/{lot.pk}/recall/", f"/api/v1/lots/{lot.pk}/recall.csv"):
        assert api(books.accountant, url).status_code == 404, url
    east = books.east.stock_lot
    recall = page(books.accountant, f"/trace/lots/{east.pk}/recall.csv")
    assert recall.status_code == 200
    assert_nothing_of_west(books, body(recall))


@pytest.mark.django_db
def test_serial_search_shows_a_serial_in_another_office_as_one_line(books):
    serial = books.west.serial_lot.serials.first()
    text = body(page(books.accountant, f"/trace/serials/?serial_number={serial.serial_number}"))
    assert books.west.serial_lot.number not in text
    if serial.serial_number not in {s.serial_number for s in books.east.serial_lot.serials.all()}:
        assert "1 lot in another office" in text
    found = api(books.accountant, f"/api/v1/serials/?serial_number={serial.serial_number}").json()["results"]
    assert all(row["office"] == "EAST" for row in found)
