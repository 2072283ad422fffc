"""Serial numbers of the ledger core: the checks every usage that names serials passes, and
the one record of where each serial is (``SerialUse``).

A serial is in stock in its lot's office until a usage takes it out (a shipment, a component issue, a
negative adjustment: one ``SerialUse`` row, ``returned_by`` null); a return naming it brings it back
(``returned_by`` set; the row stays as history). PostgreSQL refuses a serial out twice
(``inventory_lots_serial_out_once``). This module is part of the ledger core's services: only
``services.record_usage_locked`` calls ``check_usage`` and ``record``, under the LIC row lock, so a
check and the write that follows it see the same state. A serial's row left behind by a transfer
(``LotSerial.moved``) is history: these reads see the live row only. (A module of its own: services.py is near the
size budget of STYLE.md and is edited for other issues at the same time.)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from core.errors import ValidationFailed
from core.money import plain
from core.text import clean_text

from .models import InventoryUsage, LineItemCode, Lot, LotSerial, Office, SerialUse

MSG_SERIAL_NOT_TRACKED = "{lic} is not serialized: leave the serial numbers empty."
MSG_MFR_LOT_NOT_TRACKED = "{lic} is not tracked by manufacturer lot: leave the manufacturer lot number empty."
MSG_SERIAL_QTY_NOT_WHOLE = "{lic} is serialized: the quantity must be a whole number (got {quantity})."
MSG_SERIAL_NOT_IN_STOCK = "Serial number(s) of {lic} not in stock in {office}: {serials}."
MSG_SERIAL_NOT_IN_LOT = "Serial number(s) of {lic} not in lot {lot}: {serials}."
MSG_SERIAL_REPEATED = "Serial number(s) of {lic} already named on line {line}: {serials}."
MSG_SERIAL_NOT_OUT = "Serial number(s) of {lic} not out of stock in {office}, nothing to return: {serials}."
MSG_SERIAL_NOT_ON_USAGE = "Serial number(s) of {lic} not out on usage {usage}: {serials}."
MSG_SERIAL_USAGES_DIFFER = (
    "Serial numbers of {lic} went out on different usages ({usages}): return each usage's serials on a line of "
    "their own."
)


def clean(serial_numbers: Iterable[str]) -> list[str]:
    """The serials as stored: each stripped, blanks dropped (order and repeats kept for the checks)."""
    return [clean_text(s) for s in serial_numbers if s and clean_text(s)]


def split_serials(text: str | None) -> tuple[str, ...]:
    """Serials typed in one box (a form's text field), comma or newline separated, cleaned."""
    return tuple(clean((text or "").replace(",", "\n").splitlines()))


def quantity_text(value: Decimal) -> str:
    return plain(value)


def refuse_repeats(lines: Iterable[tuple[LineItemCode, Sequence[str]]]) -> None:
    """One document names a serial once: a serial of a serialized LIC named again on a later line is
    refused on that line (``lines[i].serial_numbers``), before anything is written. (A repeat within one
    line is the line's own count error.)"""
    first_line: dict[tuple[int, str], int] = {}
    for index, (lic, serial_numbers) in enumerate(lines):
        if not lic.serialized:
            continue
        serials = clean(serial_numbers)
        repeated: dict[int, list[str]] = {}
        for serial in serials:
            earlier = first_line.get((lic.pk, serial))
            if earlier is not None and earlier != index:
                repeated.setdefault(earlier, []).append(serial)
        if repeated:
            line, numbers = min(repeated.items())
            raise ValidationFailed(
                "serial_repeated",
                f"Line {index + 1}: "
                + MSG_SERIAL_REPEATED.format(lic=lic.code, line=line + 1, serials=", ".join(numbers)),
                field=f"lines[{index}].serial_numbers",
            )
        for serial in serials:
            first_line.setdefault((lic.pk, serial), index)


def usage_out_with(*, lic: LineItemCode, office: Office, serial_numbers: Sequence[str]) -> InventoryUsage | None:
    """The usage that has these serials out in the office: a return of serials that names no usage is
    made to name it (docs/traceability.md, "Serial numbers"). None when none of them is out (the return
    is then refused by ``check_usage``); refused when they are out on different usages."""
    serials = clean(serial_numbers) if lic.serialized else []
    if not serials:
        return None
    usage_ids = sorted(
        set(
            SerialUse.objects.filter(
                serial__lic=lic,
                serial__lot__office=office,
                serial__serial_number__in=serials,
                serial__moved=False,
                returned_by__isnull=True,
            ).values_list("usage_id", flat=True)
        )
    )
    if len(usage_ids) > 1:
        names = ", ".join(str(u) for u in InventoryUsage.objects.filter(pk__in=usage_ids).order_by("pk"))
        raise ValidationFailed(
            "serial_usages_differ", MSG_SERIAL_USAGES_DIFFER.format(lic=lic.code, usages=names), field="serial_numbers"
        )
    return InventoryUsage.objects.get(pk=usage_ids[0]) if usage_ids else None


def check_usage(
    *,
    lic: LineItemCode,
    office: Office,
    quantity: Decimal,
    serials: list[str],
    lot: Lot | None,
    returns_usage: InventoryUsage | None,
) -> list[LotSerial]:
    """The serials a usage names (cleaned, counted and known in the office already) against where they
    are: a usage taking stock out names serials in stock (and in its lot, when it names one); a return
    names serials that are out (on the usage it names, when it names one). Returns their rows."""
    if not serials:
        return []
    rows = {
        s.serial_number: s
        for s in LotSerial.objects.filter(lic=lic, lot__office=office, serial_number__in=serials, moved=False)
    }
    out = {
        u.serial_id: u
        for u in SerialUse.objects.filter(serial__in=list(rows.values()), returned_by__isnull=True).select_related(
            "usage"
        )
    }

    def where(serial: str) -> str:
        row = rows.get(serial)
        if row is None:
            return f"{serial} (unknown in {office.code})"
        use = out.get(row.pk)
        return f"{serial} (in stock)" if use is None else f"{serial} (out on {use.usage.source_label})"

    if quantity > 0:
        taken = [s for s in serials if s in rows and rows[s].pk in out]
        if taken:
            raise ValidationFailed(
                "serial_not_in_stock",
                MSG_SERIAL_NOT_IN_STOCK.format(
                    lic=lic.code, office=office.code, serials=", ".join(where(s) for s in taken)
                ),
                field="serial_numbers",
            )
        elsewhere = [s for s in serials if lot is not None and s in rows and rows[s].lot_id != lot.pk]
        if elsewhere:
            raise ValidationFailed(
                "serial_not_in_lot",
                MSG_SERIAL_NOT_IN_LOT.format(lic=lic.code, lot=lot.number, serials=", ".join(elsewhere)),
                field="serial_numbers",
            )
        return [rows[s] for s in serials]
    if returns_usage is None:
        missing = [s for s in serials if s not in rows or rows[s].pk not in out]
        if missing:
            raise ValidationFailed(
                "serial_not_out",
                MSG_SERIAL_NOT_OUT.format(lic=lic.code, office=office.code, serials=", ".join(missing)),
                field="serial_numbers",
            )
    else:
        wrong = [
            s for s in serials if s not in rows or rows[s].pk not in out or out[rows[s].pk].usage_id != returns_usage.pk
        ]
        if wrong:
            raise ValidationFailed(
                "serial_not_on_usage",
                MSG_SERIAL_NOT_ON_USAGE.format(
                    lic=lic.code, usage=returns_usage, serials=", ".join(where(s) for s in wrong)
                ),
                field="serial_numbers",
            )
    return [rows[s] for s in serials]


def record(usage: InventoryUsage, rows: list[LotSerial]) -> None:
    """Write where the serials of a new usage are now: taken out by it, or brought back by it."""
    if not rows:
        return
    if usage.quantity > 0:
        SerialUse.objects.bulk_create(SerialUse(serial=row, usage=usage) for row in rows)
    else:
        SerialUse.objects.filter(serial__in=rows, returned_by__isnull=True).update(returned_by=usage)
