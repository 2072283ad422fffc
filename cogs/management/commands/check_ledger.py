"""`python manage.py check_ledger`: verify every ledger invariant over the whole database.

Prints each violation and exits 1 when there is any; prints the checks' time either way. The
COGS checks come from cogs.selectors.ledger_violations(); the document checks below prove that
the denormalised quantities equal the documents behind them; the apps above cogs add theirs
(cogs.selectors.register_ledger_checks: the journal's). Fast enough to run nightly: every
check is one set-based query."""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand
from django.db import connection

from cogs.selectors import ledger_violations, other_ledger_violations

DOCUMENT_CHECKS = {
    # a purchase-order line's received quantity is the sum of its receipt lines (reversals negative)
    "po_line_received": """
        SELECT pl.id, 'received ' || pl.quantity_received || ' <> receipts ' || COALESCE(s.q, 0)
        FROM purchasing_purchaseorderline pl
        LEFT JOIN (SELECT po_line_id, sum(quantity) q FROM purchasing_receiptline GROUP BY po_line_id) s
          ON s.po_line_id = pl.id
        WHERE pl.quantity_received <> COALESCE(s.q, 0)""",
    # a receipt lot's quantity in is the sum of its receipt lines (a reversal brings it to 0)
    "receipt_lot_qty_in": """
        SELECT l.id, 'qty_in ' || l.qty_in || ' <> receipt lines ' || s.q
        FROM inventory_lots_lot l
        JOIN (SELECT lot_id, sum(quantity) q FROM purchasing_receiptline GROUP BY lot_id) s ON s.lot_id = l.id
        WHERE l.qty_in <> s.q""",
    # a production lot's quantity in is the sum of what was reported produced into it
    "production_lot_qty_in": """
        SELECT l.id, 'qty_in ' || l.qty_in || ' <> produced ' || s.q
        FROM inventory_lots_lot l
        JOIN (SELECT lot_id, sum(quantity) q FROM production_productionreport GROUP BY lot_id) s ON s.lot_id = l.id
        WHERE l.qty_in <> s.q""",
    # an adjustment lot's quantity in is the sum of its adjustment lines (a reversal line brings it to 0)
    "adjustment_lot_qty_in": """
        SELECT l.id, 'qty_in ' || l.qty_in || ' <> adjustment lines ' || s.q
        FROM inventory_lots_lot l
        JOIN (SELECT lot_id, sum(quantity) q FROM inventory_lots_adjustmentline WHERE lot_id IS NOT NULL
              GROUP BY lot_id) s ON s.lot_id = l.id
        WHERE l.qty_in <> s.q""",
    # a transfer lot's quantity in is its line's quantity plus its reversal line's (which brings it to 0)
    "transfer_lot_qty_in": """
        SELECT l.id, 'qty_in ' || l.qty_in || ' <> transfer lines ' || (o.quantity + COALESCE(r.quantity, 0))
        FROM inventory_lots_lot l JOIN transfers_transferline o ON o.lot_id = l.id
        LEFT JOIN transfers_transferline r ON r.reverses_line_id = o.id
        WHERE l.qty_in <> o.quantity + COALESCE(r.quantity, 0)""",
    # returns naming a usage never give back more than it took
    "return_within_usage": """
        SELECT u.id, 'returned ' || -sum(r.quantity) || ' > used ' || u.quantity
        FROM inventory_lots_inventoryusage u JOIN inventory_lots_inventoryusage r ON r.returns_usage_id = u.id
        GROUP BY u.id, u.quantity HAVING -sum(r.quantity) > u.quantity""",
}


def document_violations(limit: int = 100) -> list[dict]:
    out: list[dict] = []
    with connection.cursor() as cursor:
        for check, sql in DOCUMENT_CHECKS.items():
            cursor.execute(f"{sql} LIMIT {int(limit)}")  # noqa: S608 - constant SQL
            out.extend({"check": check, "id": row[0], "detail": row[1]} for row in cursor.fetchall())
    return out


class Command(BaseCommand):
    help = "Verify every ledger invariant; print violations and exit 1 if there are any."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=100, help="At most this many violations per check.")

    def handle(self, *args, limit: int = 100, **options):
        start = time.perf_counter()
        violations = ledger_violations(limit=limit) + document_violations(limit=limit)
        violations += other_ledger_violations(limit=limit)  # the journal's (DOMAIN.md 10, reports/journal.py)
        seconds = time.perf_counter() - start
        for v in violations:
            self.stdout.write(f"{v['check']}: #{v['id']}: {v['detail']}")
        if violations:
            self.stderr.write(self.style.ERROR(f"{len(violations)} violation(s) found in {seconds:.2f} s."))
            sys.exit(1)
        self.stdout.write(self.style.SUCCESS(f"Ledger OK: every invariant holds ({seconds:.2f} s)."))
