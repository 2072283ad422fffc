"""Who sees what (DOMAIN.md section 11) in the ledger's own doors: lots, usage, adjustments, counts,
purchasing, orders, production, transfers, movements, imports and the office list.

A restricted clerk posts in EAST, views WEST and does not see NORTH; each office has the same
history with its own unit cost, so a leak is a plain string in a page, an export or a response."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from core import roles
from inventory_lots.models import InventoryAdjustment, InventoryUsage, LotExport
from orders.models import Order, Shipment
from orders.services import ShipmentLineInput, create_order, post_shipment
from production.models import ProductionOrder
from production.services import create_production_order
from purchasing.models import PurchaseOrder, Receipt
from purchasing.services import POLineInput, ReceiptLineInput, create_purchase_order, receive_purchase_order
from tests.conftest import adjust_in
from tests.factories import CustomerFactory, LicFactory, OfficeFactory, VendorFactory, user_with_role
from transfers.models import Transfer
from transfers.services import TransferLineInput, post_transfer

pytestmark = pytest.mark.django_db

D = Decimal
DAY = datetime.date(2026, 3, 2)
COSTS = {"EAST": "428.19", "WEST": "913.57", "NORTH": "604.83"}
PO_COSTS = {"EAST": "517.33", "WEST": "271.83", "NORTH": "388.41"}


@pytest.fixture
def world():
    lic = LicFactory(code="WIDGET")
    vendor, customer = VendorFactory(code="ACME"), CustomerFactory(code="BUYER")
    offices = {code: OfficeFactory(code=code) for code in COSTS}
    records = {}
    for code, office in offices.items():
        lot = adjust_in(office=office, lic=lic, quantity="10", unit_cost=COSTS[code], date=DAY)
        po = create_purchase_order(
            vendor=vendor, office=office, date=DAY, actor=None, lines=[POLineInput(lic, D("4"), D(PO_COSTS[code]))]
        )
        receipt = receive_purchase_order(
            purchase_order=po, date=DAY, actor=None, lines=[ReceiptLineInput(po.lines.get(), D("4"))]
        )
        order = create_order(customer=customer, office=office, date=DAY, actor=None)
        shipment = post_shipment(order=order, date=DAY, actor=None, lines=[ShipmentLineInput(lic, D("2"))])
        production = create_production_order(
            office=office, date=DAY, lic=lic, estimated_quantity=D("3"), estimated_unit_cost=D("50"), actor=None
        )
        records[code] = {
            "lot": lot,
            "adjustment": InventoryAdjustment.objects.get(lines__lot=lot),
            "usage": shipment.lines.get().usage,
            "po": po,
            "receipt": receipt,
            "order": order,
            "shipment": shipment,
            "production": production,
        }
    # a transfer belongs to both its offices: WEST -> NORTH is the clerk's to see, NORTH -> EAST too
    west_north = post_transfer(
        from_office=offices["WEST"], to_office=offices["NORTH"], date=DAY, actor=None,
        lines=[TransferLineInput(lic, D("1"))],
    )  # fmt: skip
    records["transfer_seen"] = west_north
    clerk = user_with_role(roles.CLERK, all_offices=False, offices={offices["EAST"]: True, offices["WEST"]: False})
    grant(clerk, roles.EXPORT)  # clerks do not export by default: this one does, to prove the export's scope
    return {"lic": lic, "vendor": vendor, "customer": customer, "offices": offices, "records": records, "clerk": clerk}


def grant(user, permission: str) -> None:
    from django.contrib.auth.models import Permission

    app_label, codename = permission.split(".")
    user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


@pytest.fixture
def page(client, world):
    client.force_login(world["clerk"])
    return client


@pytest.fixture
def clerk_api(api, world):
    return api(world["clerk"])


def _numbers(world, code):
    r = world["records"][code]
    return [r["lot"].number, r["po"].number, r["order"].number, r["shipment"].number, r["production"].number]


# --- lists, exports and the API show EAST and WEST only -------------------------------------------


@pytest.mark.parametrize(
    ("url", "what"),
    [
        ("inventory_lots:lot_list", "lot"),
        ("purchasing:po_list", "po"),
        ("orders:order_list", "order"),
        ("production:production_order_list", "production"),
    ],
)
def test_list_pages_show_only_the_offices_seen(page, world, url, what):
    body = page.get(reverse(url)).content.decode()
    for code in ("EAST", "WEST"):
        assert world["records"][code][what].number in body
    assert world["records"]["NORTH"][what].number not in body


def test_usage_list_shows_only_the_offices_seen(page, world):
    body = page.get(reverse("inventory_lots:usage_list")).content.decode()
    shown = {u.pk for u in InventoryUsage.objects.all() if f'href="/usage/{u.pk}/"' in body}
    expected = set(InventoryUsage.objects.filter(office__code__in=["EAST", "WEST"]).values_list("pk", flat=True))
    assert shown == expected


def test_list_totals_count_only_the_offices_seen(page, world):
    response = page.get(reverse("inventory_lots:lot_list"))
    seen = response.context["totals"]["lots"]
    assert seen == world["records"]["EAST"]["lot"].lic.lots.filter(office__code__in=["EAST", "WEST"]).count()


@pytest.mark.parametrize(
    ("url", "key", "what"),
    [
        ("/api/v1/lots/", "number", "lot"),
        ("/api/v1/purchase-orders/", "number", "po"),
        ("/api/v1/orders/", "number", "order"),
        ("/api/v1/shipments/", "number", "shipment"),
        ("/api/v1/production-orders/", "number", "production"),
        ("/api/v1/adjustments/", "number", "adjustment"),
    ],
)
def test_api_lists_show_only_the_offices_seen(clerk_api, world, url, key, what):
    body = clerk_api.get(url).json()
    rows = body["results"] if isinstance(body, dict) else body
    numbers = {row[key] for row in rows}
    assert {world["records"][code][what].number for code in ("EAST", "WEST")} <= numbers
    assert world["records"]["NORTH"][what].number not in numbers


def test_api_usage_and_offices_lists_show_only_the_offices_seen(clerk_api, world):
    usages = clerk_api.get("/api/v1/usages/").json()["results"]
    assert {u["office"] for u in usages} == {"EAST", "WEST"}
    offices = clerk_api.get("/api/v1/offices/").json()
    offices = offices["results"] if isinstance(offices, dict) else offices
    assert sorted(o["code"] for o in offices) == ["EAST", "WEST"]
    assert clerk_api.get("/api/v1/offices/NORTH/").status_code == 404


def test_the_office_list_page_shows_only_the_offices_seen(page, world):
    body = page.get("/master/offices/").content.decode()
    assert "EAST" in body and "WEST" in body and "NORTH" not in body


@pytest.mark.parametrize("door", ["page", "api"])
def test_the_lot_export_covers_the_offices_seen_without_costs(page, clerk_api, world, door):
    client = page if door == "page" else clerk_api
    response = client.get("/lots/export.csv" if door == "page" else "/api/v1/lots/export.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    header, rows = rows[0], rows[1:]
    assert "Unit cost" not in header and not any(h.startswith("Value") for h in header) and "Qty in" in header
    assert {row[header.index("Office")] for row in rows} == {"EAST", "WEST"}
    text = "\n".join(",".join(row) for row in rows)
    assert not any(cost in text for cost in COSTS.values())
    record = LotExport.objects.get()
    assert record.scope["all_offices"] is False and record.scope["see_costs"] is False
    assert record.row_count == len(rows)


def test_the_workbook_export_leaves_out_the_money_columns(page, world):
    from openpyxl import load_workbook

    response = page.get("/lots/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert "Unit cost" not in values[0]
    assert {row[values[0].index("Office")] for row in values[1:]} == {"EAST", "WEST"}


def test_an_office_filter_knows_only_the_offices_seen(page, clerk_api, world):
    assert page.get(reverse("inventory_lots:lot_list"), {"office": "NORTH"}).context["filter"].errors
    assert clerk_api.get("/api/v1/lots/", {"office": "NORTH"}).status_code == 400
    assert page.get("/lots/export.csv", {"office": "NORTH"}).status_code == 400
    assert not LotExport.objects.exists()


# --- another office's records are not found -------------------------------------------------------

PAGES_404 = [
    ("inventory_lots:lot_detail", "lot"),
    ("inventory_lots:usage_detail", "usage"),
    ("inventory_lots:adjustment_detail", "adjustment"),
    ("inventory_lots:adjustment_reverse", "adjustment"),
    ("purchasing:po_detail", "po"),
    ("purchasing:po_print", "po"),
    ("purchasing:po_receive", "po"),
    ("purchasing:po_close", "po"),
    ("purchasing:receipt_detail", "receipt"),
    ("purchasing:receipt_reverse", "receipt"),
    ("orders:order_detail", "order"),
    ("orders:shipment_create", "order"),
    ("orders:shipment_detail", "shipment"),
    ("orders:shipment_reverse", "shipment"),
    ("production:production_order_detail", "production"),
    ("production:produce", "production"),
]


@pytest.mark.parametrize(("url", "what"), PAGES_404)
def test_pages_of_an_unseen_office_answer_404(page, world, url, what):
    north = world["records"]["NORTH"][what]
    assert page.get(reverse(url, args=[north.pk])).status_code == 404
    west = world["records"]["WEST"][what]
    assert page.get(reverse(url, args=[west.pk])).status_code in (200, 403)


API_404 = [
    ("/api/v1/lots/{}/", "lot"),
    ("/api/v1/usages/{}/", "usage"),
    ("/api/v1/adjustments/{}/", "adjustment"),
    ("/api/v1/purchase-orders/{}/", "po"),
    ("/api/v1/receipts/{}/", "receipt"),
    ("/api/v1/orders/{}/", "order"),
    ("/api/v1/shipments/{}/", "shipment"),
    ("/api/v1/production-orders/{}/", "production"),
]


@pytest.mark.parametrize(("url", "what"), API_404)
def test_api_records_of_an_unseen_office_answer_404(clerk_api, world, url, what):
    assert clerk_api.get(url.format(world["records"]["NORTH"][what].pk)).status_code == 404
    assert clerk_api.get(url.format(world["records"]["WEST"][what].pk)).status_code == 200


def test_a_transfer_is_seen_from_either_office(page, clerk_api, world):
    seen = world["records"]["transfer_seen"]
    assert page.get(seen.get_absolute_url()).status_code == 200
    assert clerk_api.get(f"/api/v1/transfers/{seen.pk}/").status_code == 200
    offices = world["offices"]
    unseen = post_transfer(
        from_office=offices["NORTH"], to_office=offices["WEST"], date=DAY, actor=None,
        lines=[TransferLineInput(world["lic"], D("1"))],
    )  # fmt: skip
    other = Transfer.objects.create(number="TR-X", from_office=offices["NORTH"], to_office=offices["EAST"], date=DAY)
    numbers = {t["number"] for t in clerk_api.get("/api/v1/transfers/").json()["results"]}
    assert {seen.number, unseen.number, other.number} <= numbers  # each touches EAST or WEST
    lonely = OfficeFactory(code="SOUTH")
    hidden = Transfer.objects.create(number="TR-Y", from_office=offices["NORTH"], to_office=lonely, date=DAY)
    assert page.get(hidden.get_absolute_url()).status_code == 404
    assert clerk_api.get(f"/api/v1/transfers/{hidden.pk}/").status_code == 404


# --- posting in a view-only office is refused, nothing written ------------------------------------


def _counts():
    return (
        InventoryAdjustment.objects.count(),
        InventoryUsage.objects.count(),
        PurchaseOrder.objects.count(),
        Receipt.objects.count(),
        Order.objects.count(),
        Shipment.objects.count(),
        ProductionOrder.objects.count(),
        Transfer.objects.count(),
    )


def test_page_posts_in_a_view_only_office_answer_403(page, world):
    before = _counts()
    west = world["records"]["WEST"]
    adjustment = {
        "office": "WEST",
        "date": DAY.isoformat(),
        "kind": "other",
        "reason": "found",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-lic": "WIDGET",
        "lines-0-quantity": "1",
        "lines-0-unit_cost": "5",
    }
    response = page.post(reverse("inventory_lots:adjustment_create"), adjustment)
    assert response.status_code == 403
    assert "WEST" in response.content.decode()
    count = {"office": "WEST", "date": DAY.isoformat(), f"counted_{world['lic'].pk}": "3"}
    assert page.post(reverse("inventory_lots:count_sheet"), count).status_code == 403
    po = {
        "vendor": "ACME",
        "office": "WEST",
        "date": DAY.isoformat(),
        **{k.replace("unit_cost", "unit_cost"): v for k, v in adjustment.items() if k.startswith("lines-")},
    }
    assert page.post(reverse("purchasing:po_create"), po).status_code == 403
    order = {"customer": "BUYER", "office": "WEST", "date": DAY.isoformat()}
    assert page.post(reverse("orders:order_create"), order).status_code == 403
    shipment = {
        "date": DAY.isoformat(),
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-lic": "WIDGET",
        "lines-0-quantity": "1",
    }
    assert page.post(reverse("orders:shipment_create", args=[west["order"].pk]), shipment).status_code == 403
    transfer = {
        "from_office": "WEST",
        "to_office": "EAST",
        "date": DAY.isoformat(),
        **{k: v for k, v in shipment.items() if k.startswith("lines-")},
    }
    assert page.post(reverse("transfers:transfer_create"), transfer).status_code == 403
    assert _counts() == before


def test_api_posts_in_a_view_only_office_answer_403(clerk_api, world):
    before = _counts()
    line = {"lic": "WIDGET", "quantity": "1", "unit_cost": "5"}
    response = clerk_api.post(
        "/api/v1/adjustments/",
        {"office": "WEST", "date": DAY.isoformat(), "reason": "found", "lines": [line]},
        format="json",
    )
    assert response.status_code == 403 and response.json()["code"] == "office_view_only"
    count = {"office": "WEST", "date": DAY.isoformat(), "lines": [{"lic": "WIDGET", "counted_quantity": "3"}]}
    assert clerk_api.post("/api/v1/counts/", count, format="json").status_code == 403
    po = {"vendor": "ACME", "office": "WEST", "date": DAY.isoformat(), "lines": [line]}
    assert clerk_api.post("/api/v1/purchase-orders/", po, format="json").status_code == 403
    order = {"customer": "BUYER", "office": "WEST", "date": DAY.isoformat()}
    assert clerk_api.post("/api/v1/orders/", order, format="json").status_code == 403
    shipment = {
        "order": world["records"]["WEST"]["order"].pk,
        "date": DAY.isoformat(),
        "lines": [{"lic": "WIDGET", "quantity": "1"}],
    }
    assert clerk_api.post("/api/v1/shipments/", shipment, format="json").status_code == 403
    transfer = {"from_office": "WEST", "to_office": "EAST", "date": DAY.isoformat(), "lines": [line]}
    assert clerk_api.post("/api/v1/transfers/", transfer, format="json").status_code == 403
    receipt = {
        "date": DAY.isoformat(),
        "lines": [{"po_line": world["records"]["WEST"]["po"].lines.get().pk, "quantity": "1"}],
    }
    url = f"/api/v1/purchase-orders/{world['records']['WEST']['po'].pk}/receipts/"
    assert clerk_api.post(url, receipt, format="json").status_code == 403
    assert _counts() == before


def test_a_record_of_an_unseen_office_named_in_a_body_does_not_exist(clerk_api, world):
    shipment = {
        "order": world["records"]["NORTH"]["order"].pk,
        "date": DAY.isoformat(),
        "lines": [{"lic": "WIDGET", "quantity": "1"}],
    }
    response = clerk_api.post("/api/v1/shipments/", shipment, format="json")
    assert response.status_code == 400 and "order" in response.json()["errors"]


def test_a_transfer_goes_to_offices_seen_only(clerk_api, world):
    base = {"date": DAY.isoformat(), "lines": [{"lic": "WIDGET", "quantity": "1"}]}
    response = clerk_api.post(
        "/api/v1/transfers/", {**base, "from_office": "EAST", "to_office": "NORTH"}, format="json"
    )
    assert response.status_code == 403 and response.json()["code"] == "office_not_permitted"
    response = clerk_api.post("/api/v1/transfers/", {**base, "from_office": "EAST", "to_office": "WEST"}, format="json")
    assert response.status_code == 201, response.json()


def test_posting_in_the_office_the_clerk_may_post_in_works(clerk_api, world):
    line = {"lic": "WIDGET", "quantity": "1", "unit_cost": "5"}
    response = clerk_api.post(
        "/api/v1/adjustments/",
        {"office": "EAST", "date": DAY.isoformat(), "reason": "found", "lines": [line]},
        format="json",
    )
    assert response.status_code == 201


def test_forms_offer_only_the_offices_the_clerk_may_post_in(page, world):
    for url in ("inventory_lots:adjustment_create", "purchasing:po_create"):
        body = page.get(reverse(url)).content.decode()
        assert 'value="EAST"' in body, url
        assert 'value="WEST"' not in body and 'value="NORTH"' not in body, url
    body = page.get(reverse("transfers:transfer_create")).content.decode()
    from_select = body[body.index('name="from_office"') : body.index("</select>", body.index('name="from_office"'))]
    assert 'value="EAST"' in from_select and 'value="WEST"' not in from_select
    body = page.get(reverse("orders:order_create")).content.decode()  # a code typed, with a picker
    assert '<option value="EAST"' in body
    assert '<option value="WEST"' not in body and '<option value="NORTH"' not in body
    count_sheet = reverse("inventory_lots:count_sheet")
    assert page.get(count_sheet, {"office": "NORTH", "date": DAY.isoformat()}).status_code == 400


# --- without "see costs": no unit cost or value anywhere ------------------------------------------


def test_lot_pages_lists_and_api_leave_out_costs(page, clerk_api, world):
    west = world["records"]["WEST"]
    money = [COSTS["WEST"], COSTS["EAST"], PO_COSTS["WEST"], "9,135.70", "9135.70"]
    bodies = [
        page.get(reverse("inventory_lots:lot_list")).content.decode(),
        page.get(west["lot"].get_absolute_url()).content.decode(),
        page.get(reverse("inventory_lots:usage_list")).content.decode(),
        page.get(reverse("inventory_lots:adjustment_detail", args=[west["adjustment"].pk])).content.decode(),
        clerk_api.get("/api/v1/lots/").content.decode(),
        clerk_api.get(f"/api/v1/lots/{west['lot'].pk}/").content.decode(),
        clerk_api.get("/api/v1/usages/").content.decode(),
        clerk_api.get("/api/v1/adjustments/").content.decode(),
    ]
    for body in bodies:
        assert not any(m in body for m in money), body[:300]
    lot = clerk_api.get(f"/api/v1/lots/{west['lot'].pk}/").json()
    assert "unit_cost" not in lot and "value_in" not in lot and lot["qty_in"]
    assert "in_value" not in lot["sections"]["current"] and lot["sections"]["current"]["in_qty"]
    assert "accrued" not in lot["sections"]


def test_a_clerk_given_costs_sees_them(client, api, world):
    offices = world["offices"]
    clerk = user_with_role(
        roles.CLERK, "costly_clerk", all_offices=False, offices={offices["WEST"]: False}, see_costs=True
    )
    client.force_login(clerk)
    assert COSTS["WEST"] in client.get(world["records"]["WEST"]["lot"].get_absolute_url()).content.decode()
    assert api(clerk).get(f"/api/v1/lots/{world['records']['WEST']['lot'].pk}/").json()["unit_cost"]
    grant(clerk, roles.EXPORT)
    header = next(csv.reader(io.StringIO(b"".join(client.get("/lots/export.csv").streaming_content).decode())))
    assert "Unit cost" in header


def test_the_accrued_report_is_closed_without_costs(page, clerk_api, world):
    assert page.get(reverse("purchasing:accrued_report")).status_code == 403
    assert clerk_api.get("/api/v1/accrued-inventory/").status_code == 403


# --- movements and imports ------------------------------------------------------------------------


def test_inventory_transactions_cover_the_offices_seen(page, clerk_api, world):
    url = reverse("movements:inventory_transactions")
    assert page.get(url, {"lic": "WIDGET", "office": "NORTH"}).status_code == 400
    assert page.get(url, {"lic": "WIDGET", "office": "WEST"}).status_code == 200
    assert page.get(url, {"lic": "WIDGET"}).status_code == 400  # two offices seen: choose one
    assert clerk_api.get("/api/v1/inventory-transactions/", {"lic": "WIDGET", "office": "NORTH"}).status_code == 400
    one = user_with_role(roles.CLERK, "one_office", all_offices=False, offices={world["offices"]["EAST"]: True})
    page.force_login(one)
    body = page.get(url, {"lic": "WIDGET"}).content.decode()
    assert world["records"]["EAST"]["lot"].number in body
    assert world["records"]["WEST"]["lot"].number not in body


def test_opening_stock_rows_in_offices_not_postable_are_refused_per_row(world):
    from imports.services import check_file

    content = (
        "office,lic,quantity,unit_cost,lot_date\n"
        f"EAST,WIDGET,1,2,{DAY.isoformat()}\n"
        f"WEST,WIDGET,1,2,{DAY.isoformat()}\n"
        f"NORTH,WIDGET,1,2,{DAY.isoformat()}\n"
    ).encode()
    checked = check_file(kind="opening_stock", file_name="o.csv", content=content, actor=world["clerk"])
    errors = dict(checked.errors)
    assert 2 not in errors
    assert "may view office WEST but not post" in errors[3]
    assert "unknown office" in errors[4]


def test_opening_stock_service_refuses_a_line_in_a_view_only_office(world):
    from core.errors import OfficeNotPermitted
    from inventory_lots.opening_stock import OpeningLine, post_opening_stock

    lines = [
        OpeningLine(office=world["offices"]["EAST"], lic=world["lic"], date=DAY, quantity=D("1"), unit_cost=D("2")),
        OpeningLine(office=world["offices"]["WEST"], lic=world["lic"], date=DAY, quantity=D("1"), unit_cost=D("2")),
    ]
    with pytest.raises(OfficeNotPermitted) as error:
        post_opening_stock(lines=lines, reason="opening", actor=world["clerk"])
    assert error.value.field == "lines[1].office"


def test_a_user_limited_to_offices_may_not_move_the_lock_date(client, api, world):
    accountant = user_with_role(
        roles.ACCOUNTANT, "east_accountant", all_offices=False, offices={world["offices"]["EAST"]: True}
    )
    response = api(accountant).post("/api/v1/lock-date/", {"date": DAY.isoformat()}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "all_offices_required"
    client.force_login(accountant)
    assert client.get(reverse("inventory_lots:lock_date")).status_code == 200  # the page stays global
    posted = client.post(reverse("inventory_lots:lock_date"), {"date": DAY.isoformat(), "confirm": True})
    assert posted.status_code == 403
    from inventory_lots.models import LockDate

    assert not LockDate.objects.exists()


def test_an_import_batch_is_seen_by_importers_who_see_its_offices(client, api, world, admin_user):
    from imports.services import stage_import

    content = f"office,lic,quantity,unit_cost,lot_date\nNORTH,WIDGET,1,2,{DAY.isoformat()}\n".encode()
    north, _ = stage_import(kind="opening_stock", file_name="o.csv", content=content, actor=admin_user)
    assert north.offices == [world["offices"]["NORTH"].pk]
    importer = user_with_role(
        roles.CLERK, "importer", all_offices=False, offices={world["offices"]["EAST"]: True}, see_costs=True
    )
    grant(importer, "imports.run_import")
    client.force_login(importer)
    assert client.get(north.get_absolute_url()).status_code == 404
    assert api(importer).get(f"/api/v1/imports/{north.pk}/").status_code == 404
    assert api(importer).get("/api/v1/imports/").json()["results"] == []
    blind = user_with_role(roles.CLERK, "blind_importer")  # every office, no costs
    grant(blind, "imports.run_import")
    assert api(blind).get("/api/v1/imports/").status_code == 403
