"""Embedded PostgreSQL for a fresh clone: used only when DATABASE_URL is not set.

The server (the ``pgserver`` package) keeps its data under ``.data/pg`` in the repository root
and is left running between commands, so every process (manage.py, gunicorn workers, pytest,
workers) reuses the same server. ``make stop-db`` stops it.

initdb's defaults are sized for a tiny machine (128 MB of shared buffers, a checkpoint every
1 GB of WAL). The first start sets the few server settings a Lotledger database needs to keep
its working set (usage, lots, COGS entries) in shared memory and to write it out once per
checkpoint rather than once per COGS job (docs/deployment.md), then restarts once (again
whenever these settings change). Memory is
mapped, not taken: the buffers cost RAM only as pages are used. ``LOTLEDGER_PG_SHARED_BUFFERS``
overrides the size.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("LOTLEDGER_DATA_DIR", BASE_DIR / ".data")) / "pg"


def server_settings() -> dict[str, str]:
    return {
        "shared_buffers": os.environ.get("LOTLEDGER_PG_SHARED_BUFFERS", "1GB"),
        "max_wal_size": "4GB",
        "checkpoint_timeout": "15min",
        "checkpoint_completion_target": "0.9",
        # off (the default), said explicitly: on this 2-core machine compressing the full-page
        # images took a COGS job's usage UPDATE from 230 to 360 ms (docs/deployment.md)
        "wal_compression": "off",
    }


def database_url() -> str:
    """Start (or reuse) the embedded server and return a URL for database ``lotledger``."""
    warnings.filterwarnings("ignore", module="platformdirs")
    import pgserver  # imported lazily: only a machine without DATABASE_URL needs it

    DATA_DIR.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(DATA_DIR, cleanup_mode=None)
    _tune(server)
    socket_dir = server.get_uri().split("host=", 1)[1]
    exists = server.psql("SELECT 1 FROM pg_database WHERE datname = 'lotledger';")
    if "1 row" not in exists:
        server.psql("CREATE DATABASE lotledger;")
    # the socket directory as the URL's (percent-encoded) host, so DATABASES["default"]["HOST"] is it
    return f"postgresql://postgres@{quote(socket_dir, safe='')}/lotledger"


def _tune(server) -> None:
    """Apply server_settings() with ALTER SYSTEM and restart, once (or when they change). Under
    a lock file, re-checked inside it, so processes starting at once restart the server once."""
    import fcntl
    import subprocess

    from django.core.exceptions import ImproperlyConfigured
    from pgserver._commands import pg_ctl

    wanted = server_settings()
    auto_conf = DATA_DIR / "postgresql.auto.conf"

    def applied() -> bool:
        current = auto_conf.read_text() if auto_conf.exists() else ""
        return all(f"{name} = '{value}'" in current for name, value in wanted.items())

    if applied():
        return
    with open(DATA_DIR.parent / "pg-settings.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if applied():
            return
        statements = "".join(f"ALTER SYSTEM SET {name} = '{value}';\n" for name, value in wanted.items())
        try:
            server.psql("\\set ON_ERROR_STOP on\n" + statements)
        except subprocess.CalledProcessError as error:
            raise ImproperlyConfigured(
                f"The embedded PostgreSQL refused its settings {wanted} (LOTLEDGER_PG_SHARED_BUFFERS?)"
            ) from error
        # -l: the restarted server logs where pgserver's start does (.data/pg/log)
        pg_ctl(["-w", "-l", str(DATA_DIR / "log"), "restart"], pgdata=DATA_DIR, user=server.system_user)


def stop() -> None:
    import pgserver

    if DATA_DIR.exists():
        pgserver.get_server(DATA_DIR, cleanup_mode="stop").cleanup()
