"""Reads of production: orders, job costs, the unit cost formula's inputs, lot-page data."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, Q, QuerySet, Sum

from core.money import ZERO, ZERO_MONEY, money, qty, unit_cost
from inventory_lots.models import InventoryUsage, Lot, UsageKind
from inventory_lots.scope import EVERYTHING, Scope
from orders.models import Order

from .models import JobCostEntry, ProductionOrder, ProductionStatus


def production_order_content_type() -> ContentType:
    return ContentType.objects.get_for_model(ProductionOrder)


def capitalized_job_costs(order_ids: Iterable[int]) -> dict[int, Decimal]:
    """Σ amount of capitalized job cost entries per production order (reversing entries count
    with their negative amount); orders without any -> Decimal("0.00")."""
    ids = list(set(order_ids))
    result = dict.fromkeys(ids, ZERO_MONEY)
    if not ids:
        return result
    rows = (
        JobCostEntry.objects.filter(production_order_id__in=ids, capitalized=True)
        .values("production_order_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for row in rows:
        result[row["production_order_id"]] = money(row["total"] or ZERO)
    return result


def component_usages(order: ProductionOrder) -> QuerySet[InventoryUsage]:
    """The order's component usage (issues positive, returns negative), oldest first."""
    return (
        InventoryUsage.objects.filter(
            source_type=production_order_content_type(), source_id=order.pk, kind=UsageKind.PRODUCTION
        )
        .select_related("cogs_state")
        .order_by("date", "id")
    )


def net_issued_by_lic(order: ProductionOrder, lic_ids: list[int]) -> dict[int, Decimal]:
    """{lic id: Σ quantity} of the order's component usage of those LICs: issued net of returns."""
    rows = (
        component_usages(order)
        .filter(lic_id__in=lic_ids)
        .order_by()
        .values("lic_id")
        .annotate(net=Sum("quantity"))
        .values_list("lic_id", "net")
    )
    return dict(rows)


def component_cogs_values(order_ids: Iterable[int]) -> dict[int, Decimal]:
    """Σ cogs_value of the component usage (net of returns) per production order."""
    ids = list(set(order_ids))
    result = dict.fromkeys(ids, ZERO_MONEY)
    if not ids:
        return result
    rows = (
        InventoryUsage.objects.filter(
            source_type=production_order_content_type(), source_id__in=ids, kind=UsageKind.PRODUCTION
        )
        .values("source_id")
        .annotate(total=Sum("cogs_state__cogs_value"))
        .order_by()
    )
    for row in rows:
        result[row["source_id"]] = money(row["total"] or ZERO)
    return result


@dataclass(frozen=True)
class CostInputs:
    """The production lot unit cost formula of DOMAIN.md 5, with its inputs."""

    components_value: Decimal  # COGS value of component usage, net of returns
    capitalized_value: Decimal  # capitalized job costs (reversals included)
    produced_qty: Decimal  # the lot's qty_in (0 before the first produce)
    estimated_unit_cost: Decimal
    unallocated_components: bool  # some component usage not (fully) allocated yet: provisional
    anything_costed: bool = True  # a component allocated or a capitalized job cost posted, ever

    @property
    def total(self) -> Decimal:
        return self.components_value + self.capitalized_value

    @property
    def formula_unit_cost(self) -> Decimal | None:
        """(components + capitalized) / produced quantity; None before anything is produced."""
        if not self.produced_qty:
            return None
        return unit_cost(max(self.total, ZERO) / self.produced_qty)

    @property
    def unit_cost(self) -> Decimal:
        """The lot's unit cost: the formula's result, or the estimated unit cost while nothing
        has been costed at all (no component allocated, no capitalized job cost ever posted).
        Once inputs exist the formula rules, even if returns and reversals bring them to 0."""
        return self.estimated_unit_cost if self.uses_estimate else self.formula_unit_cost

    @property
    def uses_estimate(self) -> bool:
        return self.formula_unit_cost is None or (self.total <= 0 and not self.anything_costed)

    @property
    def provisional(self) -> bool:
        return self.unallocated_components or self.uses_estimate


def cost_inputs(order: ProductionOrder, lot: Lot | None = None) -> CostInputs:
    """Two aggregate queries (plus the content type, cached)."""
    ct = production_order_content_type()
    agg = InventoryUsage.objects.filter(source_type=ct, source_id=order.pk, kind=UsageKind.PRODUCTION).aggregate(
        value=Sum("cogs_state__cogs_value"),
        unallocated=Count("pk", filter=~Q(cogs_state__allocated_quantity=F("quantity"))),
        allocated=Count("pk", filter=~Q(cogs_state__allocated_quantity=0)),
    )
    unallocated = bool(agg["unallocated"])
    capitalized = capitalized_job_costs([order.pk])[order.pk]
    lot = lot if lot is not None else order.lot
    return CostInputs(
        components_value=money(agg["value"] or ZERO),
        capitalized_value=capitalized,
        produced_qty=qty(lot.qty_in) if lot is not None else ZERO,
        estimated_unit_cost=order.estimated_unit_cost,
        unallocated_components=unallocated,
        anything_costed=bool(agg["allocated"])
        or JobCostEntry.objects.filter(production_order=order, capitalized=True).exists(),
    )


def production_order_for_lot(lot: Lot) -> ProductionOrder | None:
    """The production order of a production lot (its transaction), or None."""
    if lot.type != "production" or lot.transaction_type_id != production_order_content_type().pk:
        return None
    return ProductionOrder.objects.filter(pk=lot.transaction_id).first()


def order_production_orders(order: Order) -> QuerySet[ProductionOrder]:
    """The production orders made for a customer order, as its page lists them."""
    return ProductionOrder.objects.filter(order=order).select_related("lic", "lot").order_by("date", "id")


def order_unclosed_production_numbers(order: Order) -> list[str]:
    return list(
        ProductionOrder.objects.filter(order=order)
        .exclude(status=ProductionStatus.CLOSED)
        .order_by("id")
        .values_list("number", flat=True)
    )


def production_order_list(scope: Scope = EVERYTHING) -> QuerySet[ProductionOrder]:
    return (
        ProductionOrder.objects.visible_to(scope)
        .select_related("office", "lic", "order", "lot")
        .order_by("-date", "-id")
    )


def production_order_detail(order_id: int, scope: Scope = EVERYTHING) -> ProductionOrder:
    return (
        ProductionOrder.objects.visible_to(scope)
        .select_related("office", "lic", "order", "order__customer", "lot")
        .get(pk=order_id)
    )


def job_costs(order: ProductionOrder) -> QuerySet[JobCostEntry]:
    return order.job_costs.select_related("lic", "vendor", "reverses").order_by("date", "id")


def job_cost_list(scope: Scope = EVERYTHING) -> QuerySet[JobCostEntry]:
    return (
        JobCostEntry.objects.visible_to(scope)
        .select_related("production_order", "lic", "vendor")
        .order_by("-date", "-id")
    )


def job_cost_detail(entry_id: int, scope: Scope = EVERYTHING) -> JobCostEntry:
    return (
        JobCostEntry.objects.visible_to(scope)
        .select_related("production_order", "production_order__lot", "lic", "vendor", "reverses", "created_by")
        .get(pk=entry_id)
    )


# the production reports dated after a count's date into lots dated on or before it: what those lots'
# qty_in grew by since (inventory_lots.counts.register_later_quantity)
LATER_REPORTS = """SELECT l.lic_id, pr.quantity FROM production_productionreport pr
    JOIN inventory_lots_lot l ON l.id = pr.lot_id
    WHERE l.office_id = %(office)s AND l.date <= %(d)s AND l.lic_id = ANY(%(lics)s) AND pr.date > %(d)s"""
