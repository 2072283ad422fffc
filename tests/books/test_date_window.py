"""Issue 17, "what must be refused": absurd dates. A receipt dated year 1 would be the first FIFO
lot forever, one dated 9999 never; a shipment before its order, a return before the shipment it
returns. Every posted document date (PO, receipt, vendor invoice, adjustment, shipment, return,
production order, produce, component issue, job cost, reversals, unit cost correction, COGS run
date, order) must lie in the window around today: from ``LOTLEDGER_DATE_WINDOW_PAST_DAYS`` back
(default 1826, five years; the day after the lock date when that is later, for postings) to
``LOTLEDGER_DATE_WINDOW_FUTURE_DAYS`` ahead (default 31). Refused at every door (page, API,
command) with ``date_too_early`` / ``date_too_late`` and a message naming the window; nothing
written. Documents that follow another are never dated before it."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import ValidationFailed
from inventory_lots import services as ledger
from inventory_lots.models import LockDate
from inventory_lots.services import check_open_date, set_lock_date
from orders.models import Order
from production import services as production_services
from production.services import ComponentLine
from purchasing import services as purchasing_services
from purchasing.models import PurchaseOrder
from purchasing.services import ReceiptLineInput
from tests.books import test_lock_date_doors as lock_doors
from tests.conftest import adjust_in

from .conftest import D, day, give_back, ledger_fingerprint, ship

pytestmark = pytest.mark.django_db

books = lock_doors.books  # the same ledger as the lock date doors (its lock date: 15 March)
DAYS = datetime.timedelta


def today() -> datetime.date:
    return timezone.localdate()


def window(start: datetime.date | None = None) -> tuple[str, str]:
    start = start or today() - DAYS(days=1826)
    return start.isoformat(), (today() + DAYS(days=31)).isoformat()


def too_early(date: str, start: datetime.date | None = None) -> str:
    first, last = window(start)
    return f"{date} is too far in the past: choose a date from {first} to {last}."


def too_late(date: str, start: datetime.date | None = None) -> str:
    first, last = window(start)
    return f"{date} is too far in the future: choose a date from {first} to {last}."


def out_of_window() -> list[tuple[str, str]]:
    """(date, code) just outside the window and far outside it."""
    return [
        ("0001-01-01", "date_too_early"),
        ((today() - DAYS(days=1827)).isoformat(), "date_too_early"),
        ((today() + DAYS(days=32)).isoformat(), "date_too_late"),
        ("9999-12-31", "date_too_late"),
    ]


def message(date: str, code: str, start: datetime.date | None = None) -> str:
    return too_early(date, start) if code == "date_too_early" else too_late(date, start)


@pytest.fixture
def unlocked(books):
    """The same ledger with the lock date out of the way (the window's own start shows)."""
    LockDate.objects.all().delete()
    return books


def _lines(*rows):
    return lock_doors._lines(*rows)


FORMS = {
    **lock_doors.FORMS,
    "po_create": lambda b: (
        reverse("purchasing:po_create"),
        {"vendor": "ACME", "office": "HQ", **_lines({"lic": "WIDGET", "quantity": "1", "unit_cost": "2.00"})},
    ),
    "order_create": lambda b: (reverse("orders:order_create"), {"customer": "CUST", "office": "HQ"}),
}
API_DOORS = {
    **lock_doors.API_DOORS,
    "po_create": lambda b: (
        "/api/v1/purchase-orders/",
        {"vendor": "ACME", "office": "HQ", "lines": [{"lic": "WIDGET", "quantity": "1", "unit_cost": "2.00"}]},
    ),
    "order_create": lambda b: ("/api/v1/orders/", {"customer": "CUST", "office": "HQ"}),
}
NOT_POSTINGS = {"po_create", "order_create"}  # commitments: the lock date does not apply to them


# --- the window, at the one place every posting checks its date ---------------------------------


def test_the_window_is_five_years_back_to_31_days_ahead_by_default(db):
    ledger.check_date_window(today() - DAYS(days=1826))
    ledger.check_date_window(today() + DAYS(days=31))
    for date, code in out_of_window():
        with pytest.raises(ValidationFailed) as info:
            ledger.check_date_window(datetime.date.fromisoformat(date))
        assert (info.value.code, info.value.field, info.value.message) == (code, "date", message(date, code))


@override_settings(LOTLEDGER_DATE_WINDOW_PAST_DAYS=10, LOTLEDGER_DATE_WINDOW_FUTURE_DAYS=0)
def test_the_window_is_configurable(db):
    ledger.check_date_window(today() - DAYS(days=10))
    ledger.check_date_window(today())
    with pytest.raises(ValidationFailed) as info:
        ledger.check_date_window(today() + DAYS(days=1))
    assert info.value.message == (
        f"{(today() + DAYS(days=1)).isoformat()} is too far in the future: choose a date "
        f"from {(today() - DAYS(days=10)).isoformat()} to {today().isoformat()}."
    )
    with pytest.raises(ValidationFailed) as info:
        ledger.check_date_window(today() - DAYS(days=11), field_name="lines[0].date")
    assert (info.value.code, info.value.field) == ("date_too_early", "lines[0].date")


def test_a_posting_window_starts_the_day_after_the_lock_date_when_that_is_later(db):
    set_lock_date(date=day(15), actor=None)
    late = (today() + DAYS(days=40)).isoformat()
    with pytest.raises(ValidationFailed) as info:
        check_open_date(datetime.date.fromisoformat(late))
    assert (info.value.code, info.value.message) == ("date_too_late", too_late(late, start=day(16)))
    with pytest.raises(ValidationFailed) as info:  # on or before the lock date: the lock date's own refusal
        check_open_date(datetime.date(1, 1, 1))
    assert info.value.code == "date_locked"
    check_open_date(day(16))


def test_the_window_edges_post_through_the_service(office, lic):
    adjust_in(office=office, lic=lic, quantity="1", unit_cost="1.00", date=today() - DAYS(days=1826))
    adjust_in(office=office, lic=lic, quantity="1", unit_cost="1.00", date=today() + DAYS(days=31))
    before = ledger_fingerprint()
    for date in ("0001-01-01", "9999-12-31"):
        with pytest.raises(ValidationFailed):
            adjust_in(office=office, lic=lic, quantity="1", unit_cost="1.00", date=datetime.date.fromisoformat(date))
    assert ledger_fingerprint() == before


# --- every door -----------------------------------------------------------------------------------


@pytest.mark.parametrize("door", sorted(FORMS))
def test_every_form_refuses_a_date_outside_the_window(door, unlocked, client, admin_user):
    client.force_login(admin_user)
    url, data = FORMS[door](unlocked)
    before = ledger_fingerprint()
    counts = (PurchaseOrder.objects.count(), Order.objects.count())
    for date, code in out_of_window():
        response = client.post(url, {**data, "date": date})
        assert response.status_code == 400, (door, date, response.status_code)
        assert message(date, code) in response.content.decode(), (door, date)
        assert ledger_fingerprint() == before, door
        assert (PurchaseOrder.objects.count(), Order.objects.count()) == counts
    response = client.post(url, {**data, "date": (today() + DAYS(days=31)).isoformat()})  # the last day: posts
    assert response.status_code == 302, (door, response.content.decode()[:2000])


@pytest.mark.parametrize("door", sorted(API_DOORS))
def test_every_endpoint_refuses_a_date_outside_the_window(door, unlocked, api, admin_user):
    client = api(admin_user)
    url, body = API_DOORS[door](unlocked)
    before = ledger_fingerprint()
    counts = (PurchaseOrder.objects.count(), Order.objects.count())
    for date, code in out_of_window():
        response = client.post(url, {**body, "date": date}, format="json")
        assert response.status_code == 400, (door, date, response.status_code, response.content[:300])
        assert response.json() == {
            "code": code,
            "field": "date",
            "message": message(date, code),
            "errors": {"date": [message(date, code)]},
        }, door
        assert ledger_fingerprint() == before, door
        assert (PurchaseOrder.objects.count(), Order.objects.count()) == counts
    response = client.post(url, {**body, "date": (today() + DAYS(days=31)).isoformat()}, format="json")
    assert response.status_code in (200, 201), (door, response.json())


@pytest.mark.parametrize("door", sorted(set(API_DOORS) - NOT_POSTINGS))
def test_with_a_lock_date_the_window_named_starts_the_day_after_it(door, books, api, admin_user):
    url, body = API_DOORS[door](books)
    late = (today() + DAYS(days=32)).isoformat()
    response = api(admin_user).post(url, {**body, "date": late}, format="json")
    assert (response.status_code, response.json()["message"]) == (400, too_late(late, start=day(16))), door


@pytest.mark.parametrize("door", sorted(NOT_POSTINGS))
def test_orders_and_pos_are_not_postings_their_window_ignores_the_lock_date(door, books, api, admin_user):
    url, body = API_DOORS[door](books)
    response = api(admin_user).post(url, {**body, "date": "2026-03-01"}, format="json")  # before the lock date
    assert response.status_code == 201
    response = api(admin_user).post(url, {**body, "date": "0001-01-01"}, format="json")
    assert response.json()["message"] == too_early("0001-01-01")


def test_the_run_cogs_command_refuses_a_date_outside_the_window(unlocked):
    before = ledger_fingerprint()
    for date, code in out_of_window():
        with pytest.raises(CommandError) as info:
            call_command("run_cogs", "--date", date, stdout=io.StringIO())
        assert str(info.value) == message(date, code)
        with pytest.raises(CommandError):
            call_command("run_cogs", "--date", date, "--queue", stdout=io.StringIO())
    assert ledger_fingerprint() == before


DATES_OUTSIDE = st.one_of(
    st.dates(datetime.date(1, 1, 1), today() - DAYS(days=1827)),
    st.dates(today() + DAYS(days=32), datetime.date(9999, 12, 31)),
).map(datetime.date.isoformat)


def test_property_no_endpoint_posts_a_date_outside_the_window(unlocked, api, admin_user):
    """Hypothesis: any date outside the window, at any posting endpoint, is refused and writes nothing."""
    from django.db import transaction

    client = api(admin_user)
    doors = {name: door(unlocked) for name, door in API_DOORS.items()}
    before = ledger_fingerprint()

    @settings(
        max_examples=60,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(door=st.sampled_from(sorted(doors)), date=DATES_OUTSIDE)
    def check(door, date):
        url, body = doors[door]
        with transaction.atomic():
            response = client.post(url, {**body, "date": date}, format="json")
            transaction.set_rollback(True)
        assert response.status_code == 400, (door, date, response.content[:300])
        assert response.json()["code"] in ("date_too_early", "date_too_late"), (door, date)
        assert window()[0] in response.json()["message"] and window()[1] in response.json()["message"]

    check()
    assert ledger_fingerprint() == before


# --- documents that follow another are never dated before it -----------------------------------

SHIP_BEFORE_ORDER = "Order {number} is dated 2026-03-01: a {what} on it cannot be dated before that."


def test_a_shipment_before_its_orders_date_is_refused_at_every_door(unlocked, client, api, admin_user, lic):
    order = unlocked.order
    msg = SHIP_BEFORE_ORDER.format(number=order.number, what="shipment")
    before = ledger_fingerprint()
    with pytest.raises(ValidationFailed) as info:
        ship(order=order, lic=lic, quantity="1", date=datetime.date(2026, 2, 28))
    assert (info.value.code, info.value.field, info.value.message) == ("date_before_order", "date", msg)
    response = api(admin_user).post(
        "/api/v1/shipments/",
        {"order": order.pk, "date": "2026-02-28", "lines": [{"lic": "WIDGET", "quantity": "1"}]},
        format="json",
    )
    assert (response.status_code, response.json()["code"], response.json()["message"]) == (
        400,
        "date_before_order",
        msg,
    )
    client.force_login(admin_user)
    url, data = lock_doors.FORMS["shipment"](unlocked)
    response = client.post(url, {**data, "date": "2026-02-28"})
    assert response.status_code == 400 and msg in response.content.decode()
    assert ledger_fingerprint() == before
    ship(order=order, lic=lic, quantity="1", date=datetime.date(2026, 3, 1))  # its own date: fine


def test_a_return_before_the_usage_it_returns_is_refused_at_every_door(unlocked, client, api, admin_user, lic):
    usage = unlocked.shipped  # shipped 4 March
    msg = f"Line 1: Usage {usage} is dated 2026-03-04: a return of it cannot be dated before that."
    before = ledger_fingerprint()
    with pytest.raises(ValidationFailed) as info:
        give_back(order=unlocked.order, lic=lic, quantity="1", date=day(3), usage=usage)
    assert (info.value.code, info.value.field, info.value.message) == ("date_before_usage", "lines[0].usage", msg)
    response = api(admin_user).post(
        "/api/v1/returns/",
        {
            "order": unlocked.order.pk,
            "date": "2026-03-03",
            "lines": [{"lic": "WIDGET", "quantity": "1", "usage": usage.pk}],
        },
        format="json",
    )
    assert (response.status_code, response.json()["code"], response.json()["field"]) == (
        400,
        "date_before_usage",
        "lines[0].usage",
    )
    client.force_login(admin_user)
    url, data = lock_doors.FORMS["return"](unlocked)
    response = client.post(url, {**data, "date": "2026-03-03"})
    assert response.status_code == 400
    assert (
        f"Usage {usage} is dated 2026-03-04: a return of it cannot be dated before that." in response.content.decode()
    )
    assert ledger_fingerprint() == before
    give_back(order=unlocked.order, lic=lic, quantity="1", date=day(4), usage=usage)  # the same day: fine


def test_a_return_before_its_orders_date_is_refused(unlocked, api, admin_user):
    response = api(admin_user).post(
        "/api/v1/returns/",
        {"order": unlocked.order.pk, "date": "2026-02-28", "lines": [{"lic": "WIDGET", "quantity": "1"}]},
        format="json",
    )
    assert (response.status_code, response.json()["code"], response.json()["message"]) == (
        400,
        "date_before_order",
        SHIP_BEFORE_ORDER.format(number=unlocked.order.number, what="return"),
    )


def test_a_production_order_before_its_parent_orders_date_is_refused(unlocked, api, admin_user):
    body = {
        "office": "HQ",
        "lic": "STOOL",
        "estimated_quantity": "1",
        "estimated_unit_cost": "9.00",
        "order": unlocked.order.pk,
    }
    response = api(admin_user).post("/api/v1/production-orders/", {**body, "date": "2026-02-28"}, format="json")
    assert (response.status_code, response.json()["code"], response.json()["message"]) == (
        400,
        "date_before_order",
        SHIP_BEFORE_ORDER.format(number=unlocked.order.number, what="production order"),
    )
    assert (
        api(admin_user).post("/api/v1/production-orders/", {**body, "date": "2026-03-01"}, format="json").status_code
        == 201
    )


def test_production_postings_before_the_production_orders_date_are_refused(unlocked, api, admin_user):
    mo = production_services.create_production_order(
        office=unlocked.mo.office,
        date=day(10),
        lic=unlocked.mo.lic,
        order=None,
        estimated_quantity=D("2"),
        estimated_unit_cost=D("9.00"),
        actor=None,
    )
    client = api(admin_user)
    before = ledger_fingerprint()
    cases = {
        f"/api/v1/production-orders/{mo.pk}/issue/": (
            {"lines": [{"lic": "WIDGET", "quantity": "1"}]},
            "components cannot be issued to it",
        ),
        f"/api/v1/production-orders/{mo.pk}/produce/": ({"quantity": "1"}, "nothing can be produced on it"),
        "/api/v1/job-costs/": (
            {"production_order": mo.pk, "lic": "LABOR", "description": "paint", "amount": "5.00", "capitalized": True},
            "no job cost can be charged to it",
        ),
    }
    for url, (body, what) in cases.items():
        response = client.post(url, {**body, "date": "2026-03-09"}, format="json")
        assert (response.status_code, response.json()["code"], response.json()["field"]) == (
            400,
            "date_before_production_order",
            "date",
        ), url
        assert response.json()["message"] == (
            f"Production order {mo.number} is dated 2026-03-10: {what} before that."
        ), url
    assert ledger_fingerprint() == before
    for url, (body, _) in cases.items():
        assert client.post(url, {**body, "date": "2026-03-10"}, format="json").status_code == 201, url


def test_a_component_return_before_the_issue_it_names_is_refused(unlocked, lic):
    mo = unlocked.mo
    (issued,) = production_services.issue_components(
        production_order=mo, date=day(5), actor=None, lines=[ComponentLine(lic=lic, quantity=D("2"))]
    )
    with pytest.raises(ValidationFailed) as info:
        production_services.issue_components(
            production_order=mo,
            date=day(4),
            actor=None,
            lines=[ComponentLine(lic=lic, quantity=D("-1"), returns_usage=issued)],
        )
    assert (info.value.code, info.value.field) == ("date_before_usage", "lines[0].usage")
    production_services.issue_components(
        production_order=mo,
        date=day(5),
        actor=None,
        lines=[ComponentLine(lic=lic, quantity=D("-1"), returns_usage=issued)],
    )


def test_a_reversal_before_the_document_it_reverses_is_refused(unlocked, api, admin_user):
    receipt = purchasing_services.receive_purchase_order(
        purchase_order=unlocked.po_open,
        date=day(10),
        actor=None,
        lines=[ReceiptLineInput(po_line=unlocked.po_open.lines.get(), quantity=D("1"))],
    )
    client = api(admin_user)
    before = ledger_fingerprint()
    response = client.post(
        f"/api/v1/receipts/{receipt.pk}/reverse/", {"date": "2026-03-09", "reason": "wrong"}, format="json"
    )
    assert (response.status_code, response.json()["code"], response.json()["message"]) == (
        400,
        "date_before_reversed",
        f"Receipt {receipt.number} is dated 2026-03-10: its reversal cannot be dated before that.",
    )
    entry = unlocked.job_cost  # 2 March, on a production order of 1 March
    response = client.post(f"/api/v1/job-costs/{entry.pk}/reverse/", {"date": "2026-03-01"}, format="json")
    assert (response.status_code, response.json()["code"], response.json()["message"]) == (
        400,
        "date_before_reversed",
        f"Job cost {entry} is dated 2026-03-02: its reversal cannot be dated before that.",
    )
    assert ledger_fingerprint() == before
    assert (
        client.post(f"/api/v1/job-costs/{entry.pk}/reverse/", {"date": "2026-03-02"}, format="json").status_code == 201
    )


def test_a_po_close_before_its_receipts_or_invoices_is_refused(unlocked, api, admin_user, client):
    """Sibling: the close dates the lots' cost change (cause po_closed); dated before a receipt it
    would change a lot's cost before the lot exists (valuation and roll-forward at that date)."""
    po = unlocked.po_invoiced  # PO, receipt 1 March, invoice 2 March
    message = (
        f"Purchase order {po.number} has a receipt or vendor invoice dated 2026-03-02: it cannot be closed before that."
    )
    before = ledger_fingerprint()
    response = api(admin_user).post(f"/api/v1/purchase-orders/{po.pk}/close/", {"date": "2026-03-01"}, format="json")
    assert (response.status_code, response.json()["code"], response.json()["field"], response.json()["message"]) == (
        400,
        "date_before_po_documents",
        "date",
        message,
    )
    client.force_login(admin_user)
    response = client.post(reverse("purchasing:po_close", args=[po.pk]), {"date": "2026-03-01", "confirm": "yes"})
    assert response.status_code == 400 and message in response.content.decode()
    assert ledger_fingerprint() == before
    assert (
        api(admin_user)
        .post(f"/api/v1/purchase-orders/{po.pk}/close/", {"date": "2026-03-02"}, format="json")
        .status_code
        == 200
    )


def test_a_unit_cost_correction_before_the_lot_is_refused(unlocked, office, lic, api, admin_user):
    """Sibling: a cost change dated before the lot's date would be a value event before its birth."""
    lot = adjust_in(office=office, lic=lic, quantity="2", unit_cost="5.00", date=day(10))
    before = ledger_fingerprint()
    response = api(admin_user).post(
        f"/api/v1/lots/{lot.pk}/unit-cost/",
        {"unit_cost": "5.25", "reason": "vendor credit", "date": "2026-03-09"},
        format="json",
    )
    assert (response.status_code, response.json()["code"], response.json()["field"], response.json()["message"]) == (
        400,
        "date_before_lot",
        "date",
        f"Lot {lot.number} is dated 2026-03-10: its unit cost cannot be corrected before that.",
    )
    assert ledger_fingerprint() == before
    assert api(admin_user).post(
        f"/api/v1/lots/{lot.pk}/unit-cost/",
        {"unit_cost": "5.25", "reason": "vendor credit", "date": "2026-03-10"},
        format="json",
    ).status_code in (200, 201)
