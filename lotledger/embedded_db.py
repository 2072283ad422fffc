"""Embedded PostgreSQL for a fresh clone: used only when DATABASE_URL is not set.

The server (the ``pgserver`` package) keeps its data under ``.data/pg`` in the repository root
and is left running between commands, so every process (manage.py, gunicorn workers, pytest,
workers) reuses the same server. ``make stop-db`` stops it, or says why it does not (clients
still connected: ``make stop-db FORCE=1`` disconnects them).

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


def _shown(path: Path) -> str:
    return str(path.relative_to(BASE_DIR)) if path.is_relative_to(BASE_DIR) else str(path)


def _postmaster():
    """pgserver's reading of ``postmaster.pid`` when the server runs, else None."""
    from pgserver.utils import PostmasterInfo

    try:
        info = PostmasterInfo.read_from_pgdata(DATA_DIR)
    except (AssertionError, ValueError, OSError):  # half-written while starting or stopping
        return None
    return info if info is not None and info.is_running() else None


def client_connections(info) -> dict[str, int]:
    """Open client connections per database (this query's own left out)."""
    import subprocess

    from pgserver._commands import POSTGRES_BIN_PATH

    query = (
        "SELECT coalesce(datname, '-'), count(*) FROM pg_stat_activity "
        "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() GROUP BY 1"
    )
    out = subprocess.run(
        [str(POSTGRES_BIN_PATH / "psql"), "-XAt", "-F", "|", "-c", query, info.get_uri()],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return {name: int(count) for name, count in (line.rsplit("|", 1) for line in out.splitlines() if line)}


def _pg_ctl_stop() -> None:
    from pgserver._commands import pg_ctl

    # pgserver runs the server as user "pgserver" when we are root; pg_ctl refuses to run as root
    user = "pgserver" if os.name == "posix" and os.geteuid() == 0 else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=DATA_DIR, user=user)
    # pgserver's list of processes holding a handle; it only ever grows when they are killed,
    # and pgserver's own cleanup() stops the server only when that list is empty
    (DATA_DIR / ".handle_pids.json").unlink(missing_ok=True)


def stop(force: bool = False, out=print) -> int:
    """``make stop-db``: stop the embedded server and say so, or say why not (exit code 1).

    While clients are connected (the app, its COGS worker, tests) it refuses unless ``force``
    (``make stop-db FORCE=1``: ``pg_ctl stop -m fast`` disconnects them). pgserver's own
    ``cleanup()`` is not used: it silently does nothing while any process that ever opened a
    handle is listed as alive."""
    warnings.filterwarnings("ignore", module="platformdirs")
    shown = _shown(DATA_DIR)
    note = "  (DATABASE_URL is set: that server is not touched.)" if os.environ.get("DATABASE_URL") else ""
    if not (DATA_DIR / "PG_VERSION").exists():
        out(f"No embedded PostgreSQL in {shown}: nothing to stop.{note}")
        return 0
    info = _postmaster()
    if info is None:
        out(f"The embedded PostgreSQL ({shown}) is not running: nothing to stop.{note}")
        return 0
    clients = client_connections(info)
    total = sum(clients.values())
    if total and not force:
        per_database = ", ".join(f"{count} to {name}" for name, count in sorted(clients.items()))
        out(
            f"The embedded PostgreSQL ({shown}) is still in use by {total} connection(s) ({per_database}):"
            " the app (`make run`), its COGS worker, tests? Stop them first, or `make stop-db FORCE=1`"
            " disconnects them and stops it."
        )
        return 1
    _pg_ctl_stop()
    disconnected = f", disconnecting {total} connection(s)" if total else ""
    out(f"Stopped the embedded PostgreSQL ({shown}){disconnected}. The next `make run` starts it again.{note}")
    return 0


if __name__ == "__main__":
    import sys

    if sys.argv[1:2] != ["stop"] or not set(sys.argv[2:]) <= {"--force"}:
        sys.exit("usage: python -m lotledger.embedded_db stop [--force]")
    sys.exit(stop(force="--force" in sys.argv[2:]))
