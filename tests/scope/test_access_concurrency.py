"""An administrator's change of a user's office access holds from the user's next request, over
real parallel connections: the user keeps one logged-in session (pages) and one token (API) in
their own thread and database connection while the administrator changes the access from another;
nothing caches the scope beyond one request."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.test import Client
from rest_framework.test import APIClient

from core import roles
from tests.concurrency import run_concurrently
from tests.conftest import adjust_in
from tests.factories import LicFactory, OfficeFactory, user_with_role

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

STEPS = [
    # (the access the administrator sets, what the user's next read and post of WEST answer)
    ({"all_offices": False, "offices": [{"code": "EAST", "can_post": True}]}, 404, 403),
    (
        {"all_offices": False, "offices": [{"code": "EAST", "can_post": True}, {"code": "WEST", "can_post": False}]},
        200,
        403,
    ),
    ({"all_offices": False, "offices": [{"code": "WEST", "can_post": True}]}, 200, 201),
    ({"all_offices": False, "offices": [{"code": "EAST", "can_post": True}]}, 404, 403),
    ({"all_offices": True, "offices": []}, 200, 201),
]


def test_an_access_change_holds_on_the_users_next_request():
    east, west = OfficeFactory(code="EAST"), OfficeFactory(code="WEST")
    lic = LicFactory(code="BOLT")
    west_lot = adjust_in(office=west, lic=lic, quantity="5", unit_cost="4.25")
    clerk = user_with_role(roles.CLERK, all_offices=False, offices={east: True})
    admin = user_with_role(roles.ADMINISTRATOR, username="boss")
    from rest_framework.authtoken.models import Token

    clerk_token = Token.objects.create(user=clerk).key
    admin_token = Token.objects.create(user=admin).key
    changed, seen = threading.Event(), threading.Event()
    adjustment = {
        "office": "WEST",
        "date": datetime.date.today().isoformat(),
        "reason": "found",
        "lines": [{"lic": "BOLT", "quantity": "1", "unit_cost": "1"}],
    }

    def administrator():
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {admin_token}")
        for access, _, _ in STEPS:
            body = {**access, "can_see_costs": False}
            response = api.put("/api/v1/users/warehouse_clerk/access/", body, format="json")
            assert response.status_code == 200, response.content
            changed.set()
            assert seen.wait(30), "the user's thread stopped"
            seen.clear()
        return "done"

    def user():
        page = Client()
        page.force_login(clerk)  # one session for every step: the session holds no scope
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {clerk_token}")
        answers = []
        for _ in STEPS:
            assert changed.wait(30), "the administrator's thread stopped"
            changed.clear()
            answers.append(
                (
                    page.get(f"/lots/{west_lot.pk}/").status_code,
                    api.get(f"/api/v1/lots/{west_lot.pk}/").status_code,
                    api.post("/api/v1/adjustments/", adjustment, format="json").status_code,
                )
            )
            seen.set()
        return answers

    done, answers = run_concurrently(administrator, user)
    assert done == "done", done
    assert answers == [(read, read, post) for _, read, post in STEPS]
