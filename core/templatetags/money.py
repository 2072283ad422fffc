"""Display filters: ``money`` (2 places, thousands separators), ``qty`` and ``ucost``.

A page served to a user without "see costs" shows no unit cost or money figure (DOMAIN.md section
11): ``money`` and ``ucost`` print nothing for them, in every template, as the API and the exports
leave them out. The request is the one core.drf.costs.RequestUserMiddleware records."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django import template

from core.money import MONEY_EXP

register = template.Library()


def _as_decimal(value):
    if value is None or value == "":
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


HIDDEN_TEXT = ""  # what a money cell shows to a user without "see costs"
_SEES = "_lotledger_sees_costs"


def costs_hidden() -> bool:
    """Whether the request being served is a user's without "see costs" (read once per request)."""
    from core.drf.costs import can_see_costs, current_request

    request = current_request()
    if request is None:  # a command, a worker, a test calling the filter: nothing to hide from
        return False
    sees = getattr(request, _SEES, None)
    if sees is None:
        sees = can_see_costs(getattr(request, "user", None))
        setattr(request, _SEES, sees)
    return not sees


@register.filter
def money(value) -> str:
    """1234.5 -> '1,234.50'; negatives as '-1,234.50'; None -> '—'."""
    if costs_hidden():
        return HIDDEN_TEXT
    d = _as_decimal(value)
    if d is None:
        return "—"
    return f"{d.quantize(MONEY_EXP, rounding=ROUND_HALF_UP):,}"


@register.filter
def qty(value) -> str:
    """Quantity without trailing zeros: 10.000000 -> '10', 2.500000 -> '2.5'."""
    d = _as_decimal(value)
    if d is None:
        return "—"
    text = f"{d:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text


@register.filter
def ucost(value) -> str:
    """Unit cost with at least 2 and at most 6 places: 35.590000 -> '35.59'."""
    if costs_hidden():
        return HIDDEN_TEXT
    d = _as_decimal(value)
    if d is None:
        return "—"
    text = f"{d:,f}"
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0")
    return f"{whole}.{frac.ljust(2, '0')}"


@register.filter
def sum_of(rows, attribute: str):
    """Σ ``row.<attribute>`` over rows already on the page (a list, or a QuerySet the template has
    iterated: its cache is read, no query): the money totals under a document's lines. None counts 0."""
    total = Decimal("0")
    for row in rows or ():
        value = getattr(row, attribute)
        if value is not None:
            total += _as_decimal(value)
    return total
