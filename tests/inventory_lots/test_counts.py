"""Physical counts (DOMAIN.md 9): book quantity at the date, one `count` adjustment for the differences,
through the service and the API, with exact figures."""

from __future__ import annotations

import pytest

from core.errors import ValidationFailed
from inventory_lots.counts import CountLineInput, post_count
from inventory_lots.models import AdjustmentLine, InventoryAdjustment
from orders.services import ShipmentLineInput, post_shipment
from tests.cogs.conftest import D, day, fresh, run
from tests.conftest import adjust_in
from tests.factories import LicFactory

pytestmark = pytest.mark.django_db


def test_a_count_with_a_shortage_and_an_overage(office, lic, order):
    bolt = LicFactory(code="BOLT")
    adjust_in(office=office, lic=lic, quantity="10", unit_cost="3.00", date=day(1))
    post_shipment(order=order, date=day(2), lines=[ShipmentLineInput(lic=lic, quantity=D("2"))], actor=None)
    adjust_in(office=office, lic=bolt, quantity="4", unit_cost="5.00", date=day(1))
    adjust_in(office=office, lic=bolt, quantity="1", unit_cost="6.00", date=day(2))
    adjust_in(office=office, lic=lic, quantity="50", unit_cost="3.00", date=day(9))  # after the count's date
    result = post_count(
        office=office,
        date=day(3),
        actor=None,
        lines=[CountLineInput(lic=lic, counted_quantity=D("7")), CountLineInput(lic=bolt, counted_quantity=D("7"))],
    )
    assert [(c.lic.code, c.book_quantity, c.counted_quantity, c.difference) for c in result.lines] == [
        ("WIDGET", D("8"), D("7"), D("-1")),
        ("BOLT", D("5"), D("7"), D("2")),
    ]
    adjustment = result.adjustment
    assert (adjustment.kind, adjustment.date) == ("count", day(3))
    short, found = adjustment.lines.order_by("line_no")
    assert (short.lic, short.quantity, short.usage.quantity, short.lot) == (lic, D("-1"), D("1"), None)
    # the overage at the default adjustment unit cost: (4 x 5.00 + 1 x 6.00) / 5 = 5.20
    assert (found.lic, found.quantity, found.unit_cost) == (bolt, D("2"), D("5.200000"))
    assert (found.lot.qty_in, found.lot.value_in) == (D("2"), D("10.40"))
    run()
    assert fresh(short.usage).cogs_value == D("3.00")


def test_no_difference_posts_nothing_and_a_lic_counted_twice_is_refused(office, lic):
    adjust_in(office=office, lic=lic, quantity="3", unit_cost="1.00", date=day(1))
    result = post_count(
        office=office, date=day(2), actor=None, lines=[CountLineInput(lic=lic, counted_quantity=D("3"))]
    )
    assert result.adjustment is None and result.lines[0].difference == D("0")
    with pytest.raises(ValidationFailed) as error:
        post_count(
            office=office,
            date=day(2),
            actor=None,
            lines=[CountLineInput(lic=lic, counted_quantity=D("1")), CountLineInput(lic=lic, counted_quantity=D("2"))],
        )
    assert (error.value.code, error.value.field) == ("lic_counted_twice", "lines[1].lic")
    assert not InventoryAdjustment.objects.filter(kind="count").exists() and AdjustmentLine.objects.count() == 1


def test_api_counts(api, clerk, viewer, office, lic):
    adjust_in(office=office, lic=lic, quantity="3", unit_cost="1.00", date=day(1))
    body = {"office": "HQ", "date": "2026-03-02", "lines": [{"lic": "WIDGET", "counted_quantity": "5"}]}
    assert api(viewer).post("/api/v1/counts/", body, format="json").status_code == 403
    answer = api(clerk).post("/api/v1/counts/", body, format="json")
    assert answer.status_code == 201, answer.content
    data = answer.json()
    assert data["lines"] == [
        {"lic": "WIDGET", "book_quantity": "3.000000", "counted_quantity": "5.000000", "difference": "2.000000"}
    ]
    assert InventoryAdjustment.objects.get(pk=data["adjustment"]).kind == "count"
    body["lines"].append({"lic": "WIDGET", "counted_quantity": "5"})
    twice = api(clerk).post("/api/v1/counts/", body, format="json")
    assert twice.status_code == 400 and twice.json()["code"] == "lic_counted_twice"
    same = {"office": "HQ", "date": "2026-03-02", "lines": [{"lic": "WIDGET", "counted_quantity": "5"}]}
    assert api(clerk).post("/api/v1/counts/", same, format="json").json()["adjustment"] is None


def test_count_sheet_page(client, clerk, viewer, office, lic, django_assert_max_num_queries):
    bolt = LicFactory(code="BOLT")
    adjust_in(office=office, lic=lic, quantity="3", unit_cost="1.00", date=day(1))
    adjust_in(office=office, lic=bolt, quantity="2", unit_cost="4.00", date=day(1))
    client.force_login(viewer)
    assert client.get("/counts/new/").status_code == 403
    client.force_login(clerk)
    url = "/counts/new/?office=HQ&date=2026-03-02"
    with django_assert_max_num_queries(12):
        page = client.get(url).content.decode()
    assert 'data-figure="book_WIDGET">3<' in page and 'data-figure="book_BOLT">2<' in page
    printable = client.get(url + "&print=1").content.decode()
    assert "print.css" in printable and "Counted by" in printable and "BOLT" in printable
    data = {"office": "HQ", "date": "2026-03-02", f"counted_{lic.pk}": "2", f"counted_{bolt.pk}": ""}
    done = client.post("/counts/new/", data)
    adjustment = InventoryAdjustment.objects.get(kind="count")
    assert done.status_code == 302 and done["Location"] == adjustment.get_absolute_url()
    assert adjustment.lines.get().lic == lic and adjustment.lines.get().quantity == D("-1")
    bad = client.post("/counts/new/", {**data, f"counted_{lic.pk}": "abc"})
    assert bad.status_code == 400 and "WIDGET: enter a number." in bad.content.decode()
    same = client.post("/counts/new/", {**data, f"counted_{lic.pk}": "2"})
    assert same.status_code == 302 and InventoryAdjustment.objects.filter(kind="count").count() == 1
