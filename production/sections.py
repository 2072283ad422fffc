"""The production lot page's sections (DOMAIN.md 5), registered in ProductionConfig.ready():
10 Estimated / Produced, 60 Production Costs (Inventoried), 70 Production Costs
(Non-Inventoried; Capitalized Expenses). Each provider runs a constant number of queries."""

from __future__ import annotations

from decimal import Decimal

from core.money import extended
from inventory_lots.models import Lot, LotType
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


def costs_inventoried_section(lot: Lot) -> Section | None:
    order = _order_of(lot)
    if order is None:
        return None
    usages = list(selectors.component_usages(order).select_related("lic"))
    return Section(
        key="costs_inventoried",
        title="Production Costs (Inventoried)",
        template="production/_section_costs_inventoried.html",
        context={"usages": usages, "total": sum((u.cogs_value for u in usages), Decimal("0.00"))},
        api=[
            {"usage": u.pk, "lic": u.lic.code, "quantity": str(u.quantity), "value": str(u.cogs_value)}
            for u in usages
        ],
    )


def costs_capitalized_section(lot: Lot) -> Section | None:
    order = _order_of(lot)
    if order is None:
        return None
    entries = list(selectors.job_costs(order).filter(capitalized=True))
    return Section(
        key="costs_capitalized",
        title="Production Costs (Non-Inventoried; Capitalized Expenses)",
        template="production/_section_costs_capitalized.html",
        context={"entries": entries, "total": sum((e.amount for e in entries), Decimal("0.00"))},
        api=[
            {"job_cost": e.pk, "lic": e.lic.code, "description": e.description, "amount": str(e.amount)}
            for e in entries
        ],
    )


def register_sections() -> None:
    register(10, estimated_produced_section)
    register(60, costs_inventoried_section)
    register(70, costs_capitalized_section)
