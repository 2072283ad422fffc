"""The database going away in the middle of a posting: a clean error page (and a clean API
error), and nothing half-written."""

from django.db import OperationalError, connection
from django.test import Client

from inventory_lots.models import AdjustmentLine, InventoryAdjustment, Lot
from tests.test_helpers_failure import adjustment_post


class DropConnectionAt:
    """Fail the first statement touching ``table`` as if the server had gone away (the outside
    world misbehaving: this wraps the database driver, not our code)."""

    def __init__(self, table: str):
        self.table = table
        self.fired = False

    def __call__(self, execute, sql, params, many, context):
        if not self.fired and self.table in sql and sql.lstrip().upper().startswith("INSERT"):
            self.fired = True
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)


def test_page_gets_a_clean_error_page_and_nothing_is_written(clerk, office, lic):
    client = Client(raise_request_exception=False)
    client.force_login(clerk)
    failure = DropConnectionAt("inventory_lots_lot")
    with connection.execute_wrapper(failure):
        response = client.post("/adjustments/new/", adjustment_post())
    assert failure.fired
    assert response.status_code == 500
    assert "nothing of it was saved" in response.content.decode()
    assert (InventoryAdjustment.objects.count(), AdjustmentLine.objects.count(), Lot.objects.count()) == (0, 0, 0)


def test_api_gets_a_500_and_nothing_is_written(clerk, office, lic, api):
    client = api(clerk)
    client.raise_request_exception = False
    failure = DropConnectionAt("inventory_lots_lot")
    body = {
        "office": "HQ",
        "date": "2026-03-01",
        "reason": "count",
        "lines": [{"lic": "WIDGET", "quantity": "5", "unit_cost": "2.00"}],
    }
    with connection.execute_wrapper(failure):
        response = client.post("/api/v1/adjustments/", body, format="json")
    assert failure.fired and response.status_code == 500
    assert (InventoryAdjustment.objects.count(), Lot.objects.count()) == (0, 0)
