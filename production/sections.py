"""The production lot page's sections (DOMAIN.md 5), registered in ProductionConfig.ready():
10 Estimated / Produced, 60 Production Costs (Inventoried), 70 Production Costs
(Non-Inventoried; Capitalized Expenses). Each provider runs a constant number of queries."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse
from django.utils.html import format_html_join

from core.money import ZERO_MONEY, extended
from core.templatetags.money import money as fmt_money
from core.templatetags.money import qty as fmt_qty
from inventory_lots.models import Lot, LotType, usage_number
from inventory_lots.sections import Section, register

from . import selectors
from .models import ProductionOrder

_MISSING = object()


def _d(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _order_of(lot: Lot) -> ProductionOrder | None:
    """The lot's production order, looked up once per lot object (shared by the providers)."""
    cached = lot.__dict__.get("_production_order", _MISSING)
    if cached is _MISSING:
        cached = selectors.production_order_for_lot(lot) if lot.type == LotType.PRODUCTION else None
        lot.__dict__["_production_order"] = cached
    return cached


def estimated_produced_section(lot: Lot) -> Section | None:
    order = _order_of(lot)
    if order is None:
        return None
    data = {
        "estimated_qty": order.estimated_quantity,
        "estimated_value": extended(order.estimated_quantity, order.estimated_unit_cost),
        "produced_qty": lot.qty_in,
        "produced_value": lot.value_in,
    }
    inputs = selectors.cost_inputs(order, lot)
    return Section(
        key="estimated_produced",
        title="Estimated / Produced",
        template="production/_section_estimated_produced.html",
        context={"figures": data, "order": order, "inputs": inputs},
        api={k: _d(v) for k, v in data.items()},
    )


def _url_pattern(name: str) -> str:
    """``reverse`` once per section, not once per row (``/usage/0/`` -> ``/usage/{}/``)."""
    return reverse(name, args=[0]).replace("/0/", "/{}/")


def costs_inventoried_section(lot: Lot) -> Section | None:
    order = _order_of(lot)
    if order is None:
        return None
    rows = list(
        selectors.component_usages(order).values_list("pk", "date", "lic__code", "quantity", "cogs_state__cogs_value")
    )
    url = _url_pattern("inventory_lots:usage_detail")
    # rows are rendered here (escaped by format_html) rather than node by node in the template:
    # an order can have hundreds of component usages (see docs/performance.md)
    rows_html = format_html_join(
        "\n",
        '<tr><td>{}</td><td>{}</td><td>{}</td><td class="num">{}</td><td class="num">{}</td>'
        '<td><a class="goto" href="{}" title="Go to usage record">›</a></td></tr>',
        (
            (usage_number(pk), date.isoformat(), lic, fmt_qty(q), fmt_money(v), url.format(pk))
            for pk, date, lic, q, v in rows
        ),
    )
    return Section(
        key="costs_inventoried",
        title="Production Costs (Inventoried)",
        template="production/_section_costs_inventoried.html",
        context={"rows_html": rows_html, "count": len(rows), "total": sum((r[4] for r in rows), ZERO_MONEY)},
        api=[{"usage": pk, "lic": lic, "quantity": str(q), "value": str(v)} for pk, _, lic, q, v in rows],
    )


def costs_capitalized_section(lot: Lot) -> Section | None:
    order = _order_of(lot)
    if order is None:
        return None
    rows = list(
        order.job_costs.filter(capitalized=True)
        .order_by("date", "id")
        .values_list("pk", "date", "lic__code", "description", "amount")
    )
    url = _url_pattern("production:job_cost_detail")
    rows_html = format_html_join(
        "\n",
        '<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class="num">{}</td>'
        '<td><a class="goto" href="{}" title="Go to job cost entry">›</a></td></tr>',
        (
            (f"JC-{pk:06d}", date.isoformat(), lic, text, fmt_money(a), url.format(pk))
            for pk, date, lic, text, a in rows
        ),
    )
    return Section(
        key="costs_capitalized",
        title="Production Costs (Non-Inventoried; Capitalized Expenses)",
        template="production/_section_costs_capitalized.html",
        context={"rows_html": rows_html, "count": len(rows), "total": sum((r[4] for r in rows), ZERO_MONEY)},
        api=[{"job_cost": pk, "lic": lic, "description": text, "amount": str(a)} for pk, _, lic, text, a in rows],
    )


def register_sections() -> None:
    register(10, estimated_produced_section)
    register(60, costs_inventoried_section)
    register(70, costs_capitalized_section)
