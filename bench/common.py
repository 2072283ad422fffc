"""Shared bench plumbing: a database of the bench's own on the same server, fast SQL seeding,
percentiles, the ``--small`` flag. Benchmarks never run inside the test suite and never assert times.

``LOTLEDGER_BENCH_DB_SUFFIX=_x`` in the environment names every bench database ``ll_bench_<bench>_x``, so two
people (or two checkouts) on one server do not seed over each other's data."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def bench_db(name: str) -> str:
    """The database a bench named ``name`` (``ll_bench_<bench>``) uses: with LOTLEDGER_BENCH_DB_SUFFIX appended."""
    return name + os.environ.get("LOTLEDGER_BENCH_DB_SUFFIX", "")


def parse_args(parser: argparse.ArgumentParser, **small) -> argparse.Namespace:
    """The bench's arguments, with ``--small``: the scale options named in ``small`` take those values
    unless given on the command line (a run in seconds that shows the bench works: `make bench`;
    its figures are not the ones in docs/performance.md)."""
    parser.add_argument("--small", action="store_true", help=f"a quick run at a small scale: {small}")
    args = parser.parse_args()
    if args.small:
        for option, value in small.items():
            if getattr(args, option) == parser.get_default(option):
                setattr(args, option, value)
    return args


def setup_django(db_name: str) -> str:
    """Point Django at database ``bench_db(db_name)`` (created if missing), migrate it; its name."""
    db_name = bench_db(db_name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lotledger.settings")
    os.environ["LOTLEDGER_DB_NAME"] = db_name
    import django
    from django.conf import settings

    django.setup()
    import psycopg

    db = settings.DATABASES["default"]
    params = {
        "dbname": "postgres",
        "user": db.get("USER") or "postgres",
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
        "password": db.get("PASSWORD") or None,
        "autocommit": True,
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v is not None}) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db_name]).fetchone():
            conn.execute(f'CREATE DATABASE "{db_name}"')
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)  # production static storage (manifest)
    # the test client's host; (setup_test_environment would also instrument every template
    # render, which is not what production pays)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    return db_name


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def summary(values: list[float]) -> tuple[float, float, float]:
    return statistics.median(values), percentile(values, 95), max(values)


def seed_master(lics: int, offices: int = 3) -> None:
    """Offices OF1..OFn and inventoried LICs BL00001.. (idempotent)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO inventory_lots_office (code, name) SELECT 'OF' || g, 'Office ' || g "
            "FROM generate_series(1, %s) g ON CONFLICT (code) DO NOTHING",
            [offices],
        )
        cur.execute(
            "INSERT INTO inventory_lots_lineitemcode (code, description, inventoried, serialized, track_by_mfr_lot,"
            " costing_method, unit, active) SELECT 'BL' || lpad(g::text, 5, '0'), 'Bench item ' || g, true, false,"
            " false, 'fifo', 'ea', true FROM generate_series(1, %s) g ON CONFLICT (code) DO NOTHING",
            [lics],
        )


def _bench_master_ids() -> tuple[list[int], list[int]]:
    """The ids of the bench LICs (BL…) and offices (OF…), in pk order."""
    from inventory_lots.models import LineItemCode, Office

    lic_ids = list(LineItemCode.objects.filter(code__startswith="BL").order_by("pk").values_list("pk", flat=True))
    office_ids = list(Office.objects.filter(code__startswith="OF").order_by("pk").values_list("pk", flat=True))
    return lic_ids, office_ids


def seed_lots(n: int, lics: int, offices: int = 3, chunk: int = 250_000) -> None:
    """``n`` purchase lots over ``lics`` LICs and ``offices`` offices, dates over ~3 years; a
    third of them closed (fully used). Generic transaction points at a fake adjustment line."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from inventory_lots.models import AdjustmentLine

    seed_master(lics, offices)
    ct = ContentType.objects.get_for_model(AdjustmentLine).pk
    lic_ids, office_ids = _bench_master_ids()
    with connection.cursor() as cur:
        for start in range(1, n + 1, chunk):
            stop = min(start + chunk - 1, n)
            cur.execute(
                """
                INSERT INTO inventory_lots_lot (number, type, office_id, lic_id, date, transaction_type_id,
                    transaction_id, transaction_label, parent_order_label, serialized, track_by_mfr_lot,
                    mfr_lot_number, released, qty_in, qty_used, unit_cost, value_used)
                SELECT 'PL-' || lpad(g::text, greatest(6, length(g::text)), '0'), 'purchase',
                    (%(offices)s::bigint[])[1 + g %% %(no)s],
                    (%(lics)s::bigint[])[1 + (g::bigint * 7919) %% %(nl)s], DATE '2024-01-01' + (g %% 1000),
                    %(ct)s, g, 'ADJ-' || lpad(g::text, 8, '0') || '/1', '', false, false, '', true,
                    q, CASE WHEN g %% 3 = 0 THEN q ELSE 0 END, c,
                    CASE WHEN g %% 3 = 0 THEN round(q * c, 2) ELSE 0 END
                FROM generate_series(%(start)s, %(stop)s) g,
                     LATERAL (SELECT (1 + g %% 97)::numeric AS q, (1 + (g %% 5000) / 100.0)::numeric(18,6) AS c) v
                """,
                {
                    "offices": office_ids,
                    "no": len(office_ids),
                    "lics": lic_ids,
                    "nl": len(lic_ids),
                    "ct": ct,
                    "start": start,
                    "stop": stop,
                },
            )
        cur.execute("ANALYZE inventory_lots_lot")


def seed_usage(n: int, chunk: int = 500_000) -> None:
    """``n`` usage records (shipments) spread over the bench LICs/offices."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from inventory_lots.models import InventoryAdjustment

    ct = ContentType.objects.get_for_model(InventoryAdjustment).pk
    lic_ids, office_ids = _bench_master_ids()
    with connection.cursor() as cur:
        for start in range(1, n + 1, chunk):
            stop = min(start + chunk - 1, n)
            cur.execute(
                """
                INSERT INTO inventory_lots_inventoryusage (lic_id, office_id, date, quantity, kind, source_type_id,
                    source_id, source_label, serial_numbers)
                SELECT (%(lics)s::bigint[])[1 + (g * 31) %% %(nl)s], (%(offices)s::bigint[])[1 + g %% %(no)s],
                    DATE '2024-01-01' + (g %% 1000), (1 + g %% 9)::numeric, 'shipment', %(ct)s, g,
                    'SH-' || lpad(g::text, 8, '0'), '[]'::jsonb
                FROM generate_series(%(start)s, %(stop)s) g
                """,
                {
                    "offices": office_ids,
                    "no": len(office_ids),
                    "lics": lic_ids,
                    "nl": len(lic_ids),
                    "ct": ct,
                    "start": start,
                    "stop": stop,
                },
            )
        cur.execute("ANALYZE inventory_lots_inventoryusage")


def count(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - our own table names
        return cur.fetchone()[0]


def reset_ledger() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("TRUNCATE inventory_lots_lot, inventory_lots_inventoryusage, inventory_lots_pendingcogs CASCADE")


def viewer_client():
    """A test client logged in as a bench user holding the Accountant role (view + export)."""
    from django.contrib.auth.models import Group, User
    from django.test import Client

    from core import roles

    user, created = User.objects.get_or_create(username="bench")
    if created:
        user.set_password("bench-pass-123")
        user.save()
        user.groups.add(Group.objects.get(name=roles.ACCOUNTANT))
    # every office, as the data migration gave every user that existed then
    user.user_permissions.add(_permission(roles.ALL_OFFICES))
    client = Client()
    client.force_login(user)
    return client


def _permission(name: str):
    from django.contrib.auth.models import Permission

    app_label, codename = name.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def scoped_client(office_code: str):
    """A test client of a bench user holding the Accountant role who sees one office only."""
    from django.contrib.auth.models import Group, User
    from django.test import Client

    from core import roles
    from inventory_lots.models import Office, OfficeAccess

    user, created = User.objects.get_or_create(username="bench-one-office")
    if created:
        user.set_password("bench-pass-123")
        user.save()
        user.groups.add(Group.objects.get(name=roles.ACCOUNTANT))
    user.user_permissions.remove(_permission(roles.ALL_OFFICES))
    OfficeAccess.objects.filter(user=user).delete()
    OfficeAccess.objects.create(user=user, office=Office.objects.get(code=office_code), can_post=True)
    client = Client()
    client.force_login(user)
    return client


def seed_documents(purchase_orders: int, production_orders: int) -> None:
    """Purchase orders (a vendor each, no lines) and production orders for the list pages."""
    from django.db import connection

    from inventory_lots.models import LineItemCode, Office

    lic_ids = list(LineItemCode.objects.filter(code__startswith="BL").order_by("pk").values_list("pk", flat=True))
    office_ids = list(Office.objects.filter(code__startswith="OF").order_by("pk").values_list("pk", flat=True))
    with connection.cursor() as cur:
        cur.execute("TRUNCATE purchasing_purchaseorder, production_productionorder CASCADE")
        cur.execute(
            "INSERT INTO purchasing_vendor (code, name) SELECT 'BV' || g, 'Bench vendor ' || g "
            "FROM generate_series(1, 200) g ON CONFLICT (code) DO NOTHING"
        )
        cur.execute("SELECT array_agg(id ORDER BY id) FROM purchasing_vendor WHERE code LIKE 'BV%%'")
        vendor_ids = cur.fetchone()[0]
        cur.execute(
            """
            INSERT INTO purchasing_purchaseorder (number, date, status, closed_on, office_id, vendor_id)
            SELECT 'PO-' || lpad(g::text, greatest(6, length(g::text)), '0'), DATE '2024-01-01' + (g %% 1000),
                CASE WHEN g %% 4 = 0 THEN 'closed' ELSE 'open' END,
                CASE WHEN g %% 4 = 0 THEN DATE '2024-01-01' + (g %% 1000) + 30 END,
                (%(offices)s::bigint[])[1 + g %% %(no)s], (%(vendors)s::bigint[])[1 + g %% %(nv)s]
            FROM generate_series(1, %(n)s) g
            """,
            {
                "offices": office_ids,
                "no": len(office_ids),
                "vendors": vendor_ids,
                "nv": len(vendor_ids),
                "n": purchase_orders,
            },
        )
        cur.execute(
            """
            INSERT INTO production_productionorder (number, date, estimated_quantity, estimated_unit_cost, status,
                lic_id, office_id)
            SELECT 'MO-' || lpad(g::text, greatest(6, length(g::text)), '0'), DATE '2024-01-01' + (g %% 1000),
                10, 5, CASE WHEN g %% 3 = 0 THEN 'released' ELSE 'open' END,
                (%(lics)s::bigint[])[1 + (g::bigint * 13) %% %(nl)s], (%(offices)s::bigint[])[1 + g %% %(no)s]
            FROM generate_series(1, %(n)s) g
            """,
            {"offices": office_ids, "no": len(office_ids), "lics": lic_ids, "nl": len(lic_ids), "n": production_orders},
        )
        cur.execute("ANALYZE purchasing_purchaseorder; ANALYZE production_productionorder")
