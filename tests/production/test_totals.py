"""Issue 21: the production order page totals its components' COGS (net of returns) and its job
costs (net of reversals): money only, the components are in different units."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client

from core import roles
from inventory_lots import locks
from tests.factories import user_with_role

from .conftest import cost_components_test_only, run_chair_example

pytestmark = pytest.mark.django_db


def test_production_order_page_totals_components_and_job_costs(chair_mo, chair_lics, production_user):
    run_chair_example(chair_mo, chair_lics, production_user)
    with transaction.atomic():
        locks.lics_for_update([chair_mo.lic_id])
        cost_components_test_only(chair_mo)
    client = Client()
    client.force_login(user_with_role(roles.VIEWER))
    html = client.get(f"/production/{chair_mo.pk}/").content.decode()
    assert 'data-figure="components_cogs_total">170.00<' in html
    assert 'data-figure="job_costs_total">80.00<' in html
