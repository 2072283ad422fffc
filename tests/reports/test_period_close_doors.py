"""Bad input at the period close's doors the other door tests leave out, each refused with clear
words and nothing written: the journal page's export form (a date that is not a date, a period that
ends before it starts, an unknown office, nothing to export) shows the error on the page; the
journal's workbook and its API twin answer 400; an export that does not exist is a 404; the
valuation command writes no file when refused; the close page names a bad date; and a viewer can
neither export the journal (page, files, API, recorded exports) nor move the lock date (close page,
API)."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from inventory_lots.selectors import current_lock_date
from reports import journal
from reports.models import JournalExport
from tests.cogs.conftest import ship
from tests.conftest import adjust_in

from .conftest import day, run

pytestmark = pytest.mark.django_db
API = "/api/v1/"
PERIOD = "date_from=2026-03-01&date_to=2026-03-31"


@pytest.fixture
def books(office, lic, order):
    """3 @ $10.00 in (1 Mar), 2 shipped (2 Mar), costed."""
    adjust_in(office=office, lic=lic, quantity="3", unit_cost="10.00", date=day(1))
    ship(lic=lic, office=office, quantity="2", source=order, date=day(2))
    run(day(2))


def page_text(response) -> str:
    return response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')


BAD_EXPORTS = [
    ({"date_from": "2026-02-30", "date_to": "2026-03-31"}, "Enter a date as YYYY-MM-DD."),
    ({"date_from": "yesterday", "date_to": "2026-03-31"}, "Enter a date as YYYY-MM-DD."),
    (
        {"date_from": "2026-03-05", "date_to": "2026-03-01"},
        "The period ends (2026-03-01) before it starts (2026-03-05).",
    ),
    ({"date_from": "2026-03-01", "date_to": "2026-03-31", "office": "NOPE"}, "Unknown code “NOPE”."),
    (
        {"date_from": "2026-04-01", "date_to": "2026-04-30"},
        "No journal lines are dated from 2026-04-01 to 2026-04-30 in these offices: nothing to export.",
    ),
]


@pytest.mark.parametrize(("form", "message"), BAD_EXPORTS)
def test_the_journal_page_export_form_shows_the_error_and_records_nothing(books, accountant_client, form, message):
    response = accountant_client.post("/reports/journal/export/", form, follow=True)
    assert response.status_code in (200, 400)
    assert message in page_text(response)
    assert "Journal export JE-" not in page_text(response)  # no success message
    assert JournalExport.objects.count() == 0


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("date_to=31/03/2026", "date_to", "Enter a date as YYYY-MM-DD."),
        (
            "date_from=2026-03-05&date_to=2026-03-01",
            "date_to",
            "The period ends (2026-03-01) before it starts (2026-03-05).",
        ),
        ("office=NOPE", "office", "Unknown code “NOPE”."),
        ("detail=everything", "detail", "Select a valid choice. everything is not one of the available choices."),
    ],
)
def test_the_journal_files_refuse_bad_input(books, accountant_client, api, accountant, query, field, message):
    for fmt in ("csv", "xlsx"):
        page_file = accountant_client.get(f"/reports/journal.{fmt}?{query}")
        assert (page_file.status_code, page_file.content.decode()) == (400, f"Invalid parameters: {field}: {message}")
        answer = api(accountant).get(f"{API}reports/journal.{fmt}?{query}")
        assert answer.status_code == 400 and answer.json() == {
            "code": "invalid",
            "message": f"{field}: {message}",
            "field": field,
            "errors": {field: [message]},
        }
    answer = api(accountant).get(f"{API}journal/?{query}")
    assert answer.status_code == 400 and answer.json()["errors"] == {field: [message]}


def test_an_export_that_does_not_exist_is_a_404(books, accountant_client, api, accountant):
    assert api(accountant).get(f"{API}journal-exports/999/").status_code == 404
    for fmt in ("csv", "xlsx"):
        assert accountant_client.get(f"/reports/journal-exports/999.{fmt}").status_code == 404
        assert api(accountant).get(f"{API}reports/journal-exports/999.{fmt}").status_code == 404


def test_a_viewer_cannot_export_the_journal_by_any_door(books, accountant, viewer, viewer_client, api):
    batch = journal.record_journal_export(
        date_from=day(1), date_to=day(31), offices=[], detail="lines", actor=accountant
    )
    client = api(viewer)
    for fmt in ("csv", "xlsx"):
        assert viewer_client.get(f"/reports/journal.{fmt}?{PERIOD}").status_code == 403
        assert client.get(f"{API}reports/journal.{fmt}?{PERIOD}").status_code == 403
        assert viewer_client.get(f"/reports/journal-exports/{batch.pk}.{fmt}").status_code == 403
        assert client.get(f"{API}reports/journal-exports/{batch.pk}.{fmt}").status_code == 403
    assert viewer_client.post("/reports/journal/export/", {"date_from": "2026-03-01"}).status_code == 403
    answer = client.post(f"{API}journal-exports/", {"date_from": "2026-03-01", "date_to": "2026-03-31"}, format="json")
    assert answer.status_code == 403
    assert list(JournalExport.objects.values_list("pk", flat=True)) == [batch.pk]


def test_a_viewer_cannot_move_the_lock_date(books, viewer, viewer_client, api):
    assert viewer_client.post("/reports/close/", {"date": "2026-03-31", "confirm": "yes"}).status_code == 403
    assert api(viewer).post(f"{API}lock-date/", {"date": "2026-03-31"}, format="json").status_code == 403
    assert current_lock_date() is None


@pytest.mark.parametrize("date", ["2026-02-30", "yesterday", "31/03/2026"])
def test_the_close_page_names_a_date_that_is_not_one(books, viewer_client, accountant_client, date):
    page = viewer_client.get(f"/reports/close/?date={date}")
    assert page.status_code == 400 and 'id="close-checklist"' not in page_text(page)
    assert "Enter a valid date." in page_text(page)
    moved = accountant_client.post("/reports/close/", {"date": date, "confirm": "yes"})
    assert moved.status_code == 400 and "Enter a valid date." in page_text(moved) and current_lock_date() is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-of", "yesterday"], "--as-of: Enter a date as YYYY-MM-DD."),
        (["--office", "NOPE"], "--office: Unknown code “NOPE”."),
    ],
)
def test_the_valuation_command_writes_no_file_when_refused(books, tmp_path, args, message):
    target = tmp_path / "valuation.csv"
    with pytest.raises(CommandError) as refused:
        call_command("valuation", *args, "--csv", str(target), stdout=io.StringIO())
    assert str(refused.value) == message
    assert not target.exists()
