"""inventory_lots.UnallocatedUsage: the narrow table of usage with unallocated_quantity <> 0, kept
in step by the usage table's statement triggers (inventory_lots migration 0007) at every door,
checked by ledger_violations(); and the physical layout that keeps COGS balance updates HOT."""

from __future__ import annotations

from django.db import connection

from cogs.selectors import ledger_violations, unallocated_list
from inventory_lots.models import InventoryUsage, UnallocatedUsage, UsageCogs

from .conftest import D, day, give_back, run, ship


def marks() -> dict[int, tuple]:
    return {u.usage_id: (u.lic_id, u.office_id, u.date) for u in UnallocatedUsage.objects.all()}


def test_recorded_usage_is_listed_until_fully_allocated(office, lic, stock, order):
    stock(office=office, lic=lic, quantity="5", unit_cost="2.00", date=day(1))
    full = ship(lic=lic, office=office, quantity="3", source=order, date=day(2))
    short = ship(lic=lic, office=office, quantity="4", source=order, date=day(3))  # only 2 left for it
    assert marks() == {full.pk: (lic.pk, office.pk, day(2)), short.pk: (lic.pk, office.pk, day(3))}

    run()
    assert InventoryUsage.objects.get(pk=short.pk).unallocated_quantity == D("2")
    assert marks() == {short.pk: (lic.pk, office.pk, day(3))}
    assert list(unallocated_list()) == [short]
    assert ledger_violations() == []

    stock(office=office, lic=lic, quantity="2", unit_cost="3.00", date=day(4))
    ret = give_back(lic=lic, office=office, quantity="1", source=order, date=day(5), returns=full)
    assert set(marks()) == {short.pk, ret.pk}
    run()
    assert marks() == {} and ledger_violations() == []


def test_any_update_statement_keeps_the_table_in_step(office, lic, stock, order):
    stock(office=office, lic=lic, quantity="20", unit_cost="1.00", date=day(1))
    usages = [ship(lic=lic, office=office, quantity="2", source=order, date=day(2)) for _ in range(4)]
    ids = [u.pk for u in usages]
    # one statement allocating two fully and one partly (as a run's set-based UPDATE would)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE inventory_lots_usagecogs SET allocated_quantity = CASE WHEN usage_id = %s THEN 1 ELSE 2 END "
            "WHERE usage_id = ANY(%s)",
            [ids[2], ids[:3]],
        )
    assert set(marks()) == {ids[2], ids[3]}
    # giving allocation back (e.g. a correction) lists the usage again; a date change follows too
    UsageCogs.objects.filter(usage__in=ids[:2]).update(allocated_quantity=0)
    InventoryUsage.objects.filter(pk=ids[3]).update(date=day(9))
    assert set(marks()) == set(ids) and marks()[ids[3]][2] == day(9)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM inventory_lots_inventoryusage WHERE id = %s", [ids[3]])
    assert set(marks()) == set(ids[:3])


def test_ledger_violations_report_a_table_out_of_step(office, lic, stock, order):
    stock(office=office, lic=lic, quantity="5", unit_cost="2.00", date=day(1))
    a = ship(lic=lic, office=office, quantity="3", source=order, date=day(2))
    b = ship(lic=lic, office=office, quantity="1", source=order, date=day(3))
    UsageCogs.objects.filter(usage=a).update(allocated_quantity=D("3"))
    assert set(marks()) == {b.pk}
    UnallocatedUsage.objects.create(usage=a, lic=lic, office=office, date=a.date)  # written behind the triggers
    UnallocatedUsage.objects.filter(usage_id=b.pk).delete()
    found = {
        (v["check"], v["id"], v["detail"].split(": ")[1])
        for v in ledger_violations()
        if v["check"] == "unallocated_table"
    }
    assert found == {
        ("unallocated_table", a.pk, "listed usage is fully allocated or missing"),
        ("unallocated_table", b.pk, "unallocated usage not listed"),
    }


def test_cogs_balance_updates_touch_no_indexed_column(db):
    """A COGS run updates a usage's UsageCogs row (allocated_quantity, cogs_value, accrued_value,
    no_cost_basis) and qty_used / value_used on lots. The UsageCogs table has no index but its
    primary key and room on each page for a second version of every row, so those updates are HOT;
    the usage row itself is no longer updated (default fillfactor); lots keep free space."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'inventory_lots_usagecogs'")
        cogs_indexes = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'inventory_lots_inventoryusage'")
        usage_indexes = dict(cursor.fetchall())
        cursor.execute(
            "SELECT relname, reloptions FROM pg_class WHERE relname IN "
            "('inventory_lots_usagecogs', 'inventory_lots_inventoryusage', 'inventory_lots_lot')"
        )
        options = dict(cursor.fetchall())
    assert cogs_indexes == ["inventory_lots_usagecogs_pkey"]
    assert options["inventory_lots_usagecogs"] == ["fillfactor=50"]
    assert options["inventory_lots_inventoryusage"] is None
    # 8, plus inventory_lots_usage_reversed_once (issue 20): partial, it holds only the reversals of
    # returns, so an insert of any other usage only evaluates its predicate
    partial = {name for name, sql in usage_indexes.items() if " WHERE " in sql}
    assert len(usage_indexes) - len(partial & {"inventory_lots_usage_reversed_once"}) <= 8, sorted(usage_indexes)
    assert any(o.startswith("fillfactor=") for o in options["inventory_lots_lot"])


def test_only_the_primary_key_indexes_usage_id_as_a_key(db):
    """The triggers delete marks with ``usage_id = ANY(<ids of the statement>)``. A second index
    with usage_id as a key column let PostgreSQL, planning on stale statistics, scan that whole
    index comparing each entry with the entire array (148 s for one COGS job): usage_id may be
    only an INCLUDE column anywhere but the primary key."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, i.indisprimary
            FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attname = 'usage_id'
            WHERE i.indrelid = 'inventory_lots_unallocatedusage'::regclass
              AND a.attnum = ANY(i.indkey[0:i.indnkeyatts - 1])
            """
        )
        keyed = cursor.fetchall()
    assert [primary for _, primary in keyed] == [True], keyed


def test_the_cogs_row_copies_the_usage_and_ledger_violations_catch_a_stale_copy(office, lic, stock, order):
    """A usage's UsageCogs row carries the engine's copy of the usage (LIC, date, quantity, named
    lot, returned usage, production order): written by the insert trigger, following any change of
    the usage row, and checked by ledger_violations."""
    stock(office=office, lic=lic, quantity="5", unit_cost="2.00", date=day(1))
    a = ship(lic=lic, office=office, quantity="3", source=order, date=day(2))
    copy = UsageCogs.objects.values_list(
        "lic_id", "date", "quantity", "lot_id", "returns_usage_id", "production_order_id"
    )
    assert copy.get(usage=a) == (lic.pk, day(2), D("3"), None, None, None)
    InventoryUsage.objects.filter(pk=a.pk).update(date=day(4), quantity=D("2"))  # a raw data fix
    assert copy.get(usage=a) == (lic.pk, day(4), D("2"), None, None, None)
    assert ledger_violations() == []
    UsageCogs.objects.filter(usage=a).update(date=day(9))  # written behind the triggers
    assert [(v["check"], v["id"]) for v in ledger_violations()] == [("usage_balance", a.pk)]
