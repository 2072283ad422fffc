"""COGS pages, admin and the run_cogs command: each door, bad input writes nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from cogs.models import CogsEntry, CogsRun
from cogs.selectors import REASON_NO_STOCK, REASON_NOT_RUN, REASON_RETURN_NOTHING
from inventory_lots.services import set_lock_date
from tests.conftest import adjust_in

from .conftest import D, day, fresh, give_back, run, ship

pytestmark = pytest.mark.django_db


def test_run_from_the_page_in_the_request(accountant_client, office, lic, order):
    adjust_in(office=office, lic=lic, quantity="5", unit_cost="10.00", date=day(1))
    usage = ship(lic=lic, office=office, quantity="3", source=order, date=day(2))
    r = accountant_client.post(reverse("cogs:run_list"), {"date": "2026-03-31", "wait": "on"})
    run_obj = CogsRun.objects.get()
    assert r.status_code == 302 and r.url == run_obj.get_absolute_url()
    assert fresh(usage).cogs_value == D("30.00")
    page = accountant_client.get(run_obj.get_absolute_url())
    html = page.content.decode()
    assert page.status_code == 200 and 'data-figure="value_posted">30.00<' in html
    assert 'hx-trigger="every 1s"' not in html  # a finished run is not polled
    csv_text = b"".join(accountant_client.get(reverse("cogs:run_entries_csv", args=[run_obj.pk])).streaming_content)
    assert csv_text.decode().splitlines()[1].endswith(",3.000000,30.00,10.000000")


def test_queued_run_page_polls_its_progress(accountant_client, office):
    r = accountant_client.post(reverse("cogs:run_list"), {"office": "HQ"})
    run_obj = CogsRun.objects.get()
    assert r.status_code == 302 and run_obj.status == "queued" and run_obj.office == office
    html = accountant_client.get(run_obj.get_absolute_url()).content.decode()
    assert f'hx-get="/cogs/runs/{run_obj.pk}/progress/"' in html
    partial = accountant_client.get(reverse("cogs:run_progress", args=[run_obj.pk]))
    assert partial.status_code == 200 and "Queued" in partial.content.decode()


def test_page_refuses_bad_input_and_writes_nothing(accountant_client, accountant, office):
    r = accountant_client.post(reverse("cogs:run_list"), {"office": "NOPE"})
    assert r.status_code == 400 and "Unknown office" in r.content.decode()
    set_lock_date(date=day(31), actor=accountant)
    r = accountant_client.post(reverse("cogs:run_list"), {"date": "2026-03-31", "wait": "on"})
    assert r.status_code == 400 and "The books are closed through 2026-03-31" in r.content.decode()
    assert not CogsRun.objects.exists()


def test_viewer_sees_runs_but_cannot_start_one(viewer_client):
    assert viewer_client.get(reverse("cogs:run_list")).status_code == 200
    assert viewer_client.post(reverse("cogs:run_list"), {"wait": "on"}).status_code == 403
    assert not CogsRun.objects.exists()


def test_unallocated_page_gives_reasons_and_go_to(viewer_client, office, lic, order):
    other = type(lic).objects.create(code="EMPTY", inventoried=True)
    adjust_in(office=office, lic=lic, quantity="1", unit_cost="1.00", date=day(1))
    waiting = ship(lic=lic, office=office, quantity="1", source=order, date=day(2))
    short = ship(lic=other, office=office, quantity="2.5", source=order, date=day(2))
    ret = give_back(lic=other, office=office, quantity="1", source=order, date=day(2))
    html = viewer_client.get(reverse("cogs:unallocated")).content.decode()
    assert REASON_NOT_RUN in html and REASON_NO_STOCK in html and REASON_RETURN_NOTHING in html
    assert "/adjustments/new/?lic=EMPTY&amp;office=HQ&amp;quantity=2.5" in html
    run()
    html = viewer_client.get(reverse("cogs:unallocated")).content.decode()
    assert f"U-{waiting.pk:06d}" not in html and f"U-{short.pk:06d}" in html and f"U-{ret.pk:06d}" in html


def test_lot_and_usage_pages_show_cogs(viewer_client, office, lic, order):
    lot = adjust_in(office=office, lic=lic, quantity="3", unit_cost="3.333333", date=day(1))
    usages = [ship(lic=lic, office=office, quantity="1", source=order, date=day(2)) for _ in range(3)]
    r = run()
    html = viewer_client.get(lot.get_absolute_url()).content.decode()
    assert "Inventory COGS" in html and f'data-figure="run_{r.pk}_value">10.00<' in html
    html = viewer_client.get(usages[2].get_absolute_url()).content.decode()
    assert f'data-figure="alloc_{lot.pk}_value">3.34<' in html


def test_admin_is_read_only(client, admin_user, office, lic, order):
    adjust_in(office=office, lic=lic, quantity="1", unit_cost="1.00", date=day(1))
    ship(lic=lic, office=office, quantity="1", source=order, date=day(2))
    r = run()
    client.force_login(admin_user)
    entry = CogsEntry.objects.get()
    assert client.get(reverse("admin:cogs_cogsrun_changelist")).status_code == 200
    assert client.get(reverse("admin:cogs_cogsentry_changelist")).status_code == 200
    assert client.post(reverse("admin:cogs_cogsentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    assert client.post(reverse("admin:cogs_cogsrun_change", args=[r.pk]), {"status": "failed"}).status_code == 403
    assert CogsEntry.objects.count() == 1 and fresh(r).status == "done"


def test_command_runs_with_progress_and_refuses_bad_input(office, lic, order, accountant):
    adjust_in(office=office, lic=lic, quantity="5", unit_cost="2.00", date=day(1))
    ship(lic=lic, office=office, quantity="5", source=order, date=day(2))
    out = io.StringIO()
    call_command("run_cogs", "--office", "HQ", "--date", "2026-03-31", stdout=out)
    assert "round 1 [" in out.getvalue() and "COGS posted 10.00" in out.getvalue()
    with pytest.raises(CommandError, match="Unknown LIC"):
        call_command("run_cogs", "--lic", "NOPE")
    set_lock_date(date=day(31), actor=accountant)
    with pytest.raises(CommandError, match="The books are closed through 2026-03-31"):
        call_command("run_cogs", "--date", "2026-03-31")
    assert CogsRun.objects.count() == 1
