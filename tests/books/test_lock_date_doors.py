"""The lock date at every door (DOMAIN.md 6a): each posting form, admin action, API endpoint and
the run_cogs command refuses a date on or before the lock date, names it, and writes nothing; the
day after it posts. Admin actions have no date field: they post today (receipt reversal, PO close,
job cost reversal), so they are tested with a lock date of today. Releasing and closing a
production order post no dated record (status changes): they stay allowed after the books close,
and what the release makes available is allocated with entries dated after the lock date.
Allocation entries are dated the later of the usage's date and the first open day; revaluations,
accruals and reversals the run's business date."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from cogs import services as cogs_services
from cogs.models import CogsEntry, EntryKind
from core.errors import ValidationFailed
from inventory_lots.models import InventoryUsage, Lot
from inventory_lots.services import set_lock_date
from production import services as production_services
from production.models import JobCostEntry, ProductionOrder
from purchasing import services as purchasing_services
from purchasing.models import PurchaseOrder, Receipt
from purchasing.services import POLineInput
from tests.conftest import adjust_in
from tests.factories import LicFactory

from .conftest import D, buy, day, fresh, invoice, ledger_fingerprint, run_cogs, ship

pytestmark = pytest.mark.django_db

LOCK = day(15)
LOCKED_MSG = "The books are closed through 2026-03-15: choose a date after it."
ON_LOCK, AFTER_LOCK = "2026-03-15", "2026-03-16"


@dataclass
class Books:
    po_open: PurchaseOrder  # 5 ordered, nothing received
    po_received: PurchaseOrder  # 10 received 1 Mar, not invoiced
    receipt: Receipt  # of po_received (its lot unused), dated 1 Mar: in the closed books
    late_receipt: Receipt  # 4 received 16 Mar, after the lock date (its lot unused)
    po_invoiced: PurchaseOrder  # 10 received and invoiced: ready to close
    lot: Lot  # the lot of po_received
    shipped: InventoryUsage  # 2 WIDGET shipped 4 Mar
    mo: ProductionOrder  # open, nothing produced
    made: ProductionOrder  # produced 3 Mar, not released
    job_cost: JobCostEntry  # on mo, 2 Mar
    order: object  # the customer order


@pytest.fixture
def books(db, office, lic, service_lic, vendor, order) -> Books:
    stool = LicFactory(code="STOOL", description="Stool")
    po_open = purchasing_services.create_purchase_order(
        vendor=vendor,
        office=office,
        date=day(1),
        actor=None,
        lines=[POLineInput(lic=lic, quantity=D("5"), unit_cost=D("5.00"))],
    )
    po_received, receipt = buy(vendor=vendor, office=office, lic=lic, quantity="10", unit_cost="5.00", date=day(1))
    po_invoiced, _ = buy(vendor=vendor, office=office, lic=lic, quantity="10", unit_cost="5.00", date=day(1))
    _, late_receipt = buy(vendor=vendor, office=office, lic=lic, quantity="4", unit_cost="5.00", date=day(16))
    invoice(po=po_invoiced, number="INV-1", date=day(2), amount="50.00", quantity="10")
    shipped = ship(order=order, lic=lic, quantity="2", date=day(4)).lines.get().usage
    mo = production_services.create_production_order(
        office=office,
        date=day(1),
        lic=stool,
        order=order,
        estimated_quantity=D("2"),
        estimated_unit_cost=D("9.00"),
        actor=None,
    )
    job_cost = production_services.post_job_cost(
        production_order=mo,
        date=day(2),
        lic=service_lic,
        description="labour",
        amount=D("10.00"),
        capitalized=True,
        actor=None,
    )
    made = production_services.create_production_order(
        office=office,
        date=day(1),
        lic=stool,
        order=order,
        estimated_quantity=D("1"),
        estimated_unit_cost=D("9.00"),
        actor=None,
    )
    production_services.produce(production_order=made, date=day(3), quantity=D("1"), actor=None)
    set_lock_date(date=LOCK, actor=None)
    return Books(
        po_open=po_open,
        po_received=po_received,
        receipt=receipt,
        late_receipt=late_receipt,
        po_invoiced=po_invoiced,
        lot=receipt.lines.get().lot,
        shipped=shipped,
        mo=mo,
        made=made,
        job_cost=job_cost,
        order=order,
    )


def _lines(*rows, initial=0):
    data = {
        "lines-TOTAL_FORMS": str(len(rows)),
        "lines-INITIAL_FORMS": str(initial),
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        data.update({f"lines-{i}-{k}": v for k, v in row.items()})
    return data


# --- forms ---------------------------------------------------------------------------------------

FORMS = {
    "adjustment": lambda b: (
        reverse("inventory_lots:adjustment_create"),
        {"office": "HQ", "reason": "count", **_lines({"lic": "WIDGET", "quantity": "5", "unit_cost": "1.00"})},
    ),
    "receive": lambda b: (
        reverse("purchasing:po_receive", args=[b.po_open.pk]),
        {**_lines({"po_line": b.po_open.lines.get().pk, "quantity": "5"}, initial=1)},
    ),
    "invoice": lambda b: (
        reverse("purchasing:po_invoice", args=[b.po_received.pk]),
        {
            "number": "INV-9",
            "freight": "1.00",
            **_lines({"po_line": b.po_received.lines.get().pk, "quantity": "10", "amount": "50.00"}, initial=1),
        },
    ),
    "po_close": lambda b: (reverse("purchasing:po_close", args=[b.po_invoiced.pk]), {"confirm": "yes"}),
    "receipt_reversal": lambda b: (
        reverse("purchasing:receipt_reverse", args=[b.late_receipt.pk]),
        {"reason": "wrong", "confirm": "yes"},
    ),
    "shipment": lambda b: (
        reverse("orders:shipment_create", args=[b.order.pk]),
        {**_lines({"lic": "WIDGET", "quantity": "1"})},
    ),
    "return": lambda b: (
        reverse("orders:return_create", args=[b.order.pk]),
        {**_lines({"lic": "WIDGET", "quantity": "1", "usage": str(b.shipped.pk)})},
    ),
    "production_order": lambda b: (
        reverse("production:production_order_create"),
        {"office": "HQ", "lic": "STOOL", "estimated_quantity": "1", "estimated_unit_cost": "9.00"},
    ),
    "production_issue": lambda b: (
        reverse("production:issue_components", args=[b.mo.pk]),
        {**_lines({"lic": "WIDGET", "quantity": "4"})},
    ),
    "job_cost": lambda b: (
        reverse("production:job_cost_create", args=[b.mo.pk]),
        {"lic": "LABOR", "description": "finishing", "amount": "30.00", "capitalized": "on"},
    ),
    "produce": lambda b: (reverse("production:produce", args=[b.mo.pk]), {"quantity": "2"}),
    "job_cost_reversal": lambda b: (reverse("production:job_cost_reverse", args=[b.job_cost.pk]), {"confirm": "yes"}),
    "unit_cost_correction": lambda b: (
        reverse("traceability:unit_cost", args=[b.lot.pk]),
        {"unit_cost": "5.25", "reason": "vendor credit"},
    ),
    "cogs_run": lambda b: (reverse("cogs:run_list"), {"wait": "on"}),
}


@pytest.mark.parametrize("door", sorted(FORMS))
def test_every_posting_form_refuses_the_lock_date_and_posts_after_it(door, books, client, admin_user):
    client.force_login(admin_user)
    url, data = FORMS[door](books)
    before = ledger_fingerprint()
    for date in (ON_LOCK, "2026-03-01"):
        response = client.post(url, {**data, "date": date})
        assert response.status_code == 400, (door, response.status_code)
        assert LOCKED_MSG in response.content.decode(), door
        assert ledger_fingerprint() == before, door
    response = client.post(url, {**data, "date": AFTER_LOCK})
    assert response.status_code == 302, (door, response.content.decode()[:2000])
    assert ledger_fingerprint() != before


# --- admin actions (no date field: they post today) ----------------------------------------------

ADMIN_ACTIONS = {
    "receipt_reversal": ("purchasing", "receipt", "reverse_selected", lambda b: b.late_receipt.pk),
    "po_close": ("purchasing", "purchaseorder", "close_selected", lambda b: b.po_invoiced.pk),
    "job_cost_reversal": ("production", "jobcostentry", "reverse_entries", lambda b: b.job_cost.pk),
}


def _admin_action(client, app, model, action, pk):
    return client.post(f"/admin/{app}/{model}/", {"action": action, "_selected_action": [str(pk)]}, follow=True)


@pytest.mark.parametrize("door", sorted(ADMIN_ACTIONS))
def test_admin_actions_post_today_and_are_refused_when_today_is_locked(door, books, client, admin_user):
    app, model, action, pk = ADMIN_ACTIONS[door]
    client.force_login(admin_user)
    today = datetime.date.today()
    set_lock_date(date=today, actor=None)
    before = ledger_fingerprint()
    response = _admin_action(client, app, model, action, pk(books))
    assert response.status_code == 200
    assert f"The books are closed through {today.isoformat()}: choose a date after it." in response.content.decode()
    assert ledger_fingerprint() == before


def test_admin_actions_post_today_when_today_is_open(books, client, admin_user):
    """The same actions with the books closed only through 15 March: they post, dated today."""
    client.force_login(admin_user)
    for door in sorted(ADMIN_ACTIONS):
        app, model, action, pk = ADMIN_ACTIONS[door]
        _admin_action(client, app, model, action, pk(books))
    today = datetime.date.today()
    assert Receipt.objects.get(reverses=books.late_receipt).date == today
    assert fresh(books.po_invoiced).status == "closed" and fresh(books.po_invoiced).closed_on == today
    assert JobCostEntry.objects.get(reverses=books.job_cost).date == today


def test_release_and_close_post_no_dated_record_so_the_lock_date_does_not_stop_them(books, client, admin_user):
    """Decision: release and close change a status and write no dated record, so they are
    allowed after the books close (page, admin and API alike); what the release makes available is
    allocated by a later run, dated after the lock date."""
    client.force_login(admin_user)
    set_lock_date(date=datetime.date.today(), actor=None)
    response = _admin_action(client, "production", "productionorder", "release_orders", books.made.pk)
    assert f"{books.made.number} released." in response.content.decode()
    assert fresh(books.made).status == "released" and fresh(books.made).lot.released
    response = _admin_action(client, "production", "productionorder", "close_orders", books.made.pk)
    assert f"{books.made.number} closed." in response.content.decode()
    assert fresh(books.made).status == "closed"


# --- API -----------------------------------------------------------------------------------------

API_DOORS = {
    "adjustment": lambda b: (
        "/api/v1/adjustments/",
        {"office": "HQ", "reason": "count", "lines": [{"lic": "WIDGET", "quantity": "5", "unit_cost": "1.00"}]},
    ),
    "receive": lambda b: (
        f"/api/v1/purchase-orders/{b.po_open.pk}/receipts/",
        {"lines": [{"po_line": b.po_open.lines.get().pk, "quantity": "5"}]},
    ),
    "receipt_reversal": lambda b: (f"/api/v1/receipts/{b.late_receipt.pk}/reverse/", {"reason": "wrong"}),
    "invoice": lambda b: (
        "/api/v1/vendor-invoices/",
        {
            "vendor": "ACME",
            "purchase_order": b.po_received.pk,
            "number": "INV-9",
            "freight": "1.00",
            "lines": [{"po_line": b.po_received.lines.get().pk, "quantity": "10", "amount": "50.00"}],
        },
    ),
    "po_close": lambda b: (f"/api/v1/purchase-orders/{b.po_invoiced.pk}/close/", {}),
    "shipment": lambda b: ("/api/v1/shipments/", {"order": b.order.pk, "lines": [{"lic": "WIDGET", "quantity": "1"}]}),
    "return": lambda b: (
        "/api/v1/returns/",
        {"order": b.order.pk, "lines": [{"lic": "WIDGET", "quantity": "1", "usage": b.shipped.pk}]},
    ),
    "production_order": lambda b: (
        "/api/v1/production-orders/",
        {"office": "HQ", "lic": "STOOL", "estimated_quantity": "1", "estimated_unit_cost": "9.00"},
    ),
    "production_issue": lambda b: (
        f"/api/v1/production-orders/{b.mo.pk}/issue/",
        {"lines": [{"lic": "WIDGET", "quantity": "4"}]},
    ),
    "job_cost": lambda b: (
        "/api/v1/job-costs/",
        {
            "production_order": b.mo.pk,
            "lic": "LABOR",
            "description": "finishing",
            "amount": "30.00",
            "capitalized": True,
        },
    ),
    "job_cost_reversal": lambda b: (f"/api/v1/job-costs/{b.job_cost.pk}/reverse/", {}),
    "produce": lambda b: (f"/api/v1/production-orders/{b.mo.pk}/produce/", {"quantity": "2"}),
    "unit_cost_correction": lambda b: (
        f"/api/v1/lots/{b.lot.pk}/unit-cost/",
        {"unit_cost": "5.25", "reason": "vendor credit"},
    ),
    "cogs_run": lambda b: ("/api/v1/cogs-runs/", {"wait": True}),
}


@pytest.mark.parametrize("door", sorted(API_DOORS))
def test_every_posting_endpoint_refuses_the_lock_date_and_posts_after_it(door, books, api, admin_user):
    client = api(admin_user)
    url, body = API_DOORS[door](books)
    before = ledger_fingerprint()
    for date in (ON_LOCK, "2026-03-01"):
        response = client.post(url, {**body, "date": date}, format="json")
        assert response.status_code == 400, (door, response.status_code, response.content[:500])
        error = response.json()
        assert (error["code"], error["field"], error["message"]) == ("date_locked", "date", LOCKED_MSG), door
        assert ledger_fingerprint() == before, door
    response = client.post(url, {**body, "date": AFTER_LOCK}, format="json")
    assert response.status_code in (200, 201), (door, response.json())
    assert ledger_fingerprint() != before


@pytest.mark.parametrize("door", ["receipt_reversal", "po_close", "cogs_run"])
def test_endpoints_whose_date_defaults_to_today_are_refused_when_today_is_locked(door, books, api, admin_user):
    today = datetime.date.today().isoformat()
    set_lock_date(date=datetime.date.today(), actor=None)
    url, body = API_DOORS[door](books)
    before = ledger_fingerprint()
    response = api(admin_user).post(url, body, format="json")
    assert response.status_code == 400
    assert response.json()["message"] == f"The books are closed through {today}: choose a date after it."
    assert ledger_fingerprint() == before


def test_release_and_close_endpoints_take_no_date(books, api, admin_user):
    set_lock_date(date=datetime.date.today(), actor=None)
    client = api(admin_user)
    assert (
        client.post(f"/api/v1/production-orders/{books.made.pk}/release/", {}, format="json").json()["status"]
        == "released"
    )
    assert (
        client.post(f"/api/v1/production-orders/{books.made.pk}/close/", {}, format="json").json()["status"] == "closed"
    )


def test_a_receipt_in_the_closed_books_is_not_reversed_at_any_door(books, client, api, admin_user):
    """Decision: reversing brings the receipt's lots' quantity in to 0, which would change what the
    closed books show; a receipt dated on or before the lock date is refused at every door (even
    with the reversal dated after the lock date), with the way out in the message."""
    message = (
        f"Receipt {books.receipt.number} is dated 2026-03-01, on or before the lock date 2026-03-15: its lots "
        "are in closed books and cannot be reversed. Post a negative inventory adjustment in an open period "
        "instead."
    )
    before = ledger_fingerprint()
    client.force_login(admin_user)
    response = client.post(
        reverse("purchasing:receipt_reverse", args=[books.receipt.pk]),
        {"reason": "wrong", "date": AFTER_LOCK, "confirm": "yes"},
    )
    assert response.status_code == 400 and message in response.content.decode()
    response = _admin_action(client, "purchasing", "receipt", "reverse_selected", books.receipt.pk)
    assert message in response.content.decode()
    response = api(admin_user).post(
        f"/api/v1/receipts/{books.receipt.pk}/reverse/", {"reason": "wrong", "date": AFTER_LOCK}, format="json"
    )
    assert response.status_code == 409 and response.json()["code"] == "receipt_locked"
    assert response.json()["message"] == message
    assert ledger_fingerprint() == before


# --- the command and the COGS run's business date ----------------------------------------------


def test_run_cogs_command_refuses_a_date_on_or_before_the_lock_date(books):
    before = ledger_fingerprint()
    for date in (ON_LOCK, "2026-03-01"):
        with pytest.raises(CommandError, match="The books are closed through 2026-03-15: choose a date after it."):
            call_command("run_cogs", "--date", date, stdout=io.StringIO())
    assert ledger_fingerprint() == before
    set_lock_date(date=datetime.date.today(), actor=None)
    with pytest.raises(CommandError, match=f"The books are closed through {datetime.date.today().isoformat()}"):
        call_command("run_cogs", stdout=io.StringIO())  # default date: today
    with pytest.raises(CommandError, match="The books are closed through"):
        call_command("run_cogs", "--queue", stdout=io.StringIO())
    lock_row = ledger_fingerprint()
    assert lock_row[0][:-1] == before[0][:-1]  # only the new lock date row was added


def test_cogs_run_service_refuses_the_lock_date(books):
    with pytest.raises(ValidationFailed) as exc:
        cogs_services.run_cogs_now(actor=None, date=LOCK)
    assert (exc.value.code, exc.value.message) == ("date_locked", LOCKED_MSG)
    with pytest.raises(ValidationFailed):
        cogs_services.start_cogs_run(actor=None, date=day(2))
    assert not CogsEntry.objects.exists()


# --- the dates of COGS entries -------------------------------------------------------------------


def test_entry_dates_after_the_lock_date(office, lic, order):
    """DOMAIN.md 6a: an allocation is dated the latest of its usage's date, the first open day and
    its lot's movement date; an accrual the later of its usage's date and the first open day; the
    reversal of an accrual with the entries that changed it; a revaluation the run's date."""
    early_lot = adjust_in(office=office, lic=lic, quantity="1", unit_cost="10.00", date=day(1))
    early = ship(order=order, lic=lic, quantity="3", date=day(10)).lines.get().usage
    run_cogs(day(12))  # allocates 1 on 10 March, accrues 2 × 10.00 on 10 March
    set_lock_date(date=LOCK, actor=None)
    adjust_in(office=office, lic=lic, quantity="5", unit_cost="11.00", date=day(20))
    late = ship(order=order, lic=lic, quantity="1", date=day(22)).lines.get().usage
    from inventory_lots.services import correct_lot_unit_cost

    correct_lot_unit_cost(lot=early_lot, new_unit_cost=D("10.50"), reason="price fix", date=day(24), actor=None)
    run_cogs(day(25))
    rows = list(CogsEntry.objects.order_by("id").values_list("usage_id", "kind", "date", "quantity", "value"))
    assert rows == [
        (early.pk, EntryKind.ALLOCATION, day(10), D("1"), D("10.00")),
        (early.pk, EntryKind.ACCRUAL, day(10), D("2"), D("20.00")),  # its usage's date
        (early.pk, EntryKind.ALLOCATION, day(20), D("2"), D("22.00")),  # its lot's date (after the first open day)
        (late.pk, EntryKind.ALLOCATION, day(22), D("1"), D("11.00")),  # its own date
        (early.pk, EntryKind.REVALUATION, day(25), D("0"), D("0.50")),  # run date
        (early.pk, EntryKind.ACCRUAL_REVERSAL, day(20), D("-2"), D("-20.00")),  # with the allocation
    ]
    assert not CogsEntry.objects.filter(date__lte=LOCK).exclude(run__date__lte=day(12)).exists()
    assert fresh(early).cogs_value == D("32.50") and fresh(early).accrued_value == D("0.00")
