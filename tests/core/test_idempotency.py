"""A double-submitted form (same idempotency key) posts once; an API retry with the same
Idempotency-Key replays the first answer; a refused submission can be corrected and resent."""

import threading

import pytest
from django.db import connection

from core.models import IdempotencyKey
from inventory_lots.models import InventoryAdjustment, Lot


def adjustment_form(key, quantity="5", **extra):
    data = {
        "office": "HQ",
        "date": "2026-03-01",
        "reason": "count",
        "idempotency_key": key,
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-lic": "WIDGET",
        "lines-0-quantity": quantity,
        "lines-0-unit_cost": "2.00",
    }
    data.update(extra)
    return data


def test_form_page_carries_a_fresh_key(clerk_client, office):
    first = clerk_client.get("/adjustments/new/").content.decode()
    second = clerk_client.get("/adjustments/new/").content.decode()
    assert 'name="idempotency_key"' in first
    key = first.split('name="idempotency_key" value="')[1][:32]
    assert key not in second


def test_double_submitted_form_posts_once(clerk_client, office, lic):
    first = clerk_client.post("/adjustments/new/", adjustment_form("k1"))
    second = clerk_client.post("/adjustments/new/", adjustment_form("k1"), follow=True)
    assert first.status_code == 302
    assert second.redirect_chain[0][0] == first["Location"]
    assert "already submitted" in second.content.decode()
    assert InventoryAdjustment.objects.count() == 1 and Lot.objects.count() == 1


def test_refused_form_can_be_corrected_and_sent_with_the_same_key(clerk_client, office, lic):
    refused = clerk_client.post("/adjustments/new/", adjustment_form("k2", quantity="0"))
    assert refused.status_code == 400
    assert not IdempotencyKey.objects.exists()
    assert clerk_client.post("/adjustments/new/", adjustment_form("k2")).status_code == 302
    assert Lot.objects.count() == 1


def test_api_retry_with_the_same_key_replays_the_first_answer(api, clerk, office, lic):
    body = {
        "office": "HQ",
        "date": "2026-03-01",
        "reason": "count",
        "lines": [{"lic": "WIDGET", "quantity": "5", "unit_cost": "2.00"}],
    }
    client = api(clerk)
    first = client.post("/api/v1/adjustments/", body, format="json", HTTP_IDEMPOTENCY_KEY="abc")
    again = client.post("/api/v1/adjustments/", body, format="json", HTTP_IDEMPOTENCY_KEY="abc")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Lot.objects.count() == 1
    other = client.post("/api/v1/adjustments/", body, format="json", HTTP_IDEMPOTENCY_KEY="def")
    assert other.status_code == 201 and Lot.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_post_once(api, clerk, office, lic):
    body = {
        "office": "HQ",
        "date": "2026-03-01",
        "reason": "count",
        "lines": [{"lic": "WIDGET", "quantity": "5", "unit_cost": "2.00"}],
    }
    statuses = []

    def post():
        try:
            response = api(clerk).post("/api/v1/adjustments/", body, format="json", HTTP_IDEMPOTENCY_KEY="same")
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [201] * 4
    assert Lot.objects.count() == 1


def test_reusing_a_key_for_a_different_request_is_refused(api, clerk, office, lic):
    body = {
        "office": "HQ",
        "date": "2026-03-01",
        "reason": "count",
        "lines": [{"lic": "WIDGET", "quantity": "5", "unit_cost": "2.00"}],
    }
    client = api(clerk)
    assert client.post("/api/v1/adjustments/", body, format="json", HTTP_IDEMPOTENCY_KEY="k").status_code == 201
    body["lines"][0]["quantity"] = "6"
    other = client.post("/api/v1/adjustments/", body, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_mismatch"
    assert Lot.objects.count() == 1


def test_cogs_runs_are_not_wrapped_in_one_transaction(api, accountant, office, lic):
    response = api(accountant).post("/api/v1/cogs-runs/", {"wait": True}, format="json", HTTP_IDEMPOTENCY_KEY="r")
    assert response.status_code == 201
    assert not IdempotencyKey.objects.exists()
