"""Two administrators create case-twin codes at the same moment (real parallel connections): the
unique index on UPPER(code) lets one in, and the other gets the same 400 as a sequential twin
(never a 500), whichever of the serializer's check or the index refuses it."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from core import roles
from inventory_lots.models import Office
from tests.concurrency import run_concurrently
from tests.factories import user_with_role

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_twin_codes_created_at_once_give_one_record_and_one_400():
    admin = user_with_role(roles.ADMINISTRATOR)

    def create(code):
        def post():
            client = APIClient()
            client.force_authenticate(admin)
            response = client.post("/api/v1/offices/", {"code": code, "name": code}, format="json")
            return response.status_code, response.json()

        return post

    for n in range(4):
        results = run_concurrently(create(f"BR{n}"), create(f"br{n}"))
        statuses = sorted(status for status, _ in results)
        assert statuses == [201, 400], results
        refused = next(body for status, body in results if status == 400)
        assert refused["field"] == "code" and "codes are unique ignoring upper and lower case" in refused["message"]
        assert Office.objects.filter(code__iexact=f"br{n}").count() == 1
