"""Inventory transactions (DOMAIN.md 9): every movement in date order with the running balance, the three
figures above, keyset pages whose balances agree with the whole list, constant query counts, CSV, API."""

from __future__ import annotations

import pytest

from inventory_lots.reversals import reverse_adjustment
from inventory_lots.services import AdjustmentLineInput, post_adjustment
from movements import selectors
from orders.services import ReturnLineInput, ShipmentLineInput, post_return, post_shipment
from purchasing.services import POLineInput, create_purchase_order
from tests.cogs.conftest import D, day, run
from tests.conftest import adjust_in
from tests.factories import OfficeFactory

pytestmark = pytest.mark.django_db


def ship(order, lic, quantity, date):
    return post_shipment(order=order, date=date, lines=[ShipmentLineInput(lic=lic, quantity=D(quantity))], actor=None)


@pytest.fixture
def history(office, lic, order, vendor):
    """Lots in, shipments out, a return, an adjustment reversed, a lot in another office, a PO open."""
    adjust_in(office=office, lic=lic, quantity="10", unit_cost="2.00", date=day(1))
    ship(order, lic, "3", day(2))
    shipment = ship(order, lic, "4", day(3))
    post_return(
        order=order,
        date=day(4),
        lines=[ReturnLineInput(lic=lic, quantity=D("1"), usage=shipment.lines.get().usage)],
        actor=None,
    )
    found = post_adjustment(
        office=office,
        date=day(5),
        reason="found",
        actor=None,
        lines=[AdjustmentLineInput(lic=lic, quantity=D("5"), unit_cost=D("2.00"))],
    )
    reverse_adjustment(adjustment=found, date=day(6), reason="no", actor=None)
    adjust_in(office=OfficeFactory(code="WEST"), lic=lic, quantity="7", unit_cost="2.00", date=day(2))
    create_purchase_order(
        vendor=vendor,
        office=office,
        date=day(1),
        actor=None,
        lines=[POLineInput(lic=lic, quantity=D("20"), unit_cost=D("2"))],
    )
    run()


def test_every_movement_with_its_running_balance(history, office, lic):
    page = selectors.transactions_page(lic=lic, office=office)
    assert [(m.date.day, m.kind, m.quantity, m.balance) for m in page.rows] == [
        (1, "adjustment", D("10"), D("10")),
        (2, "shipment", D("-3"), D("7")),
        (3, "shipment", D("-4"), D("3")),
        (4, "return", D("1"), D("4")),
        (5, "adjustment", D("5"), D("9")),
        (6, "adjustment reversal", D("-5"), D("4")),
    ]
    assert page.is_last and page.next_cursor is None
    figures = selectors.figures(lic=lic, office=office)
    assert (figures.on_hand, figures.on_order, figures.in_production) == (D("4"), D("20"), D("0"))
    everywhere = selectors.transactions_page(lic=lic, office=None)
    assert everywhere.rows[-1].balance == D("11") == selectors.figures(lic=lic, office=None).on_hand


def test_pages_forward_backward_and_last_agree_with_the_whole_list(history, office, lic):
    whole = [(m.key, m.balance) for m in selectors.transactions_page(lic=lic, office=office, page_size=100).rows]
    seen, cursor = [], None
    while True:
        page = selectors.transactions_page(lic=lic, office=office, page_size=4, cursor=cursor)
        seen.extend((m.key, m.balance) for m in page.rows)
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert seen == whole
    last = selectors.transactions_page(lic=lic, office=office, page_size=4, last=True)
    assert [(m.key, m.balance) for m in last.rows] == whole[-4:] and last.is_last
    before = selectors.transactions_page(lic=lic, office=office, page_size=4, cursor=last.previous_cursor)
    assert [(m.key, m.balance) for m in before.rows] == whole[:2]
    dated = selectors.transactions_page(lic=lic, office=office, date_from=day(3), date_to=day(4))
    assert [(m.key, m.balance) for m in dated.rows] == whole[2:4]
    dated_last = selectors.transactions_page(lic=lic, office=office, date_to=day(4), last=True, page_size=2)
    assert [(m.key, m.balance) for m in dated_last.rows] == whole[2:4]


def test_a_tampered_cursor_is_refused(history, office, lic, client, viewer):
    page = selectors.transactions_page(lic=lic, office=office, page_size=2)
    client.force_login(viewer)
    bad = client.get(f"/movements/inventory-transactions/?lic=WIDGET&office=HQ&cursor={page.next_cursor}x")
    assert bad.status_code == 400 and "not valid any more" in bad.content.decode()


def test_page_csv_and_api(history, office, lic, client, viewer, api, django_assert_max_num_queries):
    client.force_login(viewer)
    url = "/movements/inventory-transactions/?lic=WIDGET&office=HQ"
    client.get(url)
    with django_assert_max_num_queries(9):  # session, user, permissions, the LIC and office, page, figures
        page = client.get(url).content.decode()
    assert 'data-figure="on_hand">4<' in page and 'data-figure="on_order">20<' in page
    assert "/goto/" in page and "adjustment reversal" in page
    with django_assert_max_num_queries(10):  # + the balance before date_from
        client.get(url + "&date_from=2026-03-03")
    text = b"".join(client.get("/movements/inventory-transactions.csv?lic=WIDGET&office=HQ").streaming_content)
    lines = text.decode().splitlines()
    assert lines[0] == "date,kind,document,lot,usage,quantity,balance" and lines[-1].endswith(",-5.000000,4.000000")
    body = api(viewer).get("/api/v1/inventory-transactions/", {"lic": "WIDGET", "office": "HQ", "page_size": 4}).json()
    assert (body["on_hand"], body["on_order"], body["in_production"]) == ("4.000000", "20.000000", "0.000000")
    assert [r["balance"] for r in body["results"]] == ["10.000000", "7.000000", "3.000000", "4.000000"]
    assert body["results"][0]["document"]["type"] == "adjustmentline"
    more = api(viewer).get(body["next"]).json()
    assert [r["balance"] for r in more["results"]] == ["9.000000", "4.000000"] and more["next"] is None
    assert api(viewer).get("/api/v1/inventory-transactions/", {"lic": "NOPE"}).status_code == 400


def test_query_count_does_not_grow_with_the_page(history, office, lic, django_assert_num_queries):
    for size in (2, 6):
        with django_assert_num_queries(1):
            selectors.transactions_page(lic=lic, office=office, page_size=size)
        with django_assert_num_queries(2):
            selectors.transactions_page(lic=lic, office=office, page_size=size, last=True)


def test_the_lot_column_shows_the_lot_number_linked_and_the_api_keeps_the_id(history, office, lic, client, viewer, api):
    from inventory_lots.models import Lot

    lot = Lot.objects.filter(lic=lic, office=office).order_by("date", "id").first()
    client.force_login(viewer)
    page = client.get("/movements/inventory-transactions/?lic=WIDGET&office=HQ").content.decode()
    assert f'<a href="/lots/{lot.pk}/">{lot.number}</a>' in page
    assert f">{lot.pk}</a>" not in page
    text = b"".join(client.get("/movements/inventory-transactions.csv?lic=WIDGET&office=HQ").streaming_content)
    first = text.decode().splitlines()[1].split(",")
    assert first[3] == lot.number
    body = api(viewer).get("/api/v1/inventory-transactions/", {"lic": "WIDGET", "office": "HQ"}).json()
    assert body["results"][0]["lot"] == lot.pk  # API.md: lots are referenced by id


def test_the_page_query_count_is_constant(history, office, lic, order, client, viewer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(viewer)
    url = "/movements/inventory-transactions/?lic=WIDGET&office=HQ"
    client.get(url)

    def counts():
        found = []
        for suffix in ("", "&last=1"):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url + suffix).status_code == 200
            found.append(len(ctx.captured_queries))
        return found

    small = counts()
    for _ in range(30):  # past one page of 50
        adjust_in(office=office, lic=lic, quantity="2", unit_cost="3.00", date=day(7))
        ship(order, lic, "1", day(8))
    run()
    assert counts() == small
    # the last page reads the balance now (one more query) and the figures reuse it
    assert small[1] == small[0] + 1
