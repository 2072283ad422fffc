"""`make backup` and `make restore FILE=...`: the books to one file and back.

``backup`` writes a pg_dump archive (custom format: compressed, restorable table by table) of the
database in use (the embedded server's, or DATABASE_URL's; LOTLEDGER_DB_NAME as the settings read
it) to ``backups/lotledger-<database>-<UTC time>.dump``. pg_dump reads everything in one
repeatable-read snapshot, so the file is consistent while the app and its COGS worker keep
writing. It is written under a temporary name and renamed once complete.

``restore FILE`` loads such a file into an EMPTY database (no tables, views, sequences or
functions outside the system schemas) after asking for confirmation (``--yes``, ``make restore
YES=1``: for scripts), in one transaction: a failure leaves the database empty. Objects are owned
by the user that restores (``--no-owner --no-privileges``), so a backup of the embedded server
restores into a docker compose database and back. The restored database is ANALYZEd.

The client tools must be as new as the server (pg_dump) and as the archive (pg_restore): the
embedded server's own binaries for it; for DATABASE_URL the candidates are those on PATH and the
embedded package's (PostgreSQL 18), the one of the server's major version preferred.

Usage: python -m lotledger.backup backup [--dir DIR] | restore FILE [--yes]
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BACKUP_DIR = BASE_DIR / "backups"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class Target:
    """A database to dump or restore into, as libpq connection parameters."""

    name: str
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = ""
    sslmode: str = ""
    embedded: bool = False

    @classmethod
    def from_settings(cls, db: dict, embedded: bool = False) -> Target:
        return cls(
            name=db["NAME"],
            host=db.get("HOST") or "",
            port=str(db.get("PORT") or ""),
            user=db.get("USER") or "",
            password=db.get("PASSWORD") or "",
            sslmode=(db.get("OPTIONS") or {}).get("sslmode", ""),
            embedded=embedded,
        )

    def env(self) -> dict[str, str]:
        """The environment for pg_dump/pg_restore: libpq's variables, so no password is on a command line."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        pairs = {
            "PGDATABASE": self.name,
            "PGHOST": self.host,
            "PGPORT": self.port,
            "PGUSER": self.user,
            "PGPASSWORD": self.password,
            "PGSSLMODE": self.sslmode,
        }
        env.update({k: v for k, v in pairs.items() if v})
        return env

    def shown(self) -> str:
        if self.embedded:
            from lotledger.embedded_db import DATA_DIR, _shown

            return f"database {self.name} of the embedded PostgreSQL in {_shown(DATA_DIR)}"
        host = "a local socket" if not self.host or self.host.startswith("/") else self.host
        return f"database {self.name} at {host}{f':{self.port}' if self.port else ''}"

    def connect(self):
        import psycopg

        params = {"dbname": self.name, "host": self.host, "port": self.port, "user": self.user}
        params |= {"password": self.password, "sslmode": self.sslmode}
        return psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True)


def current_target() -> Target:
    """The database the app uses (settings.DATABASES["default"]; starts the embedded server if
    DATABASE_URL is unset)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lotledger.settings")
    from django.conf import settings

    return Target.from_settings(settings.DATABASES["default"], embedded=not os.environ.get("DATABASE_URL"))


# --- the client tools ---


@dataclass(frozen=True)
class Tool:
    path: Path
    major: int
    version: str


def _tool(path: Path | str | None) -> Tool | None:
    if not path:
        return None
    try:
        said = subprocess.run([str(path), "--version"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    found = re.search(r"(\d+)(?:\.(\d+))?", said)
    return Tool(Path(path), int(found.group(1)), found.group(0)) if found else None


def _candidates(name: str, target: Target) -> list[Tool]:
    packaged = None
    try:
        from lotledger.embedded_db import bin_dir

        packaged = _tool(bin_dir() / name)
    except ImportError:  # the embedded package is not installed (a DATABASE_URL-only image)
        pass
    if target.embedded:
        return [packaged] if packaged else []
    return [tool for tool in (_tool(shutil.which(name)), packaged) if tool]


def pick_tool(name: str, target: Target, *, server_major: int, at_least: int) -> Tool:
    """The ``name`` binary to use: of the server's major version if there is one as new as
    ``at_least``, else the oldest that is as new as ``at_least``."""
    candidates = _candidates(name, target)
    usable = sorted((t for t in candidates if t.major >= at_least), key=lambda t: t.major)
    if not usable:
        found = ", ".join(f"{t.path} ({t.version})" for t in candidates) or "none on PATH"
        raise BackupError(
            f"No {name} of PostgreSQL {at_least} or newer (found: {found}): install PostgreSQL "
            f"{max(at_least, server_major)}'s client tools (e.g. apt-get install postgresql-client-"
            f"{max(at_least, server_major)}) and try again."
        )
    exact = [t for t in usable if t.major == server_major]
    return exact[0] if exact else usable[0]


def _run(tool: Tool, args: list[str], target: Target) -> subprocess.CompletedProcess:
    return subprocess.run([str(tool.path), *args], env=target.env(), capture_output=True, text=True)


def server_version(target: Target) -> tuple[int, str]:
    """(major, "18.4") of the server behind ``target``."""
    try:
        with target.connect() as conn:
            number = conn.info.server_version
    except Exception as error:  # noqa: BLE001 - psycopg's errors, said plainly
        raise BackupError(f"Cannot connect to the {target.shown()}: {str(error).strip()}") from None
    return number // 10000, f"{number // 10000}.{number % 10000}"


# --- backup ---


def take_backup(target: Target, directory: Path = BACKUP_DIR, out=print, now: datetime.datetime | None = None) -> Path:
    """Dump ``target`` to a new timestamped file in ``directory``; its path."""
    major, version = server_version(target)
    pg_dump = pick_tool("pg_dump", target, server_major=major, at_least=major)
    directory.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.datetime.now(datetime.UTC)).strftime("%Y%m%d-%H%M%SZ")
    path = directory / f"{target.name}-{stamp}.dump"
    partial = path.with_name(path.name + ".partial")
    result = _run(pg_dump, ["--format=custom", f"--file={partial}", target.name], target)
    if result.returncode:
        partial.unlink(missing_ok=True)
        raise BackupError(f"pg_dump of the {target.shown()} failed:\n{result.stderr.strip()}")
    partial.rename(path)
    size = path.stat().st_size
    out(
        f"Backed up the {target.shown()} (PostgreSQL {version}) to {_shown(path)} "
        f"({_size(size)}, pg_dump {pg_dump.version}). Restore it with: make restore FILE={_shown(path)}"
    )
    return path


def _shown(path: Path) -> str:
    path = path.resolve()
    return str(path.relative_to(BASE_DIR)) if path.is_relative_to(BASE_DIR) else str(path)


def _size(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 1e5 else f"{size / 1e3:.0f} kB"


# --- restore ---

EMPTY_CHECK = """
SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'),
       (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%')
"""


@dataclass(frozen=True)
class Archive:
    path: Path
    database: str
    dumped_at: str
    server_version: str
    dumper_major: int


def read_archive(path: Path, target: Target) -> Archive:
    """The header of a pg_dump custom-format file (read with the newest pg_restore at hand)."""
    if not path.is_file():
        raise BackupError(f"No backup file {path}: name one of backups/*.dump (make restore FILE=...).")
    tools = sorted(_candidates("pg_restore", target), key=lambda t: t.major)
    if not tools:
        raise BackupError("No pg_restore found: install PostgreSQL's client tools and try again.")
    result = _run(tools[-1], ["--list", str(path)], target)
    if result.returncode:
        raise BackupError(
            f"{path} is not a backup that pg_restore {tools[-1].version} can read (a file of `make backup`, "
            f"pg_dump's custom format): {result.stderr.strip()}"
        )

    def field(label: str) -> str:
        found = re.search(rf"^;\s+{label}:? (.*)$", result.stdout, re.MULTILINE)
        return found.group(1).strip() if found else "?"

    dumper = re.match(r"\d+", field("Dumped by pg_dump version"))
    return Archive(
        path=path,
        database=field("dbname"),
        dumped_at=field("Archive created at"),
        server_version=field("Dumped from database version"),
        dumper_major=int(dumper.group(0)) if dumper else 0,
    )


def restore(path: Path, target: Target, *, yes: bool = False, out=print, ask=input) -> None:
    """Restore the archive at ``path`` into ``target``, which must be empty; ask first unless ``yes``."""
    archive = read_archive(path, target)
    major, version = server_version(target)
    with target.connect() as conn:
        relations, routines = conn.execute(EMPTY_CHECK).fetchone()
    if relations or routines:
        raise BackupError(
            f"The {target.shown()} is not empty ({relations} tables, indexes, sequences or views and "
            f"{routines} functions): a backup is restored only into an empty database, so nothing was changed. "
            "Restore into a new database (createdb NAME, then DATABASE_URL=.../NAME make restore FILE=...), "
            "or for the embedded server move its folder aside first (make stop-db; mv .data/pg .data/pg-old)."
        )
    pg_restore = pick_tool("pg_restore", target, server_major=major, at_least=max(archive.dumper_major, 1))
    question = (
        f"Restore {_shown(path)} (database {archive.database}, PostgreSQL {archive.server_version}, "
        f"taken {archive.dumped_at}) into the empty {target.shown()} (PostgreSQL {version})?"
    )
    if not yes:
        if not sys.stdin.isatty() and ask is input:
            raise BackupError(f"{question}\nNot confirmed (no terminal to ask): add --yes (make restore ... YES=1).")
        if ask(f"{question} Type yes to go on: ").strip().lower() != "yes":
            raise BackupError("Not restored: the answer was not yes.")
    args = ["--exit-on-error", "--single-transaction", "--no-owner", "--no-privileges", f"--dbname={target.name}"]
    result = _run(pg_restore, [*args, str(path)], target)
    if result.returncode:
        raise BackupError(
            f"pg_restore {pg_restore.version} failed and rolled back (the database is still empty):\n"
            f"{result.stderr.strip()}"
        )
    with target.connect() as conn:
        conn.execute("ANALYZE")
    out(f"Restored {_shown(path)} into the {target.shown()} (pg_restore {pg_restore.version}).")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lotledger.backup", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    take = commands.add_parser("backup", help="dump the database in use to backups/")
    take.add_argument("--dir", type=Path, default=BACKUP_DIR, help="where to write the file (default backups/)")
    back = commands.add_parser("restore", help="restore a backup into the (empty) database in use")
    back.add_argument("file", type=Path)
    back.add_argument("--yes", action="store_true", help="do not ask for confirmation (scripts)")
    args = parser.parse_args(argv)
    try:
        target = current_target()
        if args.command == "backup":
            take_backup(target, args.dir)
        else:
            restore(args.file, target, yes=args.yes)
    except BackupError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
