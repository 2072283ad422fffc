"""Pure purchasing arithmetic (no database): freight spread, closing unit cost, accrual.

DOMAIN.md section 4. Decimals only; every share is rounded once, half up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from core.money import ZERO, extended, money, qty, unit_cost


@dataclass(frozen=True)
class FreightLine:
    line_no: int  # the invoice line's number (the key of the returned shares)
    amount: Decimal
    inventoried: bool
    po_line_no: int | None = None  # the PO line it invoices: breaks a tie for the largest line


def spread_freight(freight: Decimal, lines: Sequence[FreightLine]) -> dict[int, Decimal] | None:
    """Spread ``freight`` over the inventoried lines in proportion to their amounts.

    Each share is ``round(freight × amount / total, 2)`` half up; the difference between the
    freight and the sum of the shares goes to the largest line (lowest PO line number on a tie,
    whatever order the invoice lists its lines in; then the lowest invoice line number).
    Non-inventoried lines get 0.00. Returns None when there is freight but nothing to spread it
    over (no inventoried line with an amount).
    """
    shares = {line.line_no: money(ZERO) for line in lines}
    freight = money(freight)
    if freight == 0:
        return shares
    carriers = [line for line in lines if line.inventoried and line.amount > 0]
    total = sum((line.amount for line in carriers), ZERO)
    if not carriers or total == 0:
        return None
    for line in carriers:
        shares[line.line_no] = money(freight * line.amount / total)
    largest = min(
        carriers,
        key=lambda line: (-line.amount, line.po_line_no if line.po_line_no is not None else line.line_no, line.line_no),
    )
    shares[largest.line_no] += freight - sum(shares.values(), ZERO)
    return shares


def closing_unit_cost(*, amount_invoiced: Decimal, freight_allocated: Decimal, quantity_received: Decimal) -> Decimal:
    """(amount invoiced for the line + freight allocated to it) / quantity received on it."""
    return unit_cost((amount_invoiced + freight_allocated) / quantity_received)


def accrued_quantity(received: Decimal, purchased: Decimal) -> Decimal:
    return qty(max(received - purchased, ZERO))


def accrued_value(received: Decimal, purchased: Decimal, po_unit_cost: Decimal) -> Decimal:
    return extended(accrued_quantity(received, purchased), po_unit_cost)


def lot_accrued_quantity(lot_quantities: Sequence[tuple[int, Decimal]], purchased: Decimal, lot_id: int) -> Decimal:
    """The part of a PO line's accrual that sits in one lot: invoices cover the line's lots in
    receipt order (oldest lot first), so a lot is accrued for what the purchased quantity has
    not yet reached. ``lot_quantities`` = [(lot id, qty in)] in receipt order."""
    covered_before = ZERO
    for current_id, quantity in lot_quantities:
        if current_id == lot_id:
            uncovered = quantity - max(purchased - covered_before, ZERO)
            return qty(min(max(uncovered, ZERO), quantity))
        covered_before += quantity
    return qty(ZERO)
