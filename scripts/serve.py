"""`make run`: database (embedded unless DATABASE_URL), migrate, static files, demo data, an
admin user, then gunicorn on http://127.0.0.1:8000 (``--dev``: Django's runserver, DEBUG on).

Quiet by design: the address is checked before anything else (``BIND`` chooses
another), the set-up steps print only warnings and errors, and once the server answers one
banner says where it is, who may log in and where the data lives. After that: one line per
request, and warnings or errors when there are any (``LOG_LEVEL=INFO`` for the libraries' chatter).
"""

from __future__ import annotations

import errno
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
DEFAULT_BIND = "127.0.0.1:8000"
# the demo users seed_demo makes (lotledger/management/commands/seed_demo.py; a test keeps
# this list in step)
DEMO_USERS = ["admin", "viewer", "clerk", "production", "accountant"]


def split_bind(bind: str) -> tuple[str, int]:
    """``host:port`` (``[::1]:8000`` for IPv6; a bare ``:8001`` or ``8001`` means 127.0.0.1)."""
    host, sep, port = bind.rpartition(":")
    if not sep:
        host, port = "", bind
    host = host.strip("[]") or "127.0.0.1"
    if not port.isdigit():
        raise ValueError(f"BIND={bind!r} is not host:port (e.g. BIND=127.0.0.1:8001)")
    return host, int(port)


def _bind_error(host: str, port: int) -> OSError | None:
    """Bind (as gunicorn will: SO_REUSEADDR) and let go at once; the error, if binding fails."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as error:
            return error
    return None


def port_problem(bind: str) -> str | None:
    """None when the web server can listen on ``bind``; otherwise what is wrong and what to do."""
    if bind.startswith(("unix:", "fd://")):
        return None
    try:
        host, port = split_bind(bind)
    except ValueError as error:
        return str(error)
    error = _bind_error(host, port)
    if error is None:
        return None
    shown = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    if error.errno == errno.EADDRINUSE:
        why = f"port {port} is already in use (another `make run`? `ss -ltnp 'sport = :{port}'` shows by what)"
    elif error.errno == errno.EADDRNOTAVAIL:
        why = f"{host} is not an address of this machine"
    elif error.errno == errno.EACCES:
        why = f"no permission to listen on port {port} (below 1024 needs root)"
    else:
        why = error.strerror or str(error)
    free = (
        next((p for p in range(port + 1, port + 50) if _bind_error(host, p) is None), None)
        if error.errno == errno.EADDRINUSE
        else None
    )
    example = f"{shown.rsplit(':', 1)[0]}:{free}" if free else "127.0.0.1:8001"
    return (
        f"Lotledger cannot serve on http://{shown}/: {why}.\n"
        f"Choose another address with BIND, e.g.: BIND={example} make run"
    )


def where_data_lives(env: dict[str, str]) -> str:
    url = env.get("DATABASE_URL")
    if not url:
        data = Path(env.get("LOTLEDGER_DATA_DIR", ROOT / ".data")) / "pg"
        shown = data.relative_to(ROOT) if data.is_relative_to(ROOT) else data
        return f"embedded PostgreSQL in {shown}/ (keeps running after Ctrl-C; `make stop-db` stops it)"
    parts = urlsplit(url)  # never the password
    host = parts.hostname or "local socket"
    return f"PostgreSQL at {host}{f':{parts.port}' if parts.port else ''}{parts.path} (DATABASE_URL)"


def banner(bind: str, password: str, env: dict[str, str], dev: bool) -> str:
    try:
        host, port = split_bind(bind)
        url = f"http://{f'[{host}]' if ':' in host else host}:{port}/"
    except ValueError:  # unix:/path
        url = bind
    server = "runserver (DEBUG on)" if dev else "gunicorn"
    return "\n".join(
        [
            f"Lotledger on {url}  ({server} and a COGS worker; Ctrl-C stops them)",
            f"  users     {DEMO_USERS[0]} (administrator, Django admin at /admin/); "
            f"{', '.join(DEMO_USERS[1:])} (one per role)",
            f"  password  {password}  (every demo user; kept in .data/demo_password)",
            f"  data      {where_data_lives(env)}",
            "  log       one line per request, then warnings and errors only (LOG_LEVEL=INFO for more)",
        ]
    )


def _wait_until_listening(bind: str, proc: subprocess.Popen, timeout: float = 60) -> bool:
    """True once ``bind`` accepts connections; False if the server process ended first."""
    try:
        host, port = split_bind(bind)
    except ValueError:
        return proc.poll() is None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.2)
    return proc.poll() is None


# procrastinate's CLI prints this with print(), not logging: the banner says a worker runs
WORKER_CHATTER = ("Launching a worker on ",)


def _forward(stream, drop: tuple[str, ...]) -> None:
    """Copy a child's stderr to ours, line by line, leaving out the lines that start with ``drop``."""
    for line in stream:
        if not line.startswith(drop):
            sys.stderr.write(line)
            sys.stderr.flush()


def main() -> int:
    dev = "--dev" in sys.argv[1:]
    env = os.environ.copy()
    env.setdefault("DJANGO_SETTINGS_MODULE", "lotledger.settings")
    if dev:
        env["DEBUG"] = "1"
    # Local demo over plain http on loopback: cookies cannot be Secure there.
    env.setdefault("SECURE_COOKIES", "0")
    env.setdefault("SECURE_HSTS_SECONDS", "0")
    bind = env.get("BIND") or DEFAULT_BIND

    # first, before the database: a second `make run` (or anything on the port) says so at once
    problem = port_problem(bind)
    if problem:
        print(problem, file=sys.stderr, flush=True)
        return 2

    def manage(*args: str) -> None:
        # stdout only on failure; stderr (warnings, errors) as it comes
        result = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
        if result.returncode:
            sys.stdout.write(result.stdout)
            raise SystemExit(f"`python manage.py {' '.join(args)}` failed (exit {result.returncode}): see above")

    print("Preparing the database (migrate, static files, demo data on first run)...", flush=True)
    manage("migrate", "--noinput", "-v", "0")
    manage("collectstatic", "--noinput", "-v", "0")
    manage("seed_demo")
    password = (ROOT / ".data" / "demo_password").read_text().strip()

    if dev:
        cmd = [PY, "manage.py", "runserver", bind]
    else:
        cmd = [
            str(Path(PY).parent / "gunicorn"),
            "lotledger.wsgi",
            "--bind",
            bind,
            "--workers",
            env.get("WEB_CONCURRENCY", "3"),
            "--access-logfile",
            "-",
            "--log-level",
            env.get("GUNICORN_LOG_LEVEL", "warning"),
        ]
    procs = [subprocess.Popen(cmd, cwd=ROOT, env=env)]
    # one COGS worker beside the web server (queued and scheduled runs execute there)
    worker = [PY, "manage.py", "procrastinate", "worker", "--queues", "cogs", "--concurrency", "1"]
    procs.append(subprocess.Popen(worker, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True))
    threading.Thread(target=_forward, args=(procs[-1].stderr, WORKER_CHATTER), daemon=True).start()
    try:
        if _wait_until_listening(bind, procs[0]):
            print(banner(bind, password, env, dev), flush=True)
        code = procs[0].wait()
        if code:
            print(f"The web server stopped (exit {code}): see above.", file=sys.stderr, flush=True)
        return code
    except KeyboardInterrupt:
        return 0
    finally:
        for proc in procs:
            proc.terminate()


if __name__ == "__main__":
    sys.exit(main())
