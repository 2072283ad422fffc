"""The COGS API: runs (wait and queued), the DOMAIN.md examples through HTTP, sections and
allocations of lots and usage, refusals that write nothing."""

from __future__ import annotations

import pytest

from cogs.models import CogsEntry, CogsRun
from inventory_lots.services import set_lock_date
from tests.conftest import adjust_in

from .conftest import D, day

pytestmark = pytest.mark.django_db
RUNS = "/api/v1/cogs-runs/"


def post_run(client, **body):
    return client.post(RUNS, {"date": "2026-03-31", "wait": True, **body}, format="json")


def adjust(client, office, lines, date="2026-03-01"):
    r = client.post(
        "/api/v1/adjustments/", {"office": office.code, "date": date, "reason": "r", "lines": lines}, format="json"
    )
    assert r.status_code == 201, r.json()
    return r.json()["lines"]


@pytest.fixture
def acc(api, accountant):
    return api(accountant)


@pytest.fixture
def admin_api(api, admin_user):
    return api(admin_user)


def test_wait_run_answers_201_with_the_finished_run(acc, admin_api, office, lic):
    adjust(admin_api, office, [{"lic": lic.code, "quantity": "5", "unit_cost": "10.00"}])
    adjust(admin_api, office, [{"lic": lic.code, "quantity": "5", "unit_cost": "12.00"}], date="2026-03-02")
    usage = adjust(admin_api, office, [{"lic": lic.code, "quantity": "-7"}], date="2026-03-03")[0]["usage"]
    r = post_run(acc)
    assert r.status_code == 201
    body = r.json()
    assert body["status"] == "done"
    assert (body["allocated_quantity"], body["value_posted"], body["entries_posted"]) == ("7.000000", "74.00", 2)
    assert (body["unallocated_quantity"], body["given_back_quantity"], body["accrued_value_posted"]) == (
        "0.000000",
        "0.000000",
        "0.00",
    )
    assert body["started_at"] and body["finished_at"] and body["date"] == "2026-03-31"
    u = admin_api.get(f"/api/v1/usages/{usage}/").json()
    assert u["cogs_value"] == "74.00"
    assert sorted((a["quantity"], a["value"]) for a in u["allocations"]) == [
        ("2.000000", "24.00"),
        ("5.000000", "50.00"),
    ]
    again = acc.get(f"{RUNS}{body['id']}/").json()
    assert again["id"] == body["id"] and again["progress"]["percent"] == 100


def test_queued_run_answers_202_and_defers_a_job(acc, office, lic, django_capture_on_commit_callbacks):
    from django.db import connection

    with django_capture_on_commit_callbacks(execute=True):
        r = acc.post(RUNS, {"office": office.code}, format="json")
    assert r.status_code == 202
    body = r.json()
    assert body["status"] == "queued" and body["office"] == "HQ" and body["finished_at"] is None
    with connection.cursor() as c:
        c.execute("SELECT task_name, (args->>'run_id')::int, queue_name FROM procrastinate_jobs")
        assert c.fetchall() == [("cogs.run_round", body["id"], "cogs")]


def test_lot_sections_cogs_and_late_cost_change_through_api(acc, admin_api, office, lic, order):
    lot_id = adjust(admin_api, office, [{"lic": lic.code, "quantity": "15", "unit_cost": "35.00"}])[0]["lot"]
    adjust(admin_api, office, [{"lic": lic.code, "quantity": "-15"}], date="2026-03-02")
    first = post_run(acc).json()
    lot = acc.get(f"/api/v1/lots/{lot_id}/").json()
    assert lot["value_used"] == "525.00"
    assert [(e["run"], e["quantity"], e["value"]) for e in lot["sections"]["cogs"]] == [
        (first["id"], "15.000000", "525.00")
    ]
    from inventory_lots.models import Lot
    from inventory_lots.services import correct_lot_unit_cost

    correct_lot_unit_cost(
        lot=Lot.objects.get(pk=lot_id), new_unit_cost=D("35.59"), reason="freight", date=day(20), actor=None
    )
    second = post_run(acc).json()
    assert second["value_posted"] == "8.85"
    lot = acc.get(f"/api/v1/lots/{lot_id}/").json()
    assert lot["value_used"] == "533.85" and lot["value_available"] == "0.00"
    assert lot["sections"]["cogs"][-1]["value"] == "8.85" and lot["sections"]["cogs"][-1]["quantity"] == "0.000000"
    # enumerations are lowercase snake_case in the API (API.md "Conventions")
    assert [e["kind"] for e in lot["sections"]["cogs"]] == ["allocation", "revaluation"]


def test_give_back_loop_through_api(acc, admin_api, office, lic, order):
    adjust(admin_api, office, [{"lic": lic.code, "quantity": "30", "unit_cost": "4.00"}])
    ship = admin_api.post(
        "/api/v1/shipments/",
        {"order": order.id, "date": "2026-03-02", "lines": [{"lic": lic.code, "quantity": "50"}]},
        format="json",
    )
    assert ship.status_code == 201, ship.content
    shipped = ship.json()["lines"][0]["usage"]
    ret = admin_api.post(
        "/api/v1/returns/",
        {"order": order.id, "date": "2026-03-03", "lines": [{"lic": lic.code, "quantity": "50", "usage": shipped}]},
        format="json",
    )
    returned = ret.json()["lines"][0]["usage"]
    body = post_run(acc).json()
    assert body["given_back_quantity"] == "50.000000" and body["value_posted"] == "0.00"
    assert admin_api.get(f"/api/v1/usages/{shipped}/").json()["cogs_value"] == "200.00"
    assert admin_api.get(f"/api/v1/usages/{returned}/").json()["cogs_value"] == "-200.00"


def test_rounding_through_api(acc, admin_api, office, lic):
    adjust(admin_api, office, [{"lic": lic.code, "quantity": "3", "unit_cost": "3.333333"}])
    usages = [
        adjust(admin_api, office, [{"lic": lic.code, "quantity": "-1"}], date="2026-03-02")[0]["usage"]
        for _ in range(3)
    ]
    post_run(acc)
    values = [admin_api.get(f"/api/v1/usages/{u}/").json()["cogs_value"] for u in usages]
    assert values == ["3.33", "3.33", "3.34"]


def test_unallocated_accrual_through_api(acc, admin_api, office, lic):
    adjust(admin_api, office, [{"lic": lic.code, "quantity": "3", "unit_cost": "10.00"}])
    usage = adjust(admin_api, office, [{"lic": lic.code, "quantity": "-5"}], date="2026-03-02")[0]["usage"]
    first = post_run(acc).json()
    assert (first["unallocated_quantity"], first["accrued_value_posted"]) == ("2.000000", "20.00")
    u = admin_api.get(f"/api/v1/usages/{usage}/?").json()
    assert (u["unallocated_quantity"], u["accrued_value"], u["no_cost_basis"]) == ("2.000000", "20.00", False)
    adjust(admin_api, office, [{"lic": lic.code, "quantity": "2", "unit_cost": "11.00"}], date="2026-03-05")
    second = post_run(acc).json()
    assert (second["value_posted"], second["accrued_value_posted"]) == ("22.00", "-20.00")
    u = admin_api.get(f"/api/v1/usages/{usage}/").json()
    assert (u["cogs_value"], u["accrued_value"]) == ("52.00", "0.00")


def test_viewer_cannot_run(api, viewer):
    r = api(viewer).post(RUNS, {"wait": True}, format="json")
    assert r.status_code == 403
    assert not CogsRun.objects.exists()


def test_run_date_on_lock_date_is_refused_and_writes_nothing(acc, office, lic, accountant):
    adjust_in(office=office, lic=lic, quantity="1", unit_cost="1.00")
    set_lock_date(date=day(31), actor=accountant)
    r = post_run(acc)
    assert r.status_code == 400
    assert r.json()["code"] == "date_locked" and r.json()["field"] == "date"
    assert not CogsRun.objects.exists() and not CogsEntry.objects.exists()


def test_bad_input_is_refused(acc):
    r = acc.post(RUNS, {"office": "NOPE", "date": "31/03/2026"}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "invalid"
    assert set(r.json()["errors"]) == {"office", "date"}
    assert not CogsRun.objects.exists()


def test_non_inventoried_lic_is_refused(acc, service_lic):
    r = post_run(acc, lic=service_lic.code)
    assert r.status_code == 400 and r.json()["code"] == "lic_not_inventoried"
    assert not CogsRun.objects.exists()
