"""Fuzzed serial numbers at the shipment, adjustment and component-issue doors (issue 17).

Hypothesis posts lines of a serialized LIC naming serials drawn from a small pool: in stock, already
shipped, of another office, unknown, repeated within a line and across lines, padded with blanks, in
any case. Whatever the mix, at the page form and the API: no 5xx; a refusal writes nothing; and what is
accepted keeps every serial in at most one place, each usage's movements its serials, and its count its
quantity (the serial checks of ``check_ledger`` stay clean). Each example runs in a savepoint that is
rolled back.
"""

from __future__ import annotations

import datetime
import os
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from cogs.selectors import ledger_violations
from inventory_lots.models import SerialUse
from orders import services as orders
from production import services as production
from tests.conftest import adjust_in
from tests.factories import LicFactory, OfficeFactory
from tests.trust.conftest import changed, row_counts

D = Decimal
DAY = datetime.date(2026, 3, 1)
SETTINGS = settings(
    max_examples=int(os.environ.get("TRUST_FUZZ_EXAMPLES", "25")),
    deadline=None,
    derandomize=not os.environ.get("TRUST_FUZZ_RANDOM"),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# S1-S4 in stock in HQ, S5 shipped already, W1 in WEST, NOPE unknown; variants with blanks and case
POOL = st.sampled_from(["S1", "S2", "S3", "S4", "S5", "W1", "NOPE", " S1", "S2 ", "s3", ""])
LINE = st.tuples(st.sampled_from(["1", "2", "3", "1.5", "0", "-1"]), st.lists(POOL, max_size=4))


@pytest.fixture
def serial_world(db, office, order):
    scan = LicFactory(code="SCAN", serialized=True)
    adjust_in(office=office, lic=scan, quantity="5", unit_cost="10.00", serial_numbers=("S1", "S2", "S3", "S4", "S5"))
    adjust_in(office=OfficeFactory(code="WEST"), lic=scan, quantity="1", unit_cost="10.00", serial_numbers=("W1",))
    orders.post_shipment(
        order=order,
        date=DAY,
        actor=None,
        lines=[orders.ShipmentLineInput(lic=scan, quantity=D("1"), serial_numbers=("S5",))],
    )
    mo = production.create_production_order(
        office=office,
        date=DAY,
        order=order,
        lic=LicFactory(code="KIT"),
        estimated_quantity=D("1"),
        estimated_unit_cost=D("1"),
        actor=None,
    )
    return {"order": order, "mo": mo}


DOORS = {
    "shipment": (
        lambda w: f"/orders/{w['order'].pk}/ship/",
        lambda w: "/api/v1/shipments/",
        lambda w: {"order": w["order"].pk},
        1,
    ),
    "adjustment": (
        lambda w: "/adjustments/new/",
        lambda w: "/api/v1/adjustments/",
        lambda w: {"office": "HQ", "reason": "count"},
        -1,
    ),
    "issue": (
        lambda w: f"/production/{w['mo'].pk}/issue/",
        lambda w: f"/api/v1/production-orders/{w['mo'].pk}/issue/",
        lambda w: {},
        1,
    ),
}


def serials_consistent() -> None:
    """What check_ledger says of serials, and the movement table's own view, after an accepted post."""
    assert [v for v in ledger_violations() if v["check"].startswith("serial")] == []
    open_ = list(SerialUse.objects.filter(returned_by__isnull=True).values_list("serial_id", flat=True))
    assert len(open_) == len(set(open_))


def post_safely(call) -> int:
    with transaction.atomic():
        before = row_counts()
        response = call()
        assert response.status_code < 500, (response.status_code, response.content[:500])
        if response.status_code in (200, 201, 302):
            if response.status_code != 200:
                serials_consistent()
        else:
            assert changed(before, row_counts()) == {}
        transaction.set_rollback(True)
    return response.status_code


@pytest.mark.parametrize("door", list(DOORS))
def test_fuzzed_serials_never_double_a_serial(door, serial_world, admin_user):
    world = serial_world
    form_url, api_url, header, sign = DOORS[door]
    client = Client()
    client.force_login(admin_user)
    api = APIClient()
    api.force_authenticate(admin_user)
    seen: set[int] = set()

    @SETTINGS
    @given(lines=st.lists(LINE, min_size=1, max_size=3))
    def check(lines):
        def qty(q):
            return str(D(q) * sign) if D(q) != 0 else q

        form = {
            "date": "2026-03-02",
            **header(world),
            "lines-TOTAL_FORMS": str(len(lines)),
            "lines-INITIAL_FORMS": "0",
            "lines-MIN_NUM_FORMS": "0",
            "lines-MAX_NUM_FORMS": "1000",
        }
        for i, (quantity, serials) in enumerate(lines):
            form.update(
                {
                    f"lines-{i}-lic": "SCAN",
                    f"lines-{i}-quantity": qty(quantity),
                    f"lines-{i}-serial_numbers": ",".join(serials),
                }
            )
        seen.add(post_safely(lambda: client.post(form_url(world), form)))
        body = {
            "date": "2026-03-02",
            **header(world),
            "lines": [{"lic": "SCAN", "quantity": qty(q), "serial_numbers": s} for q, s in lines],
        }
        seen.add(post_safely(lambda: api.post(api_url(world), body, format="json")))

    check()
    assert 400 in seen
