"""Issue 21, "a quiet, helpful start": `make run` checks its port before anything else and says how
to choose another (BIND); the logging config writes a refused request (403) as one line and keeps
the libraries' start-up chatter out; `make stop-db` says what it did or why it did not."""

from __future__ import annotations

import importlib.util
import io
import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lotledger import embedded_db

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("lotledger_serve", ROOT / "scripts" / "serve.py")
serve = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(serve)


# --- the port, checked first ---


@pytest.fixture
def taken_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_serve_refuses_a_taken_port_before_touching_the_database(taken_port):
    env = {
        **os.environ,
        "BIND": f"127.0.0.1:{taken_port}",
        # a database that cannot be reached: the check must come before any migrate/seed
        "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
    }
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "serve.py")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert time.monotonic() - started < 10
    assert result.returncode == 2
    assert result.stdout == ""  # no "Preparing the database", no banner
    assert (
        f"Lotledger cannot serve on http://127.0.0.1:{taken_port}/: port {taken_port} is already in use"
        in result.stderr
    )
    assert "Choose another address with BIND, e.g.: BIND=127.0.0.1:" in result.stderr
    assert result.stderr.count("\n") == 2  # two lines, no traceback


def test_port_problem_suggests_a_free_port(taken_port):
    problem = serve.port_problem(f"127.0.0.1:{taken_port}")
    suggested = int(problem.rsplit("BIND=127.0.0.1:", 1)[1].split()[0])
    assert suggested != taken_port
    assert serve.port_problem(f"127.0.0.1:{suggested}") is None


def test_port_problem_says_nothing_about_a_free_port_or_a_unix_socket(taken_port):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        free = sock.getsockname()[1]
    assert serve.port_problem(f"127.0.0.1:{free}") is None
    assert serve.port_problem("unix:/tmp/lotledger.sock") is None
    assert "is not host:port" in serve.port_problem("localhost")


def test_the_banner_names_the_url_users_password_and_data(monkeypatch):
    text = serve.banner("127.0.0.1:8001", "s3cret", {}, dev=False)
    assert text.splitlines()[0].startswith("Lotledger on http://127.0.0.1:8001/")
    assert "s3cret" in text and "admin" in text and ".data/pg" in text
    assert len(text.splitlines()) == 5
    real = serve.banner("127.0.0.1:8000", "x", {"DATABASE_URL": "postgresql://u:pw@db.example:5433/ledger"}, False)
    assert "PostgreSQL at db.example:5433/ledger" in real and "pw" not in real.replace("password", "")


def test_the_banner_lists_the_users_seed_demo_makes():
    from lotledger.management.commands import seed_demo

    assert ["admin", *(name for name, _ in seed_demo.USERS)] == serve.DEMO_USERS


# --- logging: one line per refused request, no library chatter ---


@pytest.fixture
def console():
    """What the configured console handler writes (settings.LOGGING, as every process has it)."""
    handler = logging.getLogger("django").handlers[0]
    assert handler is logging.getLogger().handlers[0]  # one handler: a 403 is written once
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def test_a_permission_denied_logs_one_line(viewer_client, console):
    response = viewer_client.get("/adjustments/new/")
    assert response.status_code == 403
    assert console.getvalue() == "Forbidden (Permission denied): /adjustments/new/\n"


def test_a_server_error_keeps_its_traceback(console):
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("django.request").error(
            "Internal Server Error: /x/", exc_info=True, extra={"status_code": 500}
        )
    assert "Traceback (most recent call last)" in console.getvalue()
    assert "ValueError: boom" in console.getvalue()


def test_library_chatter_is_below_the_log_level(console):
    logging.getLogger("procrastinate.app").info("Registering task ...")
    logging.getLogger("axes.apps").info("AXES: BEGIN version ...")
    logging.getLogger("procrastinate.worker").error("Job failed")
    assert console.getvalue() == "Job failed\n"


# --- make stop-db ---


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    pg = tmp_path / "pg"
    pg.mkdir()
    (pg / "PG_VERSION").write_text("16\n")
    monkeypatch.setattr(embedded_db, "DATA_DIR", pg)
    stopped = []
    monkeypatch.setattr(embedded_db, "_pg_ctl_stop", lambda: stopped.append(True))
    monkeypatch.setattr(embedded_db, "_postmaster", lambda: object())
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return stopped


def test_stop_db_refuses_while_the_app_is_connected(data_dir, monkeypatch):
    monkeypatch.setattr(embedded_db, "client_connections", lambda info: {"lotledger": 4, "test_lotledger": 1})
    said = []
    assert embedded_db.stop(out=said.append) == 1
    assert data_dir == []
    assert "is still in use by 5 connection(s) (4 to lotledger, 1 to test_lotledger)" in said[0]
    assert "Stop them first, or `make stop-db FORCE=1`" in said[0]


def test_stop_db_force_disconnects_and_says_so(data_dir, monkeypatch):
    monkeypatch.setattr(embedded_db, "client_connections", lambda info: {"lotledger": 4})
    said = []
    assert embedded_db.stop(force=True, out=said.append) == 0
    assert data_dir == [True]
    assert said[0].startswith("Stopped the embedded PostgreSQL (") and "disconnecting 4 connection(s)" in said[0]


def test_stop_db_stops_an_idle_server_and_says_so(data_dir, monkeypatch):
    monkeypatch.setattr(embedded_db, "client_connections", lambda info: {})
    said = []
    assert embedded_db.stop(out=said.append) == 0
    assert data_dir == [True]
    assert said == [f"Stopped the embedded PostgreSQL ({embedded_db.DATA_DIR}). The next `make run` starts it again."]


def test_stop_db_says_when_there_is_nothing_to_stop(data_dir, monkeypatch):
    monkeypatch.setattr(embedded_db, "_postmaster", lambda: None)
    said = []
    assert embedded_db.stop(out=said.append) == 0
    assert data_dir == []
    assert said == [f"The embedded PostgreSQL ({embedded_db.DATA_DIR}) is not running: nothing to stop."]
    (embedded_db.DATA_DIR / "PG_VERSION").unlink()
    assert embedded_db.stop(out=said.append) == 0
    assert said[-1] == f"No embedded PostgreSQL in {embedded_db.DATA_DIR}: nothing to stop."
