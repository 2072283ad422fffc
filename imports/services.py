"""Writes of the imports app: check a file into a batch, commit it in one transaction through the
owning apps' services, reverse it as a whole. docs/import.md has the user's side."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from core.copy import copy_rows
from core.errors import StateConflict, ValidationFailed
from core.master_data import create_records, delete_unused_records
from core.money import money
from core.text import clean_text
from inventory_lots import locks as ledger_locks
from inventory_lots.opening_stock import post_opening_stock
from inventory_lots.reversals import reverse_adjustment
from inventory_lots.selectors import current_lock_date

from . import formats, kinds, locks, preview
from .models import BatchStatus, ImportBatch, ImportedLot, ImportKind

MSG_KIND = "Unknown import kind “{kind}”: use offices, lics, vendors, customers or opening_stock."
MSG_INVALID = "{count} error(s) in the file: nothing was imported. Download the file with its Errors column."
MSG_NOT_PREVIEWED = "Import {number} is {status}: only a checked file that was not imported yet can be imported."
MSG_CONTROL = "The control total {control} differs from the file's {what} {actual}: nothing was imported."
MSG_NOT_COMMITTED = "Import {number} is {status}: only an imported batch can be reversed."
MSG_REVERSAL_LOCKED = (
    "Import {number} is dated {date}, on or before the lock date {lock}: it is in closed books and cannot be reversed."
)
MSG_REASON = "Give the reason for reversing the import."
Progress = Callable[[str, int, int], None]  # (stage, done, total); total 0 when unknown


def check_kind(kind: str) -> str:
    if kind not in ImportKind.values:
        raise ValidationFailed("invalid_kind", MSG_KIND.format(kind=kind), field="kind")
    return kind


def check_file(
    *, kind: str, file_name: str, content: bytes, progress: Progress | None = None, actor: User | None = None
) -> kinds.Checked:
    """Read and check every row (opening stock: in offices ``actor`` may post in); writes nothing.
    File-level problems raise ValidationFailed."""
    check_kind(kind)
    formats.check_size(content)
    fmt = formats.file_format(file_name, content)
    tick = (lambda n: progress("check", n, 0)) if progress else None
    return kinds.check(kind, formats.read_rows(content, fmt), tick, actor=actor)


@transaction.atomic
def stage_import(
    *,
    kind: str,
    file_name: str,
    content: bytes,
    actor: User | None,
    record_failure: bool = True,
    progress: Progress | None = None,
) -> tuple[ImportBatch | None, kinds.Checked | None]:
    """Check a file and record it as a batch: ``previewed`` (nothing imported yet) or, when a row or
    the file fails, ``failed`` with every error (when ``record_failure``; else nothing is recorded
    and ValidationFailed ``import_invalid`` carries the errors)."""
    check_kind(kind)
    file_name = clean_text(file_name)[:200] or "upload"
    try:
        checked = check_file(kind=kind, file_name=file_name, content=content, progress=progress, actor=actor)
        errors = checked.errors
    except ValidationFailed as exc:
        if exc.code in ("invalid_kind", "unsupported_format", "file_too_large", "file_empty") or not record_failure:
            raise
        checked, errors = None, [(1, exc.message)]
    if errors and not record_failure:
        raise invalid(errors)
    batch = ImportBatch(
        kind=kind,
        status=BatchStatus.FAILED if errors else BatchStatus.PREVIEWED,
        file_name=file_name,
        file_format=formats.file_format(file_name, content),
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        created_by=actor,
        row_count=checked.row_count if checked else 0,
        error_count=len(errors),
        errors=[[row, message] for row, message in errors],
        offices=sorted(checked.office_ids) if checked is not None else [],
    )
    if checked is not None and not errors:
        _set_totals(batch, checked)
        batch.summary = preview.summary(checked)
    batch.save()
    return batch, (None if errors else checked)


def invalid(errors: list) -> ValidationFailed:
    shown = [f"Row {row}: {message}" for row, message in errors[:1000]]
    return ValidationFailed(
        "import_invalid", MSG_INVALID.format(count=len(errors)), field="file", errors={"file": shown}
    )


def _set_totals(batch: ImportBatch, checked: kinds.Checked) -> None:
    batch.row_count = checked.row_count
    batch.created_count = len(checked.records)
    if checked.kind == ImportKind.OPENING_STOCK:
        batch.total_quantity = checked.total_quantity
        batch.total_value = checked.total_value
        batch.first_date, batch.last_date = checked.first_date, checked.last_date


@transaction.atomic
def commit_import(
    *,
    batch: ImportBatch,
    actor: User | None,
    control_total: Decimal | None = None,
    checked: kinds.Checked | None = None,
    progress: Progress | None = None,
) -> ImportBatch:
    """Import a checked batch in one transaction, all or nothing. The file is checked again (the
    ledger may have moved since the preview) unless ``checked`` is what was just checked in this
    process; ``control_total`` (the value of opening stock, the record count of master data), when
    given, must match."""
    batch = locks.batch_for_update(batch.pk)
    if batch.status != BatchStatus.PREVIEWED:
        raise StateConflict(
            "batch_not_previewed", MSG_NOT_PREVIEWED.format(number=batch.number, status=batch.get_status_display())
        )
    if checked is None:
        checked = check_file(
            kind=batch.kind, file_name=batch.file_name, content=bytes(batch.content), progress=progress, actor=actor
        )
        if checked.errors:
            raise invalid(checked.errors)
        batch.summary = preview.summary(checked)  # the ledger's state now (accounts may have changed)
    _check_control(batch.kind, checked, control_total)
    if batch.kind == ImportKind.OPENING_STOCK:
        _commit_opening(batch, checked, actor, progress)
    else:
        records = create_records(kinds.MASTER_MODELS[batch.kind], checked.records, actor=actor)
        batch.record_ids = [r.pk for r in records]
    _set_totals(batch, checked)
    batch.status = BatchStatus.COMMITTED
    batch.control_total = control_total
    batch.committed_at, batch.committed_by = timezone.now(), actor
    batch.save()
    return batch


def _check_control(kind: str, checked: kinds.Checked, control_total: Decimal | None) -> None:
    if control_total is None:
        return
    opening = kind == ImportKind.OPENING_STOCK
    actual = checked.total_value if opening else Decimal(len(checked.records))
    if money(control_total) != money(actual):
        what = "total value" if opening else "number of records"
        shown = f"{money(actual):,}" if opening else str(len(checked.records))
        raise ValidationFailed(
            "control_total_mismatch",
            MSG_CONTROL.format(control=f"{money(control_total):,}", what=what, actual=shown),
            field="control_total",
        )


def _commit_opening(batch: ImportBatch, checked: kinds.Checked, actor, progress: Progress | None) -> None:
    tick = (lambda done, total: progress("commit", done, total)) if progress else None
    result = post_opening_stock(
        lines=[record.line for record in checked.records],
        reason=f"Opening stock, import {batch.number} ({batch.file_name})"[:200],
        actor=actor,
        progress=tick,
    )
    copy_rows(
        ImportedLot,
        ("batch_id", "row", "lot_id", "reference"),
        ((batch.pk, r.row, lot_id, r.reference) for r, lot_id in zip(checked.records, result.lot_ids, strict=True)),
    )
    batch.adjustments.add(*result.adjustments)


@transaction.atomic
def reverse_import(
    *, batch: ImportBatch, actor: User | None, reason: str, date: datetime.date | None = None
) -> ImportBatch:
    """Reverse an imported batch as a whole, through the normal reversals: opening stock by
    reversing each of its adjustments (their lots go to quantity in 0; refused, naming the lot, once
    one is used), master data by deleting its records (refused, naming the record, once a ledger
    record uses one). Only while the batch's date (its earliest lot date; for master data the day
    it was imported) is after the lock date."""
    reason = clean_text(reason)
    if not reason:
        raise ValidationFailed("reason_required", MSG_REASON, field="reason")
    batch = locks.batch_for_update(batch.pk)
    if batch.status != BatchStatus.COMMITTED:
        raise StateConflict(
            "batch_not_committed", MSG_NOT_COMMITTED.format(number=batch.number, status=batch.get_status_display())
        )
    date = date or timezone.localdate()
    lock = current_lock_date()
    batch_date = batch.first_date or timezone.localtime(batch.committed_at).date()
    if lock is not None and batch_date <= lock:
        raise StateConflict(
            "batch_locked",
            MSG_REVERSAL_LOCKED.format(number=batch.number, date=batch_date.isoformat(), lock=lock.isoformat()),
        )
    if batch.kind == ImportKind.OPENING_STOCK:
        # every LIC of the batch first, in the global order, then adjustment by adjustment
        ledger_locks.lics_for_update(batch.lots.values_list("lot__lic_id", flat=True))
        for adjustment in batch.adjustments.order_by("pk"):
            reverse_adjustment(adjustment=adjustment, date=date, reason=reason, actor=actor)
    else:
        delete_unused_records(kinds.MASTER_MODELS[batch.kind], batch.record_ids, actor=actor)
    batch.status = BatchStatus.REVERSED
    batch.reversed_at, batch.reversed_by, batch.reversal_reason = timezone.now(), actor, reason[:200]
    batch.save()
    return batch
