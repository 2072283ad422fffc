"""DOMAIN.md 6 "Conventions" (the remainder rule only while a lot is used up; the holding rule) and
6a (entries dated no earlier than their stock exists; accruals never counting with the true cost),
through the services and the API, and the two ledger checks that guard them."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.db import connection

from cogs.models import CogsEntry, EntryKind
from cogs.selectors import ledger_violations
from inventory_lots.models import AdjustmentLine, Lot
from inventory_lots.reversals import reverse_adjustment
from tests.conftest import adjust_in

from .conftest import D, day, fresh, give_back, run, ship

pytestmark = pytest.mark.django_db


def on_lot(usage, lot) -> D:
    """What a usage's entries are worth on a lot."""
    return sum(CogsEntry.objects.filter(usage=usage, lot=lot).values_list("value", flat=True), D("0"))


def kinds(usage) -> list[tuple]:
    return list(CogsEntry.objects.filter(usage=usage).order_by("id").values_list("kind", "quantity", "value"))


# --- the worked example of the holding rule ("Rounding" lot, then a return naming usage 3) ---------


def test_rounding_lot_return_naming_usage_3_through_services(office, lic, order):
    lot = adjust_in(office=office, lic=lic, quantity="3", unit_cost="3.333333", date=day(1))
    usages = [ship(lic=lic, office=office, quantity="1", source=order, date=day(2)) for _ in range(3)]
    run()
    assert [fresh(u).cogs_value for u in usages] == [D("3.33"), D("3.33"), D("3.34")]
    returned = give_back(lic=lic, office=office, quantity="1", source=order, date=day(3), returns=usages[2])
    result = run()
    assert fresh(returned).cogs_value == D("-3.33")
    assert fresh(usages[2]).cogs_value == D("3.33")  # re-valued: the lot is no longer used up
    assert kinds(usages[2])[-1] == (EntryKind.REVALUATION, D("0"), D("-0.01"))
    assert on_lot(usages[2], lot) + on_lot(returned, lot) == D("0.00")
    assert result.value_posted == D("-3.34")  # the give-back and the re-valuation
    lot = fresh(lot)
    assert (lot.qty_available, lot.value_in - lot.value_used) == (D("1"), D("3.34"))
    fourth = ship(lic=lic, office=office, quantity="1", source=order, date=day(4))
    run()
    assert fresh(fourth).cogs_value == D("3.34")  # the remainder, now that it uses the lot up
    lot = fresh(lot)
    assert (lot.status, lot.value_used, lot.value_in) == ("closed", D("10.00"), D("10.00"))
    assert run().entries_posted == 0
    assert ledger_violations() == []


def test_rounding_lot_return_naming_usage_3_through_the_api(api, clerk, accountant, viewer, office, lic, order):
    def post(path, body, user=clerk):
        response = api(user).post(path, body, format="json")
        assert response.status_code == 201, response.content
        return response.json()

    def cogs_run():
        return post("/api/v1/cogs-runs/", {"date": "2026-03-31", "wait": True}, accountant)

    lot = post(
        "/api/v1/adjustments/",
        {
            "office": "HQ",
            "date": "2026-03-01",
            "reason": "opening",
            "lines": [{"lic": "WIDGET", "quantity": "3", "unit_cost": "3.333333"}],
        },
    )
    lot_id = lot["lines"][0]["lot"]
    usage_ids = [
        post(
            "/api/v1/shipments/",
            {"order": order.pk, "date": "2026-03-02", "lines": [{"lic": "WIDGET", "quantity": "1"}]},
        )["lines"][0]["usage"]
        for _ in range(3)
    ]
    cogs_run()
    third = f"/api/v1/usages/{usage_ids[2]}/"
    assert api(viewer).get(third).json()["cogs_value"] == "3.34"
    returned = post(
        "/api/v1/returns/",
        {"order": order.pk, "date": "2026-03-03", "lines": [{"lic": "WIDGET", "quantity": "1", "usage": usage_ids[2]}]},
    )
    cogs_run()
    back = api(viewer).get(f"/api/v1/usages/{returned['lines'][0]['usage']}/").json()
    assert (back["cogs_value"], back["allocated_quantity"]) == ("-3.33", "-1.000000")
    assert api(viewer).get(third).json()["cogs_value"] == "3.33"
    body = api(viewer).get(f"/api/v1/lots/{lot_id}/").json()
    assert (body["qty_available"], body["value_available"]) == ("1.000000", "3.34")
    fourth = post(
        "/api/v1/shipments/", {"order": order.pk, "date": "2026-03-04", "lines": [{"lic": "WIDGET", "quantity": "1"}]}
    )["lines"][0]["usage"]
    cogs_run()
    assert api(viewer).get(f"/api/v1/usages/{fourth}/").json()["cogs_value"] == "3.34"
    assert ledger_violations() == []


def test_a_usage_returned_in_several_pieces_nets_to_zero(office, lic, order):
    lot = adjust_in(office=office, lic=lic, quantity="3", unit_cost="3.333333", date=day(1))
    usage = ship(lic=lic, office=office, quantity="3", source=order, date=day(2))
    run()
    assert fresh(usage).cogs_value == D("10.00")  # used up: the remainder
    pieces = []
    for n in (3, 4, 5):
        pieces.append(give_back(lic=lic, office=office, quantity="1", source=order, date=day(n), returns=usage))
        run()
    assert [fresh(p).cogs_value for p in pieces] == [D("-3.33"), D("-3.33"), D("-3.34")]
    assert fresh(usage).cogs_value == D("10.00")
    assert on_lot(usage, lot) + sum((on_lot(p, lot) for p in pieces), D("0")) == D("0.00")
    lot = fresh(lot)
    assert (lot.qty_used, lot.value_used, lot.status) == (D("0"), D("0.00"), "open")
    assert run().entries_posted == 0
    assert ledger_violations() == []


def test_returns_in_one_run_net_to_zero_too(office, lic, order):
    lot = adjust_in(office=office, lic=lic, quantity="7", unit_cost="1.428571", date=day(1))  # 10.00 in all
    usage = ship(lic=lic, office=office, quantity="7", source=order, date=day(2))
    run()
    pieces = [
        give_back(lic=lic, office=office, quantity=q, source=order, date=day(3), returns=usage) for q in ("2", "2", "3")
    ]
    run()
    assert fresh(usage).cogs_value + sum((fresh(p).cogs_value for p in pieces), D("0")) == D("0.00")
    assert fresh(lot).value_used == D("0.00")
    assert ledger_violations() == []


def test_an_unused_lot_keeps_no_rounding_cent_and_reverses_to_zero(office, lic, order):
    """Shipments of 1 wait for stock, an unnamed return of 5 too; a lot of 1 at 0.001 (value 0.00) is
    allocated and given back five times. Nothing of it is used, so it has nothing of its value out: not
    the -0.01 of the return's record rounded alone (round(-5 x 0.001, 2)). Its reversal (allowed: qty_used
    0) then leaves a Closed lot at 0.00, not one holding a cent with nothing in."""
    shipped = []
    for n in range(1, 6):
        shipped.append(ship(lic=lic, office=office, quantity="1", source=order, date=day(n)))
        run()
    returned = give_back(lic=lic, office=office, quantity="5", source=order, date=day(6))
    run()
    lot = adjust_in(office=office, lic=lic, quantity="1", unit_cost="0.001", date=day(7))
    run()
    lot = fresh(lot)
    assert (lot.qty_used, lot.value_in, lot.value_used) == (D("0"), D("0.00"), D("0.00"))
    assert [fresh(u).cogs_value for u in [*shipped, returned]] == [D("0.00")] * 6
    reverse_adjustment(adjustment=AdjustmentLine.objects.get(lot=lot).adjustment, date=day(8), reason="x", actor=None)
    run()
    lot = fresh(lot)
    assert (lot.qty_in, lot.status, lot.value_used, lot.value_in) == (D("0"), "closed", D("0.00"), D("0.00"))
    assert ledger_violations() == []


# --- stock is never used before it exists ----------------------------------------------------------


def test_a_shipment_dated_before_its_lot_is_allocated_when_the_lot_exists(office, lic, order):
    dec = datetime.date(2026, 12, 1)
    usage = ship(lic=lic, office=office, quantity="2", source=order, date=dec)
    lot = adjust_in(office=office, lic=lic, quantity="5", unit_cost="4.00", date=datetime.date(2026, 12, 20))
    run(date=datetime.date(2026, 12, 21))
    assert list(CogsEntry.objects.filter(usage=usage, kind=EntryKind.ALLOCATION).values_list("date", "value")) == [
        (datetime.date(2026, 12, 20), D("8.00"))
    ]
    assert fresh(lot).movement_date == datetime.date(2026, 12, 20)
    # a return dated before that give-back is given back no earlier than the lot's last entry
    returned = give_back(lic=lic, office=office, quantity="1", source=order, date=datetime.date(2026, 12, 5))
    run(date=datetime.date(2026, 12, 21))
    assert list(
        CogsEntry.objects.filter(usage=returned)
        .exclude(kind__in=(EntryKind.ACCRUAL, EntryKind.ACCRUAL_REVERSAL))
        .values_list("date", flat=True)
    ) == [datetime.date(2026, 12, 20)]
    assert ledger_violations() == []


def test_more_production_reported_later_moves_the_lot_date_forward(office, lic, order):
    from production.services import create_production_order, produce, release
    from tests.factories import LicFactory

    chair = LicFactory(code="CHAIR")
    po = create_production_order(
        office=office,
        date=day(1),
        order=order,
        lic=chair,
        estimated_quantity=D("10"),
        estimated_unit_cost=D("5.00"),
        actor=None,
    )
    produce(production_order=po, date=day(2), quantity=D("1"), actor=None)
    produce(production_order=po, date=day(20), quantity=D("1"), actor=None)
    release(production_order=po, actor=None)
    usage = ship(lic=chair, office=office, quantity="2", source=order, date=day(5))
    run()
    assert set(CogsEntry.objects.filter(usage=usage, kind=EntryKind.ALLOCATION).values_list("date", flat=True)) == {
        day(20)
    }


def test_a_backdated_lot_does_not_count_with_an_estimate_re_dated_later(office, lic, order):
    """A usage of 2 on day 4 is accrued from day 4; a lot of 1 dated day 28 takes 1 (dated 28), so the
    accrual of 2 is reversed and 1 accrued again, both on day 28. A lot dated day 1 then covers the
    rest: dated day 4 (its usage's date), that allocation would count beside the accrual of 2 from
    day 4 to 27 (3 of a usage of 2). It is dated no earlier than the usage's open accrual (day 28)."""
    adjust_in(office=office, lic=lic, quantity="1", unit_cost="1.00", date=day(1))  # the estimate's basis
    ship(lic=lic, office=office, quantity="1", source=order, date=day(2))
    usage = ship(lic=lic, office=office, quantity="2", source=order, date=day(4))
    run()
    assert fresh(usage).accrued_value == D("2.00")
    adjust_in(office=office, lic=lic, quantity="1", unit_cost="1.00", date=day(28))
    run()
    late = adjust_in(office=office, lic=lic, quantity="1", unit_cost="1.00", date=day(1))
    run()
    assert fresh(usage).unallocated_quantity == D("0")
    assert CogsEntry.objects.get(usage=usage, lot=late).date == day(28)
    assert ledger_violations() == []


# --- the two checks that guard it fire ---------------------------------------------------------------


def _lot_with_two_entries(office, lic, order) -> Lot:
    lot = adjust_in(office=office, lic=lic, quantity="5", unit_cost="2.00", date=day(3))
    ship(lic=lic, office=office, quantity="1", source=order, date=day(4))
    ship(lic=lic, office=office, quantity="1", source=order, date=day(6))
    run()
    assert ledger_violations() == []
    return lot


def test_check_lot_entry_dates_names_an_entry_before_its_lot(office, lic, order, capsys):
    lot = _lot_with_two_entries(office, lic, order)
    first = CogsEntry.objects.filter(lot=lot).order_by("id").first()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cogs_cogsentry SET date = %s WHERE id = %s", [day(2), first.pk])
    assert [(v["check"], v["id"]) for v in ledger_violations()] == [("lot_entry_dates", lot.pk)]
    with pytest.raises(SystemExit) as exit_:
        call_command("check_ledger")
    assert exit_.value.code == 1 and "lot_entry_dates" in capsys.readouterr().out


def test_check_lot_entry_dates_names_entries_out_of_date_order(office, lic, order):
    lot = _lot_with_two_entries(office, lic, order)
    last = CogsEntry.objects.filter(lot=lot).order_by("id").last()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cogs_cogsentry SET date = %s WHERE id = %s", [day(3), last.pk])
    violations = ledger_violations()
    assert [(v["check"], v["id"]) for v in violations] == [("lot_entry_dates", lot.pk)]
    assert "before an earlier entry of the lot (2026-03-04)" in violations[0]["detail"]


def test_check_allocated_and_accrued_names_a_usage_counted_twice(office, lic, order):
    adjust_in(office=office, lic=lic, quantity="1", unit_cost="2.00", date=day(1))
    usage = ship(lic=lic, office=office, quantity="3", source=order, date=day(2))
    run()
    adjust_in(office=office, lic=lic, quantity="2", unit_cost="2.00", date=day(10))
    run()
    assert ledger_violations() == []
    reversal = CogsEntry.objects.get(usage=usage, kind=EntryKind.ACCRUAL_REVERSAL)
    assert reversal.date == day(10)
    with connection.cursor() as cursor:  # the reversal pushed past the allocation it goes with
        cursor.execute("UPDATE cogs_cogsentry SET date = %s WHERE id = %s", [day(11), reversal.pk])
    violations = ledger_violations()
    assert [(v["check"], v["id"]) for v in violations] == [("allocated_and_accrued", usage.pk)]
    assert violations[0]["detail"].startswith("on 2026-03-10 allocated and accrued 5.000000 of 3.000000")
