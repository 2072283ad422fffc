"""The lock date through its doors: page, API; postings on or before it refused everywhere."""

import datetime

from inventory_lots.models import InventoryAdjustment, LockDate, Lot

LOCK = datetime.date(2026, 3, 31)


def test_accountant_sets_the_lock_date_on_the_page_and_it_only_moves_forward(accountant_client, accountant):
    response = accountant_client.post("/lock-date/", {"date": "2026-03-31"})
    assert response.status_code == 200 and not LockDate.objects.exists()  # asks for confirmation first
    response = accountant_client.post("/lock-date/", {"date": "2026-03-31", "confirm": "yes"})
    assert response.status_code == 302
    assert LockDate.objects.get().date == LOCK
    page = accountant_client.get("/lock-date/")
    assert b"2026-03-31" in page.content
    response = accountant_client.post("/lock-date/", {"date": "2026-02-28", "confirm": "yes"})
    assert response.status_code == 400
    assert "The lock date only moves forward: it is 2026-03-31 now." in response.content.decode()
    assert LockDate.objects.count() == 1


def test_clerk_cannot_move_the_lock_date(clerk_client, clerk):
    assert clerk_client.post("/lock-date/", {"date": "2026-03-31"}).status_code == 403
    assert not LockDate.objects.exists()


def test_lock_date_api(api, accountant, viewer):
    assert api(viewer).get("/api/v1/lock-date/").json()["date"] is None
    response = api(accountant).post("/api/v1/lock-date/", {"date": "2026-03-31"}, format="json")
    assert response.status_code == 201
    assert response.json()["date"] == "2026-03-31"
    assert response.json()["set_by"] == accountant.username
    backwards = api(accountant).post("/api/v1/lock-date/", {"date": "2026-01-01"}, format="json")
    assert backwards.status_code == 409
    assert backwards.json()["code"] == "lock_date_backwards"
    assert api(viewer).post("/api/v1/lock-date/", {"date": "2026-05-01"}, format="json").status_code == 403
    assert api(viewer).get("/api/v1/lock-date/").json()["date"] == "2026-03-31"


def test_posting_on_or_before_the_lock_date_is_refused_naming_it(api, accountant, clerk, clerk_client, office, lic):
    api(accountant).post("/api/v1/lock-date/", {"date": "2026-03-31"}, format="json")
    body = {
        "office": "HQ",
        "date": "2026-03-31",
        "reason": "count",
        "lines": [{"lic": "WIDGET", "quantity": "5", "unit_cost": "1.00"}],
    }
    response = api(clerk).post("/api/v1/adjustments/", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "date_locked"
    assert "2026-03-31" in response.json()["message"]
    form = {
        "office": "HQ",
        "date": "2026-03-15",
        "reason": "count",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-lic": "WIDGET",
        "lines-0-quantity": "5",
        "lines-0-unit_cost": "1.00",
    }
    page = clerk_client.post("/adjustments/new/", form)
    assert page.status_code == 400
    assert "The books are closed through 2026-03-31" in page.content.decode()
    assert not InventoryAdjustment.objects.exists() and not Lot.objects.exists()
    body["date"] = "2026-04-01"
    assert api(clerk).post("/api/v1/adjustments/", body, format="json").status_code == 201
