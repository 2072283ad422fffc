"""Two clerks transferring out of the same office at once (real parallel connections): the LIC lock
serialises them, so stock is never transferred twice and nothing deadlocks."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Sum

from cogs import services as cogs_services
from cogs.selectors import ledger_violations
from core.errors import ValidationFailed
from inventory_lots.models import Lot
from tests.cogs.conftest import RUN_DAY, day
from tests.concurrency import run_concurrently
from tests.conftest import adjust_in
from tests.factories import LicFactory, OfficeFactory
from transfers.services import TransferLineInput, post_transfer

D = Decimal
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_two_clerks_cannot_transfer_the_same_stock():
    hq, west, east = OfficeFactory(code="HQ"), OfficeFactory(code="WEST"), OfficeFactory(code="EAST")
    widget, gadget = LicFactory(code="W"), LicFactory(code="G")
    adjust_in(office=hq, lic=widget, quantity="5", unit_cost="10.00", date=day(1))
    adjust_in(office=hq, lic=gadget, quantity="4", unit_cost="3.00", date=day(1))

    def clerk(destination, lines):
        def post():
            return post_transfer(from_office=hq, to_office=destination, date=day(2), lines=lines, actor=None).number

        return post

    # opposite line orders: the service locks the LICs by pk, so no deadlock either way
    results = run_concurrently(
        clerk(west, [TransferLineInput(lic=widget, quantity=D("3")), TransferLineInput(lic=gadget, quantity=D("1"))]),
        clerk(east, [TransferLineInput(lic=gadget, quantity=D("1")), TransferLineInput(lic=widget, quantity=D("3"))]),
    )
    done = [r for r in results if isinstance(r, str)]
    failed = [r for r in results if isinstance(r, ValidationFailed)]
    assert len(done) == 1 and len(failed) == 1 and failed[0].code == "not_on_hand"
    moved = Lot.objects.filter(type="transfer").aggregate(q=Sum("qty_in"))["q"]
    assert moved == D("4")  # 3 widgets + 1 gadget, once
    cogs_services.run_cogs_now(actor=None, date=RUN_DAY)
    assert ledger_violations() == []
    # both fit: both post
    results = run_concurrently(
        clerk(west, [TransferLineInput(lic=widget, quantity=D("1"))]),
        clerk(east, [TransferLineInput(lic=widget, quantity=D("1"))]),
    )
    assert all(isinstance(r, str) for r in results), results
    assert Lot.objects.filter(type="transfer", lic=widget).aggregate(q=Sum("qty_in"))["q"] == D("5")


def test_two_accountants_reversing_one_transfer_at_once_reverse_it_once():
    from core.errors import StateConflict
    from inventory_lots.models import InventoryUsage
    from transfers.models import Transfer
    from transfers.reversals import reverse_transfer

    hq, west = OfficeFactory(code="HQ"), OfficeFactory(code="WEST")
    widget = LicFactory(code="W")
    source = adjust_in(office=hq, lic=widget, quantity="5", unit_cost="10.00", date=day(1))
    original = post_transfer(
        from_office=hq, to_office=west, date=day(2), lines=[TransferLineInput(lic=widget, quantity=D("3"))], actor=None
    )

    def accountant():
        return reverse_transfer(
            transfer=Transfer.objects.get(pk=original.pk), date=day(3), reason="x", actor=None
        ).number

    results = run_concurrently(accountant, accountant)
    done = [r for r in results if isinstance(r, str)]
    failed = [r for r in results if isinstance(r, StateConflict)]
    assert len(done) == 1 and len(failed) == 1 and failed[0].code == "already_reversed", results
    assert InventoryUsage.objects.filter(lic=widget, quantity__lt=0).count() == 1
    assert Lot.objects.get(type="transfer").qty_in == D("0")
    cogs_services.run_cogs_now(actor=None, date=RUN_DAY)
    source.refresh_from_db()
    assert (source.qty_used, source.value_used) == (D("0"), D("0.00"))
    assert ledger_violations() == []
