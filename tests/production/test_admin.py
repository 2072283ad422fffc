"""Admin of production: read-only records; release/close/reverse as actions through services,
refusals shown as error messages."""

from __future__ import annotations

import pytest

from production.models import JobCostEntry, ProductionStatus

from .conftest import run_chair_example

pytestmark = pytest.mark.django_db


def test_admin_read_only_and_actions(client, admin_user, chair_mo, chair_lics, production_user):
    run_chair_example(chair_mo, chair_lics, production_user)
    client.force_login(admin_user)
    assert client.get("/admin/production/productionorder/").status_code == 200
    assert client.get(f"/admin/production/productionorder/{chair_mo.pk}/change/").status_code == 200
    assert client.post(f"/admin/production/productionorder/{chair_mo.pk}/change/", {}).status_code == 403
    assert client.get("/admin/production/jobcostentry/add/").status_code == 403
    entry = JobCostEntry.objects.first()
    assert client.post(f"/admin/production/jobcostentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403

    url = "/admin/production/productionorder/"
    response = client.post(url, {"action": "release_orders", "_selected_action": [chair_mo.pk]}, follow=True)
    assert f"{chair_mo.number} released." in response.content.decode()
    chair_mo.refresh_from_db()
    assert chair_mo.status == ProductionStatus.RELEASED and chair_mo.lot.released
    response = client.post(url, {"action": "release_orders", "_selected_action": [chair_mo.pk]}, follow=True)
    assert f"{chair_mo.number}: Production order {chair_mo.number} is already released." in response.content.decode()

    url = "/admin/production/jobcostentry/"
    response = client.post(url, {"action": "reverse_entries", "_selected_action": [entry.pk]}, follow=True)
    assert f"{entry} reversed." in response.content.decode()
    response = client.post(url, {"action": "reverse_entries", "_selected_action": [entry.pk]}, follow=True)
    assert f"Job cost entry {entry} is already reversed." in response.content.decode()
    assert JobCostEntry.objects.filter(reverses=entry).count() == 1
