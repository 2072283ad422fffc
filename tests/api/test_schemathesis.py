"""Schemathesis over the whole OpenAPI schema: generated requests (valid and invalid) never get a
500. Bounded: a few examples per operation, run as an administrator (every door open)."""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.db import transaction
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from rest_framework.test import APIClient

from tests.conftest import adjust_in

EXAMPLES = 4


def _operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(json.dumps(schema, default=str)))
    return [result.ok() for result in loaded.get_all_operations()]


@pytest.mark.django_db
def test_no_operation_answers_500(admin_user, office, lic, vendor, customer):
    adjust_in(office=office, lic=lic, quantity="5", unit_cost="2.50")
    client = APIClient()
    client.force_authenticate(admin_user)
    failures = []
    operations = _operations()
    assert len(operations) >= 10

    for operation in operations:

        @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case):
            kwargs = case.as_transport_kwargs(base_url="http://testserver")
            path = kwargs["url"].replace("http://testserver", "")
            body = kwargs.get("json")
            # each example in a savepoint, so a refused request cannot leave half-written rows
            with transaction.atomic():
                response = client.generic(
                    case.method,
                    path + _query(kwargs.get("params")),
                    json.dumps(body) if body is not None else "",
                    content_type="application/json",
                )
                transaction.set_rollback(True)
            if response.status_code >= 500:
                failures.append((case.method, path, body, response.status_code, response.content[:300]))

        try:
            run()
        except Unsatisfiable:
            continue
    assert failures == []


def _query(params) -> str:
    if not params:
        return ""
    from urllib.parse import urlencode

    return "?" + urlencode(params, doseq=True)
