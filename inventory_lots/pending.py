"""The "pending (office, LIC)" protocol: what tells COGS which pairs have something new.

Every ledger service that posts for a (LIC, office) pair (a lot, usage, a return, a cost change)
marks it in ``PendingCogs`` inside its own transaction (``mark_pair``); a COGS job takes the
marks of its pairs under their LIC row locks, deleting them (``take_pairs``): a pair posted to
after that is marked again and taken by the next run. A run sees the pairs marked in its scope
(``PAIRS_IN_SCOPE_SQL``); a job re-marks what it could not post (``mark_pairs``) and the pairs
of lots whose cost it changed (``mark_pairs_of_lots``). Every statement on the table is here.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from .models import PendingCogs

TABLE = PendingCogs._meta.db_table

# the pairs marked within a run's scope: {scope} is TRUE, or conditions on office_id / lic_id
PAIRS_IN_SCOPE_SQL = f"SELECT office_id, lic_id FROM {TABLE} WHERE {{scope}}"  # noqa: S608 (constants only)


def mark_pair(lic_id: int, office_id: int) -> None:
    """Tell COGS that (LIC, office) has something new (idempotent, inside the caller's transaction)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (lic_id, office_id) VALUES (%s, %s) ON CONFLICT (lic_id, office_id) DO NOTHING",  # noqa: S608
            [lic_id, office_id],
        )


def mark_pairs(office_id: int, lic_ids: Iterable[int]) -> None:
    """``mark_pair`` for several LICs of one office."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (lic_id, office_id) SELECT unnest(%s::bigint[]), %s "  # noqa: S608
            "ON CONFLICT (lic_id, office_id) DO NOTHING",
            [sorted(set(lic_ids)), office_id],
        )


def mark_pairs_of_lots(lot_ids: Iterable[int]) -> None:
    """``mark_pair`` for the (LIC, office) of each of these lots."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (lic_id, office_id) "  # noqa: S608
            "SELECT DISTINCT lic_id, office_id FROM inventory_lots_lot WHERE id = ANY(%s) "
            "ON CONFLICT (lic_id, office_id) DO NOTHING",
            [sorted(set(lot_ids))],
        )


def take_pairs(office_id: int, lic_ids: Iterable[int]) -> set[int]:
    """Delete the marks of these LICs in the office; returns the LICs that were marked. The caller
    holds the LIC row locks (inventory_lots.locks), so a service posting to one of these pairs
    meanwhile waits, then marks it again."""
    return {lic_id for _, lic_id in take_pairs_in(office_id, lic_ids)}


def take_pairs_in(
    office_id: int | None, lic_ids: Iterable[int], keep: Iterable[tuple[int, int]] = ()
) -> set[tuple[int, int]]:
    """``take_pairs`` in one office, or in every office (``office_id`` None): the (office, LIC)
    pairs that were marked, but not those in ``keep`` (their marks stay)."""
    where, params = "lic_id = ANY(%s)", [list(lic_ids)]
    if office_id is not None:
        where, params = f"office_id = %s AND {where}", [office_id, *params]
    keep = sorted(keep)
    if keep:
        where += " AND (office_id, lic_id) NOT IN (SELECT * FROM unnest(%s::bigint[], %s::bigint[]))"
        params += [[o for o, _ in keep], [lic for _, lic in keep]]
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE {where} RETURNING office_id, lic_id", params)  # noqa: S608
        return {(row[0], row[1]) for row in cursor.fetchall()}
