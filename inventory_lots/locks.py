"""The only place select_for_update() appears for inventory models.

Global lock order (every service): LIC rows first (by pk) - a LIC row serialises all stock
movement and COGS allocation of that LIC - then lots by pk, then document lines by pk.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from .models import InventoryUsage, LineItemCode, Lot


def lock_date_shared() -> None:
    """Hold the lock date where it is until this transaction ends. Every posting and every COGS job
    takes it shared (so what they dated after the lock date stays after it until they commit);
    set_lock_date takes it exclusive. Take it before writing anything: set_lock_date, once it holds
    the exclusive lock, reads the ledger's tables."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock_shared(hashtext('lotledger_lock_date'))")


def lock_date_exclusive() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('lotledger_lock_date'))")


def lics_for_update(lic_ids: Iterable[int]) -> dict[int, LineItemCode]:
    ids = sorted(set(lic_ids))
    rows = LineItemCode.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk")
    return {lic.pk: lic for lic in rows}


def lic_for_update(lic_id: int) -> LineItemCode:
    return lics_for_update([lic_id])[lic_id]


def lots_for_update(lot_ids: Iterable[int]) -> dict[int, Lot]:
    rows = Lot.objects.select_for_update(no_key=True).filter(pk__in=sorted(set(lot_ids))).order_by("pk")
    return {lot.pk: lot for lot in rows}


def usages_for_update(usage_ids: Iterable[int]) -> dict[int, InventoryUsage]:
    rows = InventoryUsage.objects.select_for_update(no_key=True).filter(pk__in=sorted(set(usage_ids))).order_by("pk")
    return {u.pk: u for u in rows}
