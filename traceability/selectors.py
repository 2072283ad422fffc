"""Reads of cost history, trace and recall (DOMAIN.md section 6a).

Trace and recall follow the lot side of the COGS entries: a lot's net quantity per usage
target is Σ quantity of its allocation and give-back entries (kinds 1-3; revaluations carry
quantity 0), where a return that names the usage it returns counts against that usage (so a
shipment's figure is net of the returns naming it, and a production order's net of component
returns). Targets are the usage's source document: a shipment (a leaf), a production order (on
to the lot it produced), a customer return that named no usage, an adjustment.

Query budget: trace runs one query per level (capped by ``MAX_DEPTH``) plus three to describe
the lots, shipments and purchase orders found; recall is one recursive query. Neither grows
with the number of nodes. Cycles are guarded: a lot already on the path is not expanded again
(trace), and the recursive query keeps (lot, depth) pairs distinct and stops at the cap (recall).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.urls import reverse

from cogs.models import CogsEntry, EntryKind
from core.money import ZERO, money
from inventory_lots.models import Lot, LotCostChange
from inventory_lots.scope import EVERYTHING, Scope
from inventory_lots.selectors import go_to_url
from orders.models import Shipment
from production.models import ProductionOrder
from purchasing.models import PurchaseOrder
from transfers.models import Transfer

DEFAULT_DEPTH = 10
MAX_DEPTH = 20
MAX_NODES = 5000
DIRECTIONS = ("down", "up")


def _ct(model) -> int:
    return ContentType.objects.get_for_model(model).pk


# --- cost history ----------------------------------------------------------------------------


@dataclass
class CostHistoryRow:
    change: LotCostChange
    adjustments_value: Decimal = ZERO


def cost_history(lot: Lot) -> tuple[list[CostHistoryRow], Decimal]:
    """The lot's unit cost changes, oldest first, each with the revaluation entries (kind 4) it
    caused; returns (rows, unattributed value). Attribution: a revaluation entry belongs to the
    latest change of the lot (by created_at, then id) created before its run finished (a run
    still going: any change so far). Two queries."""
    changes = list(LotCostChange.objects.filter(lot=lot).select_related("created_by").order_by("created_at", "id"))
    rows = [CostHistoryRow(change=c) for c in changes]
    unattributed = ZERO
    entries = CogsEntry.objects.filter(lot=lot, kind=EntryKind.REVALUATION).values_list("value", "run__finished_at")
    for value, finished_at in entries:
        target = None
        for row in rows:
            if finished_at is None or row.change.created_at <= finished_at:
                target = row
        if target is None:
            unattributed += value
        else:
            target.adjustments_value += value
    return rows, money(unattributed)


def cost_history_api(rows: list[CostHistoryRow]) -> list[dict]:
    return [
        {
            "date": r.change.date.isoformat(),
            "old_unit_cost": str(r.change.old_unit_cost),
            "new_unit_cost": str(r.change.new_unit_cost),
            "cause": r.change.cause,
            "adjustments_value": str(money(r.adjustments_value)),
            "reason": r.change.reason,
            "source_label": r.change.source_label,
        }
        for r in rows
    ]


# --- trace -----------------------------------------------------------------------------------

DOWN_EDGES_SQL = """
SELECT e.lot_id,
       COALESCE(ru.source_type_id, u.source_type_id) AS target_type,
       COALESCE(ru.source_id, u.source_id) AS target_id,
       MAX(COALESCE(ru.source_label, u.source_label)) AS target_label,
       u.lic_id,
       SUM(e.quantity) AS quantity,
       COALESCE(po.lot_id, tl.lot_id) AS child
FROM cogs_cogsentry e
JOIN inventory_lots_inventoryusage u ON u.id = e.usage_id
LEFT JOIN inventory_lots_inventoryusage ru ON ru.id = u.returns_usage_id
LEFT JOIN production_productionorder po
  ON COALESCE(ru.source_type_id, u.source_type_id) = %(po_ct)s AND po.id = COALESCE(ru.source_id, u.source_id)
LEFT JOIN transfers_transferline tl ON tl.usage_id = COALESCE(ru.id, u.id)  -- a transfer: on to its lot
WHERE e.lot_id = ANY(%(lots)s) AND e.kind IN (1, 2, 3)
GROUP BY e.lot_id, 2, 3, u.lic_id, 7
HAVING SUM(e.quantity) <> 0
ORDER BY e.lot_id, MIN(e.id)
"""

UP_EDGES_SQL = """
SELECT l.id, %(po_ct)s, l.transaction_id, MAX(l.transaction_label), e.lot_id, SUM(e.quantity) AS quantity,
       MIN(e.id) AS first
FROM inventory_lots_lot l
JOIN inventory_lots_inventoryusage u
  ON u.source_type_id = l.transaction_type_id AND u.source_id = l.transaction_id AND u.kind = 'production'
JOIN cogs_cogsentry e ON e.usage_id = u.id AND e.kind IN (1, 2, 3)
WHERE l.id = ANY(%(lots)s) AND l.type = 'production' AND l.transaction_type_id = %(po_ct)s
GROUP BY l.id, l.transaction_id, e.lot_id
HAVING SUM(e.quantity) <> 0
UNION ALL  -- a transfer lot: back to the lots its transfer usage took from in the other office
SELECT l.id, %(tr_ct)s, tl.transfer_id, MAX(l.transaction_label), e.lot_id, SUM(e.quantity), MIN(e.id)
FROM inventory_lots_lot l
JOIN transfers_transferline tl ON tl.lot_id = l.id
JOIN cogs_cogsentry e ON e.usage_id = tl.usage_id AND e.kind IN (1, 2, 3)
WHERE l.id = ANY(%(lots)s) AND l.type = 'transfer'
GROUP BY l.id, tl.transfer_id, e.lot_id
HAVING SUM(e.quantity) <> 0
ORDER BY 1, 7
"""


@dataclass(frozen=True)
class Edge:
    child: int | None  # the lot reached (None for a leaf: a shipment, a return, an adjustment)
    lic_id: int | None
    quantity: Decimal
    via_type: int
    via_id: int
    via_label: str


@dataclass
class TraceResult:
    lot: Lot
    direction: str
    depth: int
    nodes: list[dict] = field(default_factory=list)
    truncated: bool = False
    node_count: int = 0
    purchase_order: dict | None = None  # the root lot's PO and vendor (purchase lots, direction up)


def _edges(direction: str, lot_ids: list[int]) -> dict[int, list[Edge]]:
    po_ct = _ct(ProductionOrder)
    out: dict[int, list[Edge]] = {lot_id: [] for lot_id in lot_ids}
    with connection.cursor() as cursor:
        if direction == "down":
            cursor.execute(DOWN_EDGES_SQL, {"lots": lot_ids, "po_ct": po_ct})
            for lot_id, t, tid, label, lic_id, quantity, child in cursor.fetchall():
                out[lot_id].append(Edge(child, lic_id, quantity, t, tid, label))
        else:
            cursor.execute(UP_EDGES_SQL, {"lots": lot_ids, "po_ct": po_ct, "tr_ct": _ct(Transfer)})
            for lot_id, via_type, via_id, label, component, quantity, _ in cursor.fetchall():
                out[lot_id].append(Edge(component, None, quantity, via_type, via_id, label))
    return out


def _collect_edges(root: int, direction: str, depth: int) -> dict[int, list[Edge]]:
    """Breadth first, one query per level; a lot is queried once however often it is reached."""
    edges: dict[int, list[Edge]] = {}
    frontier = {root}
    for _ in range(depth):
        new = sorted(frontier - edges.keys())
        if not new:
            break
        edges.update(_edges(direction, new))
        frontier = {e.child for lot_id in new for e in edges[lot_id] if e.child is not None}
    return edges


def hidden_label(count: int, noun: str = "lot") -> str:
    return f"{count} {noun}{'' if count == 1 else 's'} in another office"


def trace(lot: Lot, *, direction: str, depth: int = DEFAULT_DEPTH, scope: Scope = EVERYTHING) -> TraceResult:
    """The trace from ``lot``. Lots in an office ``scope`` does not see end their branch: the
    lots a step reaches there show as one node, ``{"hidden": true, "label": "2 lots in another
    office"}`` with every other detail null (lot, number, LIC, quantity, document) and no
    children (DOMAIN.md 11)."""
    depth = max(1, min(depth, MAX_DEPTH))
    edges = _collect_edges(lot.pk, direction, depth)
    result = TraceResult(lot=lot, direction=direction, depth=depth)
    lot_ids = {lot.pk} | {e.child for es in edges.values() for e in es if e.child is not None}
    lots = {
        row["id"]: row
        for row in Lot.objects.filter(pk__in=lot_ids).values(
            "id",
            "number",
            "type",
            "office_id",
            "lic_id",
            "lic__code",
            "date",
            "qty_in",
            "unit_cost",
            "parent_order_type_id",
            "parent_order_id",
        )
    }
    purchase_orders = _purchase_orders(lots.values()) if direction == "up" else {}
    shipments = _shipments(edges) if direction == "down" else {}
    lic_codes = {row["lic_id"]: row["lic__code"] for row in lots.values()}
    missing = {e.lic_id for es in edges.values() for e in es if e.lic_id and e.lic_id not in lic_codes}
    if missing:
        from inventory_lots.models import LineItemCode

        lic_codes.update(LineItemCode.objects.filter(pk__in=missing).values_list("id", "code"))
    ctx = _BuildContext(edges, lots, purchase_orders, shipments, lic_codes, depth, scope)
    result.nodes = ctx.children(lot.pk, 1, frozenset({lot.pk}))
    result.truncated, result.node_count = ctx.truncated, ctx.count
    if lot.type == "purchase":
        result.purchase_order = purchase_orders.get(lots[lot.pk]["parent_order_id"])
    return result


def _purchase_orders(lot_rows) -> dict[int, dict]:
    po_ct = _ct(PurchaseOrder)
    ids = {r["parent_order_id"] for r in lot_rows if r["type"] == "purchase" and r["parent_order_type_id"] == po_ct}
    return {
        po.pk: {
            "id": po.pk,
            "number": po.number,
            "url": po.get_absolute_url(),
            "vendor": {"code": po.vendor.code, "name": po.vendor.name},
        }
        for po in PurchaseOrder.objects.filter(pk__in=ids).select_related("vendor")
    }


def _shipments(edges: dict[int, list[Edge]]) -> dict[int, dict]:
    sh_ct = _ct(Shipment)
    ids = {e.via_id for es in edges.values() for e in es if e.via_type == sh_ct}
    return {
        s.pk: {
            "order": s.order.number,
            "order_id": s.order_id,
            "customer": s.order.customer.code,
            "customer_name": s.order.customer.name,
            "date": s.date.isoformat(),
        }
        for s in Shipment.objects.filter(pk__in=ids).select_related("order__customer")
    }


@dataclass
class _BuildContext:
    edges: dict[int, list[Edge]]
    lots: dict[int, dict]
    purchase_orders: dict[int, dict]
    shipments: dict[int, dict]
    lic_codes: dict[int, str]
    depth: int
    scope: Scope = EVERYTHING
    count: int = 0
    truncated: bool = False

    def children(self, lot_id: int, level: int, path: frozenset[int]) -> list[dict]:
        nodes = []
        hidden: set[int] = set()
        for edge in self.edges.get(lot_id, []):
            child = self.lots.get(edge.child) if edge.child is not None else None
            if child is not None and not self.scope.sees(child["office_id"]):
                hidden.add(edge.child)
                continue
            if self.count >= MAX_NODES:
                self.truncated = True
                break
            self.count += 1
            nodes.append(self.node(edge, level, path))
        if hidden:
            label = hidden_label(len(hidden))
            nodes.append(
                {
                    **dict.fromkeys(("lot", "lot_number", "lot_url", "lic", "quantity", "via", "via_url")),
                    "depth": level,
                    "children": [],
                    "hidden": True,
                    "label": label,
                }
            )
        return nodes

    def node(self, edge: Edge, level: int, path: frozenset[int]) -> dict:
        via_type = ContentType.objects.get_for_id(edge.via_type).model
        child = self.lots.get(edge.child) if edge.child is not None else None
        lic_id = edge.lic_id if edge.lic_id is not None else (child["lic_id"] if child else None)
        node = {
            "lot": edge.child,
            "lot_number": child["number"] if child else None,
            "lot_url": reverse("inventory_lots:lot_detail", args=[edge.child]) if child else None,
            "lic": self.lic_codes.get(lic_id),
            "quantity": str(edge.quantity),
            "depth": level,
            "via": {"type": via_type, "id": edge.via_id, "label": edge.via_label},
            "via_url": go_to_url(edge.via_type, edge.via_id),
            "children": [],
        }
        if via_type == "shipment":
            node["shipment"] = self.shipments.get(edge.via_id)
        if child is not None:
            po = self.purchase_orders.get(child["parent_order_id"]) if child["type"] == "purchase" else None
            node["lot_type"] = child["type"]
            node["purchase_order"] = po
            node["vendor"] = po["vendor"] if po else None
            if edge.child in path:
                node["cycle"] = True
            elif level < self.depth:
                node["children"] = self.children(edge.child, level + 1, path | {edge.child})
        return node


def trace_api(result: TraceResult) -> dict:
    return {
        "lot": result.lot.pk,
        "lot_number": result.lot.number,
        "direction": result.direction,
        "depth": result.depth,
        "nodes": result.nodes,
        "truncated": result.truncated,
        "purchase_order": result.purchase_order,
        "vendor": result.purchase_order["vendor"] if result.purchase_order else None,
    }


def flatten(nodes: list[dict]) -> list[dict]:
    """Depth-first rows for the page (each node once, with its ``depth`` for indentation)."""
    out = []
    stack = list(reversed(nodes))
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(reversed(node["children"]))
    return out


# --- recall ----------------------------------------------------------------------------------

RECALL_SQL = """
WITH RECURSIVE reach(lot_id, depth) AS (
  SELECT %(lot)s::bigint, 1
  UNION
  SELECT x.child, r.depth + 1
  FROM reach r
  CROSS JOIN LATERAL (
    SELECT po.lot_id AS child
    FROM cogs_cogsentry e
    JOIN inventory_lots_inventoryusage u ON u.id = e.usage_id
    JOIN production_productionorder po ON po.id = u.source_id
    WHERE e.lot_id = r.lot_id AND e.kind IN (1, 2, 3) AND u.kind = 'production'
      AND u.source_type_id = %(po_ct)s AND po.lot_id IS NOT NULL
    GROUP BY po.lot_id
    HAVING SUM(e.quantity) > 0
    UNION ALL  -- a transfer: on to the lot it made in the other office
    SELECT tl.lot_id FROM cogs_cogsentry e JOIN transfers_transferline tl ON tl.usage_id = e.usage_id
    WHERE e.lot_id = r.lot_id AND e.kind IN (1, 2, 3)
    GROUP BY tl.lot_id
    HAVING SUM(e.quantity) > 0
  ) x
  WHERE r.depth < %(max_depth)s
),
best AS (SELECT lot_id, MIN(depth) AS depth FROM reach GROUP BY lot_id)
SELECT s.id, s.number, s.date, o.id, o.number, c.code, c.name, lic.code, b.lot_id, l.number,
       SUM(e.quantity) AS quantity, b.depth, l.office_id
FROM best b
JOIN cogs_cogsentry e ON e.lot_id = b.lot_id AND e.kind IN (1, 2, 3)
JOIN inventory_lots_inventoryusage u ON u.id = e.usage_id
LEFT JOIN inventory_lots_inventoryusage ru ON ru.id = u.returns_usage_id
JOIN orders_shipment s
  ON COALESCE(ru.source_type_id, u.source_type_id) = %(sh_ct)s AND s.id = COALESCE(ru.source_id, u.source_id)
JOIN orders_order o ON o.id = s.order_id
JOIN orders_customer c ON c.id = o.customer_id
JOIN inventory_lots_lineitemcode lic ON lic.id = u.lic_id
JOIN inventory_lots_lot l ON l.id = b.lot_id
GROUP BY s.id, s.number, s.date, o.id, o.number, c.code, c.name, lic.code, b.lot_id, l.number, b.depth, l.office_id
HAVING SUM(e.quantity) > 0
ORDER BY b.depth, s.date, s.id, b.lot_id
"""


@dataclass(frozen=True)
class RecallRow:
    shipment_id: int
    shipment: str
    date: object
    order_id: int
    order: str
    customer: str
    customer_name: str
    lic: str
    lot_id: int
    lot: str
    quantity: Decimal
    depth: int
    office_id: int | None = None

    def api(self) -> dict:
        return {
            "shipment": self.shipment_id,
            "shipment_number": self.shipment,
            "order": self.order_id,
            "order_number": self.order,
            "customer": self.customer,
            "customer_name": self.customer_name,
            "date": self.date.isoformat(),
            "lic": self.lic,
            "lot": self.lot_id,
            "lot_number": self.lot,
            "quantity": str(self.quantity),
            "depth": self.depth,
        }


def recall(lot: Lot, *, max_depth: int = MAX_DEPTH) -> list[RecallRow]:
    """Every customer shipment holding any of ``lot`` at any depth (one recursive query):
    one row per (shipment, shipped lot) with the net quantity of that lot shipped and its depth
    (1 = shipped straight from the lot, 2 = from a lot made from it, ...; a lot reached by
    several paths counts at its shallowest depth)."""
    params = {"lot": lot.pk, "po_ct": _ct(ProductionOrder), "sh_ct": _ct(Shipment), "max_depth": max_depth}
    with connection.cursor() as cursor:
        cursor.execute(RECALL_SQL, params)
        return [RecallRow(*row) for row in cursor.fetchall()]


def visible_recall(lot: Lot, scope: Scope = EVERYTHING) -> tuple[list[RecallRow], str | None]:
    """``recall`` for ``scope``: the rows of the offices it sees, and for the others one line,
    e.g. "3 shipments in another office" (None when there are none), without their lots,
    customers or quantities (DOMAIN.md 11)."""
    rows = recall(lot)
    if scope.all_offices:
        return rows, None
    seen = [r for r in rows if scope.sees(r.office_id)]
    others = {r.shipment_id for r in rows if not scope.sees(r.office_id)}
    return seen, hidden_label(len(others), "shipment") if others else None
