"""core.money: one rounding rule (half up, as PostgreSQL) and no floats; the display filters."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from core.money import extended, money, qty, unit_cost
from core.templatetags.money import money as money_filter
from core.templatetags.money import qty as qty_filter
from core.templatetags.money import ucost as ucost_filter

D = Decimal


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1.005", "1.01"), ("1.015", "1.02"), ("-1.005", "-1.01"), ("2.004999", "2.00"), ("0.125", "0.13"), ("7", "7.00")],
)
def test_money_rounds_half_away_from_zero(value, expected):
    assert str(money(D(value))) == expected


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["1.005", "-1.005", "2.5", "0.0049999", "1234567.125"])
def test_money_rounding_matches_postgresql(value):
    with connection.cursor() as cursor:
        cursor.execute("SELECT round(%s::numeric, 2)", [value])
        assert money(D(value)) == cursor.fetchone()[0]


def test_qty_and_unit_cost_keep_six_places_half_up():
    assert (str(qty("2.0000005")), str(unit_cost("3.3333335")), str(unit_cost(D(10) / D(3)))) == (
        "2.000001",
        "3.333334",
        "3.333333",
    )


@pytest.mark.parametrize(
    ("quantity", "cost", "value"),
    [("3", "3.333333", "10.00"), ("1", "0.005", "0.01"), ("2", "1.0025", "2.01"), ("-3", "1.005", "-3.02")],
)
def test_extended_is_quantity_times_cost_rounded_to_cents(quantity, cost, value):
    assert str(extended(D(quantity), D(cost))) == value


@pytest.mark.parametrize("helper", [money, qty, unit_cost])
def test_floats_are_refused(helper):
    with pytest.raises(TypeError):
        helper(0.1)


def test_garbage_is_refused():
    with pytest.raises(ValueError, match="not a decimal number"):
        money("twelve")


def test_strings_and_ints_are_accepted():
    assert (money("12.5"), qty(3), unit_cost("0.1")) == (D("12.50"), D("3"), D("0.1"))


@pytest.mark.parametrize(
    ("filter_", "value", "shown"),
    [
        (money_filter, D("1234.5"), "1,234.50"),
        (money_filter, D("-1234.5"), "-1,234.50"),
        (money_filter, None, "—"),
        (qty_filter, D("10.000000"), "10"),
        (qty_filter, D("2.500000"), "2.5"),
        (qty_filter, D("1234.5"), "1,234.5"),
        (qty_filter, D("0.000000"), "0"),
        (ucost_filter, D("35.590000"), "35.59"),
        (ucost_filter, D("3.333333"), "3.333333"),
        (ucost_filter, D("4"), "4.00"),
    ],
)
def test_display_filters(filter_, value, shown):
    assert filter_(value) == shown
