"""DOMAIN.md 10's journal for transfers: a transfer lot's value events debit Inventory / credit Inventory
in transit (in the destination office), its usage's COGS entries debit Inventory in transit / credit
Inventory (in the source office); in transit goes to zero once the lot is costed, and check_ledger
keeps passing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from cogs.selectors import ledger_violations
from inventory_lots.services import correct_lot_unit_cost
from tests.conftest import adjust_in
from tests.factories import OfficeFactory
from tests.reports.conftest import D, day, run
from tests.reports.test_journal import ADJ, INV, assert_balanced, balance, lines, pair
from transfers.services import TransferLineInput, post_transfer

pytestmark = pytest.mark.django_db
TRANSIT = "1360"


def test_transfer_lines_and_in_transit_back_to_zero(office, lic):
    branch = OfficeFactory(code="BR")
    source = adjust_in(office=office, lic=lic, quantity="10", unit_cost="10.00", date=day(1))
    post_transfer(
        from_office=office, to_office=branch, date=day(2), lines=[TransferLineInput(lic=lic, quantity=D(5))], actor=None
    )
    run(day(3))
    assert lines() == [
        *pair(day(1), INV, ADJ, "100.00", "lot"),
        *pair(day(2), INV, TRANSIT, "50.00", "lot"),  # the transfer lot in BR, provisional $10.00
        *pair(day(2), TRANSIT, INV, "50.00", "cogs_entry"),  # the transfer usage in HQ
    ]
    assert_balanced()
    assert balance(TRANSIT, day(31)) == D("0.00")
    correct_lot_unit_cost(lot=source, new_unit_cost=D("10.40"), reason="freight", date=day(4), actor=None)
    run(day(5))
    found = lines()
    assert pair(day(5), TRANSIT, INV, "2.00", "cogs_entry")[0] in found  # the usage revalued
    assert pair(day(5), INV, TRANSIT, "2.00", "lot_cost_change")[0] in found  # the lot recomputed to $10.40
    assert_balanced()
    assert balance(TRANSIT, day(31)) == D("0.00")
    assert ledger_violations() == []
    call_command("check_ledger")
