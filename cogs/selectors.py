"""Reads of the COGS app: runs, entries, the lot and usage sections, unallocated usage with
its reason, and the ledger invariant check."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal

from django.db import connection
from django.db.models import QuerySet

from core.money import ZERO
from core.templatetags.money import qty as qty_text  # "999,999,999,584", "2.5": the page's figures
from inventory_lots.models import CostingMethod, InventoryUsage, Lot, PendingCogs
from inventory_lots.scope import EVERYTHING, Scope

from .models import (
    ACCRUAL_KINDS_SQL,
    MOVEMENT_KINDS_SQL,
    CogsEntry,
    CogsRun,
    EntryKind,
    PendingLotCost,
    RunStatus,
)

# --- runs and entries -------------------------------------------------------------------------


def run_list(scope: Scope = EVERYTHING) -> QuerySet[CogsRun]:
    """The runs ``scope`` sees: those of its offices (a run over every office only with every office)."""
    return CogsRun.objects.visible_to(scope).select_related("office", "lic", "created_by").order_by("-id")


def anything_pending() -> bool:
    """Whether a run over everything would have work: a PendingCogs (new lot, usage, return, cost
    change) or PendingLotCost row. The scheduled run records nothing when there is none."""
    return PendingCogs.objects.exists() or PendingLotCost.objects.exists()


def run_detail(run_id: int, scope: Scope = EVERYTHING) -> CogsRun:
    """The run, or CogsRun.DoesNotExist (a 404) when ``scope`` does not see it."""
    return run_list(scope).get(pk=run_id)


def run_accruals(run: CogsRun) -> dict[str, Decimal]:
    """What a run did to accrued COGS (DOMAIN.md 6a): accruals posted, reversals posted (negative)
    and the net (= ``accrued_value_posted``), from the run's counters (each job adds its own in
    its transaction): no scan of a full run's million entries."""
    reversed_ = run.accrual_reversals_posted
    return {"posted": run.accrued_value_posted - reversed_, "reversed": reversed_, "net": run.accrued_value_posted}


def entry_list(scope: Scope = EVERYTHING) -> QuerySet[CogsEntry]:
    return CogsEntry.objects.visible_to(scope).select_related("lot", "usage", "lic", "office").order_by("id")


def lot_entries(lot: Lot) -> list[CogsEntry]:
    return list(CogsEntry.objects.filter(lot=lot).select_related("run", "usage").order_by("run_id", "id"))


def usage_entries(usage: InventoryUsage) -> list[CogsEntry]:
    return list(CogsEntry.objects.filter(usage=usage).select_related("run", "lot").order_by("id"))


def usages_allocations(usage_ids: Iterable[int]) -> dict[int, list[dict]]:
    """Net quantity and value per lot (allocations, give-backs and revaluations; accruals are not
    allocations) of many usages in one query: ``{usage id: [{lot, quantity, value}]}``, lots in the
    order of their first entry, strings for decimals (the API's shape); usages without allocations
    are left out."""
    ids = sorted(set(usage_ids))
    if not ids:
        return {}
    rows = (
        CogsEntry.objects.filter(usage_id__in=ids, lot__isnull=False)
        .order_by("usage_id", "id")
        .values_list("usage_id", "lot_id", "quantity", "value")
    )
    totals: dict[int, dict[int, list[Decimal]]] = {}
    for usage_id, lot_id, quantity, value in rows:
        t = totals.setdefault(usage_id, {}).setdefault(lot_id, [ZERO, ZERO])
        t[0] += quantity
        t[1] += value
    return {
        usage_id: [{"lot": lot_id, "quantity": str(q), "value": str(v)} for lot_id, (q, v) in lots.items()]
        for usage_id, lots in totals.items()
    }


def usage_allocations(usage: InventoryUsage) -> list[dict]:
    """One usage's ``usages_allocations``."""
    return usages_allocations([usage.pk]).get(usage.pk, [])


def allocations_with_lots(usage: InventoryUsage) -> list[dict]:
    rows = usage_allocations(usage)
    lots = Lot.objects.in_bulk([r["lot"] for r in rows])
    return [
        {**r, "lot_obj": lots.get(r["lot"]), "quantity_d": Decimal(r["quantity"]), "value_d": Decimal(r["value"])}
        for r in rows
    ]


def group_by_run(entries: list[CogsEntry]) -> list[dict]:
    groups: dict[int, dict] = {}
    for e in entries:
        g = groups.setdefault(e.run_id, {"run": e.run, "entries": [], "quantity": ZERO, "value": ZERO})
        g["entries"].append(e)
        g["quantity"] += e.quantity
        g["value"] += e.value
    return list(groups.values())


# --- unallocated usage --------------------------------------------------------------------------

REASON_NOT_RUN = "Stock is available: the next COGS run allocates it"
REASON_CANNOT_POST = "COGS cannot post this usage ({run}): {message}. Reverse or correct it; the next run retries"
REASON_PAIR_FAILED = "COGS could not post this LIC in this office ({run}): {message}. The next run retries"
REASON_NO_STOCK = "No stock: no lot of this LIC has any available in this office"
REASON_UNRELEASED = "Unreleased lots only: the available stock is in production lots not yet released"
REASON_SPECIFIC_EXHAUSTED = "Specific lot exhausted: the named lot has nothing left"
REASON_SPECIFIC_UNRELEASED = "Specific lot not released yet"
REASON_SPECIFIC_NONE = "Specific unit costing: the usage names no lot"
REASON_SERIAL_UNRELEASED = "Its serials are in a production lot not released yet"
REASON_RETURN_WAITING = "Return waits: the returned usage is not fully allocated yet"
REASON_RETURN_NOTHING = "Return with nothing to give back: no lot of this LIC has used quantity in this office"
# usage beyond the released stock on hand is short, not "available" (figures as on the page)
REASON_SHORT = "Short of stock: {on_hand} on hand, {short} short"
REASON_SPECIFIC_SHORT = "Specific lot short: {lot} has {on_hand} left, {short} short"


def unallocated_list(scope: Scope = EVERYTHING) -> QuerySet[InventoryUsage]:
    return (
        InventoryUsage.objects.visible_to(scope)
        .unallocated()
        .select_related("office", "lic", "lot", "returns_usage", "cogs_state", "returns_usage__cogs_state")
        .order_by("date", "id")
    )


def open_run_exceptions(scope: Scope = EVERYTHING) -> list:
    """The pairs the latest finished run could not post (CogsRunException rows; [] when it posted
    everything): they stay pending, and the unallocated page names them and their usage (those of
    the offices ``scope`` sees: the run itself may cover others)."""
    run = CogsRun.objects.filter(status=RunStatus.DONE).order_by("-id").only("id", "exceptions_count").first()
    if run is None or not run.exceptions_count:
        return []
    return list(run.exception_rows.visible_to(scope))


def with_reasons(usages: list[InventoryUsage]) -> list[InventoryUsage]:
    """Set ``usage.reason`` on each row (a constant number of queries for the page)."""
    pairs = {(u.lic_id, u.office_id) for u in usages}
    stock: dict[tuple[int, int], dict] = defaultdict(lambda: {"released": ZERO, "unreleased": ZERO, "used": ZERO})
    if pairs:
        lic_ids = sorted({p[0] for p in pairs})
        office_ids = sorted({p[1] for p in pairs})
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT lic_id, office_id, "
                "COALESCE(SUM(qty_available) FILTER (WHERE released), 0), "
                "COALESCE(SUM(qty_available) FILTER (WHERE NOT released), 0), COALESCE(SUM(qty_used), 0) "
                "FROM inventory_lots_lot WHERE lic_id = ANY(%s) AND office_id = ANY(%s) GROUP BY lic_id, office_id",
                [lic_ids, office_ids],
            )
            for lic_id, office_id, released, unreleased, used in cursor.fetchall():
                stock[(lic_id, office_id)] = {"released": released, "unreleased": unreleased, "used": used}
    failed = {(x.lic_id, x.office_id): x for x in open_run_exceptions()} if usages else {}
    waiting = _serials_in_unreleased_lots([u.pk for u in usages if u.quantity > 0 and u.serial_numbers])
    for u in usages:
        x = failed.get((u.lic_id, u.office_id))
        if x is not None:
            reason = (REASON_CANNOT_POST if x.usage_id == u.pk else REASON_PAIR_FAILED).format(
                run=x.run, message=x.message
            )
        elif u.quantity > 0 and u.serial_numbers:  # it goes to its serials' lots only
            reason = REASON_SERIAL_UNRELEASED if u.pk in waiting else REASON_NOT_RUN
        else:
            reason = _reason(u, stock[(u.lic_id, u.office_id)])
        u.reason = reason  # type: ignore[attr-defined]  # the list's column, set on the page's rows
    return usages


def _serials_in_unreleased_lots(usage_ids: list[int]) -> set[int]:
    """The serialized usage (of these) with a serial in a production lot not released yet (one query)."""
    if not usage_ids:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT m.usage_id FROM inventory_lots_serialuse m "
            "JOIN inventory_lots_lotserial s ON s.id = m.serial_id JOIN inventory_lots_lot l ON l.id = s.lot_id "
            "WHERE m.usage_id = ANY(%s) AND NOT l.released",
            [usage_ids],
        )
        return {row[0] for row in cursor.fetchall()}


def _reason(u: InventoryUsage, s: dict) -> str:
    if u.quantity < 0:
        named = u.returns_usage
        if named is not None and named.unallocated_quantity != 0:
            return REASON_RETURN_WAITING
        return REASON_RETURN_NOTHING if s["used"] == 0 else REASON_NOT_RUN
    if u.lic.costing_method == CostingMethod.SPECIFIC:
        if u.lot is None:
            return REASON_SPECIFIC_NONE
        if u.lot.qty_available == 0:
            return REASON_SPECIFIC_EXHAUSTED
        if not u.lot.released:
            return REASON_SPECIFIC_UNRELEASED
        if u.lot.qty_available < u.unallocated_quantity:
            return REASON_SPECIFIC_SHORT.format(
                lot=u.lot.number,
                on_hand=qty_text(u.lot.qty_available),
                short=qty_text(u.unallocated_quantity - u.lot.qty_available),
            )
        return REASON_NOT_RUN
    if s["released"] > 0:
        if s["released"] < u.unallocated_quantity:  # released stock in the office vs what this usage lacks
            return REASON_SHORT.format(
                on_hand=qty_text(s["released"]), short=qty_text(u.unallocated_quantity - s["released"])
            )
        return REASON_NOT_RUN
    return REASON_UNRELEASED if s["unreleased"] > 0 else REASON_NO_STOCK


# --- invariants ---------------------------------------------------------------------------------

VIOLATION_CHECKS = {
    "lot_balance": """
        SELECT l.id, 'qty_used ' || l.qty_used || ' / entries ' || COALESCE(s.q, 0)
               || '; value_used ' || l.value_used || ' / entries ' || COALESCE(s.v, 0)
        FROM inventory_lots_lot l
        LEFT JOIN (SELECT lot_id, SUM(quantity) q, SUM(value) v FROM cogs_cogsentry
                   WHERE lot_id IS NOT NULL GROUP BY lot_id) s ON s.lot_id = l.id
        WHERE l.qty_used <> COALESCE(s.q, 0) OR l.value_used <> COALESCE(s.v, 0)""",
    "usage_balance": f"""
        SELECT u.id, CASE WHEN c.usage_id IS NULL THEN 'no COGS row' ELSE
                   'allocated ' || c.allocated_quantity || ' / entries ' || COALESCE(s.q, 0)
                   || '; cogs ' || c.cogs_value || ' / entries ' || COALESCE(s.v, 0)
                   || '; accrued ' || c.accrued_value || ' / entries ' || COALESCE(s.a, 0)
                   || CASE WHEN k.differs THEN '; its copy of the usage differs' ELSE '' END END
        FROM inventory_lots_inventoryusage u
        LEFT JOIN inventory_lots_usagecogs c ON c.usage_id = u.id
        CROSS JOIN LATERAL (SELECT (c.lic_id, c.date, c.quantity, c.lot_id, c.returns_usage_id, c.reverses_usage_id,
                                    c.production_order_id)
                                   IS DISTINCT FROM (u.lic_id, u.date, u.quantity, u.lot_id, u.returns_usage_id,
                                   u.reverses_usage_id,
                                   inventory_lots_component_order(u.kind, u.source_type_id, u.source_id)) AS differs) k
        LEFT JOIN (SELECT usage_id, SUM(quantity) FILTER (WHERE kind NOT IN {ACCRUAL_KINDS_SQL}) q,
                          SUM(value) FILTER (WHERE kind NOT IN {ACCRUAL_KINDS_SQL}) v,
                          SUM(value) FILTER (WHERE kind IN {ACCRUAL_KINDS_SQL}) a
                   FROM cogs_cogsentry GROUP BY usage_id) s ON s.usage_id = u.id
        WHERE c.usage_id IS NULL OR k.differs
           OR c.allocated_quantity <> COALESCE(s.q, 0) OR c.cogs_value <> COALESCE(s.v, 0)
           OR c.accrued_value <> COALESCE(s.a, 0)""",  # noqa: S608 (constants only)
    "used_up_lot_value": """
        SELECT l.id, 'used up: value_used ' || l.value_used || ' <> value_in ' || l.value_in
        FROM inventory_lots_lot l
        WHERE l.qty_used = l.qty_in AND l.value_used <> l.value_in
          AND (SELECT e.unit_cost FROM cogs_cogsentry e WHERE e.lot_id = l.id ORDER BY e.id DESC LIMIT 1)
              = l.unit_cost""",
    "orphan_entry": """
        SELECT e.id, 'entry without its lot, usage or run'
        FROM cogs_cogsentry e
        WHERE NOT EXISTS (SELECT 1 FROM inventory_lots_inventoryusage u WHERE u.id = e.usage_id)
           OR (e.lot_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM inventory_lots_lot l WHERE l.id = e.lot_id))
           OR NOT EXISTS (SELECT 1 FROM cogs_cogsrun r WHERE r.id = e.run_id)""",
    "entry_pair": """
        SELECT e.id, 'entry lot and usage are not of the same LIC and office'
        FROM cogs_cogsentry e JOIN inventory_lots_inventoryusage u ON u.id = e.usage_id
        LEFT JOIN inventory_lots_lot l ON l.id = e.lot_id
        WHERE u.lic_id <> e.lic_id OR u.office_id <> e.office_id
           OR (l.id IS NOT NULL AND (l.lic_id <> e.lic_id OR l.office_id <> e.office_id))""",
    "usage_sign": f"""
        SELECT e.usage_id, 'entry quantity sign differs from its usage'
        FROM cogs_cogsentry e JOIN inventory_lots_inventoryusage u ON u.id = e.usage_id
        WHERE e.kind IN {MOVEMENT_KINDS_SQL} AND sign(e.quantity) <> sign(u.quantity)""",  # noqa: S608
    "unallocated_table": """
        SELECT COALESCE(u.id, s.usage_id), 'inventory_lots_unallocatedusage out of step: '
               || CASE WHEN u.id IS NULL THEN 'listed usage is fully allocated or missing'
                       WHEN s.usage_id IS NULL THEN 'unallocated usage not listed'
                       ELSE 'LIC, office or date differs' END
        FROM inventory_lots_unallocatedusage s
        FULL JOIN (SELECT u.id, u.lic_id, u.office_id, u.date FROM inventory_lots_inventoryusage u
                   JOIN inventory_lots_usagecogs c ON c.usage_id = u.id
                   WHERE c.quantity <> c.allocated_quantity) u ON u.id = s.usage_id
        WHERE u.id IS NULL OR s.usage_id IS NULL
           OR (u.lic_id, u.office_id, u.date) IS DISTINCT FROM (s.lic_id, s.office_id, s.date)""",
    # DOMAIN.md 6a: stock is never used before it exists, so a lot's allocations and give-backs are in
    # date order (by id, the order they were posted) and none is dated before the lot
    "lot_entry_dates": f"""
        SELECT e.lot_id, 'entry ' || e.id || ' dated ' || e.date || ' before '
               || CASE WHEN e.date < l.date THEN 'the lot (' || l.date || ')'
                       ELSE 'an earlier entry of the lot (' || e.before || ')' END
        FROM (SELECT id, lot_id, date, MAX(date) OVER (PARTITION BY lot_id ORDER BY id
                                                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before
              FROM cogs_cogsentry WHERE kind IN {MOVEMENT_KINDS_SQL}) e
        JOIN inventory_lots_lot l ON l.id = e.lot_id
        WHERE e.date < l.date OR e.date < e.before""",  # noqa: S608
    # DOMAIN.md 6a: the estimate and the true cost never both count at a date: at every date, what a
    # usage has allocated plus what it has accrued (entry quantities dated up to then) stays within it
    "allocated_and_accrued": """
        SELECT x.usage_id, 'on ' || x.date || ' allocated and accrued ' || x.total || ' of ' || x.quantity
        FROM (SELECT e.usage_id, e.date, c.quantity,
                     SUM(SUM(e.quantity)) OVER (PARTITION BY e.usage_id ORDER BY e.date) AS total
              FROM cogs_cogsentry e JOIN inventory_lots_usagecogs c ON c.usage_id = e.usage_id
              GROUP BY e.usage_id, e.date, c.quantity) x
        WHERE abs(x.total) > abs(x.quantity) OR sign(x.total) = -sign(x.quantity)""",
    # every serial in at most one place (the partial unique index inventory_lots_serial_out_once
    # is the guard; this is the proof)
    "serial_out_twice": """
        SELECT m.serial_id, 'serial ' || s.serial_number || ' of ' || c.code || ' out on usages '
               || string_agg(m.usage_id::text, ', ' ORDER BY m.usage_id)
        FROM inventory_lots_serialuse m JOIN inventory_lots_lotserial s ON s.id = m.serial_id
        JOIN inventory_lots_lineitemcode c ON c.id = s.lic_id
        WHERE m.returned_by_id IS NULL
        GROUP BY m.serial_id, s.serial_number, c.code HAVING count(*) > 1""",
    # a usage of a serialized LIC took out (a return: brought back) exactly the serials it names, its
    # quantity of them, of its LIC and office; a movement is out on a positive usage and brought back by a
    # return of that usage
    "serial_usage": """
        SELECT u.id, 'names ' || COALESCE(n.named, 'none') || '; recorded ' || COALESCE(m.serials, 'none')
               || CASE WHEN m.elsewhere THEN ' (a serial of another LIC or office)' ELSE '' END
        FROM inventory_lots_inventoryusage u
        CROSS JOIN LATERAL (SELECT string_agg(x, ', ' ORDER BY x) AS named
                            FROM jsonb_array_elements_text(u.serial_numbers) x) n
        CROSS JOIN LATERAL (
            SELECT string_agg(s.serial_number, ', ' ORDER BY s.serial_number) AS serials, count(*) AS k,
                   bool_or(s.lic_id <> u.lic_id OR l.office_id <> u.office_id) AS elsewhere
            FROM inventory_lots_serialuse m JOIN inventory_lots_lotserial s ON s.id = m.serial_id
            JOIN inventory_lots_lot l ON l.id = s.lot_id
            WHERE (u.quantity > 0 AND m.usage_id = u.id) OR (u.quantity < 0 AND m.returned_by_id = u.id)) m
        WHERE u.lic_id IN (SELECT id FROM inventory_lots_lineitemcode WHERE serialized)
          AND (m.k <> abs(u.quantity) OR n.named IS DISTINCT FROM m.serials OR m.elsewhere)
        UNION ALL
        SELECT m.usage_id, 'serial movement ' || m.id || ': out on a return, or back by a usage that does not return it'
        FROM inventory_lots_serialuse m JOIN inventory_lots_inventoryusage u ON u.id = m.usage_id
        LEFT JOIN inventory_lots_inventoryusage r ON r.id = m.returned_by_id
        WHERE u.quantity <= 0 OR r.quantity >= 0 OR r.returns_usage_id <> u.id""",
    # shipped serials match their usage's allocated lots: what a serialized usage took from a lot (a
    # return: gave back to it) never exceeds the count of its serials in that lot (FIFO could
    # put a serial's usage on another lot)
    "serial_lots": f"""
        SELECT x.usage_id, 'lot ' || l.number || ': ' || x.q || ' allocated, ' || x.n || ' of its serials there'
        FROM (SELECT e.usage_id, e.lot_id, abs(SUM(e.quantity)) AS q,
                     (SELECT count(*) FROM inventory_lots_serialuse m
                      JOIN inventory_lots_lotserial s ON s.id = m.serial_id
                      WHERE s.lot_id = e.lot_id AND (m.usage_id = e.usage_id OR m.returned_by_id = e.usage_id)) AS n
              FROM cogs_cogsentry e
              WHERE e.kind IN {MOVEMENT_KINDS_SQL} AND e.lot_id IS NOT NULL
                AND e.lic_id IN (SELECT id FROM inventory_lots_lineitemcode WHERE serialized)
              GROUP BY e.usage_id, e.lot_id) x
        JOIN inventory_lots_lot l ON l.id = x.lot_id
        WHERE x.q > x.n""",  # noqa: S608
}


def ledger_violations(limit: int = 100) -> list[dict]:
    """Every broken COGS invariant, checked in SQL over the whole database: per lot, Σ entry
    quantities = qty_used and Σ values = value_used; per usage, Σ entries = allocated_quantity,
    cogs_value and accrued_value; a used-up, revalued lot's COGS = its value; no orphan or
    mismatched entry; the unallocated-usage table lists exactly the usage with unallocated_quantity <> 0;
    a lot's allocations and give-backs in date order and not before the lot; no usage allocated and
    accrued beyond its quantity at any date; every serial out at most once, each serialized usage's
    movements its own serials, and its allocations only on its serials' lots. [] when the books tie."""
    out: list[dict] = []
    with connection.cursor() as cursor:
        for check, sql in VIOLATION_CHECKS.items():
            cursor.execute(f"{sql} LIMIT {int(limit)}")
            out.extend({"check": check, "id": row[0], "detail": row[1]} for row in cursor.fetchall())
    return out


# The invariants of apps above cogs (the journal, reports/journal.py), registered from their
# AppConfig.ready (cogs never imports them); ``manage.py check_ledger`` runs them after its own.
_OTHER_CHECKS: list[Callable[..., list[dict]]] = []


def register_ledger_checks(violations: Callable[..., list[dict]]) -> None:
    """``violations(limit=)`` -> ``[{"check", "id", "detail"}, ...]``, [] when its books tie."""
    if violations not in _OTHER_CHECKS:
        _OTHER_CHECKS.append(violations)


def other_ledger_violations(limit: int = 100) -> list[dict]:
    return [v for violations in _OTHER_CHECKS for v in violations(limit=limit)]


__all__ = ["EntryKind", "ledger_violations"]
