"""Accrued COGS (DOMAIN.md 6a) through services, API and pages: the 6a example, the estimate
rule (most recent released lot in the office by lot date then id, else any office, else zero and
"no cost basis"), a return accruing with its negative sign, and the dates of accrual entries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cogs.models import CogsEntry, EntryKind
from cogs.selectors import ledger_violations
from tests.conftest import adjust_in
from tests.factories import LicFactory, OfficeFactory

from .conftest import D, day, figures, fresh, give_back, run_cogs, ship

pytestmark = pytest.mark.django_db


def accruals(usage) -> list[tuple]:
    return list(
        CogsEntry.objects.filter(usage=usage, kind__in=(EntryKind.ACCRUAL, EntryKind.ACCRUAL_REVERSAL))
        .order_by("id")
        .values_list("kind", "date", "quantity", "value", "unit_cost")
    )


# --- the 6a example through the services ---------------------------------------------------------


def test_6a_example_through_services(office, lic, order):
    adjust_in(office=office, lic=lic, quantity="3", unit_cost="10.00", date=day(1))
    usage = ship(order=order, lic=lic, quantity="5", date=day(2)).lines.get().usage
    first = run_cogs(day(10))
    usage = fresh(usage)
    assert (usage.allocated_quantity, usage.unallocated_quantity) == (D("3"), D("2"))
    assert (usage.cogs_value, usage.accrued_value, usage.no_cost_basis) == (D("30.00"), D("20.00"), False)
    assert (first.value_posted, first.accrued_value_posted) == (D("30.00"), D("20.00"))
    # DOMAIN.md 6a: an accrual is dated the later of its usage's date and the first open day
    assert accruals(usage) == [(EntryKind.ACCRUAL, day(2), D("2"), D("20.00"), D("10"))]

    adjust_in(office=office, lic=lic, quantity="2", unit_cost="11.00", date=day(12))
    second = run_cogs(day(20))
    usage = fresh(usage)
    assert (second.value_posted, second.accrued_value_posted) == (D("22.00"), D("-20.00"))
    assert (usage.cogs_value, usage.accrued_value, usage.unallocated_quantity) == (D("52.00"), D("0.00"), D("0"))
    # the 2 units exist from 12 March: their allocation is dated then, and so is the reversal of the
    # estimate (the latest of the old accrual's date and the entries the run posted), never both at a date
    allocations = CogsEntry.objects.filter(usage=usage, kind=EntryKind.ALLOCATION).order_by("id")
    assert list(allocations.values_list("date", "quantity")) == [(day(2), D("3")), (day(12), D("2"))]
    assert accruals(usage) == [
        (EntryKind.ACCRUAL, day(2), D("2"), D("20.00"), D("10")),
        (EntryKind.ACCRUAL_REVERSAL, day(12), D("-2"), D("-20.00"), D("0")),
    ]
    again = run_cogs(day(21))
    assert (again.entries_posted, again.value_posted, again.accrued_value_posted) == (0, D("0.00"), D("0.00"))
    assert ledger_violations() == []


# --- the 6a example through the API ---------------------------------------------------------------


def test_6a_example_through_the_api(api, clerk, accountant, viewer, office, lic, order):
    def adjust(quantity, unit_cost, date):
        body = {
            "office": "HQ",
            "date": date,
            "reason": "count",
            "lines": [{"lic": "WIDGET", "quantity": quantity, "unit_cost": unit_cost}],
        }
        response = api(clerk).post("/api/v1/adjustments/", body, format="json")
        assert response.status_code == 201, response.json()

    def start_run(date):
        response = api(accountant).post("/api/v1/cogs-runs/", {"date": date, "wait": True}, format="json")
        assert response.status_code == 201, response.json()
        return response.json()

    adjust("3", "10.00", "2026-03-01")
    shipped = api(clerk).post(
        "/api/v1/shipments/",
        {"order": order.pk, "date": "2026-03-02", "lines": [{"lic": "WIDGET", "quantity": "5"}]},
        format="json",
    )
    assert shipped.status_code == 201, shipped.json()
    usage_url = f"/api/v1/usages/{shipped.json()['lines'][0]['usage']}/"
    first = start_run("2026-03-10")
    assert (first["value_posted"], first["accrued_value_posted"]) == ("30.00", "20.00")
    assert (first["allocated_quantity"], first["unallocated_quantity"]) == ("3.000000", "2.000000")
    u = api(viewer).get(usage_url).json()
    assert (u["allocated_quantity"], u["unallocated_quantity"]) == ("3.000000", "2.000000")
    assert (u["cogs_value"], u["accrued_value"], u["no_cost_basis"]) == ("30.00", "20.00", False)
    unallocated = api(viewer).get("/api/v1/usages/?unallocated=true").json()["results"]
    assert [(r["id"], r["accrued_value"]) for r in unallocated] == [(u["id"], "20.00")]

    adjust("2", "11.00", "2026-03-12")
    second = start_run("2026-03-20")
    assert (second["value_posted"], second["accrued_value_posted"]) == ("22.00", "-20.00")
    u = api(viewer).get(usage_url).json()
    assert (u["cogs_value"], u["accrued_value"], u["no_cost_basis"], u["unallocated_quantity"]) == (
        "52.00",
        "0.00",
        False,
        "0.000000",
    )
    assert sorted((a["quantity"], a["value"]) for a in u["allocations"]) == [
        ("2.000000", "22.00"),
        ("3.000000", "30.00"),
    ]
    runs = {r["id"]: r for r in api(viewer).get("/api/v1/cogs-runs/").json()["results"]}
    assert (runs[first["id"]]["accrued_value_posted"], runs[first["id"]]["value_posted"]) == ("20.00", "30.00")
    assert (runs[second["id"]]["accrued_value_posted"], runs[second["id"]]["value_posted"]) == ("-20.00", "22.00")
    assert api(viewer).get(f"/api/v1/cogs-runs/{second['id']}/").json()["accrued_value_posted"] == "-20.00"


# --- the 6a example through the pages -------------------------------------------------------------


def test_6a_example_through_the_pages(client, viewer, accountant, office, lic, order):
    adjust_in(office=office, lic=lic, quantity="3", unit_cost="10.00", date=day(1))
    usage = ship(order=order, lic=lic, quantity="5", date=day(2)).lines.get().usage
    client.force_login(accountant)
    response = client.post(reverse("cogs:run_list"), {"date": "2026-03-10", "wait": "on"})
    assert response.status_code == 302
    first_url = response.url

    client.force_login(viewer)
    usage_page = figures(client.get(reverse("inventory_lots:usage_detail", args=[usage.pk])))
    assert (usage_page["cogs_value"], usage_page["accrued_value"], usage_page["unallocated"]) == ("30.00", "20.00", "2")
    html = client.get(reverse("inventory_lots:usage_detail", args=[usage.pk])).content.decode()
    assert "Accrual" in html and "No cost basis" not in html
    unallocated = figures(client.get(reverse("cogs:unallocated")))
    assert unallocated[f"accrued_{usage.pk}"] == "20.00"
    run_page = figures(client.get(first_url))
    assert (run_page["value_posted"], run_page["accrued_value_posted"]) == ("30.00", "20.00")
    assert (run_page["accruals_posted"], run_page["accruals_reversed"], run_page["accruals_net"]) == (
        "20.00",
        "0.00",
        "20.00",
    )

    adjust_in(office=office, lic=lic, quantity="2", unit_cost="11.00", date=day(12))
    client.force_login(accountant)
    second_url = client.post(reverse("cogs:run_list"), {"date": "2026-03-20", "wait": "on"}).url
    client.force_login(viewer)
    usage_page = figures(client.get(reverse("inventory_lots:usage_detail", args=[usage.pk])))
    assert usage_page["cogs_value"] == "52.00" and "accrued_value" not in usage_page  # no open accrual left
    assert f"accrued_{usage.pk}" not in figures(client.get(reverse("cogs:unallocated")))
    run_page = figures(client.get(second_url))
    assert (run_page["value_posted"], run_page["accrued_value_posted"]) == ("22.00", "-20.00")
    assert (run_page["accruals_posted"], run_page["accruals_reversed"], run_page["accruals_net"]) == (
        "0.00",
        "-20.00",
        "-20.00",
    )
    entries = client.get(second_url, {"kind": EntryKind.ACCRUAL_REVERSAL}).content.decode()
    assert "Accrual reversal" in entries and "-20.00" in entries


# --- the estimate rule ----------------------------------------------------------------------------


def test_estimate_is_the_most_recent_lot_by_lot_date_then_id(office, lic, order):
    late = adjust_in(office=office, lic=lic, quantity="1", unit_cost="12.00", date=day(5))
    adjust_in(office=office, lic=lic, quantity="1", unit_cost="10.00", date=day(3))  # newer id, older date
    usage = ship(order=order, lic=lic, quantity="5", date=day(6)).lines.get().usage
    run_cogs(day(10))
    usage = fresh(usage)
    assert (usage.cogs_value, usage.unallocated_quantity, usage.accrued_value) == (D("22.00"), D("3"), D("36.00"))
    tie = adjust_in(office=office, lic=lic, quantity="1", unit_cost="13.00", date=day(5))  # same date, newer id
    assert tie.pk > late.pk
    run_cogs(day(11))
    usage = fresh(usage)
    assert (usage.cogs_value, usage.unallocated_quantity, usage.accrued_value) == (D("35.00"), D("2"), D("26.00"))
    # dated with the allocation that changed what is left (6 March), not the run's date
    assert accruals(usage)[-2:] == [
        (EntryKind.ACCRUAL_REVERSAL, day(6), D("-3"), D("-36.00"), D("0")),
        (EntryKind.ACCRUAL, day(6), D("2"), D("26.00"), D("13")),
    ]


def test_estimate_falls_back_to_any_office(office, lic, order):
    branch = OfficeFactory(code="BR", name="Branch")
    adjust_in(office=branch, lic=lic, quantity="4", unit_cost="7.50", date=day(1))
    usage = ship(order=order, lic=lic, quantity="2", date=day(2)).lines.get().usage  # HQ has no lot
    run = run_cogs(day(10))
    usage = fresh(usage)
    assert (usage.allocated_quantity, usage.accrued_value, usage.no_cost_basis) == (D("0"), D("15.00"), False)
    assert (run.value_posted, run.accrued_value_posted) == (D("0.00"), D("15.00"))
    assert fresh(usage).cogs_value == D("0.00")


def test_unreleased_production_lot_is_no_estimate(office, lic, order, vendor):
    """Only released lots give an estimate: an unreleased production lot in the office is skipped
    for a released lot of the LIC elsewhere."""
    from production import services as production_services

    branch = OfficeFactory(code="BR", name="Branch")
    adjust_in(office=branch, lic=lic, quantity="1", unit_cost="6.00", date=day(1))
    mo = production_services.create_production_order(
        office=office,
        date=day(2),
        lic=lic,
        order=order,
        estimated_quantity=D("1"),
        estimated_unit_cost=D("99.00"),
        actor=None,
    )
    production_services.produce(production_order=mo, date=day(3), quantity=D("1"), actor=None)
    usage = ship(order=order, lic=lic, quantity="2", date=day(4)).lines.get().usage
    run_cogs(day(10))
    assert (fresh(usage).accrued_value, fresh(usage).no_cost_basis) == (D("12.00"), False)


def test_no_cost_basis_when_no_lot_anywhere(api, client, viewer, office, order):
    novel = LicFactory(code="NOVEL", description="Never stocked")
    usage = ship(order=order, lic=novel, quantity="4", date=day(2)).lines.get().usage
    run = run_cogs(day(10))
    usage = fresh(usage)
    assert (usage.unallocated_quantity, usage.accrued_value, usage.no_cost_basis) == (D("4"), D("0.00"), True)
    assert run.accrued_value_posted == D("0.00")
    body = api(viewer).get(f"/api/v1/usages/{usage.pk}/").json()
    assert (body["accrued_value"], body["no_cost_basis"], body["cogs_value"]) == ("0.00", True, "0.00")
    client.force_login(viewer)
    assert "No cost basis" in client.get(reverse("inventory_lots:usage_detail", args=[usage.pk])).content.decode()
    unallocated = client.get(reverse("cogs:unallocated")).content.decode()
    assert (
        f'data-figure="accrued_{usage.pk}">0.00 <span class="badge text-bg-warning" data-flag="no_cost_basis">'
        in unallocated
    )
    # stock arrives: the flag clears and the usage is costed
    adjust_in(office=office, lic=novel, quantity="4", unit_cost="2.50", date=day(12))
    run_cogs(day(20))
    usage = fresh(usage)
    assert (usage.cogs_value, usage.accrued_value, usage.no_cost_basis) == (D("10.00"), D("0.00"), False)
    assert api(viewer).get(f"/api/v1/usages/{usage.pk}/").json()["no_cost_basis"] is False


def test_unallocated_return_accrues_with_its_negative_sign(api, viewer, office, lic, order):
    adjust_in(office=office, lic=lic, quantity="5", unit_cost="10.00", date=day(1))
    # nothing shipped yet: only an accountant's override lets this return in (issue 17)
    returned = (
        give_back(
            order=order, lic=lic, quantity="2", date=day(2), override_reason="came back before its shipment was entered"
        )
        .lines.get()
        .usage
    )
    first = run_cogs(day(10))
    returned = fresh(returned)
    assert (returned.quantity, returned.unallocated_quantity, returned.accrued_value) == (D("-2"), D("-2"), D("-20.00"))
    assert first.accrued_value_posted == D("-20.00")
    assert accruals(returned) == [(EntryKind.ACCRUAL, day(2), D("-2"), D("-20.00"), D("10"))]
    body = api(viewer).get(f"/api/v1/usages/{returned.pk}/").json()
    assert (body["accrued_value"], body["unallocated_quantity"]) == ("-20.00", "-2.000000")
    ship(order=order, lic=lic, quantity="3", date=day(12))
    second = run_cogs(day(20))
    returned = fresh(returned)
    assert (returned.cogs_value, returned.accrued_value, returned.unallocated_quantity) == (
        D("-20.00"),
        D("0.00"),
        D("0"),
    )
    assert second.accrued_value_posted == D("20.00")
    # given back on 12 March, when the shipment it returns to the lot was dated (never before)
    assert accruals(returned)[-1] == (EntryKind.ACCRUAL_REVERSAL, day(12), D("2"), D("20.00"), D("0"))
    assert ledger_violations() == []
