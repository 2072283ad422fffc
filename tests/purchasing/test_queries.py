"""The purchase lot page's query count does not grow with receipts or invoices on the PO."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from .conftest import invoice, make_po, receive


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_lot_page_query_count_is_constant(viewer_client, api, viewer, vendor, office, lic):
    po = make_po(vendor=vendor, office=office, lines=[(lic, "1000", "1.00")])
    lot = receive(po, "1").lines.get().lot
    invoice(po, "Q-0", ("1", "1.00"))
    small_page = _count(viewer_client, f"/lots/{lot.pk}/")
    small_api = _count(api(viewer), f"/api/v1/lots/{lot.pk}/")
    for n in range(1, 15):
        receive(po, "2")
        invoice(po, f"Q-{n}", ("2", "2.00"), freight="0.50")
    assert _count(viewer_client, f"/lots/{lot.pk}/") == small_page
    assert _count(api(viewer), f"/api/v1/lots/{lot.pk}/") == small_api


def test_po_detail_query_count_is_constant(viewer_client, vendor, office, lic):
    po = make_po(vendor=vendor, office=office, lines=[(lic, "1000", "1.00")])
    receive(po, "1")
    invoice(po, "Q-0", ("1", "1.00"))
    small = _count(viewer_client, f"/purchasing/po/{po.pk}/")
    for n in range(1, 10):
        receive(po, "2")
        invoice(po, f"Q-{n}", ("2", "2.00"))
    assert _count(viewer_client, f"/purchasing/po/{po.pk}/") == small
