"""Embedded PostgreSQL for a fresh clone: used only when DATABASE_URL is not set.

The server (the ``pgserver`` package) keeps its data under ``.data/pg`` in the repository root
and is left running between commands, so every process (manage.py, gunicorn workers, pytest,
workers) reuses the same server. ``make stop-db`` stops it.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("LOTLEDGER_DATA_DIR", BASE_DIR / ".data")) / "pg"


def database_url() -> str:
    """Start (or reuse) the embedded server and return a URL for database ``lotledger``."""
    warnings.filterwarnings("ignore", module="platformdirs")
    import pgserver  # imported lazily: only a machine without DATABASE_URL needs it

    DATA_DIR.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(DATA_DIR, cleanup_mode=None)
    socket_dir = server.get_uri().split("host=", 1)[1]
    exists = server.psql("SELECT 1 FROM pg_database WHERE datname = 'lotledger';")
    if "1 row" not in exists:
        server.psql("CREATE DATABASE lotledger;")
    # the socket directory as the URL's (percent-encoded) host, so DATABASES["default"]["HOST"] is it
    return f"postgresql://postgres@{quote(socket_dir, safe='')}/lotledger"


def stop() -> None:
    import pgserver

    if DATA_DIR.exists():
        pgserver.get_server(DATA_DIR, cleanup_mode="stop").cleanup()
