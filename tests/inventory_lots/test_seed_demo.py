"""``manage.py seed_demo`` on an empty database: 300+ lots and the demo users, once."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from core import roles
from inventory_lots.models import InventoryUsage, LineItemCode, Lot, Office

pytestmark = pytest.mark.django_db


def test_seed_demo_loads_lots_and_users_once():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    lots = Lot.objects.count()
    assert lots >= 300
    assert f"Demo data loaded: {lots} lots." in out.getvalue()
    assert Office.objects.count() >= 3 and LineItemCode.objects.filter(inventoried=False).count() >= 4
    assert InventoryUsage.objects.count() > 0
    users = {u.username: {g.name for g in u.groups.all()} for u in User.objects.prefetch_related("groups")}
    assert users["viewer"] == {roles.VIEWER} and users["clerk"] == {roles.CLERK}
    assert users["production"] == {roles.PRODUCTION} and users["accountant"] == {roles.ACCOUNTANT}
    assert User.objects.get(username="admin").is_superuser
    # a demo user made after the office-access migration still sees every office (else `make run`
    # would greet them with empty lists); costs as their role has them
    from inventory_lots.scope import scope_for

    for name in ("viewer", "clerk", "production", "accountant", "admin"):
        assert scope_for(User.objects.get(username=name)).all_offices, name
    assert not scope_for(User.objects.get(username="clerk")).see_costs
    assert Lot.objects.filter(serialized=True).exists() and Lot.objects.exclude(mfr_lot_number="").exists()

    counts = (Lot.objects.count(), InventoryUsage.objects.count(), User.objects.count())
    again = io.StringIO()
    call_command("seed_demo", stdout=again)
    assert "Demo data already loaded." in again.getvalue()
    assert (Lot.objects.count(), InventoryUsage.objects.count(), User.objects.count()) == counts
