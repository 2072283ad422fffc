"""Reads of the ledger core: list querysets, lot detail with its sections, usage detail, the lock
date in force, an adjustment's default unit cost, whether a LIC is in use."""

from __future__ import annotations

import datetime
from dataclasses import replace
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import F, Prefetch, QuerySet, Sum
from django.urls import reverse

from core.money import ZERO, unit_cost

from .models import AdjustmentLine, InventoryAdjustment, InventoryUsage, LineItemCode, LockDate, Lot, Office
from .scope import EVERYTHING, Scope
from .sections import Section, register, sections_for


def current_lock_date() -> datetime.date | None:
    """The lock date in force (the newest row), None when the books were never closed."""
    return LockDate.objects.order_by("-id").values_list("date", flat=True).first()


def default_unit_cost(*, lic: LineItemCode, office: Office) -> Decimal | None:
    """DOMAIN.md 4: average unit cost of the LIC's open lots in the office weighted by available
    quantity; else the unit cost of its most recent lot there (lot date, then id); else None."""
    open_lots = Lot.objects.open().filter(lic=lic, office=office)
    totals = open_lots.aggregate(q=Sum("qty_available"), v=Sum(F("qty_available") * F("unit_cost")))
    if totals["q"]:
        return unit_cost(totals["v"] / totals["q"])
    latest = Lot.objects.filter(lic=lic, office=office).order_by("-date", "-id").values_list("unit_cost", flat=True)
    return latest.first()


def lic_in_use(lic: LineItemCode) -> bool:
    """A LIC with lots or usage: its code and ledger flags are frozen (LIC_LEDGER_FIELDS)."""
    return lic.lots.exists() or lic.usages.exists()


TOTALS_LIMIT = 5_000  # sum quantities/values for the filtered set only up to this many lots


def lot_list(scope: Scope = EVERYTHING) -> QuerySet[Lot]:
    return Lot.objects.visible_to(scope).select_related("office", "lic").order_by("-date", "-id")


def lot_totals(queryset: QuerySet[Lot], limit: int | None = None) -> dict | None:
    """Quantity and value available of the filtered set, or None when it has more than
    ``limit`` lots: one query that reads at most limit + 1 index rows, so the page never scans
    millions of rows to print a total ("not computed" instead). Quantities of different units of
    measure do not add up (chairs + kilograms): ``qty_available`` is None and ``mixed_units`` True
    when the set has more than one unit; ``unit`` names the one unit otherwise."""
    limit = TOTALS_LIMIT if limit is None else limit
    inner = (
        queryset.order_by()
        .annotate(t_unit=F("lic__unit"))
        .values("qty_available", "value_in", "value_used", "t_unit")[: limit + 1]
    )
    try:
        sql, params = inner.query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing (a search matching no LIC): .none()
        return {"lots": 0, "qty_available": ZERO, "value_available": ZERO, "unit": None, "mixed_units": False}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), sum(s.qty_available), sum(s.value_in - s.value_used), count(DISTINCT s.t_unit), "  # noqa: S608
            f"min(s.t_unit) FROM ({sql}) s",
            params,
        )
        lots, qty_available, value_available, units, unit = cursor.fetchone()
    if lots > limit:
        return None
    mixed = units > 1
    return {
        "lots": lots,
        "qty_available": None if mixed else (qty_available or ZERO),
        "value_available": value_available or ZERO,
        "unit": unit,
        "mixed_units": mixed,
    }


def usage_totals(queryset: QuerySet[InventoryUsage], limit: int | None = None) -> dict | None:
    """COGS value and open accruals of the filtered usage, or None beyond ``limit`` records (read
    like ``lot_totals``: at most limit + 1 rows, never a scan of millions). Money only: the
    quantities of different LICs are in different units."""
    limit = TOTALS_LIMIT if limit is None else limit
    inner = (
        queryset.order_by()
        .annotate(t_cogs=F("cogs_state__cogs_value"), t_accrued=F("cogs_state__accrued_value"))
        .values("t_cogs", "t_accrued")[: limit + 1]
    )
    try:
        sql, params = inner.query.sql_with_params()
    except EmptyResultSet:
        return {"records": 0, "cogs_value": ZERO, "accrued_value": ZERO}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*), sum(s.t_cogs), sum(s.t_accrued) FROM ({sql}) s", params)  # noqa: S608
        records, cogs_value, accrued_value = cursor.fetchone()
    if records > limit:
        return None
    return {"records": records, "cogs_value": cogs_value or ZERO, "accrued_value": accrued_value or ZERO}


def lot_detail(lot_id: int, scope: Scope = EVERYTHING) -> Lot:
    """The lot; Lot.DoesNotExist also when it lies outside ``scope`` (the doors answer 404)."""
    return Lot.objects.visible_to(scope).select_related("office", "lic").get(pk=lot_id)


# Sections that are only money (left out without "see costs"), and the money keys of the others'
# API figures: a key named so is a unit cost or a value (DOMAIN.md section 11).
COST_SECTIONS = frozenset({"accrued", "costs_inventoried", "costs_capitalized", "cogs", "cost_history"})
_MONEY_KEYS = frozenset({"value", "amount", "unit_cost"})


def is_money_key(key: str) -> bool:
    return key in _MONEY_KEYS or key.endswith(("_value", "_cost", "_amount")) or key.startswith(("value_", "freight"))


def without_money(data):
    """``data`` (a section's API figures) without its money keys, at any depth."""
    if isinstance(data, dict):
        return {k: without_money(v) for k, v in data.items() if not is_money_key(k)}
    if isinstance(data, list):
        return [without_money(v) for v in data]
    return data


# A section row about a lot of another office carries that lot's office id under this key; the
# row is shown as one line without details to a user who does not see the office, and the key
# itself never leaves this module.
ROW_OFFICE = "_office_id"
HIDDEN_ROW = {"hidden": True, "label": "A lot in another office", "lot": None, "lot_number": None, "quantity": None}


def _within_scope(data, scope: Scope):
    """``data`` (a section's API figures) with rows of unseen offices reduced to HIDDEN_ROW."""
    if isinstance(data, dict):
        if ROW_OFFICE in data:
            if not scope.sees(data[ROW_OFFICE]):
                return dict(HIDDEN_ROW)
            data = {k: v for k, v in data.items() if k != ROW_OFFICE}
        return {k: _within_scope(v, scope) for k, v in data.items()}
    if isinstance(data, list):
        return [_within_scope(v, scope) for v in data]
    return data


def lot_sections(lot: Lot, scope: Scope = EVERYTHING) -> list[Section]:
    """The lot's sections; rows about lots of offices the scope does not see are one line without
    details; without "see costs" the money-only sections are left out and the others' API figures
    lose their money keys (their templates test ``can_see_costs`` and ``scope``)."""
    sections = [replace(s, api=_within_scope(s.api, scope)) for s in sections_for(lot)]
    if scope.see_costs:
        return sections
    return [replace(s, api=without_money(s.api)) for s in sections if s.key not in COST_SECTIONS]


def go_to_url(content_type_id: int | None, object_id: int | None) -> str | None:
    """The Go-To link of a generic target (a redirect resolved when followed: no query now)."""
    if content_type_id is None or object_id is None:
        return None
    return reverse("goto", args=[content_type_id, object_id])


def usage_list(scope: Scope = EVERYTHING) -> QuerySet[InventoryUsage]:
    return (
        InventoryUsage.objects.visible_to(scope).select_related("office", "lic", "cogs_state").order_by("-date", "-id")
    )


def adjustment_list(scope: Scope = EVERYTHING) -> QuerySet[InventoryAdjustment]:
    """Adjustments with their lines (one query for the lines of a whole page)."""
    return (
        InventoryAdjustment.objects.visible_to(scope)
        .select_related("office")
        .prefetch_related(Prefetch("lines", queryset=AdjustmentLine.objects.select_related("lic").order_by("line_no")))
        .order_by("-date", "-id")
    )


def usage_detail(usage_id: int, scope: Scope = EVERYTHING) -> InventoryUsage:
    return (
        InventoryUsage.objects.visible_to(scope)
        .select_related("office", "lic", "lot", "returns_usage", "source_type", "cogs_state")
        .get(pk=usage_id)
    )


# --- the sections this app owns ---------------------------------------------------------


def _d(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def general_info_section(lot: Lot) -> Section:
    serials = list(lot.serials.values_list("serial_number", flat=True)) if lot.serialized else []
    return Section(
        key="",
        title="General Info",
        template="inventory_lots/_section_general.html",
        context={
            "serials": serials,
            "transaction_url": go_to_url(lot.transaction_type_id, lot.transaction_id),
            "parent_order_url": go_to_url(lot.parent_order_type_id, lot.parent_order_id),
            "show_released": lot.type == "production" and lot.released,
        },
    )


def is_adjustment_lot(lot: Lot) -> bool:
    """A purchase lot born of an inventory adjustment line (no PO, DOMAIN.md 2 and 4)."""
    return lot.transaction_type_id == ContentType.objects.get_for_model(AdjustmentLine).pk


def in_label(lot: Lot) -> str:
    if lot.type == "production":
        return "Produced"
    return "Adjusted in" if is_adjustment_lot(lot) else "Received"


def current_inventory_section(lot: Lot) -> Section:
    data = {
        "in_qty": lot.qty_in,
        "in_value": lot.value_in,
        "used_qty": lot.qty_used,
        "used_value": lot.value_used,
        "available_qty": lot.qty_available,
        "available_value": lot.value_in - lot.value_used,
    }
    return Section(
        key="current",
        title="Current Inventory",
        template="inventory_lots/_section_current.html",
        context={"current": data, "in_label": in_label(lot)},
        api={k: _d(v) for k, v in data.items()},
    )


def register_own_sections() -> None:
    register(0, general_info_section)
    register(50, current_inventory_section)


# --- usage-page sections (the COGS issue registers allocations/entries here) -------------

_usage_providers: list[tuple[int, object]] = []


def register_usage_section(position: int, provider) -> None:
    if provider not in [p for _, p in _usage_providers]:
        _usage_providers.append((position, provider))
        _usage_providers.sort(key=lambda item: item[0])


def usage_sections(usage: InventoryUsage, scope: Scope = EVERYTHING) -> list[Section]:
    sections = [s for _, p in _usage_providers if (s := p(usage)) is not None]
    if scope.see_costs:
        return sections
    return [replace(s, api=without_money(s.api)) for s in sections]


_allocation_reader = None
_allocations_reader = None


def register_allocation_reader(reader, many=None) -> None:
    """The COGS app provides ``reader(usage) -> [{lot, quantity, value}]`` (strings) and
    ``many(usage_ids) -> {usage_id: [...]}``, the same for a page of usages in one query."""
    global _allocation_reader, _allocations_reader
    _allocation_reader = reader
    _allocations_reader = many


def usage_allocations(usage: InventoryUsage) -> list[dict]:
    return _allocation_reader(usage) if _allocation_reader else []


def usages_allocations(usages) -> dict[int, list[dict]]:
    """``{usage id: allocations}`` of a page of usages: one query, not one per usage."""
    usages = list(usages)
    if _allocations_reader is not None:
        found = _allocations_reader([u.pk for u in usages])
        return {u.pk: found.get(u.pk, []) for u in usages}
    return {u.pk: usage_allocations(u) for u in usages}


def lock_date_history(limit: int = 20):
    from .models import LockDate

    return LockDate.objects.select_related("set_by").order_by("-id")[:limit]


def released_on_hand(*, lic_ids, office) -> dict[int, Decimal]:
    """Per LIC, the released stock on hand in ``office`` as the books stand now: what its released
    lots have available, less the usage COGS has not allocated yet (returns waiting to be given
    back count the other way). The same as released stock in less every usage posted, read from the
    open lots and the narrow unallocated list only. Can be negative (usage already beyond stock).
    A shipment warns when it takes more than this; callers hold the LIC locks."""
    from django.db.models import F, Sum

    from .models import UnallocatedUsage

    ids = sorted(set(lic_ids))
    out = dict.fromkeys(ids, ZERO)
    lots = (
        Lot.objects.open()
        .filter(lic_id__in=ids, office=office, released=True)
        .values("lic_id")
        .annotate(q=Sum("qty_available"))
        .values_list("lic_id", "q")
    )
    waiting = (
        UnallocatedUsage.objects.filter(lic_id__in=ids, office=office)
        .values("lic_id")
        .annotate(q=Sum(F("usage__cogs_state__quantity") - F("usage__cogs_state__allocated_quantity")))
        .values_list("lic_id", "q")
    )
    for lic_id, quantity in lots:
        out[lic_id] += quantity
    for lic_id, quantity in waiting:
        out[lic_id] -= quantity or ZERO
    return out
