"""The journal of DOMAIN.md section 10 on the worked examples of sections 4-6a: every line derived
by hand (dates as the COGS engine gives them, tests/reports/test_domain_examples.py), debits =
credits, and the Inventory / Accrued COGS balances = the valuation's figures at several dates."""

from __future__ import annotations

from collections import Counter

import pytest

from orders.services import ReturnLineInput, ShipmentLineInput, post_return, post_shipment
from production import services as production
from purchasing import services as purchasing
from purchasing.services import InvoiceLineInput
from reports import journal
from reports.models import OfficeAccounts
from tests.cogs.conftest import ship
from tests.conftest import adjust_in
from tests.factories import LicFactory, OfficeFactory, ServiceLicFactory

from .conftest import D, day, run, totals
from .test_domain_examples import _purchase

pytestmark = pytest.mark.django_db
INV, WIP, RNI, ACCR, COGS, ADJ, CLEAR = "1300", "1350", "2100", "2150", "5000", "5100", "5900"


def lines(date_from=None, date_to=None, **kwargs) -> list[tuple]:
    """(date, account, debit, credit, source type) of every line, in journal order."""
    found = journal.journal_lines(date_from=date_from or day(1), date_to=date_to or day(31), **kwargs)
    return [(x.date, x.account, x.debit, x.credit, x.source_type) for x in found]


def pair(date, debit_account, credit_account, amount, source) -> list[tuple]:
    amount = D(amount)
    if amount < 0:
        debit_account, credit_account, amount = credit_account, debit_account, -amount
    return [(date, debit_account, amount, D("0.00"), source), (date, credit_account, D("0.00"), amount, source)]


def balance(account: str, as_of, office_ids=None) -> D:
    """Debits - credits of an account over every line dated up to ``as_of``."""
    found = journal.journal_lines(date_from=day(1, 1), date_to=as_of, office_ids=office_ids)
    return sum((x.debit - x.credit for x in found if x.account == account), D("0.00"))


def assert_balanced(date_from=None, date_to=None):
    found = journal.journal_lines(date_from=date_from or day(1), date_to=date_to or day(31))
    per_day = Counter()
    for x in found:
        per_day[(x.date, x.office)] += x.debit - x.credit
    assert all(v == 0 for v in per_day.values()), per_day
    t = journal.journal_totals(date_from=date_from or day(1), date_to=date_to or day(31))
    assert t.debit == t.credit and t.line_count == len(found)


def test_receive_ship_return(office, vendor, order):
    books = LicFactory(code="TEXTBOOK")
    _purchase(vendor, office, books, ordered="100", received="10", unit_cost="29.99", date=day(1))
    shipment = post_shipment(order=order, date=day(2), actor=None, lines=[ShipmentLineInput(lic=books, quantity=D(10))])
    run(day(2))
    post_return(
        order=order,
        date=day(3),
        actor=None,
        lines=[ReturnLineInput(lic=books, quantity=D(2), usage=shipment.lines.get().usage)],
    )
    run(day(3))
    assert lines() == [
        *pair(day(1), INV, RNI, "299.90", "lot"),  # received: Inventory / Received not invoiced
        *pair(day(2), COGS, INV, "299.90", "cogs_entry"),  # shipped: COGS / Inventory
        *pair(day(3), COGS, INV, "-59.98", "cogs_entry"),  # 2 given back: Inventory / COGS
    ]
    assert_balanced()
    assert balance(INV, day(2)) == totals(day(2))[1] == D("0.00")
    assert balance(INV, day(3)) == totals(day(3))[1] == D("59.98")
    assert balance(COGS, day(31)) == D("239.92")
    assert balance(RNI, day(31)) == D("-299.90")


def test_chair_production(office, order):
    leg, seat, chair = LicFactory(code="LEG"), LicFactory(code="SEAT"), LicFactory(code="CHAIR")
    labour, finishing = ServiceLicFactory(code="LABOR"), ServiceLicFactory(code="FINISHING")
    adjust_in(office=office, lic=leg, quantity="60", unit_cost="2.50", date=day(1))
    adjust_in(office=office, lic=seat, quantity="15", unit_cost="7.00", date=day(1))
    mo = production.create_production_order(
        office=office,
        date=day(2),
        order=order,
        lic=chair,
        estimated_quantity=D(10),
        estimated_unit_cost=D("24.00"),
        actor=None,
    )
    production.issue_components(
        production_order=mo,
        date=day(2),
        actor=None,
        lines=[production.ComponentLine(lic=leg, quantity=D(40)), production.ComponentLine(lic=seat, quantity=D(10))],
    )
    for lic, amount in ((labour, "50.00"), (finishing, "30.00")):
        production.post_job_cost(
            production_order=mo,
            date=day(2),
            lic=lic,
            description="work",
            amount=D(amount),
            capitalized=True,
            actor=None,
        )
    production.produce(production_order=mo, date=day(3), quantity=D(10), actor=None)  # provisional $8.00
    production.release(production_order=mo, actor=None)
    run(day(5))  # components $100.00 + $70.00 dated 2 Mar; the chair recomputed to $25.00 on 5 Mar
    assert lines() == [
        *pair(day(1), INV, ADJ, "150.00", "lot"),
        *pair(day(1), INV, ADJ, "105.00", "lot"),
        *pair(day(2), WIP, CLEAR, "50.00", "job_cost"),
        *pair(day(2), WIP, CLEAR, "30.00", "job_cost"),
        *pair(day(2), WIP, INV, "100.00", "cogs_entry"),
        *pair(day(2), WIP, INV, "70.00", "cogs_entry"),
        *pair(day(3), INV, WIP, "80.00", "lot"),  # produced at the provisional $8.00
        *pair(day(5), INV, WIP, "170.00", "lot_cost_change"),  # recomputed: $250.00 in all
    ]
    assert_balanced()
    assert balance(WIP, day(31)) == D("0.00")  # costed: Work in process is back to zero
    assert balance(CLEAR, day(31)) == D("-80.00")
    for n in (1, 2, 3, 4, 5, 31):
        assert balance(INV, day(n)) == totals(day(n))[1]


def test_late_freight_po_close(office, vendor, lic, order):
    po, _ = _purchase(vendor, office, lic, ordered="15", received="15", unit_cost="35.00", date=day(1))
    purchasing.post_vendor_invoice(
        vendor=vendor,
        purchase_order=po,
        number="INV-1",
        date=day(2),
        actor=None,
        freight=D("8.85"),
        lines=[InvoiceLineInput(po_line=po.lines.get(), quantity=D(15), amount=D("525.00"))],
    )
    ship(lic=lic, office=office, quantity="15", source=order, date=day(3))
    run(day(3))
    purchasing.close_purchase_order(purchase_order=po, date=day(10), actor=None)  # $35.59
    run(day(12))
    assert lines() == [
        *pair(day(1), INV, RNI, "525.00", "lot"),
        *pair(day(3), COGS, INV, "525.00", "cogs_entry"),
        *pair(day(10), INV, RNI, "8.85", "lot_cost_change"),  # the PO close: Inventory / Received not invoiced
        *pair(day(12), COGS, INV, "8.85", "cogs_entry"),  # the revaluation
    ]
    assert_balanced()
    for n in (1, 3, 9, 10, 11, 12):
        assert balance(INV, day(n)) == totals(day(n))[1]
    assert balance(INV, day(10)) == D("8.85")


def test_accrual_and_its_reversal(office, lic, order):
    adjust_in(office=office, lic=lic, quantity="3", unit_cost="10.00", date=day(1))
    ship(lic=lic, office=office, quantity="5", source=order, date=day(2))
    run(day(2))  # 3 allocated ($30.00), accrual 2 x $10.00 = $20.00, both 2 Mar
    adjust_in(office=office, lic=lic, quantity="2", unit_cost="11.00", date=day(5))
    run(day(6))  # $22.00 allocated dated 5 Mar, the accrual reversed with it
    assert lines() == [
        *pair(day(1), INV, ADJ, "30.00", "lot"),
        *pair(day(2), COGS, INV, "30.00", "cogs_entry"),
        *pair(day(2), COGS, ACCR, "20.00", "cogs_entry"),  # accrual: COGS / Accrued COGS
        *pair(day(5), INV, ADJ, "22.00", "lot"),
        *pair(day(5), COGS, INV, "22.00", "cogs_entry"),
        *pair(day(5), COGS, ACCR, "-20.00", "cogs_entry"),  # reversed: Accrued COGS / COGS
    ]
    assert_balanced()
    assert -balance(ACCR, day(2)) == totals(day(2))[3] == D("20.00")
    assert -balance(ACCR, day(5)) == totals(day(5))[3] == D("0.00")
    assert balance(COGS, day(31)) == D("52.00")


def test_accounts_per_office_and_summary(office, lic, order):
    other = OfficeFactory(code="BR")
    OfficeAccounts.objects.create(office=other, inventory="1301-BR", adjustments="5101-BR")
    adjust_in(office=office, lic=lic, quantity="3", unit_cost="10.00", date=day(1))
    adjust_in(office=other, lic=lic, quantity="2", unit_cost="4.00", date=day(1))
    adjust_in(office=other, lic=lic, quantity="1", unit_cost="4.00", date=day(1))
    assert lines(office_ids=[other.pk]) == [
        *pair(day(1), "1301-BR", "5101-BR", "8.00", "lot"),
        *pair(day(1), "1301-BR", "5101-BR", "4.00", "lot"),
    ]
    summary = list(journal.summarize(journal.iter_lines(date_from=day(1), date_to=day(1))))
    assert [(x.office, x.account, x.debit, x.credit) for x in summary] == [
        ("BR", "1301-BR", D("12.00"), D("0.00")),
        ("BR", "5101-BR", D("0.00"), D("12.00")),
        (office.code, INV, D("30.00"), D("0.00")),
        (office.code, ADJ, D("0.00"), D("30.00")),
    ]
