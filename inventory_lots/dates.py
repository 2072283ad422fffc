"""Which dates the ledger accepts (DOMAIN.md 6a).

- **The date window.** Every posted document date (PO, receipt, vendor invoice, adjustment,
  shipment, return, production order, produce, component issue, job cost, reversals, unit cost
  correction, COGS run date, order) lies between ``LOTLEDGER_DATE_WINDOW_PAST_DAYS`` before today
  (default 1826 days, five years) and ``LOTLEDGER_DATE_WINDOW_FUTURE_DAYS`` after it (default 31).
  A receipt dated year 1 would otherwise be the first FIFO lot forever, one dated 9999 never be
  reached. ``services.check_open_date``, the check every posting service already makes, calls
  ``check_date_window`` with the lock date, so for postings the window starts the day after the
  lock date when that is later; documents that are commitments, not postings (purchase orders,
  customer orders), call it without.
- **The lock date** never moves past today (one typo would stop all posting for good); it moves
  back only for an administrator (the ``move_lock_date_back`` permission), with a reason, and that
  correction is a row of its append-only history like every other setting of it.

Messages are constants, so every door (form, admin, API, command) shows the same words.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone

from core import roles
from core.errors import StateConflict, ValidationFailed
from core.text import clean_text

DEFAULT_PAST_DAYS = 1826  # five years, one leap day included
DEFAULT_FUTURE_DAYS = 31

MSG_DATE_TOO_EARLY = "{date} is too far in the past: choose a date from {start} to {end}."
MSG_DATE_TOO_LATE = "{date} is too far in the future: choose a date from {start} to {end}."

MSG_LOCK_FUTURE = (
    "The lock date cannot be later than today ({today}): {date} is in the future, and every "
    "posting dated up to it would be refused."
)
MSG_LOCK_BACKWARDS = (
    "The lock date only moves forward: it is {lock} now. Only an administrator can move it back, with a reason."
)
MSG_LOCK_REASON = "Give the reason for moving the lock date back: it is kept in the history of the lock date."
MSG_LOCK_REASON_TOO_LONG = "The reason is kept in the history of the lock date: at most {limit} characters."
LOCK_REASON_MAX_LENGTH = 500  # LockDate.reason


def today() -> datetime.date:
    return timezone.localdate()


def date_window(lock: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The first and last date a document may carry today; ``lock``: the lock date in force, for
    postings (their first date is then at least the day after it)."""
    now = today()
    start = now - datetime.timedelta(days=int(getattr(settings, "LOTLEDGER_DATE_WINDOW_PAST_DAYS", DEFAULT_PAST_DAYS)))
    end = now + datetime.timedelta(
        days=int(getattr(settings, "LOTLEDGER_DATE_WINDOW_FUTURE_DAYS", DEFAULT_FUTURE_DAYS))
    )
    if lock is not None and start <= lock < datetime.date.max:
        start = lock + datetime.timedelta(days=1)
    return start, end


def check_date_window(date: datetime.date, field_name: str = "date", *, lock: datetime.date | None = None) -> None:
    """Refuse a date outside the window (400 ``date_too_early`` / ``date_too_late``, naming it)."""
    start, end = date_window(lock)
    if start <= date <= end:
        return
    code, text = ("date_too_early", MSG_DATE_TOO_EARLY) if date < start else ("date_too_late", MSG_DATE_TOO_LATE)
    raise ValidationFailed(
        code, text.format(date=date.isoformat(), start=start.isoformat(), end=end.isoformat()), field=field_name
    )


MSG_BEFORE_REVERSED = "{document} is dated {date}: its reversal cannot be dated before that."


def check_reversal_date(date: datetime.date, *, document: str, document_date: datetime.date) -> None:
    """A reversal is never dated before what it reverses (400 ``date_before_reversed``)."""
    if date < document_date:
        raise ValidationFailed(
            "date_before_reversed",
            MSG_BEFORE_REVERSED.format(document=document, date=document_date.isoformat()),
            field="date",
        )


def may_move_lock_date_back(user) -> bool:
    """Administrators (the Administrator group holds every permission) and superusers."""
    return user is not None and user.is_authenticated and user.has_perm(roles.MOVE_LOCK_DATE_BACK)


def check_lock_date_change(*, date: datetime.date, lock: datetime.date | None, actor, reason: str = "") -> str:
    """May ``actor`` set the lock date to ``date`` while ``lock`` is in force? Returns the reason as
    stored. Refusals: after today (400 ``lock_date_in_future``); not after ``lock`` (409
    ``lock_date_backwards``) unless an administrator moves it back, who must give a reason (400
    ``reason_required``). ``set_lock_date`` calls this under the lock date's advisory lock; the page
    calls it before asking for confirmation."""
    if date > today():
        raise ValidationFailed(
            "lock_date_in_future",
            MSG_LOCK_FUTURE.format(today=today().isoformat(), date=date.isoformat()),
            field="date",
        )
    reason = clean_text(reason)
    if len(reason) > LOCK_REASON_MAX_LENGTH:
        raise ValidationFailed(
            "reason_too_long", MSG_LOCK_REASON_TOO_LONG.format(limit=LOCK_REASON_MAX_LENGTH), field="reason"
        )
    if lock is not None and date <= lock:
        if date == lock or not may_move_lock_date_back(actor):
            raise StateConflict("lock_date_backwards", MSG_LOCK_BACKWARDS.format(lock=lock.isoformat()), field="date")
        if not reason:
            raise ValidationFailed("reason_required", MSG_LOCK_REASON, field="reason")
    return reason
