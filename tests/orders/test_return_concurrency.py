"""Two customer returns of one order at once (real parallel connections): the LIC row lock, taken
first as docs/architecture.md "Locking" orders it, serialises them, so they cannot both pass the
"at most what the order shipped" limit."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Sum

from core.errors import ValidationFailed
from orders import services
from orders.models import ReturnLine
from tests.concurrency import run_concurrently
from tests.conftest import DAY, adjust_in
from tests.factories import CustomerFactory, LicFactory, OfficeFactory

D = Decimal
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_two_returns_at_once_never_exceed_what_was_shipped():
    office = OfficeFactory(code="HQ")
    lic = LicFactory(code="W")
    adjust_in(office=office, lic=lic, quantity="20", unit_cost="1.00")
    order = services.create_order(customer=CustomerFactory(code="C"), office=office, date=DAY)
    services.post_shipment(
        order=order, date=DAY, actor=None, lines=[services.ShipmentLineInput(lic=lic, quantity=D("10"))]
    )

    def give_back():
        return services.post_return(
            order=order, date=DAY, actor=None, lines=[services.ReturnLineInput(lic=lic, quantity=D("6"))]
        )

    for _ in range(3):  # a few rounds: the race, if there were one, shows
        results = run_concurrently(give_back, give_back, give_back)
        refused = [r for r in results if isinstance(r, ValidationFailed)]
        assert all(r.code == "return_exceeds_shipped" for r in refused), results
        assert not [r for r in results if isinstance(r, Exception) and not isinstance(r, ValidationFailed)], results
        returned = ReturnLine.objects.filter(customer_return__order=order).aggregate(q=Sum("quantity"))["q"]
        assert returned <= D("10"), returned
    assert ReturnLine.objects.filter(customer_return__order=order).count() == 1
