"""Issue 21, the COGS pages: the scheduled run records nothing when nothing is pending; the runs
list shows accruals; the progress partial tells the page to reload its entries when the run is
done; a role without the export permission sees no Export CSV."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from cogs import tasks
from cogs.models import CogsRun, PendingLotCost
from inventory_lots.models import PendingCogs
from tests.conftest import adjust_in

from .conftest import D, day, run, ship

pytestmark = pytest.mark.django_db


def test_the_scheduled_run_records_nothing_when_nothing_is_pending(office, lic, order):
    assert not PendingCogs.objects.exists() and not PendingLotCost.objects.exists()
    tasks.scheduled_run(timestamp=0)
    tasks.scheduled_run(timestamp=1800)
    assert not CogsRun.objects.exists()  # it used to record an empty run every 30 minutes

    adjust_in(office=office, lic=lic, quantity="5", unit_cost="10.00", date=day(1))
    ship(lic=lic, office=office, quantity="3", source=order, date=day(2))
    assert PendingCogs.objects.exists()
    tasks.scheduled_run(timestamp=3600)
    queued = CogsRun.objects.get()
    assert queued.status == "queued" and queued.created_by is None and queued.office is None


def test_the_scheduled_run_starts_when_only_a_lot_cost_is_pending(office, lic, order):
    lot = adjust_in(office=office, lic=lic, quantity="5", unit_cost="10.00", date=day(1))
    run()  # posts, and clears what was pending
    assert not PendingCogs.objects.exists()
    PendingLotCost.objects.create(lot=lot, office=office, lic=lic)
    tasks.scheduled_run(timestamp=0)
    assert CogsRun.objects.filter(status="queued").count() == 1


def test_runs_list_shows_the_accruals_posted(viewer_client, office, lic, order):
    adjust_in(office=office, lic=lic, quantity="3", unit_cost="10.00", date=day(1))
    ship(lic=lic, office=office, quantity="5", source=order, date=day(2))
    done = run()
    assert done.accrued_value_posted == D("20.00")
    html = viewer_client.get(reverse("cogs:run_list")).content.decode()
    assert "Accruals (net)" in html and ">20.00<" in html


def test_progress_of_a_finished_run_tells_the_page_to_reload_its_entries(accountant_client, office, lic, order):
    adjust_in(office=office, lic=lic, quantity="5", unit_cost="10.00", date=day(1))
    ship(lic=lic, office=office, quantity="3", source=order, date=day(2))
    queued = CogsRun.objects.create(date=day(31))
    partial = accountant_client.get(reverse("cogs:run_progress", args=[queued.pk]))
    assert "HX-Trigger" not in partial and 'hx-trigger="every 1s"' in partial.content.decode()
    finished = run()
    partial = accountant_client.get(reverse("cogs:run_progress", args=[finished.pk]))
    html = partial.content.decode()
    assert partial["HX-Trigger"] == "run-finished"
    assert '<progress class="run-progress' in html and 'value="100"' in html and "style=" not in html
    page = accountant_client.get(finished.get_absolute_url()).content.decode()
    assert 'id="run-entries"' in page and 'hx-trigger="run-finished from:body"' in page


def test_the_run_page_shows_export_csv_only_to_who_may_export(viewer, accountant, office):
    done = run()
    viewer_client, accountant_client = Client(), Client()
    viewer_client.force_login(viewer)
    accountant_client.force_login(accountant)
    assert 'id="export-csv"' not in viewer_client.get(done.get_absolute_url()).content.decode()
    assert viewer_client.get(reverse("cogs:run_entries_csv", args=[done.pk])).status_code == 403
    assert 'id="export-csv"' in accountant_client.get(done.get_absolute_url()).content.decode()
