"""Trace and recall at three levels (purchase lot → production → sub-assembly lot → production →
chair lot → shipments) through services, pages (with Go-To links followed) and API, the recall
CSV; tests/traceability covers two levels, returns, query counts and cycles."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.urls import reverse

from inventory_lots.models import Lot
from orders.models import Shipment
from production import services as production_services
from production.models import ProductionOrder
from production.services import ComponentLine
from purchasing.models import PurchaseOrder
from tests.factories import CustomerFactory, LicFactory
from traceability import selectors

from .conftest import D, buy, day, fresh, run_cogs, ship

pytestmark = pytest.mark.django_db


@dataclass
class Build:
    po: PurchaseOrder
    legs: Lot  # PL 10 legs @ $5.00
    frame_mo: ProductionOrder
    frames: Lot  # PR 2 frames from 4 legs ($10.00 each)
    chair_mo: ProductionOrder
    chairs: Lot  # PR 1 chair from 1 frame ($10.00)
    leg_shipment: Shipment  # 3 legs (depth 1)
    frame_shipment: Shipment  # 1 frame (depth 2)
    chair_shipment: Shipment  # 1 chair (depth 3), to a customer whose name starts with "="


def _make(*, office, lic, order, component, quantity, produced, date):
    mo = production_services.create_production_order(
        office=office,
        date=date,
        lic=lic,
        order=order,
        estimated_quantity=D(produced),
        estimated_unit_cost=D("1.00"),
        actor=None,
    )
    production_services.issue_components(
        production_order=mo, date=date, actor=None, lines=[ComponentLine(lic=component, quantity=D(quantity))]
    )
    lot = production_services.produce(production_order=mo, date=date, quantity=D(produced), actor=None)
    production_services.release(production_order=mo, actor=None)
    return mo, lot


@pytest.fixture
def build(db, office, vendor, order) -> Build:
    from orders.services import create_order

    leg, frame, chair = LicFactory(code="LEG"), LicFactory(code="FRAME"), LicFactory(code="CHAIR")
    po, receipt = buy(vendor=vendor, office=office, lic=leg, quantity="10", unit_cost="5.00", date=day(1))
    frame_mo, frames = _make(
        office=office, lic=frame, order=order, component=leg, quantity="4", produced="2", date=day(2)
    )
    chair_mo, chairs = _make(
        office=office, lic=chair, order=order, component=frame, quantity="1", produced="1", date=day(3)
    )
    leg_shipment = ship(order=order, lic=leg, quantity="3", date=day(4))
    frame_shipment = ship(order=order, lic=frame, quantity="1", date=day(5))
    # a code may start with "-" (a spreadsheet formula's first character): the CSV still escapes it;
    # "=" is no longer a code character (issue 17)
    tricky = CustomerFactory(code="-EVIL", name='=HYPERLINK("x")')
    chair_shipment = ship(
        order=create_order(customer=tricky, office=office, date=day(1)), lic=chair, quantity="1", date=day(6)
    )
    run_cogs()
    return Build(
        po=po,
        legs=fresh(receipt.lines.get().lot),
        frame_mo=frame_mo,
        frames=fresh(frames),
        chair_mo=chair_mo,
        chairs=fresh(chairs),
        leg_shipment=leg_shipment,
        frame_shipment=frame_shipment,
        chair_shipment=chair_shipment,
    )


def test_the_build_is_costed_through_every_level(build):
    assert (build.legs.qty_used, build.frames.qty_used, build.chairs.qty_used) == (D("7"), D("2"), D("1"))
    assert (build.frames.unit_cost, build.chairs.unit_cost) == (D("10.000000"), D("10.000000"))


def test_recall_three_levels_through_the_service(build):
    rows = [(r.shipment_id, r.lic, r.lot_id, r.quantity, r.depth) for r in selectors.recall(build.legs)]
    assert rows == [
        (build.leg_shipment.pk, "LEG", build.legs.pk, D("3"), 1),
        (build.frame_shipment.pk, "FRAME", build.frames.pk, D("1"), 2),
        (build.chair_shipment.pk, "CHAIR", build.chairs.pk, D("1"), 3),
    ]
    assert [(r.shipment_id, r.depth) for r in selectors.recall(build.frames)] == [
        (build.frame_shipment.pk, 1),
        (build.chair_shipment.pk, 2),
    ]


def test_trace_down_and_up_three_levels_through_the_api(build, api, viewer):
    client = api(viewer)
    down = client.get(f"/api/v1/lots/{build.legs.pk}/trace/?direction=down").json()

    def flat(nodes):
        for n in nodes:
            yield (n["depth"], n["lot"], n["lic"], n["quantity"], n["via"]["type"], n["via"]["id"])
            yield from flat(n["children"])

    assert list(flat(down["nodes"])) == [
        (1, build.frames.pk, "LEG", "4.000000", "productionorder", build.frame_mo.pk),
        (2, build.chairs.pk, "FRAME", "1.000000", "productionorder", build.chair_mo.pk),
        (3, None, "CHAIR", "1.000000", "shipment", build.chair_shipment.pk),
        (2, None, "FRAME", "1.000000", "shipment", build.frame_shipment.pk),
        (1, None, "LEG", "3.000000", "shipment", build.leg_shipment.pk),
    ]
    shallow = client.get(f"/api/v1/lots/{build.legs.pk}/trace/?direction=down&depth=2").json()
    assert max(d for d, *_ in flat(shallow["nodes"])) == 2
    up = client.get(f"/api/v1/lots/{build.chairs.pk}/trace/?direction=up").json()
    assert list(flat(up["nodes"])) == [
        (1, build.frames.pk, "FRAME", "1.000000", "productionorder", build.chair_mo.pk),
        (2, build.legs.pk, "LEG", "4.000000", "productionorder", build.frame_mo.pk),
    ]
    leaf = up["nodes"][0]["children"][0]
    assert leaf["purchase_order"]["number"] == build.po.number and leaf["vendor"]["code"] == "ACME"
    recall = client.get(f"/api/v1/lots/{build.legs.pk}/recall/").json()["results"]
    assert [(r["shipment"], r["customer"], r["lic"], r["quantity"], r["depth"]) for r in recall] == [
        (build.leg_shipment.pk, "CUST", "LEG", "3.000000", 1),
        (build.frame_shipment.pk, "CUST", "FRAME", "1.000000", 2),
        (build.chair_shipment.pk, "-EVIL", "CHAIR", "1.000000", 3),
    ]


def test_trace_page_go_to_links_lead_to_the_documents(build, client, viewer):
    client.force_login(viewer)
    page = client.get(reverse("traceability:trace", args=[build.legs.pk]), {"direction": "down"})
    html = page.content.decode()
    for i, quantity in enumerate(["4", "1", "1", "1", "3"], start=1):
        assert f'data-figure="trace_{i}_quantity">{quantity}<' in html
    # every Go-To link of the rows resolves to the right document
    for document in (build.frame_mo, build.chair_mo, build.chair_shipment, build.frame_shipment, build.leg_shipment):
        link = _goto_href(html, document.number)
        target = client.get(link, follow=True)
        assert target.status_code == 200 and document.number in target.content.decode(), document
    for lot in (build.frames, build.chairs):
        assert reverse("inventory_lots:lot_detail", args=[lot.pk]) in html
    up = client.get(reverse("traceability:trace", args=[build.chairs.pk]), {"direction": "up"}).content.decode()
    assert reverse("inventory_lots:lot_detail", args=[build.legs.pk]) in up and build.po.number in up
    po_page = client.get(build.po.get_absolute_url())
    assert po_page.status_code == 200 and f'href="{build.po.get_absolute_url()}"' in up


def _goto_href(html: str, label: str) -> str:
    import re

    match = re.search(r'<a href="([^"]+)">' + re.escape(label) + " ›</a>", html)
    assert match, label
    return match.group(1)


def test_recall_page_links_and_csv(build, client, viewer, accountant):
    client.force_login(viewer)
    html = client.get(reverse("traceability:recall", args=[build.legs.pk])).content.decode()
    for i, (quantity, depth) in enumerate([("3", 1), ("1", 2), ("1", 3)], start=1):
        assert f'data-figure="recall_{i}_quantity">{quantity}<' in html
        assert f'data-figure="recall_{i}_depth">{depth}<' in html
    for shipment in (build.leg_shipment, build.frame_shipment, build.chair_shipment):
        url = reverse("orders:shipment_detail", args=[shipment.pk])
        assert f'href="{url}"' in html
        assert shipment.number in client.get(url).content.decode()
    assert f'href="{reverse("inventory_lots:lot_detail", args=[build.chairs.pk])}"' in html
    assert f'href="{reverse("orders:order_detail", args=[build.chair_shipment.order_id])}"' in html
    lot_page = client.get(reverse("inventory_lots:lot_detail", args=[build.legs.pk])).content.decode()
    assert reverse("traceability:recall", args=[build.legs.pk]) in lot_page

    client.force_login(accountant)
    response = client.get(reverse("traceability:recall_csv", args=[build.legs.pk]))
    lines = b"".join(response.streaming_content).decode().splitlines()
    order, other = build.leg_shipment.order.number, build.chair_shipment.order.number
    assert lines == [
        "Shipment,Order,Customer,Customer name,Date,LIC,Lot,Quantity,Depth",
        f"{build.leg_shipment.number},{order},CUST,A Customer,2026-03-04,LEG,{build.legs.number},3.000000,1",
        f"{build.frame_shipment.number},{order},CUST,A Customer,2026-03-05,FRAME,{build.frames.number},1.000000,2",
        f'{build.chair_shipment.number},{other},\'-EVIL,"\'=HYPERLINK(""x"")",2026-03-06,CHAIR,'
        f"{build.chairs.number},1.000000,3",
    ]
