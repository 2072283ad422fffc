"""The report selectors over a ledger of two offices and two months (conftest.build_ledger): today's
valuation is the lot pages' figures, the roll-forward ties for any period and chains, groupings sum
up, pages by keyset cover every row once, filters, unallocated and accrued at a date, aging buckets."""

from __future__ import annotations

import datetime
from collections import defaultdict

import pytest

from inventory_lots.dates import today
from inventory_lots.models import Lot
from reports import selectors
from reports.selectors import Scope
from tests.cogs.conftest import ship
from tests.conftest import adjust_in

from .conftest import D, assert_ties, build_ledger, day, run, totals

pytestmark = pytest.mark.django_db
ONE_DAY = datetime.timedelta(days=1)
DATES = [
    day(28, 2),
    day(1),
    day(2),
    day(5),
    day(6),
    day(8),
    day(12),
    day(15),
    day(31),
    day(3, 4),
    day(4, 4),
    day(10, 4),
    day(30, 4),
]


@pytest.fixture
def ledger(db):
    return build_ledger()


def by_pair(rows) -> dict:
    return {(r.office, r.lic): (r.quantity, r.value) for r in rows}


def test_valuation_today_is_the_lot_pages_figures(ledger):
    lots = {lot.pk: lot for lot in Lot.objects.all()}
    states = selectors.lots_at(as_of=today())
    assert set(states) == set(lots)
    for pk, lot in lots.items():
        state = states[pk]
        assert (state.qty_in, state.value_in, state.qty_used, state.value_used) == (
            lot.qty_in,
            lot.value_in,
            lot.qty_used,
            lot.value_used,
        ), lot.number
        assert (state.quantity, state.value) == (lot.qty_available, lot.value_available)
    rows = selectors.valuation_rows(as_of=today())
    assert {r.lot_id: (r.quantity, r.value) for r in rows} == {
        pk: (lot.qty_available, lot.value_available)
        for pk, lot in lots.items()
        if lot.qty_available or lot.value_available
    }
    t = selectors.valuation_totals(as_of=today())
    assert (t.lots, t.quantity, t.value) == (
        len(rows),
        sum(lot.qty_available for lot in lots.values()),
        sum(lot.value_available for lot in lots.values()),
    )
    # by hand (conftest.build_ledger): HQ WIDGET lot of 30 @ 3.00 less the 16 the April shipment took = 42.00
    # (the March lot is used up); BR WIDGET 4 @ 2.50 less 1 written off = 7.50; GADGET 8 @ 5.625 = 45.00 less
    # 3 shipped (15.00 + a 1.88 revaluation) = 28.12; GIZMO 1 @ (4.00 components + 3.00 labour) = 7.00
    assert (t.quantity, t.value) == (D(23), D("84.62"))
    assert by_pair(selectors.valuation_rows(as_of=today(), group_by="lic")) == {
        ("BR", "WIDGET"): (D(3), D("7.50")),
        ("HQ", "GADGET"): (D(5), D("28.12")),
        ("HQ", "GIZMO"): (D(1), D("7.00")),
        ("HQ", "WIDGET"): (D(14), D("42.00")),
    }


def test_roll_forward_ties_and_chains_over_several_periods(ledger):
    bounds = [day(1, 2), day(1), day(5), day(6), day(15), day(31), day(4, 4), day(30, 4), today()]
    closing_before = None
    for start, end in zip(bounds, bounds[1:]):
        start = start if closing_before is None else start + ONE_DAY
        report = selectors.roll_forward(date_from=start, date_to=end)
        for row in [*report.rows, report.totals]:
            assert_ties(row)
        opening = by_pair(selectors.valuation_rows(as_of=start - ONE_DAY, group_by="lic"))
        closing = by_pair(selectors.valuation_rows(as_of=end, group_by="lic"))
        for row in report.rows:
            assert row.opening_value == opening.get((row.office, row.lic), (0, D(0)))[1], (start, row)
            assert row.closing_value == closing.get((row.office, row.lic), (0, D(0)))[1], (end, row)
        assert report.totals.opening_value == totals(start - ONE_DAY)[1]
        assert report.totals.closing_value == totals(end)[1]
        if closing_before is not None:
            assert report.totals.opening_value == closing_before
        closing_before = report.totals.closing_value
    whole = selectors.roll_forward(date_from=day(1, 2), date_to=today()).totals
    assert whole.opening_value == D(0) and whole.closing_value == closing_before
    # every value event and every lot entry is counted once, in some period
    assert whole.lots_in + whole.cost_changes == sum(lot.value_in for lot in Lot.objects.all())
    assert whole.cogs + whole.production + whole.adjustments_out == sum(lot.value_used for lot in Lot.objects.all())
    # GADGET 8 x 5.625 = 45.00 against 40.00 (12 March); GIZMO 3.00 -> 7.00 (5 April)
    assert (whole.lots_in, whole.cost_changes) == (D("163.00"), D("9.00"))
    assert (whole.cogs, whole.production, whole.adjustments_out) == (D("80.88"), D("4.00"), D("2.50"))
    assert whole.adjustments_out > 0 and whole.production > 0 and whole.cogs > 0


def test_single_day_periods_tie_too(ledger):
    for d in DATES:
        report = selectors.roll_forward(date_from=d, date_to=d)
        for row in [*report.rows, report.totals]:
            assert_ties(row)
        assert report.totals.closing_value == totals(d)[1]


def test_groupings_sum_up_at_every_date(ledger):
    for d in DATES:
        lots = selectors.valuation_rows(as_of=d)
        pairs, offices = defaultdict(lambda: [D(0), D(0), 0]), defaultdict(lambda: [D(0), D(0), 0])
        for r in lots:
            for key, bucket in (((r.office, r.lic), pairs), (r.office, offices)):
                bucket[key][0] += r.quantity
                bucket[key][1] += r.value
                bucket[key][2] += 1
        assert {
            (r.office, r.lic): [r.quantity, r.value, r.lots] for r in selectors.valuation_rows(as_of=d, group_by="lic")
        } == dict(pairs)
        assert {
            r.office: [r.quantity, r.value, r.lots] for r in selectors.valuation_rows(as_of=d, group_by="office")
        } == dict(offices)
        t = selectors.valuation_totals(as_of=d)
        assert (t.quantity, t.value, t.lots) == (sum(r.quantity for r in lots), sum(r.value for r in lots), len(lots))


def test_the_fast_way_is_the_definition_at_every_date(ledger):
    """lots_at (current figures less what is dated after D) = lots_at_by_events (every dated record of
    every lot, day by day), for every lot at every date, whole ledger and scoped."""
    for d in DATES:
        assert selectors.lots_at(as_of=d) == selectors.lots_at_by_events(as_of=d), d
    scope = Scope(office_id=ledger.hq.pk, lic_id=ledger.gadget.pk)
    assert selectors.lots_at(as_of=day(12), scope=scope) == selectors.lots_at_by_events(as_of=day(12), scope=scope)


def test_every_lot_within_its_quantity_in_at_every_date(ledger):
    """Stock is never used before it exists (DOMAIN.md 6a): 0 <= qty_used(D) <= qty_in(D)."""
    for d in DATES:
        for state in selectors.lots_at(as_of=d).values():
            assert D(0) <= state.qty_used <= state.qty_in, (d, state)


@pytest.mark.parametrize("group_by", ["lot", "lic", "office"])
def test_keyset_pages_cover_every_row_once(ledger, group_by):
    everything = selectors.valuation_rows(as_of=today(), group_by=group_by)
    seen, after = [], None
    while True:
        page = selectors.valuation_rows(as_of=today(), group_by=group_by, after=after, limit=2)
        seen += page
        if len(page) < 2:
            break
        after = page[-1].key
    assert seen == everything and len(everything) >= 2
    assert [r.key for r in everything] == sorted(r.key for r in everything)
    assert selectors.valuation_rows(as_of=today(), group_by=group_by, offset=1, limit=1) == everything[1:2]


def test_filters_office_lic_and_type(ledger):
    br = Scope(office_id=ledger.branch.pk)
    assert {r.office for r in selectors.valuation_rows(as_of=day(31), scope=br)} == {"BR"}
    assert totals(day(31), office_id=ledger.branch.pk)[:2] == (D(3), D("7.50"))  # 4 @ 2.50 less 1 written off
    gadget = Scope(lic_id=ledger.gadget.pk)
    assert totals(day(31), lic_id=ledger.gadget.pk)[:2] == (D(5), D("28.12"))  # 45.00 - (15.00 + 1.88 revalued)
    assert {r.lic for r in selectors.valuation_rows(as_of=day(31), scope=gadget)} == {"GADGET"}
    produced = selectors.valuation_rows(as_of=day(30, 4), scope=Scope(type="production"))
    assert [(r.lic, r.type) for r in produced] == [("GIZMO", "production")]
    assert selectors.valuation_rows(as_of=day(31), scope=Scope(type="production")) == []
    report = selectors.roll_forward(date_from=day(1), date_to=day(31), scope=br)
    assert [(r.office, r.lic) for r in report.rows] == [("BR", "WIDGET")]
    assert report.totals.figures() == {
        **dict.fromkeys(selectors.ROLL_FORWARD_COLUMNS, D(0)),
        "lots_in": D("10.00"),
        "adjustments_out": D("2.50"),
        "closing_value": D("7.50"),
    }


def test_unallocated_and_accrued_at_a_date(ledger):
    # 2 April: 2 WIDGET issued to production, allocated (dated 2 April) by 5 April's run
    # 4 April: 20 WIDGET shipped from HQ with 4 left (10 - 6 + 2 - 2); 5 April's run allocates those 4 and
    # accrues the 16 others at the latest HQ WIDGET lot's cost (2.00) = 32.00, dated 4 April
    hq_widget = {"office_id": ledger.hq.pk, "lic_id": ledger.widget.pk}
    assert totals(day(3, 4), **hq_widget)[2:] == (D(0), D(0))
    quantity, value, unallocated, accrued = totals(day(4, 4), **hq_widget)
    assert (unallocated, accrued) == (D(16), D("32.00"))
    # 10 April: 30 @ 3.00 arrive; the 11 April run allocates the 16 (dated 10 April) and reverses the accrual
    assert totals(day(9, 4), **hq_widget)[2:] == (D(16), D("32.00"))
    assert totals(day(10, 4), **hq_widget)[2:] == (D(0), D("0.00"))
    assert totals(day(4, 4), office_id=ledger.branch.pk)[2:] == (D(0), D(0))  # none in the branch


def test_aging_buckets_and_bounds(office, lic, order):
    as_of = datetime.date(2026, 11, 30)
    ages = [0, 30, 31, 60, 61, 90, 91, 180, 181, 400]
    for n, age in enumerate(ages, start=1):
        adjust_in(office=office, lic=lic, quantity=str(n), unit_cost="1.00", date=as_of - datetime.timedelta(days=age))
    report = selectors.aging(as_of=as_of)
    assert report.labels == ["0-30", "31-60", "61-90", "91-180", "over 180"]
    [row] = report.rows
    assert row.quantities == [D(1 + 2), D(3 + 4), D(5 + 6), D(7 + 8), D(9 + 10)]
    assert row.values == [D("3.00"), D("7.00"), D("11.00"), D("15.00"), D("19.00")]
    assert report.totals.quantity == D(55) and report.totals.value == D("55.00")
    custom = selectors.aging(as_of=as_of, bounds=(0, 365))
    assert custom.labels == ["0-0", "1-365", "over 365"]
    assert custom.rows[0].quantities == [D(1), D(2 + 3 + 4 + 5 + 6 + 7 + 8 + 9), D(10)]
    # a day earlier every lot is a day younger (30 -> 29, 60 -> 59, ...) and the one of that date is not there
    assert selectors.aging(as_of=as_of - ONE_DAY).rows[0].quantities == [D(5), D(9), D(13), D(17), D(10)]
    ship(lic=lic, office=office, quantity="1", source=order, date=as_of)  # FIFO: from the oldest lot
    run(as_of)
    assert selectors.aging(as_of=as_of).rows[0].quantities == [D(3), D(7), D(11), D(15), D(18)]


def test_a_cost_change_not_yet_revalued_is_valued_but_not_aged(office, vendor, lic, order):
    from purchasing import services as purchasing

    po = purchasing.create_purchase_order(
        vendor=vendor,
        office=office,
        date=day(1),
        actor=None,
        lines=[purchasing.POLineInput(lic=lic, quantity=D(2), unit_cost=D("1.00"))],
    )
    purchasing.receive_purchase_order(
        purchase_order=po,
        date=day(1),
        actor=None,
        lines=[purchasing.ReceiptLineInput(po_line=po.lines.get(), quantity=D(2))],
    )
    ship(lic=lic, office=office, quantity="2", source=order, date=day(2))
    run(day(2))
    purchasing.post_vendor_invoice(
        vendor=vendor,
        purchase_order=po,
        number="I-9",
        date=day(3),
        actor=None,
        lines=[purchasing.InvoiceLineInput(po_line=po.lines.get(), quantity=D(2), amount=D("2.50"))],
    )
    purchasing.close_purchase_order(purchase_order=po, date=day(4), actor=None)  # 1.00 -> 1.25
    assert totals(day(4))[:2] == (D(0), D("0.50"))
    assert selectors.aging(as_of=day(4)).rows == []
