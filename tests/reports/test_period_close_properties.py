"""Hypothesis over the whole period close (DOMAIN.md 10): random streams of adjustments in, purchase
orders of two lines received in part, vendor invoices with freight, PO closes (cost changes),
shipments, returns naming a shipment, negative adjustments, production (an order, components
issued, a capitalized job cost, production reported, released, closed), transfers between two offices
both ways (so the way back is out of transfer lots) and shipments out of the second office, physical
counts in either office and COGS runs, on random March dates. After the stream (and a run on 28 March):

- the valuation at today is the lot pages' figures (every lot's qty_in, value_in, qty_used,
  value_used; the totals their available quantity and value);
- for random periods, opening + lots in + cost changes - COGS - production - adjustments out =
  closing, per pair and in total, opening and closing being the valuation at the day before and at
  the end;
- the journal balances, debits = credits, per office and date; at every day of March the balance of
  Inventory is the valuation's value and the balance of Accrued COGS its open accruals; the
  journal's check_ledger checks are clean, and so are the ledger's (cogs.selectors.ledger_violations);
- then the lock date moves to a random March day L, and a second random stream dated in April
  (invoices and closes of March POs: late costs of March lots; returns naming March shipments; more
  production, shipments, adjustments and runs) changes nothing a date on or before L shows: lots,
  valuation by lot / LIC / office and totals, aging, roll-forwards of periods ending by L, and the
  journal's lines dated up to L.

Steps a service refuses (a PO not fully invoiced closed, an order date rule) are skipped: the
stream is what the doors would have let through. ``REPORTS_FUZZ_EXAMPLES`` (default 8) and
``REPORTS_FUZZ_RANDOM`` as in test_properties.py."""

from __future__ import annotations

import datetime
import os
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cogs.selectors import ledger_violations
from core.errors import DomainError
from inventory_lots.counts import CountLineInput, book_quantities, post_count
from inventory_lots.dates import today
from inventory_lots.models import InventoryUsage, Lot
from inventory_lots.services import AdjustmentLineInput, post_adjustment
from production import services as production
from purchasing import services as purchasing
from purchasing.models import PurchaseOrder
from reports import journal, selectors
from tests.cogs.conftest import give_back, ship
from tests.conftest import adjust_in
from tests.factories import LicFactory, OfficeFactory, ServiceLicFactory, VendorFactory
from transfers.services import TransferLineInput, on_hand, post_transfer

from .conftest import D, assert_ties, close_books, day, run, totals

pytestmark = pytest.mark.django_db
ONE_DAY = datetime.timedelta(days=1)
CENT = D("0.01")
SETTINGS = settings(
    max_examples=int(os.environ.get("REPORTS_FUZZ_EXAMPLES", "8")),
    deadline=None,
    derandomize=not os.environ.get("REPORTS_FUZZ_RANDOM"),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)

DAYS = st.integers(min_value=1, max_value=28)
COSTS = st.one_of(
    st.integers(min_value=1, max_value=5000).map(lambda c: D(c) / 100),
    st.integers(min_value=1, max_value=9_999_999).map(lambda c: D(c) / 1_000_000),
)
QTY = st.integers(0, 9)
OPERATION = st.one_of(
    st.tuples(st.just("in"), st.integers(0, 1), st.integers(1, 9), COSTS, DAYS),
    # a PO of both LICs: ordered, unit cost and received of each line
    st.tuples(st.just("po"), st.integers(1, 9), COSTS, QTY, st.integers(1, 9), COSTS, QTY, DAYS),
    # an invoice of what a PO received and was not invoiced: amount = value x (80..120) %, freight
    st.tuples(st.just("invoice"), st.integers(0, 50), st.integers(80, 120), st.integers(0, 2000), DAYS),
    st.tuples(st.just("close"), st.integers(0, 50), DAYS),
    st.tuples(st.just("ship"), st.integers(0, 2), st.integers(1, 12), DAYS),
    st.tuples(st.just("return"), st.integers(0, 50), st.integers(1, 3), DAYS),
    st.tuples(st.just("out"), st.integers(0, 1), st.integers(1, 3), DAYS),
    # production of GIZMO: components (LIC, quantity), a capitalized job cost, quantity produced,
    # the day of the order and the days until it is produced
    st.tuples(
        st.just("make"),
        st.integers(0, 1),
        st.integers(1, 6),
        st.integers(0, 3000),
        st.integers(1, 4),
        DAYS,
        st.integers(0, 5),
    ),
    # DOMAIN.md 9: a transfer of a LIC (index) to the branch (at most what is on hand), then some of the
    # branch's stock back (out of transfer lots) some days later
    st.tuples(st.just("transfer"), st.integers(0, 1), st.integers(1, 6), DAYS, st.integers(0, 4), st.integers(0, 3)),
    st.tuples(st.just("bship"), st.integers(0, 1), st.integers(1, 4), DAYS),  # shipped from the branch
    # a physical count of a LIC (index) in an office (0 the office, 1 the branch): counted = book + this
    st.tuples(st.just("count"), st.integers(0, 1), st.integers(0, 1), st.integers(-4, 3), DAYS),
    st.tuples(st.just("run"), DAYS),
)


class Stream:
    """Posts the operations of one phase (its month) through the services."""

    def __init__(self, *, office, order, lics, gizmo, labour, vendor, tally: Counter, branch=None):
        self.tally = tally  # (operation, month posted or code refused) -> count, over every example
        self.branch = branch
        self.office, self.order, self.lics, self.gizmo, self.labour, self.vendor = (
            office,
            order,
            lics,
            gizmo,
            labour,
            vendor,
        )
        self.pos: list = []
        self.shipped: list = []
        self.invoices = 0
        self.month = 3

    def when(self, n: int, *, not_before: datetime.date | None = None) -> datetime.date:
        date = day(n, self.month)
        return max(date, not_before) if not_before else date

    def post(self, op) -> None:
        try:
            with transaction.atomic():  # a refused step leaves nothing behind
                getattr(self, f"_{op[0]}")(*op[1:])
        except DomainError as refused:
            self.tally[(op[0], refused.code)] += 1
        else:
            self.tally[(op[0], self.month)] += 1

    def _in(self, i, quantity, cost, n):
        adjust_in(office=self.office, lic=self.lics[i], quantity=str(quantity), unit_cost=str(cost), date=self.when(n))

    def _po(self, q0, c0, r0, q1, c1, r1, n):
        po = purchasing.create_purchase_order(
            vendor=self.vendor,
            office=self.office,
            date=self.when(n),
            actor=None,
            lines=[
                purchasing.POLineInput(lic=self.lics[0], quantity=D(q0), unit_cost=c0),
                purchasing.POLineInput(lic=self.lics[1], quantity=D(q1), unit_cost=c1),
            ],
        )
        lines = po.lines.order_by("line_no")
        received = [(line, D(min(r, q))) for line, r, q in zip(lines, (r0, r1), (q0, q1), strict=True) if r]
        if received:
            purchasing.receive_purchase_order(
                purchase_order=po,
                date=po.date,
                actor=None,
                lines=[purchasing.ReceiptLineInput(po_line=line, quantity=q) for line, q in received],
            )
        self.pos.append(po)

    def _invoice(self, pick, percent, freight_cents, n):
        if not self.pos:
            return
        po = self.pos[pick % len(self.pos)]
        lines = []
        for line in po.lines.order_by("line_no"):
            quantity = line.quantity_received - line.quantity_purchased
            if quantity > 0:
                amount = (quantity * line.unit_cost * percent / 100).quantize(CENT, ROUND_HALF_UP)
                lines.append(purchasing.InvoiceLineInput(po_line=line, quantity=quantity, amount=amount))
        if lines:
            self.invoices += 1
            purchasing.post_vendor_invoice(
                vendor=self.vendor,
                purchase_order=po,
                number=f"INV-{self.invoices}",
                date=self.when(n, not_before=po.date),
                actor=None,
                freight=D(freight_cents) / 100,
                lines=lines,
            )

    def _close(self, pick, n):
        if self.pos:
            po = PurchaseOrder.objects.get(pk=self.pos[pick % len(self.pos)].pk)
            latest = max(
                [po.date, *po.receipts.values_list("date", flat=True), *po.invoices.values_list("date", flat=True)]
            )
            purchasing.close_purchase_order(purchase_order=po, date=self.when(n, not_before=latest), actor=None)

    def _ship(self, i, quantity, n):
        lic = self.gizmo if i == 2 else self.lics[i]
        usage = ship(lic=lic, office=self.office, quantity=str(quantity), source=self.order, date=self.when(n))
        self.shipped.append(usage)

    def _return(self, pick, quantity, n):
        if not self.shipped:
            return
        usage = self.shipped[pick % len(self.shipped)]
        left = usage.quantity + sum(r.quantity for r in InventoryUsage.objects.filter(returns_usage=usage))
        if left > 0:
            give_back(
                lic=usage.lic,
                office=self.office,
                quantity=str(min(D(quantity), left)),
                source=self.order,
                date=self.when(n, not_before=usage.date),
                returns=usage,
            )

    def _out(self, i, quantity, n):
        post_adjustment(
            office=self.office,
            date=self.when(n),
            reason="loss",
            actor=None,
            lines=[AdjustmentLineInput(lic=self.lics[i], quantity=-D(quantity))],
        )

    def _transfer(self, i, quantity, n, back, later):
        there = (self.office, self.branch, quantity, self.when(n))
        back_again = (self.branch, self.office, back, self.when(min(n + later, 28)))
        for source, destination, asked, date in (there, back_again):
            moved = min(D(asked), on_hand(lic=self.lics[i], office=source))  # more is refused (not_on_hand)
            if moved > 0:
                post_transfer(
                    from_office=source,
                    to_office=destination,
                    date=date,
                    lines=[TransferLineInput(lic=self.lics[i], quantity=moved)],
                    actor=None,
                )
                self.tally[("transfer", "back" if source == self.branch else "there")] += 1

    def _bship(self, i, quantity, n):
        ship(lic=self.lics[i], office=self.branch, quantity=str(quantity), source=self.order, date=self.when(n))

    def _count(self, i, where, difference, n):
        office, lic = self.branch if where else self.office, self.lics[i]
        book = book_quantities(office=office, date=self.when(n), lic_ids=[lic.pk]).get(lic.pk, D(0))
        result = post_count(
            office=office,
            date=self.when(n),
            lines=[CountLineInput(lic=lic, counted_quantity=max(book + difference, D(0)))],
            actor=None,
        )
        if result.adjustment is None:  # nothing differed: nothing posted
            self.tally[("count", "same")] += 1

    def _make(self, i, components, job_cents, produced, n, later):
        date = self.when(n)
        mo = production.create_production_order(
            office=self.office,
            date=date,
            order=self.order,
            lic=self.gizmo,
            estimated_quantity=D(produced),
            estimated_unit_cost=D("9.00"),
            actor=None,
        )
        production.issue_components(
            production_order=mo,
            date=date,
            actor=None,
            lines=[production.ComponentLine(lic=self.lics[i], quantity=D(components))],
        )
        if job_cents:
            production.post_job_cost(
                production_order=mo,
                date=date,
                lic=self.labour,
                description="assembly",
                amount=D(job_cents) / 100,
                capitalized=True,
                actor=None,
            )
        made = min(date + ONE_DAY * later, day(28, self.month))
        production.produce(production_order=mo, date=made, quantity=D(produced), actor=None)
        production.release(production_order=mo, actor=None)
        production.close(production_order=mo, actor=None)

    def _run(self, n):
        run(self.when(n))


def assert_lot_pages() -> None:
    """The valuation today = every lot's figures (what its page shows)."""
    now = today()
    states = selectors.lots_at(as_of=now)
    lots = list(Lot.objects.all())
    for lot in lots:
        state = states.get(lot.pk)
        figures = (state.qty_in, state.value_in, state.qty_used, state.value_used) if state else None
        expected = (lot.qty_in, lot.value_in, lot.qty_used, lot.value_used)
        assert figures == expected or (state is None and lot.qty_in == 0 and lot.value_in == 0), lot.number
    assert totals(now)[:2] == (
        sum((lot.qty_available for lot in lots), D(0)),
        sum((lot.value_available for lot in lots), D(0)),
    )


def assert_rolls(periods) -> None:
    for a, b in periods:
        start, end = day(min(a, b)), day(max(a, b))
        report = selectors.roll_forward(date_from=start, date_to=end)
        for row in [*report.rows, report.totals]:
            assert_ties(row)
        assert report.totals.opening_value == totals(start - ONE_DAY)[1]
        assert report.totals.closing_value == totals(end)[1]


def assert_journal_ties() -> None:
    """Debits = credits per office and date; Inventory = valuation, Accrued COGS = open accruals, at
    every March day; the journal's check_ledger checks clean."""
    lines = journal.journal_lines(date_from=day(1, 1), date_to=day(28))
    per_day: dict = defaultdict(D)
    moves: dict = defaultdict(D)
    for x in lines:
        per_day[(x.date, x.office)] += x.debit - x.credit
        if x.role in ("inventory", "accrued_cogs"):
            moves[(x.role, x.date)] += x.debit - x.credit
    assert all(v == 0 for v in per_day.values()), {k: v for k, v in per_day.items() if v}
    inventory = accrued = D("0.00")
    for n in range(1, 29):
        inventory += moves[("inventory", day(n))]
        accrued -= moves[("accrued_cogs", day(n))]
        _, value, _, accrued_value = totals(day(n))
        assert (inventory, accrued) == (value, accrued_value), day(n)
    assert journal.journal_violations() == []
    assert ledger_violations() == []


def snapshot(lock: datetime.date) -> dict:
    """Every figure at dates on or before the lock date."""
    dates = sorted({day(1), lock - ONE_DAY * (lock.day // 2), lock})
    out: dict = {}
    for d in dates:
        out[("lots", d)] = selectors.lots_at(as_of=d)
        for group in ("lot", "lic", "office"):
            out[(group, d)] = selectors.valuation_rows(as_of=d, group_by=group)
        out[("totals", d)] = selectors.valuation_totals(as_of=d)
        out[("aging", d)] = selectors.aging(as_of=d, bounds=(2, 7, 14))
    for start in dates:
        out[("roll", start)] = selectors.roll_forward(date_from=start, date_to=lock)
    out["journal"] = journal.journal_lines(date_from=day(1), date_to=lock)
    out["summary"] = list(journal.summarize(journal.iter_lines(date_from=day(1), date_to=lock)))
    return out


def test_random_period_close_streams(office, order, accountant):
    lics = [LicFactory(code="FIFO"), LicFactory(code="LIFO", costing_method="lifo")]
    gizmo, labour, vendor = LicFactory(code="GIZMO"), ServiceLicFactory(code="LABOR"), VendorFactory(code="ACME")
    branch = OfficeFactory(code="BR", name="Branch")
    tally: Counter = Counter()

    @SETTINGS
    @given(
        march=st.lists(OPERATION, min_size=6, max_size=16),
        april=st.lists(OPERATION, min_size=3, max_size=10),
        periods=st.lists(st.tuples(DAYS, DAYS), min_size=1, max_size=2),
        lock_day=DAYS,
    )
    def check(march, april, periods, lock_day):
        with transaction.atomic():
            stream = Stream(
                office=office,
                order=order,
                lics=lics,
                gizmo=gizmo,
                labour=labour,
                vendor=vendor,
                tally=tally,
                branch=branch,
            )
            for op in [*march, ("run", 28)]:
                stream.post(op)
            assert_lot_pages()
            assert_rolls(periods)
            assert_journal_ties()

            lock = day(lock_day)
            close_books(date=lock, actor=accountant)
            before = snapshot(lock)
            stream.month = 4
            for op in [*april, ("run", 28)]:
                stream.post(op)
            after = snapshot(lock)
            for key, value in before.items():
                assert after[key] == value, key
            assert_lot_pages()
            assert journal.journal_violations() == []
            assert ledger_violations() == []
            transaction.set_rollback(True)

    check()
    # the streams did post every kind of step, before and after the lock date (not only refusals)
    kinds = ("in", "po", "invoice", "close", "ship", "return", "out", "make", "transfer", "bship", "count", "run")
    assert {(kind, 3) for kind in kinds} <= set(tally), sorted(tally.items(), key=str)
    assert {(kind, 4) for kind in ("invoice", "close", "ship", "return", "make", "run")} <= set(tally)
    assert {("transfer", "there"), ("transfer", "back")} <= set(tally)  # the way back: out of transfer lots
