"""A transfer's reversal seen from the other readers of the ledger: the journal export's "new" marks
(and an earlier export read again unchanged), the inventory transactions of the source office, and the
physical count's book quantity at a date between the transfer and its reversal."""

from __future__ import annotations

import pytest

from inventory_lots.counts import book_quantities
from inventory_lots.models import Lot
from reports.journal import export_lines, record_journal_export
from tests.cogs.conftest import fresh
from tests.conftest import adjust_in
from tests.reports.conftest import D, day, run
from tests.reports.test_journal import ADJ, INV
from transfers.reversals import reverse_transfer

from .test_reversal import TRANSIT, branch, transfer  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def exported(batch) -> list[tuple]:
    return [(x.date, x.office, x.account, x.debit, x.credit, x.new) for x in export_lines(batch)]


def test_the_journal_export_marks_the_reversal_lines_new_and_keeps_the_earlier_export(
    office,
    branch,  # noqa: F811
    lic,
    accountant,
):
    adjust_in(office=office, lic=lic, quantity="10", unit_cost="10.00", date=day(1))
    original = transfer(office, branch, lic, "5", day(2))
    run(day(3))
    first = record_journal_export(date_from=day(1), date_to=day(31), offices=[], detail="lines", actor=accountant)
    before = exported(first)
    z, c50, c100 = D("0.00"), D("50.00"), D("100.00")
    assert before == [
        (day(1), "HQ", INV, c100, z, False),
        (day(1), "HQ", ADJ, z, c100, False),
        (day(2), "BR", INV, c50, z, False),  # the transfer lot
        (day(2), "BR", TRANSIT, z, c50, False),
        (day(2), "HQ", TRANSIT, c50, z, False),  # the transfer usage's COGS
        (day(2), "HQ", INV, z, c50, False),
    ]
    reverse_transfer(transfer=original, date=day(4), reason="wrong branch", actor=None)
    run(day(6))
    again = record_journal_export(date_from=day(1), date_to=day(31), offices=[], detail="lines", actor=accountant)
    assert exported(again) == [
        *before,
        (day(4), "BR", TRANSIT, c50, z, True),  # the transfer lot back to 0: new
        (day(4), "BR", INV, z, c50, True),
        (day(4), "HQ", INV, c50, z, True),  # the give-back in HQ: new
        (day(4), "HQ", TRANSIT, z, c50, True),
    ]
    assert (again.line_count, again.new_line_count, again.debit, again.credit) == (10, 4, D("300.00"), D("300.00"))
    # the first export, read again, is the file it was: the reversal came after it
    assert exported(first) == before
    assert fresh(first).line_count == len(exported(first))


def test_the_inventory_transactions_show_the_reversal_coming_back_into_the_source(
    api,
    viewer,
    office,
    branch,  # noqa: F811
    lic,
):
    adjust_in(office=office, lic=lic, quantity="10", unit_cost="10.00", date=day(1))
    original = transfer(office, branch, lic, "5", day(2))
    reverse_transfer(transfer=original, date=day(4), reason="x", actor=None)

    def rows(**extra):
        body = api(viewer).get("/api/v1/inventory-transactions/", {"lic": lic.code, **extra}).json()
        return [(r["date"], r["kind"], D(r["quantity"]), D(r["balance"])) for r in body["results"]]

    assert rows(office="HQ") == [
        ("2026-03-01", "adjustment", D("10"), D("10")),
        ("2026-03-02", "transfer_out", D("-5"), D("5")),
        ("2026-03-04", "transfer reversal", D("5"), D("10")),  # stock back in, not a "transfer out" of +5
    ]
    # every office: the reversal's two sides net to nothing, as the transfer's do
    assert [(kind, quantity) for _, kind, quantity, _ in rows()] == [
        ("adjustment", D("10")),
        ("transfer_in", D("5")),
        ("transfer_out", D("-5")),
        ("transfer reversal", D("5")),
        ("transfer reversal", D("-5")),
    ]


def test_a_count_between_a_transfer_and_its_reversal_reads_the_book_at_its_date(office, branch, lic):  # noqa: F811
    adjust_in(office=office, lic=lic, quantity="10", unit_cost="10.00", date=day(1))
    original = transfer(office, branch, lic, "5", day(2))
    reverse_transfer(transfer=original, date=day(6), reason="x", actor=None)
    # on day 4 the branch held the 5 the transfer brought; the source the other 5
    assert book_quantities(office=branch, date=day(4), lic_ids=[lic.pk]) == {lic.pk: D("5")}
    assert book_quantities(office=office, date=day(4), lic_ids=[lic.pk]) == {lic.pk: D("5")}
    assert book_quantities(office=branch, date=day(6), lic_ids=[lic.pk]) == {lic.pk: D("0")}
    assert book_quantities(office=office, date=day(6), lic_ids=[lic.pk]) == {lic.pk: D("10")}


def test_a_count_between_an_adjustment_and_its_reversal_reads_the_book_at_its_date(office, lic):
    from inventory_lots.models import AdjustmentLine
    from inventory_lots.reversals import reverse_adjustment

    lot = adjust_in(office=office, lic=lic, quantity="7", unit_cost="3.00", date=day(1))
    adjustment = AdjustmentLine.objects.get(lot=lot).adjustment
    reverse_adjustment(adjustment=adjustment, date=day(6), reason="x", actor=None)
    assert book_quantities(office=office, date=day(4), lic_ids=[lic.pk]) == {lic.pk: D("7")}
    assert book_quantities(office=office, date=day(6), lic_ids=[lic.pk]) == {lic.pk: D("0")}


def test_a_count_between_a_receipt_and_its_reversal_reads_the_book_at_its_date(office, vendor, lic):
    from purchasing import services as purchasing
    from tests.reports.test_domain_examples import _purchase

    _, receipt = _purchase(vendor, office, lic, ordered="10", received="10", unit_cost="5.00", date=day(1))
    purchasing.reverse_receipt(receipt=receipt, date=day(5), reason="wrong PO", actor=None)
    assert book_quantities(office=office, date=day(4), lic_ids=[lic.pk]) == {lic.pk: D("10")}
    assert book_quantities(office=office, date=day(5), lic_ids=[lic.pk]) == {lic.pk: D("0")}


def test_a_count_between_two_production_reports_into_one_lot_reads_the_book_at_its_date(office, order):
    from production import services as production
    from tests.factories import LicFactory

    chair = LicFactory(code="CHAIR")
    mo = production.create_production_order(
        office=office,
        date=day(2),
        order=order,
        lic=chair,
        estimated_quantity=D(10),
        estimated_unit_cost=D("24.00"),
        actor=None,
    )
    production.produce(production_order=mo, date=day(3), quantity=D(4), actor=None)
    production.produce(production_order=mo, date=day(6), quantity=D(6), actor=None)  # into the same lot
    assert [lot.qty_in for lot in Lot.objects.filter(lic=chair)] == [D("10")]
    assert book_quantities(office=office, date=day(4), lic_ids=[chair.pk]) == {chair.pk: D("4")}
    assert book_quantities(office=office, date=day(6), lic_ids=[chair.pk]) == {chair.pk: D("10")}


def test_stored_figures_with_the_lock_date_between_a_transfer_and_its_reversal(office, branch, lic):  # noqa: F811
    from reports import selectors, snapshots
    from reports.selectors import Scope
    from tests.reports.conftest import close_books, rolled
    from tests.reports.test_journal import balance

    adjust_in(office=office, lic=lic, quantity="10", unit_cost="10.00", date=day(1))
    adjust_in(office=office, lic=lic, quantity="10", unit_cost="16.00", date=day(1))
    original = transfer(office, branch, lic, "5", day(2))  # provisional $13.00 (the mean), FIFO takes $10.00
    reverse_transfer(transfer=original, date=day(4), reason="x", actor=None)
    run(day(6))  # the usage $50.00 dated 2 Mar, its give-back -$50.00 dated 4 Mar, the lot's cost to $10.00 on 6 Mar
    expected = {
        (day(3), office.pk): (D("15"), D("210.00")),
        (day(3), branch.pk): (D("5"), D("65.00")),
        (day(4), office.pk): (D("20"), D("260.00")),
        (day(4), branch.pk): (D("0"), D("0.00")),
    }

    def check():
        for d in [day(n) for n in range(1, 9)]:
            for scope in (Scope(), Scope(office_id=office.pk), Scope(office_id=branch.pk)):
                assert selectors.valuation_totals(as_of=d, scope=scope) == selectors.scanned_totals(
                    as_of=d, scope=scope
                ), (d, scope)
                assert selectors.aging(as_of=d, scope=scope, bounds=(1, 2)) == selectors.scanned_aging(
                    as_of=d, scope=scope, bounds=(1, 2)
                ), (d, scope)
        for (d, office_id), figures in expected.items():
            t = selectors.valuation_totals(as_of=d, scope=Scope(office_id=office_id))
            assert (t.quantity, t.value) == figures, (d, office_id)
        for start, end in ((day(1), day(3)), (day(3), day(5)), (day(4), day(8)), (day(1), day(8))):
            rows = selectors.scanned_roll_forward_rows(date_from=start, date_to=end)
            assert selectors.roll_forward(date_from=start, date_to=end).rows == rows, (start, end)
        assert rolled(day(4), day(8), office_id=branch.pk)["lots_in"] == D("-65.00")
        assert balance("1360", day(3)) == D("-15.00") and balance("1360", day(8)) == D("0.00")

    check()
    close_books(date=day(3))
    assert snapshots.snapshot_state() is not None
    check()
    assert snapshots.snapshot_violations() == []
    close_books(date=day(5))
    check()
    assert snapshots.snapshot_violations() == []
