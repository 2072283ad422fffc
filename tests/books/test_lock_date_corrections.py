"""Issue 17, "what must be refused": a lock date in the future would stop all posting for good
(DOMAIN.md 6a). The lock date is never past today (refused at the page, the API and the admin,
400 ``lock_date_in_future``); the page asks for confirmation and says what becomes impossible;
only an administrator moves it back, with a reason (an accountant gets 409 as before), and that
correction is a row of the lock date's history (page and admin, read-only) like every other
setting of it; posting works again after it."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from core import roles
from core.errors import StateConflict, ValidationFailed
from inventory_lots.models import InventoryAdjustment, LockDate
from inventory_lots.selectors import current_lock_date
from inventory_lots.services import set_lock_date
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db

TYPO = datetime.date(2062, 11, 30)
LOCK, EARLIER = datetime.date(2026, 3, 31), datetime.date(2026, 3, 15)
REASON = "Closed March by mistake: the March vendor invoices are still coming in."
ADMIN_FORM = "/admin/inventory_lots/lockdate/move-back/"


def today() -> datetime.date:
    return timezone.localdate()


def future_message(date: datetime.date) -> str:
    return (
        f"The lock date cannot be later than today ({today().isoformat()}): {date.isoformat()} is in the "
        "future, and every posting dated up to it would be refused."
    )


BACKWARDS = (
    "The lock date only moves forward: it is 2026-03-31 now. Only an administrator can move it back, with a reason."
)
NO_REASON = "Give the reason for moving the lock date back: it is kept in the history of the lock date."


@pytest.fixture
def administrator(db):
    user = user_with_role(roles.ADMINISTRATOR, username="administrator")
    user.is_staff = True  # the Django admin's door
    user.save()
    return user


@pytest.fixture
def staff_accountant(accountant):
    accountant.is_staff = True
    accountant.save()
    return accountant


def rows() -> list[tuple]:
    return list(LockDate.objects.order_by("id").values_list("date", "previous_date", "reason", "set_by__username"))


def adjustment_body(date: str) -> dict:
    return {
        "office": "HQ",
        "date": date,
        "reason": "count",
        "lines": [{"lic": "WIDGET", "quantity": "5", "unit_cost": "1.00"}],
    }


# --- a future date is refused ---------------------------------------------------------------------


def test_the_service_refuses_a_lock_date_after_today(accountant):
    for date in (TYPO, today() + datetime.timedelta(days=1)):
        with pytest.raises(ValidationFailed) as info:
            set_lock_date(date=date, actor=accountant)
        assert (info.value.code, info.value.field, info.value.message) == (
            "lock_date_in_future",
            "date",
            future_message(date),
        )
    assert not LockDate.objects.exists()
    set_lock_date(date=today(), actor=accountant)  # today itself may be closed
    assert current_lock_date() == today()


def test_the_page_refuses_a_future_lock_date(accountant_client):
    for data in ({"date": TYPO.isoformat()}, {"date": TYPO.isoformat(), "confirm": "yes"}):
        response = accountant_client.post("/lock-date/", data)
        assert response.status_code == 400
        assert future_message(TYPO) in response.content.decode()
    assert not LockDate.objects.exists()


def test_the_api_refuses_a_future_lock_date(api, accountant):
    response = api(accountant).post("/api/v1/lock-date/", {"date": TYPO.isoformat()}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "code": "lock_date_in_future",
        "field": "date",
        "message": future_message(TYPO),
        "errors": {"date": [future_message(TYPO)]},
    }
    assert not LockDate.objects.exists()


def test_the_admin_refuses_a_future_lock_date(client, administrator):
    client.force_login(administrator)
    response = client.post(ADMIN_FORM, {"date": TYPO.isoformat(), "reason": REASON})
    assert response.status_code == 200
    assert future_message(TYPO) in response.content.decode()
    assert not LockDate.objects.exists()


# --- the page asks for confirmation ---------------------------------------------------------------


def test_the_page_asks_for_confirmation_and_says_what_becomes_impossible(accountant_client, accountant):
    response = accountant_client.post("/lock-date/", {"date": "2026-03-31"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="confirm-lock-date"' in page
    assert "Close the books through 2026-03-31?" in page
    assert (
        "Nothing dated on or before 2026-03-31 can be posted afterwards: receipts, vendor invoices, "
        "adjustments, shipments, returns, production, component issues, job costs, unit cost corrections, "
        "COGS runs and their entries."
    ) in page
    assert "Only an administrator can move it back, with a reason." in page
    assert 'name="confirm" value="yes"' in page and 'name="date" value="2026-03-31"' in page
    assert not LockDate.objects.exists()  # nothing until confirmed
    response = accountant_client.post("/lock-date/", {"date": "2026-03-31", "confirm": "yes"})
    assert response.status_code == 302
    assert rows() == [(LOCK, None, "", accountant.username)]


def test_the_confirmation_of_a_move_back_names_both_dates(client, administrator):
    set_lock_date(date=LOCK, actor=None)
    client.force_login(administrator)
    response = client.post("/lock-date/", {"date": "2026-03-15", "reason": REASON})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Move the lock date back from 2026-03-31 to 2026-03-15?" in page
    assert "Postings dated from 2026-03-16 to 2026-03-31 become possible again" in page
    assert 'name="reason" value="' in page
    assert LockDate.objects.count() == 1


# --- an accountant cannot move it back --------------------------------------------------------------


def test_an_accountant_cannot_move_it_back_at_any_door(accountant, accountant_client, api, client, staff_accountant):
    set_lock_date(date=LOCK, actor=accountant)
    for data in ({"date": "2026-03-15", "reason": REASON}, {"date": "2026-03-15", "reason": REASON, "confirm": "yes"}):
        response = accountant_client.post("/lock-date/", data)
        assert response.status_code == 400
        assert BACKWARDS in response.content.decode()
    response = api(accountant).post("/api/v1/lock-date/", {"date": "2026-03-15", "reason": REASON}, format="json")
    assert response.status_code == 409
    assert (response.json()["code"], response.json()["message"]) == ("lock_date_backwards", BACKWARDS)
    client.force_login(staff_accountant)
    assert client.post(ADMIN_FORM, {"date": "2026-03-15", "reason": REASON}).status_code == 403
    assert client.get(ADMIN_FORM).status_code == 403
    with pytest.raises(StateConflict):
        set_lock_date(date=EARLIER, actor=accountant, reason=REASON)
    assert rows() == [(LOCK, None, "", accountant.username)]


# --- an administrator can, with a reason ---------------------------------------------------------


def test_an_administrator_moves_it_back_on_the_page_with_a_reason(client, administrator, accountant):
    set_lock_date(date=LOCK, actor=accountant)
    client.force_login(administrator)
    page = client.get("/lock-date/").content.decode()
    assert 'name="reason"' in page  # administrators see the reason field
    response = client.post("/lock-date/", {"date": "2026-03-15", "reason": REASON, "confirm": "yes"})
    assert response.status_code == 302
    assert rows() == [(LOCK, None, "", accountant.username), (EARLIER, LOCK, REASON, "administrator")]
    history = client.get("/lock-date/").content.decode()
    assert '<strong id="current-lock-date">2026-03-15</strong>' in history
    assert REASON in history and "moved back from 2026-03-31" in history


def test_an_administrator_moves_it_back_through_the_api_with_a_reason(api, administrator, accountant, viewer):
    set_lock_date(date=LOCK, actor=accountant)
    response = api(administrator).post("/api/v1/lock-date/", {"date": "2026-03-15", "reason": REASON}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["date"], body["set_by"], body["reason"], body["previous_date"]) == (
        "2026-03-15",
        "administrator",
        REASON,
        "2026-03-31",
    )
    current = api(viewer).get("/api/v1/lock-date/").json()
    assert (current["date"], current["reason"], current["previous_date"]) == ("2026-03-15", REASON, "2026-03-31")
    assert rows()[-1] == (EARLIER, LOCK, REASON, "administrator")


def test_an_administrator_moves_it_back_in_the_admin_with_a_reason(client, administrator, accountant):
    set_lock_date(date=LOCK, actor=accountant)
    client.force_login(administrator)
    form = client.get(ADMIN_FORM)
    assert form.status_code == 200 and "2026-03-31" in form.content.decode()
    response = client.post(ADMIN_FORM, {"date": "2026-03-15", "reason": REASON}, follow=True)
    assert response.redirect_chain[-1][0] == "/admin/inventory_lots/lockdate/"
    assert "Lock date moved back from 2026-03-31 to 2026-03-15." in response.content.decode()
    assert rows()[-1] == (EARLIER, LOCK, REASON, "administrator")
    changelist = client.get("/admin/inventory_lots/lockdate/").content.decode()
    assert REASON in changelist and "Move the lock date back" in changelist


def test_the_history_is_read_only_in_the_admin(client, administrator, accountant):
    first = set_lock_date(date=LOCK, actor=accountant)
    client.force_login(administrator)
    assert client.get("/admin/inventory_lots/lockdate/").status_code == 200
    assert client.get("/admin/inventory_lots/lockdate/add/").status_code == 403
    assert client.post(f"/admin/inventory_lots/lockdate/{first.pk}/delete/", {"post": "yes"}).status_code == 403
    client.post(f"/admin/inventory_lots/lockdate/{first.pk}/change/", {"date": "2026-01-01"})
    assert rows() == [(LOCK, None, "", accountant.username)]


def test_a_viewer_sees_the_history_but_no_form(viewer_client, accountant):
    set_lock_date(date=LOCK, actor=accountant)
    page = viewer_client.get("/lock-date/").content.decode()
    assert "2026-03-31" in page and accountant.username in page
    assert 'name="date"' not in page


# --- without a reason: refused ------------------------------------------------------------------


def test_moving_back_without_a_reason_is_refused_at_every_door(client, api, administrator):
    set_lock_date(date=LOCK, actor=None)
    client.force_login(administrator)
    for reason in ("", "   "):
        for data in (
            {"date": "2026-03-15", "reason": reason},
            {"date": "2026-03-15", "reason": reason, "confirm": "yes"},
        ):
            response = client.post("/lock-date/", data)
            assert response.status_code == 400 and NO_REASON in response.content.decode()
        response = api(administrator).post(
            "/api/v1/lock-date/", {"date": "2026-03-15", "reason": reason}, format="json"
        )
        assert response.status_code == 400
        assert (response.json()["code"], response.json()["field"], response.json()["message"]) == (
            "reason_required",
            "reason",
            NO_REASON,
        )
        response = client.post(ADMIN_FORM, {"date": "2026-03-15", "reason": reason})
        assert response.status_code == 200 and NO_REASON in response.content.decode()
    response = api(administrator).post("/api/v1/lock-date/", {"date": "2026-03-15"}, format="json")
    assert response.json()["code"] == "reason_required"
    with pytest.raises(ValidationFailed):
        set_lock_date(date=EARLIER, actor=administrator)
    assert rows() == [(LOCK, None, "", None)]


def test_the_database_refuses_a_backward_row_without_a_reason():
    with pytest.raises(IntegrityError), transaction.atomic():
        LockDate.objects.create(date=EARLIER, previous_date=LOCK, reason="")
    LockDate.objects.create(date=EARLIER, previous_date=LOCK, reason=REASON)


# --- posting works again after moving back -----------------------------------------------------


def test_posting_works_again_after_the_lock_date_is_moved_back(api, administrator, accountant, clerk, office, lic):
    set_lock_date(date=LOCK, actor=accountant)
    refused = api(clerk).post("/api/v1/adjustments/", adjustment_body("2026-03-20"), format="json")
    assert refused.json()["code"] == "date_locked"
    api(administrator).post("/api/v1/lock-date/", {"date": "2026-03-15", "reason": REASON}, format="json")
    assert api(clerk).post("/api/v1/adjustments/", adjustment_body("2026-03-20"), format="json").status_code == 201
    run = api(accountant).post("/api/v1/cogs-runs/", {"date": "2026-03-20", "wait": True}, format="json")
    assert run.status_code == 201 and run.json()["status"] == "done"
    still = api(clerk).post("/api/v1/adjustments/", adjustment_body("2026-03-15"), format="json")
    assert still.json()["code"] == "date_locked"  # the new lock date holds
    assert InventoryAdjustment.objects.count() == 1


def test_a_future_lock_date_already_in_the_books_is_undone_by_an_administrator(api, administrator, clerk, office, lic):
    """The issue's case: a lock date of 2062-11-30 set before this rule (no SQL needed any more)."""
    LockDate.objects.create(date=TYPO)
    assert (
        api(clerk).post("/api/v1/adjustments/", adjustment_body("2026-03-20"), format="json").json()["code"]
        == "date_locked"
    )
    response = api(administrator).post(
        "/api/v1/lock-date/", {"date": "2026-02-28", "reason": "typo: 2062"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert rows()[-1] == (datetime.date(2026, 2, 28), TYPO, "typo: 2062", "administrator")
    assert api(clerk).post("/api/v1/adjustments/", adjustment_body("2026-03-20"), format="json").status_code == 201


# --- the API schema documents the reason ------------------------------------------------------------


def test_the_schema_documents_the_reason():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    post = schema["paths"]["/api/v1/lock-date/"]["post"]
    ref = post["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    properties = schema["components"]["schemas"][ref]["properties"]
    assert "administrator" in properties["reason"]["description"].lower()
    assert "today" in properties["date"]["description"].lower()
    assert {"400", "409"} <= set(post["responses"])
