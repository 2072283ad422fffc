"""Transfers through the service, the API, the page and the admin: what is written, the exact
response keys, and the refusals (clear, nothing written)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from core.errors import ValidationFailed
from inventory_lots.models import InventoryUsage, Lot
from inventory_lots.selectors import go_to_url
from inventory_lots.services import set_lock_date
from tests.cogs.conftest import day
from tests.conftest import adjust_in
from tests.factories import LicFactory, OfficeFactory, ServiceLicFactory
from transfers.models import Transfer, TransferLine
from transfers.services import TransferLineInput, post_transfer

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def branch(db):
    return OfficeFactory(code="BR", name="Branch")


def counts():
    return Transfer.objects.count(), TransferLine.objects.count(), Lot.objects.count(), InventoryUsage.objects.count()


def refused(code, **kwargs):
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        post_transfer(actor=None, **kwargs)
    assert exc.value.code == code
    assert counts() == before
    return exc.value


def test_refusals_write_nothing(office, branch, lic):
    adjust_in(office=office, lic=lic, quantity="5", unit_cost="10.00", date=day(1))
    line = [TransferLineInput(lic=lic, quantity=D("2"))]
    error = refused("same_office", from_office=office, to_office=office, date=day(2), lines=line)
    assert error.message == "A transfer goes to another office: HQ is both the source and the destination."
    service = ServiceLicFactory(code="LABOR")
    error = refused(
        "lic_not_inventoried",
        from_office=office,
        to_office=branch,
        date=day(2),
        lines=[TransferLineInput(lic=service, quantity=D("1"))],
    )
    assert error.field == "lines[0].lic"
    error = refused(
        "not_on_hand",
        from_office=office,
        to_office=branch,
        date=day(2),
        lines=[TransferLineInput(lic=lic, quantity=D("6"))],
    )
    assert error.message == "Line 1: HQ has 5 of WIDGET on hand: 6 cannot be transferred out of it."
    # serials on a LIC that has none (serialized LICs: tests/transfers/test_serials.py)
    refused(
        "serial_not_tracked",
        from_office=office,
        to_office=branch,
        date=day(2),
        lines=[TransferLineInput(lic=lic, quantity=D("1"), serial_numbers=["A", "B"])],
    )
    refused("no_lines", from_office=office, to_office=branch, date=day(2), lines=[])
    set_lock_date(date=day(2), actor=None)
    error = refused("date_locked", from_office=office, to_office=branch, date=day(2), lines=line)


def test_two_lines_of_one_lic_are_checked_together(office, branch, lic):
    adjust_in(office=office, lic=lic, quantity="5", unit_cost="10.00", date=day(1))
    lines = [TransferLineInput(lic=lic, quantity=D("3")), TransferLineInput(lic=lic, quantity=D("3"))]
    refused("not_on_hand", from_office=office, to_office=branch, date=day(2), lines=lines)


def test_mfr_lot_is_carried_over_from_the_named_lot(office, branch):
    lic = LicFactory(code="SPEC", costing_method="specific", track_by_mfr_lot=True)
    source = adjust_in(office=office, lic=lic, quantity="5", unit_cost="7.00", date=day(1), mfr_lot_number="M-1")
    t = post_transfer(
        from_office=office,
        to_office=branch,
        date=day(2),
        lines=[TransferLineInput(lic=lic, quantity=D("2"), lot=source)],
        actor=None,
    )
    line = t.lines.get()
    assert (line.lot.mfr_lot_number, line.lot.unit_cost, line.usage.lot_id) == ("M-1", D("7.000000"), source.pk)


def test_api_post_list_detail(api, clerk, viewer, office, branch, lic, django_assert_max_num_queries):
    adjust_in(office=office, lic=lic, quantity="5", unit_cost="10.00", date=day(1))
    body = {"from_office": "HQ", "to_office": "BR", "date": "2026-03-02", "lines": [{"lic": "WIDGET", "quantity": "2"}]}
    assert api(viewer).post("/api/v1/transfers/", body, format="json").status_code == 403
    response = api(clerk).post("/api/v1/transfers/", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert set(data) == {"id", "number", "from_office", "to_office", "date", "reason", "reverses", "lines"}
    assert (data["reason"], data["reverses"]) == ("", None)
    (line,) = data["lines"]
    assert set(line) == {"id", "lic", "quantity", "serial_numbers", "usage", "lot", "reverses_line"}
    row = TransferLine.objects.get()
    assert (line["usage"], line["lot"], line["lic"]) == (row.usage_id, row.lot_id, "WIDGET")
    assert (data["from_office"], data["to_office"], data["date"]) == ("HQ", "BR", "2026-03-02")
    same = dict(body, to_office="HQ")
    refusal = api(clerk).post("/api/v1/transfers/", same, format="json")
    assert refusal.status_code == 400 and Transfer.objects.count() == 1
    client = api(viewer)
    with django_assert_max_num_queries(8):
        listed = client.get("/api/v1/transfers/")
    assert listed.status_code == 200 and listed.json()["results"][0]["number"] == data["number"]
    assert client.get(f"/api/v1/transfers/{data['id']}/").json() == data


def test_page_links_both_ways(viewer_client, office, branch, lic):
    adjust_in(office=office, lic=lic, quantity="5", unit_cost="10.00", date=day(1))
    t = post_transfer(
        from_office=office,
        to_office=branch,
        date=day(2),
        lines=[TransferLineInput(lic=lic, quantity=D("2"))],
        actor=None,
    )
    line = t.lines.get()
    page = viewer_client.get(t.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert line.lot.get_absolute_url() in html and line.usage.get_absolute_url() in html
    lot, usage = line.lot, line.usage
    for page_url, target in (
        (lot.get_absolute_url(), go_to_url(lot.transaction_type_id, lot.transaction_id)),  # the lot's transaction
        (usage.get_absolute_url(), go_to_url(usage.source_type_id, usage.source_id)),  # the usage's source
    ):
        assert target in viewer_client.get(page_url).content.decode()
        assert viewer_client.get(target)["Location"] == t.get_absolute_url()


def test_admin_is_read_only(admin_client, office, branch, lic):
    adjust_in(office=office, lic=lic, quantity="5", unit_cost="10.00", date=day(1))
    t = post_transfer(
        from_office=office,
        to_office=branch,
        date=day(2),
        lines=[TransferLineInput(lic=lic, quantity=D("2"))],
        actor=None,
    )
    assert admin_client.get("/admin/transfers/transfer/").status_code == 200
    assert admin_client.get(f"/admin/transfers/transfer/{t.pk}/change/").status_code == 200
    assert admin_client.get("/admin/transfers/transfer/add/").status_code == 403


def _sql(statement, params):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_constraints_fire(office, branch, lic):
    adjust_in(office=office, lic=lic, quantity="5", unit_cost="10.00", date=day(1))
    t = post_transfer(
        from_office=office,
        to_office=branch,
        date=day(2),
        lines=[TransferLineInput(lic=lic, quantity=D("2"))],
        actor=None,
    )
    with pytest.raises(IntegrityError, match="transfers_transfer_between_two_offices"):
        _sql("UPDATE transfers_transfer SET to_office_id = from_office_id WHERE id = %s", [t.pk])
    with pytest.raises(IntegrityError, match="transfers_line_quantity_sign"):
        _sql("UPDATE transfers_transferline SET quantity = 0 WHERE transfer_id = %s", [t.pk])
    usage = t.lines.get().usage
    with pytest.raises(IntegrityError, match="inventory_lots_usage_transfer_positive"):
        _sql("UPDATE inventory_lots_inventoryusage SET quantity = -2 WHERE id = %s", [usage.pk])
    with pytest.raises(IntegrityError, match="inventory_lots_lot_type_valid"):
        _sql("UPDATE inventory_lots_lot SET type = 'gift' WHERE id = %s", [t.lines.get().lot_id])
    assert datetime.date(2026, 3, 2) == t.date


def test_inventory_transactions_show_transfer_out_and_in(api, viewer, office, branch, lic):
    adjust_in(office=office, lic=lic, quantity="5", unit_cost="10.00", date=day(1))
    t = post_transfer(
        from_office=office,
        to_office=branch,
        date=day(2),
        lines=[TransferLineInput(lic=lic, quantity=D("2"))],
        actor=None,
    )
    data = api(viewer).get("/api/v1/inventory-transactions/", {"lic": "WIDGET"}).json()
    rows = [(r["kind"], r["quantity"], r["document"]["label"]) for r in data["results"]]
    assert ("transfer_out", "-2", t.number) in [(k, str(D(q).normalize()), lbl) for k, q, lbl in rows]
    assert ("transfer_in", "2", f"{t.number}/1") in [(k, str(D(q).normalize()), lbl) for k, q, lbl in rows]
    assert D(data["on_hand"]) == D("5")


def test_lot_page_and_api_show_transferred_from(
    viewer_client, api, viewer, office, branch, lic, django_assert_max_num_queries
):
    from tests.cogs.conftest import run

    source = adjust_in(office=office, lic=lic, quantity="5", unit_cost="10.00", date=day(1))
    t = post_transfer(
        from_office=office,
        to_office=branch,
        date=day(2),
        lines=[TransferLineInput(lic=lic, quantity=D("2"))],
        actor=None,
    )
    line = t.lines.get()
    run()
    html = viewer_client.get(line.lot.get_absolute_url()).content.decode()
    assert 'id="section-transferred_from"' in html
    assert t.get_absolute_url() in html and line.usage.get_absolute_url() in html
    assert source.get_absolute_url() in html  # the allocation's Go-To to the source lot
    section = api(viewer).get(f"/api/v1/lots/{line.lot_id}/").json()["sections"]["transferred_from"]
    assert section["transfer_number"] == t.number and section["cogs_value"] == "20.00"
    assert [(a["lot_number"], a["value"]) for a in section["allocations"]] == [(source.number, "20.00")]


def test_form_page_posts_and_refuses(clerk_client, office, branch, lic):
    adjust_in(office=office, lic=lic, quantity="5", unit_cost="10.00", date=day(1))
    page = clerk_client.get("/transfers/new/")
    assert page.status_code == 200 and 'id="add-line"' in page.content.decode()
    data = {
        "from_office": "HQ",
        "to_office": "HQ",
        "date": "2026-03-02",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-lic": "WIDGET",
        "lines-0-quantity": "2",
    }
    refused_page = clerk_client.post("/transfers/new/", data)
    assert refused_page.status_code == 400
    assert "HQ is both the source and the destination" in refused_page.content.decode()
    assert Transfer.objects.count() == 0
    posted = clerk_client.post("/transfers/new/", dict(data, to_office="BR"))
    transfer = Transfer.objects.get()
    assert posted.status_code == 302 and posted["Location"] == transfer.get_absolute_url()
    assert transfer.lines.get().lot.office == branch


def test_viewer_cannot_open_the_form(viewer_client):
    assert viewer_client.get("/transfers/new/").status_code == 403
