"""Issue 23, "the books, once in, are never lost": `make backup` (lotledger/backup.py) dumps the
database in use; `make restore FILE=...` loads it into an empty database only, after asking.
A backup of books with lots, shipments and a COGS run restores into a new database where
check_ledger passes and the valuation and every lot's figures are the same."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection

from cogs import services as cogs_services
from lotledger import backup
from orders import services as orders
from tests.conftest import DAY, adjust_in
from tests.factories import LicFactory

D = Decimal
ROOT = Path(__file__).resolve().parents[2]
RUN_DAY = DAY.replace(day=31)

# the same figures, read by the app's own selectors in a process pointed at one database
FIGURES = f"""
import json
from cogs.models import CogsEntry
from inventory_lots.models import InventoryUsage, Lot
from reports.selectors import lots_at, valuation_totals
as_of = __import__("datetime").date.fromisoformat("{RUN_DAY.isoformat()}")
lots = [
    [lot.pk, lot.number, lot.status] + [str(getattr(lot, f)) for f in
     ("qty_in", "value_in", "qty_used", "qty_available", "value_used", "unit_cost")]
    for lot in Lot.objects.order_by("pk")
]
at = {{str(k): [str(x) for x in (v.qty_in, v.value_in, v.qty_used, v.value_used, v.unit_cost)]
      for k, v in lots_at(as_of=as_of).items()}}
entries = [[e.kind, str(e.quantity), str(e.value)] for e in CogsEntry.objects.order_by("pk")]
usage = [[u.kind, str(u.quantity)] for u in InventoryUsage.objects.order_by("pk")]
print(json.dumps({{"valuation": [str(x) for x in vars(valuation_totals(as_of=as_of)).values()], "lots": lots,
                  "lots_at": at, "entries": entries, "usage": usage}}))
"""


def _manage(database: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "LOTLEDGER_DB_NAME": database, "DJANGO_SETTINGS_MODULE": "lotledger.settings"}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def figures(database: str) -> dict:
    result = _manage(database, "shell", "-c", FIGURES)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def source():
    return backup.Target.from_settings(connection.settings_dict)


@pytest.fixture
def new_database(source):
    """An empty database beside the test database, dropped afterwards."""
    target = replace(source, name=f"{source.name}_restored")
    with replace(source, name="postgres").connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{target.name}"')
        conn.execute(f'CREATE DATABASE "{target.name}"')
    yield target
    with replace(source, name="postgres").connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{target.name}" WITH (FORCE)')


@pytest.fixture
def books(office, lic, customer, clerk):
    """Lots (FIFO and specific unit), shipments from two orders, and a COGS run."""
    engine = LicFactory(code="ENGINE", costing_method="specific")
    adjust_in(office=office, lic=lic, quantity="10", unit_cost="4.00")
    adjust_in(office=office, lic=lic, quantity="5", unit_cost="4.333333", date=DAY + datetime.timedelta(days=1))
    engine_lot = adjust_in(office=office, lic=engine, quantity="2", unit_cost="100.00")
    first = orders.create_order(customer=customer, office=office, date=DAY)
    second = orders.create_order(customer=customer, office=office, date=DAY)
    day = DAY + datetime.timedelta(days=2)
    orders.post_shipment(
        order=first, date=day, actor=clerk, lines=[orders.ShipmentLineInput(lic=lic, quantity=D("12"))]
    )
    orders.post_shipment(
        order=second,
        date=day,
        actor=clerk,
        lines=[orders.ShipmentLineInput(lic=engine, quantity=D("1"), lot=engine_lot)],
    )
    run = cogs_services.run_cogs_now(actor=None, date=RUN_DAY)
    assert run.status == "done", run.error
    assert run.value_posted == D("48.67") + D("100.00")  # 10 x 4.00 + 2 x 4.333333, and the engine
    return run


@pytest.mark.django_db(transaction=True)  # pg_dump sees committed data only
def test_a_backup_restores_into_a_new_database_with_the_same_books(books, source, new_database, tmp_path):
    said = []
    path = backup.take_backup(source, tmp_path, out=said.append, now=datetime.datetime(2026, 12, 2, 1, 2, 3))
    assert path == tmp_path / f"{source.name}-20261202-010203Z.dump"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no .partial left
    major, version = backup.server_version(source)
    assert said[0].startswith(f"Backed up the {source.shown()} (PostgreSQL {version}) to {path} (")
    assert said[0].endswith(f"Restore it with: make restore FILE={path}")

    # asked first: anything but yes restores nothing
    questions = []
    with pytest.raises(backup.BackupError, match="the answer was not yes"):
        backup.restore(path, new_database, ask=lambda q: questions.append(q) or "no")
    assert questions[0].startswith(f"Restore {path} (database {source.name}, PostgreSQL {major}.")
    assert ", taken 20" in questions[0] and f" UTC) into the empty {new_database.shown()} (" in questions[0]
    with new_database.connect() as conn:
        assert conn.execute(backup.EMPTY_CHECK).fetchone() == (0, 0)

    backup.restore(path, new_database, ask=lambda q: "yes", out=said.append)
    assert said[1].startswith(f"Restored {path} into the {new_database.shown()} (pg_restore ")

    checked = _manage(new_database.name, "check_ledger")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    before, after = figures(source.name), figures(new_database.name)
    assert after == before
    assert after["valuation"][:3] == ["2", "4.000000", "113.00"]  # left: 3 widgets at 4.333333, 1 engine at 100
    assert len(after["lots"]) == 3 and len(after["entries"]) >= 3

    # a second restore into what is now a database with books is refused, and changes nothing
    with pytest.raises(
        backup.BackupError, match=r"is not empty \(\d+ tables, indexes, sequences or views and \d+ functions"
    ):
        backup.restore(path, new_database, yes=True)
    assert figures(new_database.name) == before


@pytest.mark.django_db
def test_restore_refuses_a_file_that_is_not_a_backup(source, new_database, tmp_path):
    bogus = tmp_path / "books.dump"
    bogus.write_text("not a dump")
    with pytest.raises(backup.BackupError, match="is not a backup that pg_restore"):
        backup.restore(bogus, new_database, yes=True)
    with pytest.raises(backup.BackupError, match="No backup file"):
        backup.restore(tmp_path / "missing.dump", new_database, yes=True)


def test_the_commands_say_what_went_wrong_in_one_line(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "lotledger.settings"}
    result = subprocess.run(
        [sys.executable, "-m", "lotledger.backup", "restore", str(tmp_path / "missing.dump"), "--yes"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("No backup file") and result.stderr.count("\n") == 1


@pytest.mark.django_db
def test_the_client_tools_are_as_new_as_the_server(source, monkeypatch):
    tools = [backup.Tool(Path("/usr/bin/pg_dump"), 15, "15.20"), backup.Tool(Path("/pkg/pg_dump"), 18, "18.4")]
    monkeypatch.setattr(backup, "_candidates", lambda name, target: tools)
    assert backup.pick_tool("pg_dump", source, server_major=15, at_least=15).major == 15
    assert backup.pick_tool("pg_dump", source, server_major=17, at_least=17).major == 18
    assert backup.pick_tool("pg_restore", source, server_major=15, at_least=18).major == 18
    with pytest.raises(backup.BackupError, match="No pg_dump of PostgreSQL 19 or newer"):
        backup.pick_tool("pg_dump", source, server_major=19, at_least=19)
