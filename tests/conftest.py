"""Shared fixtures: master data, one user per role, API clients, and a lot made through services."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from core import roles
from inventory_lots.services import AdjustmentLineInput, post_adjustment
from orders.services import create_order

from .factories import CustomerFactory, LicFactory, OfficeFactory, ServiceLicFactory, VendorFactory, user_with_role

D = Decimal
DAY = datetime.date(2026, 3, 1)


@pytest.fixture
def office(db):
    return OfficeFactory(code="HQ", name="Headquarters")


@pytest.fixture
def lic(db):
    return LicFactory(code="WIDGET", description="Widget")


@pytest.fixture
def service_lic(db):
    return ServiceLicFactory(code="LABOR", description="Labour")


@pytest.fixture
def vendor(db):
    return VendorFactory(code="ACME", name="Acme Supply")


@pytest.fixture
def customer(db):
    return CustomerFactory(code="CUST", name="A Customer")


@pytest.fixture
def order(db, customer, office):
    return create_order(customer=customer, office=office, date=DAY)


@pytest.fixture
def viewer(db):
    return user_with_role(roles.VIEWER)


@pytest.fixture
def clerk(db):
    return user_with_role(roles.CLERK)


@pytest.fixture
def production_user(db):
    return user_with_role(roles.PRODUCTION)


@pytest.fixture
def accountant(db):
    return user_with_role(roles.ACCOUNTANT)


@pytest.fixture
def admin_user(db):
    from django.contrib.auth.models import User

    return User.objects.create_superuser("root", "root@example.com", "pw-Secret-123")


def _client_for(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def clerk_client(client, clerk):
    return _client_for(client, clerk)


@pytest.fixture
def viewer_client(client, viewer):
    return _client_for(client, viewer)


@pytest.fixture
def accountant_client(client, accountant):
    return _client_for(client, accountant)


@pytest.fixture
def api():
    """``api(user)`` -> an APIClient authenticated as that user (token auth)."""

    def make(user):
        from rest_framework.authtoken.models import Token

        c = APIClient()
        token, _ = Token.objects.get_or_create(user=user)
        c.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return c

    return make


def adjust_in(*, office, lic, quantity, unit_cost, date=DAY, actor=None, **extra):
    """A purchase-type lot made through the adjustment service (returns the lot)."""
    adjustment = post_adjustment(
        office=office,
        date=date,
        reason="test stock",
        actor=actor,
        lines=[AdjustmentLineInput(lic=lic, quantity=D(quantity), unit_cost=D(unit_cost), **extra)],
    )
    return adjustment.lines.get().lot


@pytest.fixture
def make_lot(db):
    return adjust_in
