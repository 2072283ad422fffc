"""Pages: the lot page's Cost History and Trace sections, the trace and recall pages, the
recall CSV, and the accountant's unit cost correction form with its refusals."""

from __future__ import annotations

import pytest
from django.urls import reverse

from inventory_lots.models import Lot, LotCostChange
from inventory_lots.services import set_lock_date

from .conftest import D, day


def _page(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_lot_page_shows_cost_history_and_trace_sections(chain, client, viewer):
    client.force_login(viewer)
    page = _page(client, reverse("inventory_lots:lot_detail", args=[chain.product.pk]))
    assert page.index("Cost History") < page.index(">Trace<")
    assert reverse("traceability:recall", args=[chain.product.pk]) in page
    assert reverse("traceability:trace", args=[chain.product.pk]) + "?direction=up" in page
    assert 'id="section-cost_history"' in page


def test_trace_page_down_and_up_with_go_to_links(chain, client, viewer):
    client.force_login(viewer)
    url = reverse("traceability:trace", args=[chain.component.pk])
    page = _page(client, url, direction="down")
    assert 'data-figure="trace_1_quantity">4<' in page  # 4 legs into the stool order
    assert 'data-figure="trace_2_quantity">1<' in page  # 1 stool shipped (depth 2)
    assert 'data-figure="trace_3_quantity">3<' in page  # 3 legs shipped straight
    assert reverse("inventory_lots:lot_detail", args=[chain.product.pk]) in page
    assert chain.product_shipment.number in page and chain.direct_shipment.number in page
    up = _page(client, reverse("traceability:trace", args=[chain.product.pk]), direction="up")
    assert 'data-figure="trace_1_quantity">4<' in up
    assert chain.po.number in up and "Acme Supply" in up
    assert reverse("inventory_lots:lot_detail", args=[chain.component.pk]) in up


def test_recall_page_and_csv(chain, client, viewer, accountant):
    client.force_login(viewer)
    page = _page(client, reverse("traceability:recall", args=[chain.component.pk]))
    assert 'data-figure="recall_1_quantity">3<' in page and 'data-figure="recall_1_depth">1<' in page
    assert 'data-figure="recall_2_quantity">1<' in page and 'data-figure="recall_2_depth">2<' in page
    assert "Export CSV" not in page
    csv_url = reverse("traceability:recall_csv", args=[chain.component.pk])
    assert client.get(csv_url).status_code == 403  # export is the accountants'
    client.force_login(accountant)
    response = client.get(csv_url)
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0] == "Shipment,Order,Customer,Customer name,Date,LIC,Lot,Quantity,Depth"
    order = chain.mo.order.number
    assert lines[1:] == [
        f"{chain.direct_shipment.number},{order},CUST,A Customer,2026-03-04,LEG,{chain.component.number},3.000000,1",
        f"{chain.product_shipment.number},{order},CUST,A Customer,2026-03-05,STOOL,{chain.product.number},1.000000,2",
    ]


def test_unknown_lot_is_404(db, client, viewer):
    client.force_login(viewer)
    assert client.get(reverse("traceability:trace", args=[999999])).status_code == 404
    assert client.get(reverse("traceability:recall", args=[999999])).status_code == 404


# --- the manual correction form -------------------------------------------------------------


def _post(client, lot, **data):
    body = {"unit_cost": "5.25", "date": "2026-03-20", "reason": "vendor credit"} | data
    return client.post(reverse("traceability:unit_cost", args=[lot.pk]), body)


def test_accountant_corrects_unit_cost_from_the_lot_page(chain, client, accountant):
    client.force_login(accountant)
    page = _page(client, reverse("inventory_lots:lot_detail", args=[chain.component.pk]))
    assert "unit-cost-correction" in page and reverse("traceability:unit_cost", args=[chain.component.pk]) in page
    response = _post(client, chain.component)
    assert response.status_code == 302
    lot = Lot.objects.get(pk=chain.component.pk)
    assert lot.unit_cost == D("5.250000")
    change = LotCostChange.objects.get(lot=lot)
    assert (change.cause, change.reason, change.date, change.created_by) == (
        "manual",
        "vendor credit",
        day(20),
        accountant,
    )
    page = _page(client, reverse("inventory_lots:lot_detail", args=[lot.pk]))
    assert 'data-figure="cost_change_1_cause">Manual correction' in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": "  "}, "Give the reason for the correction."),
        ({"unit_cost": "-1.00"}, "Ensure this value is greater than or equal to 0."),
        ({"unit_cost": "5.1234567"}, "Ensure that there are no more than 6 decimal places."),
        ({"date": "2026-03-15"}, "The books are closed through 2026-03-15: choose a date after it."),
        ({"date": "2026-03-10"}, "The books are closed through 2026-03-15: choose a date after it."),
    ],
)
def test_correction_form_refusals_write_nothing(chain, client, accountant, data, message):
    set_lock_date(date=day(15), actor=None)
    client.force_login(accountant)
    response = _post(client, chain.component, **data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Lot.objects.get(pk=chain.component.pk).unit_cost == D("5.000000")
    assert not LotCostChange.objects.filter(lot=chain.component).exists()


@pytest.mark.parametrize("role", ["viewer", "clerk"])
def test_only_accountants_correct_unit_costs(chain, client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert _post(client, chain.component).status_code == 403
    assert client.get(reverse("traceability:unit_cost", args=[chain.component.pk])).status_code == 403
    assert not LotCostChange.objects.filter(lot=chain.component).exists()
    page = _page(client, reverse("inventory_lots:lot_detail", args=[chain.component.pk]))
    assert "unit-cost-correction" not in page
