"""Inventory transactions (DOMAIN.md 9, aACE's third inventory screen): for one LIC in one office (or
every office), every movement in date order with the running on-hand balance and its document's Go-To,
and above them on hand, on order and in production.

**Movements** (quantity signed: + into stock, - out of it), in the order (date, source, id):
0. a lot's birth (not a production lot): its quantity in as first recorded, ``qty_in`` plus what
   reversals took back since (a receipt's, an adjustment's or a transfer's reversal line);
1. a production report (a production lot's birth and every later report);
2. a receipt reversal line (its lot's quantity back to 0), 3. an adjustment reversal line (the same);
4. a usage (shipment, component issue, job, adjustment out, transfer out; a return comes back: +);
5. a transfer's reversal line in the destination (its transfer lot back to 0; in the source office the
   reversal is a usage, 4, coming back: +, shown as ``transfer reversal`` too, not as a transfer out).
So the running balance is the book on-hand quantity of the count (``Σ qty_in of the lots dated <= D -
Σ usage dated <= D``) at every row.

**Speed** (bench/inventory_transactions.py): a page is one statement of six index range scans, each
limited to the page (lots: ``lot_lic_date_id``; usage: ``usage_lic_office_date``; production reports by
their orders of the LIC; the receipt and adjustment reversal sources by their small partial indexes, the
transfer lines by their LIC), merged and cut to the page. The running balance never scans the history:
the first page starts from 0 (or, with ``date_from``, from the balance before it: one aggregate); a next
or previous page gets the balance at its edge from the signed cursor of the page it came from; the last
page counts back from the balance now, which is ``Σ qty_available of the open lots - Σ unallocated
usage`` (the open-lot and unallocated-usage indexes: few rows whatever the history; it equals the book
because COGS's allocations are exactly the lots' ``qty_used``, which check_ledger verifies). Constant
query count.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.db import connection
from django.urls import reverse

from core.errors import ValidationFailed
from inventory_lots.models import LineItemCode, Office

ZERO = Decimal("0")
SALT = "movements.cursor"
MSG_BAD_CURSOR = "This page link is not valid any more: start again from the first page."

# One branch per source; {key} is the keyset condition on (date, id) built for the branch's source
# number, {order} ASC or DESC. Every branch returns (date, src, id, kind, ct, doc id, label, lot, usage, qty,
# lot number); a branch's lot number subquery runs once per row it returns (at most the page).
BRANCHES = {
    0: """SELECT l.date, 0, l.id, CASE l.type WHEN 'purchase' THEN
              CASE WHEN l.transaction_type_id = %(receipt_ct)s THEN 'receipt' ELSE 'adjustment' END
              WHEN 'transfer' THEN 'transfer_in' ELSE l.type END,
           l.transaction_type_id, l.transaction_id, l.transaction_label, l.id, NULL::bigint,
           l.qty_in - COALESCE((SELECT sum(rl.quantity) FROM purchasing_receiptline rl
                                WHERE rl.lot_id = l.id AND rl.quantity < 0), 0)
                    - COALESCE((SELECT sum(al.quantity) FROM inventory_lots_adjustmentline al
                                WHERE al.lot_id = l.id AND al.reverses_line_id IS NOT NULL), 0)
                    - {transfer_back},
           l.number
    FROM inventory_lots_lot l
    WHERE l.lic_id = %(lic)s{office_l} AND l.type <> 'production'{key_l}
    ORDER BY l.date {order}, l.id {order} LIMIT %(n)s""",
    1: """SELECT pr.date, 1, pr.id, 'production', %(po_ct)s, po.id, po.number, pr.lot_id, NULL::bigint, pr.quantity,
           (SELECT pl.number FROM inventory_lots_lot pl WHERE pl.id = pr.lot_id)
    FROM production_productionreport pr JOIN production_productionorder po ON po.id = pr.production_order_id
    WHERE po.lic_id = %(lic)s{office_po}{key_pr}
    ORDER BY pr.date {order}, pr.id {order} LIMIT %(n)s""",
    2: """SELECT r.date, 2, rl.id, 'receipt reversal', %(receipt_ct)s, rl.id, r.number, rl.lot_id, NULL::bigint,
           rl.quantity, l.number
    FROM purchasing_receiptline rl JOIN purchasing_receipt r ON r.id = rl.receipt_id
    JOIN inventory_lots_lot l ON l.id = rl.lot_id
    WHERE rl.quantity < 0 AND l.lic_id = %(lic)s{office_l}{key_r}
    ORDER BY r.date {order}, rl.id {order} LIMIT %(n)s""",
    3: """SELECT a.date, 3, al.id, 'adjustment reversal', %(adjline_ct)s, al.id, a.number, al.lot_id, NULL::bigint,
           al.quantity, (SELECT al_l.number FROM inventory_lots_lot al_l WHERE al_l.id = al.lot_id)
    FROM inventory_lots_adjustmentline al JOIN inventory_lots_inventoryadjustment a ON a.id = al.adjustment_id
    WHERE al.reverses_line_id IS NOT NULL AND al.lot_id IS NOT NULL AND al.lic_id = %(lic)s{office_a}{key_a}
    ORDER BY a.date {order}, al.id {order} LIMIT %(n)s""",
    4: """SELECT u.date, 4, u.id,
           CASE WHEN u.kind <> 'transfer' THEN u.kind
                WHEN u.quantity < 0 THEN 'transfer reversal' ELSE 'transfer_out' END,
           u.source_type_id, u.source_id, u.source_label, NULL::bigint, u.id,
           -u.quantity, NULL::varchar
    FROM inventory_lots_inventoryusage u
    WHERE u.lic_id = %(lic)s{office_u}{key_u}
    ORDER BY u.date {order}, u.id {order} LIMIT %(n)s""",
    5: """SELECT t.date, 5, r.id, 'transfer reversal', %(transfer_ct)s, t.id, t.number, o.lot_id, NULL::bigint,
           r.quantity, (SELECT tl_l.number FROM inventory_lots_lot tl_l WHERE tl_l.id = o.lot_id)
    FROM transfers_transferline r JOIN transfers_transferline o ON o.id = r.reverses_line_id
    JOIN transfers_transfer t ON t.id = r.transfer_id
    WHERE r.lic_id = %(lic)s{office_t}{key_t}
    ORDER BY t.date {order}, r.id {order} LIMIT %(n)s""",
}
# a transfer lot's quantity its transfer's reversal took back (its reversal line, -quantity): the lot's
# birth shows what it was born with
TRANSFER_BACK = """CASE WHEN l.type = 'transfer' THEN COALESCE((SELECT sum(r.quantity) FROM transfers_transferline r
                   JOIN transfers_transferline o ON o.id = r.reverses_line_id WHERE o.lot_id = l.id), 0) ELSE 0 END"""
# per branch: (its date column, its id column, the office filter placeholder it uses)
COLUMNS = {
    0: ("l.date", "l.id", "key_l"),
    1: ("pr.date", "pr.id", "key_pr"),
    2: ("r.date", "rl.id", "key_r"),
    3: ("a.date", "al.id", "key_a"),
    4: ("u.date", "u.id", "key_u"),
    5: ("t.date", "r.id", "key_t"),
}


@dataclass(frozen=True)
class Movement:
    date: datetime.date
    source: int
    id: int
    kind: str
    document_type: int
    document_id: int
    label: str
    lot: int | None
    usage: int | None
    quantity: Decimal
    lot_number: str | None  # the page and the CSV show it; the API's ``lot`` stays the id (API.md)
    balance: Decimal

    @property
    def goto_url(self) -> str:
        return f"/goto/{self.document_type}/{self.document_id}/"

    @property
    def lot_url(self) -> str:
        return _url_of("inventory_lots:lot_detail", self.lot) if self.lot else ""

    @property
    def usage_url(self) -> str:
        return _url_of("inventory_lots:usage_detail", self.usage) if self.usage else ""

    @property
    def usage_label(self) -> str:
        return f"U-{self.usage:06d}" if self.usage else ""

    @property
    def key(self) -> tuple:
        return (self.date, self.source, self.id)


_URL_PATTERNS: dict[str, str] = {}
_PLACEHOLDER = "987654321"


def _url_of(name: str, pk: int) -> str:
    """reverse(name, args=[pk]) with the pattern resolved once (a page has fifty rows of links)."""
    pattern = _URL_PATTERNS.get(name)
    if pattern is None:
        pattern = _URL_PATTERNS[name] = reverse(name, args=[int(_PLACEHOLDER)])
    return pattern.replace(_PLACEHOLDER, str(pk))


@dataclass(frozen=True)
class Figures:
    on_hand: Decimal
    on_order: Decimal
    in_production: Decimal


@dataclass(frozen=True)
class Page:
    rows: list[Movement]
    next_cursor: str | None
    previous_cursor: str | None
    is_last: bool
    on_hand_now: Decimal | None = None  # read by the last page (no date_to): figures() reuses it


def _key_condition(src: int, key: tuple, forward: bool) -> str:
    """The branch's part of ``(date, src, id) > key`` (forward) or ``< key`` (backward), written on its
    own (date, id) so its index serves it."""
    date_col, id_col, _ = COLUMNS[src]
    d, s, i = key
    gt = ">" if forward else "<"
    if src == s:
        return f" AND ({date_col}, {id_col}) {gt} ('{d.isoformat()}'::date, {int(i)})"
    if (src > s) == forward:  # the whole day of the key is on this side
        return f" AND {date_col} {gt}= '{d.isoformat()}'::date"
    return f" AND {date_col} {gt} '{d.isoformat()}'::date"


def _statement(*, office: bool, key: tuple | None, forward: bool, date_from, date_to) -> str:
    order = "ASC" if forward else "DESC"
    parts = []
    for src, sql in BRANCHES.items():
        date_col, _, key_name = COLUMNS[src]
        cond = _key_condition(src, key, forward) if key else ""
        if date_from is not None:
            cond += f" AND {date_col} >= %(date_from)s"
        if date_to is not None:
            cond += f" AND {date_col} <= %(date_to)s"
        fmt = {
            "order": order,
            "office_l": " AND l.office_id = %(office)s" if office else "",
            "office_po": " AND po.office_id = %(office)s" if office else "",
            "office_a": " AND a.office_id = %(office)s" if office else "",
            "office_u": " AND u.office_id = %(office)s" if office else "",
            "office_t": " AND t.to_office_id = %(office)s" if office else "",
            "transfer_back": TRANSFER_BACK,
            "key_l": "",
            "key_pr": "",
            "key_r": "",
            "key_a": "",
            "key_u": "",
            "key_t": "",
        }
        fmt[key_name] = cond
        parts.append(f"({sql.format(**fmt)})")
    direction = "" if forward else " DESC"
    return (
        "SELECT * FROM ("  # noqa: S608 - constant SQL and dates formatted by us
        + "\nUNION ALL\n".join(parts)
        + f") m ORDER BY 1{direction}, 2{direction}, 3{direction} LIMIT %(n)s"
    )


def _params(lic: LineItemCode, office: Office | None, n: int, date_from, date_to) -> dict:
    cts = ContentType.objects.get_for_models  # cached by Django after the first call
    from inventory_lots.models import AdjustmentLine
    from production.models import ProductionOrder
    from purchasing.models import ReceiptLine
    from transfers.models import Transfer

    types = cts(ReceiptLine, ProductionOrder, AdjustmentLine, Transfer)
    return {
        "lic": lic.pk,
        "office": office.pk if office else None,
        "n": n,
        "date_from": date_from,
        "date_to": date_to,
        "receipt_ct": types[ReceiptLine].pk,
        "po_ct": types[ProductionOrder].pk,
        "adjline_ct": types[AdjustmentLine].pk,
        "transfer_ct": types[Transfer].pk,
    }


def _on_hand_sql(office_id: int | None) -> str:
    """The book on hand now, an expression: Σ qty_available of the open lots less Σ unallocated usage
    (indexed; see the module's doc)."""
    office_l = " AND office_id = %(office)s" if office_id else ""
    office_s = " AND s.office_id = %(office)s" if office_id else ""
    return f"""COALESCE((SELECT sum(qty_available) FROM inventory_lots_lot
                         WHERE lic_id = %(lic)s{office_l} AND status = 'open'), 0)
             - COALESCE((SELECT sum(c.quantity - c.allocated_quantity) FROM inventory_lots_unallocatedusage s
                         JOIN inventory_lots_usagecogs c ON c.usage_id = s.usage_id
                         WHERE s.lic_id = %(lic)s{office_s}), 0)"""  # noqa: S608 - constant SQL


def on_hand_now(cursor, lic_id: int, office_id: int | None) -> Decimal:
    """The book on hand now (``_on_hand_sql``)."""
    cursor.execute(f"SELECT {_on_hand_sql(office_id)}", {"lic": lic_id, "office": office_id})
    return cursor.fetchone()[0]


SUM_AFTER = """
SELECT COALESCE(sum(q), 0) FROM (
  SELECT l.qty_in - COALESCE((SELECT sum(rl.quantity) FROM purchasing_receiptline rl
                              WHERE rl.lot_id = l.id AND rl.quantity < 0), 0)
                  - COALESCE((SELECT sum(al.quantity) FROM inventory_lots_adjustmentline al
                              WHERE al.lot_id = l.id AND al.reverses_line_id IS NOT NULL), 0)
                  - {transfer_back} AS q
  FROM inventory_lots_lot l WHERE l.lic_id = %(lic)s{office_l} AND l.type <> 'production' AND l.date {op} %(d)s
  UNION ALL SELECT pr.quantity FROM production_productionreport pr
  JOIN production_productionorder po ON po.id = pr.production_order_id
  WHERE po.lic_id = %(lic)s{office_po} AND pr.date {op} %(d)s
  UNION ALL SELECT rl.quantity FROM purchasing_receiptline rl JOIN purchasing_receipt r ON r.id = rl.receipt_id
  JOIN inventory_lots_lot l ON l.id = rl.lot_id
  WHERE rl.quantity < 0 AND l.lic_id = %(lic)s{office_l} AND r.date {op} %(d)s
  UNION ALL SELECT al.quantity FROM inventory_lots_adjustmentline al
  JOIN inventory_lots_inventoryadjustment a ON a.id = al.adjustment_id
  WHERE al.reverses_line_id IS NOT NULL AND al.lot_id IS NOT NULL AND al.lic_id = %(lic)s{office_a}
    AND a.date {op} %(d)s
  UNION ALL SELECT -u.quantity FROM inventory_lots_inventoryusage u
  WHERE u.lic_id = %(lic)s{office_u} AND u.date {op} %(d)s
  UNION ALL SELECT r.quantity FROM transfers_transferline r JOIN transfers_transfer t ON t.id = r.transfer_id
  WHERE r.reverses_line_id IS NOT NULL AND r.lic_id = %(lic)s{office_t} AND t.date {op} %(d)s
) x"""


def _sum_dated(cursor, lic_id: int, office_id: int | None, op: str, d: datetime.date) -> Decimal:
    """Σ movements dated ``op d`` (one aggregate over the sources' index ranges)."""
    office = office_id is not None
    sql = SUM_AFTER.format(
        op=op,
        office_l=" AND l.office_id = %(office)s" if office else "",
        office_po=" AND po.office_id = %(office)s" if office else "",
        office_a=" AND a.office_id = %(office)s" if office else "",
        office_u=" AND u.office_id = %(office)s" if office else "",
        office_t=" AND t.to_office_id = %(office)s" if office else "",
        transfer_back=TRANSFER_BACK,
    )
    cursor.execute(sql, {"lic": lic_id, "office": office_id, "d": d})
    return cursor.fetchone()[0]


def figures(*, lic: LineItemCode, office: Office | None, on_hand: Decimal | None = None) -> Figures:
    """On hand now, on order (open PO lines not yet received) and in production (open production orders'
    estimated quantity not yet produced): one query (``on_hand``: the last page read it already)."""
    office_id = office.pk if office else None
    on_hand_sql = "NULL" if on_hand is not None else _on_hand_sql(office_id)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT
                 (SELECT COALESCE(sum(GREATEST(pl.quantity - pl.quantity_received, 0)), 0)
                  FROM purchasing_purchaseorderline pl JOIN purchasing_purchaseorder p ON p.id = pl.purchase_order_id
                  WHERE pl.lic_id = %(lic)s AND p.status = 'open'
                    AND (%(office)s::bigint IS NULL OR p.office_id = %(office)s)),
                 (SELECT COALESCE(sum(GREATEST(po.estimated_quantity - COALESCE(
                          (SELECT sum(pr.quantity) FROM production_productionreport pr
                           WHERE pr.production_order_id = po.id), 0), 0)), 0)
                  FROM production_productionorder po
                  WHERE po.lic_id = %(lic)s AND po.status <> 'closed'
                    AND (%(office)s::bigint IS NULL OR po.office_id = %(office)s)),
                 {on_hand_sql}""",  # noqa: S608 - constant SQL
            {"lic": lic.pk, "office": office_id},
        )
        on_order, in_production, now = cursor.fetchone()
        return Figures(on_hand if on_hand is not None else now, on_order, in_production)


def _cursor(key: tuple, balance: Decimal, forward: bool, filters: tuple) -> str:
    d, s, i = key
    return signing.dumps([d.isoformat(), s, i, str(balance), forward, *filters], salt=SALT, compress=True)


def _read_cursor(value: str, filters: tuple) -> tuple[tuple, Decimal, bool]:
    try:
        d, s, i, balance, forward, *rest = signing.loads(value, salt=SALT)
        if tuple(rest) != filters:
            raise ValueError("another list")
        return (datetime.date.fromisoformat(d), int(s), int(i)), Decimal(balance), bool(forward)
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise ValidationFailed("invalid_cursor", MSG_BAD_CURSOR, field="cursor") from exc


def transactions_page(
    *,
    lic: LineItemCode,
    office: Office | None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    page_size: int = 50,
    cursor: str | None = None,
    last: bool = False,
) -> Page:
    """One page of movements with their running balance (see the module's doc). ``cursor``: a page's
    next or previous link; ``last``: the last page. Two to three queries whatever the page."""
    filters = (lic.pk, office.pk if office else None, str(date_from), str(date_to))
    params = _params(lic, office, page_size + 1, date_from, date_to)
    office_id = office.pk if office else None
    key, carried, forward = (None, None, True)
    now = None
    if cursor:
        key, carried, forward = _read_cursor(cursor, filters)
    if last:
        forward = False
    sql = _statement(office=office is not None, key=key, forward=forward, date_from=date_from, date_to=date_to)
    with connection.cursor() as db:
        db.execute(sql, params)
        rows = db.fetchall()
        more = len(rows) > page_size
        rows = rows[:page_size]
        if not forward:
            rows.reverse()
        total = sum((r[9] for r in rows), ZERO)
        if forward and key is not None:
            before = carried  # the balance after the row the page starts after
        elif not forward and key is not None:
            before = carried - total  # the balance before the row the page ends before
        elif last:
            after_all = now = on_hand_now(db, lic.pk, office_id)
            if date_to is not None:
                now = None
                after_all -= _sum_dated(db, lic.pk, office_id, ">", date_to)
            before = after_all - total
        elif date_from is not None:
            before = _sum_dated(db, lic.pk, office_id, "<", date_from)
        else:
            before = ZERO
    movements, balance = [], before
    for r in rows:
        balance += r[9]
        movements.append(Movement(*r, balance))
    has_before = (not forward and more) or (forward and key is not None)
    has_after = (forward and more) or (not forward and key is not None and not last)
    next_cursor = _cursor(movements[-1].key, balance, True, filters) if movements and has_after else None
    previous_cursor = _cursor(movements[0].key, before, False, filters) if movements and has_before else None
    return Page(movements, next_cursor, previous_cursor, is_last=not has_after, on_hand_now=now)


def all_movements(*, lic: LineItemCode, office: Office | None, date_from=None, date_to=None, chunk: int = 2000):
    """Every movement in order, page after page (the CSV)."""
    cursor = None
    while True:
        page = transactions_page(
            lic=lic, office=office, date_from=date_from, date_to=date_to, page_size=chunk, cursor=cursor
        )
        yield from page.rows
        if not page.next_cursor:
            return
        cursor = page.next_cursor
