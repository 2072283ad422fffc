"""Precision of every money, unit-cost and quantity column, and the one rounding rule.

DOMAIN.md section 7: quantities and unit costs keep 6 places, money 2; rounding is half up
(away from zero), exactly as PostgreSQL rounds numeric, once per posted record.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import models

MAX_DIGITS = 18
QTY_PLACES = 6
UNIT_COST_PLACES = 6
MONEY_PLACES = 2

QTY_EXP = Decimal(1).scaleb(-QTY_PLACES)
UNIT_COST_EXP = Decimal(1).scaleb(-UNIT_COST_PLACES)
MONEY_EXP = Decimal(1).scaleb(-MONEY_PLACES)
ZERO = Decimal("0")
ZERO_MONEY = Decimal("0.00")

# the largest magnitudes a column can store: numeric(18, places) keeps 18 - places integer digits
MAX_QTY = Decimal(10) ** (MAX_DIGITS - QTY_PLACES)  # exclusive bound: 999,999,999,999.999999 fits
MAX_UNIT_COST = Decimal(10) ** (MAX_DIGITS - UNIT_COST_PLACES)
MAX_MONEY = Decimal(10) ** (MAX_DIGITS - MONEY_PLACES)  # 9,999,999,999,999,999.99 fits


def storable(value: Decimal, places: int) -> bool:
    """Whether ``value`` rounded to ``places`` fits a numeric(18, places) column."""
    return abs(_dec(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)) < Decimal(10) ** (
        MAX_DIGITS - places
    )


def _dec(value) -> Decimal:
    if isinstance(value, float):
        raise TypeError("floats are not accepted for money or quantities; pass a Decimal or str")
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"not a decimal number: {value!r}") from exc


def money(value) -> Decimal:
    return _dec(value).quantize(MONEY_EXP, rounding=ROUND_HALF_UP)


def qty(value) -> Decimal:
    return _dec(value).quantize(QTY_EXP, rounding=ROUND_HALF_UP)


def unit_cost(value) -> Decimal:
    return _dec(value).quantize(UNIT_COST_EXP, rounding=ROUND_HALF_UP)


def plain(value, *, grouping: bool = False) -> str:
    """A decimal for a message, without trailing zeros and never in exponent form
    (``Decimal("100.000").normalize()`` prints as ``1E+2``): ``plain(Decimal("100.000"))`` -> ``"100"``."""
    return format(_dec(value).normalize(), ",f" if grouping else "f")


def extended(quantity, cost) -> Decimal:
    """round(quantity x unit cost, 2): the value of a quantity at a unit cost."""
    return money(_dec(quantity) * _dec(cost))


def QuantityField(**kwargs) -> models.DecimalField:  # noqa: N802 - field factory
    return models.DecimalField(max_digits=MAX_DIGITS, decimal_places=QTY_PLACES, **kwargs)


def UnitCostField(**kwargs) -> models.DecimalField:  # noqa: N802
    return models.DecimalField(max_digits=MAX_DIGITS, decimal_places=UNIT_COST_PLACES, **kwargs)


def MoneyField(**kwargs) -> models.DecimalField:  # noqa: N802
    return models.DecimalField(max_digits=MAX_DIGITS, decimal_places=MONEY_PLACES, **kwargs)
