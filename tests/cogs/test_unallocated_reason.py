"""The unallocated page gives the true reason (issue 17): usage that takes more than the released
stock on hand in its office says how much is on hand and how much is short ("415 on hand,
999,999,999,584 short"), not "stock is available"; the same for a specific lot that has some left
but not enough. Figures with thousands separators, no trailing zeros."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cogs.selectors import REASON_NO_STOCK, REASON_NOT_RUN, unallocated_list, with_reasons
from tests.conftest import adjust_in
from tests.factories import LicFactory

from .conftest import day, run, ship

pytestmark = pytest.mark.django_db


def reasons():
    return {u.pk: u.reason for u in with_reasons(list(unallocated_list()))}


def test_a_usage_beyond_the_stock_on_hand_says_how_much_is_short(viewer_client, office, lic, order):
    adjust_in(office=office, lic=lic, quantity="400", unit_cost="4.00", date=day(1))
    adjust_in(office=office, lic=lic, quantity="15", unit_cost="4.20", date=day(1))
    huge = ship(lic=lic, office=office, quantity="999999999999", source=order, date=day(2))
    assert reasons()[huge.pk] == "Short of stock: 415 on hand, 999,999,999,584 short"
    html = viewer_client.get(reverse("cogs:unallocated")).content.decode()
    assert "415 on hand, 999,999,999,584 short" in html and REASON_NOT_RUN not in html
    run()  # the 415 are allocated: nothing is on hand any more
    assert reasons()[huge.pk] == REASON_NO_STOCK


def test_fractional_figures_and_a_usage_that_fits_still_waits_for_the_run(office, lic, order):
    adjust_in(office=office, lic=lic, quantity="2.5", unit_cost="1.00", date=day(1))
    fits = ship(lic=lic, office=office, quantity="2.5", source=order, date=day(2))
    over = ship(lic=lic, office=office, quantity="1234.75", source=order, date=day(2))
    got = reasons()
    assert got[fits.pk] == REASON_NOT_RUN
    assert got[over.pk] == "Short of stock: 2.5 on hand, 1,232.25 short"


def test_a_specific_lot_with_too_little_left_says_so(office, order):
    engine = LicFactory(code="ENGINE", costing_method="specific")
    lot = adjust_in(office=office, lic=engine, quantity="2", unit_cost="100.00", date=day(1))
    usage = ship(lic=engine, office=office, quantity="5", source=order, date=day(2), lot=lot)
    assert reasons()[usage.pk] == f"Specific lot short: {lot.number} has 2 left, 3 short"
