"""`make run`: database (embedded unless DATABASE_URL), migrate, static files, demo data, an
admin user, then gunicorn on http://127.0.0.1:8000 (``--dev``: Django's runserver, DEBUG on)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def main() -> int:
    dev = "--dev" in sys.argv[1:]
    env = os.environ.copy()
    env.setdefault("DJANGO_SETTINGS_MODULE", "lotledger.settings")
    if dev:
        env["DEBUG"] = "1"
    # Local demo over plain http on loopback: cookies cannot be Secure there.
    env.setdefault("SECURE_COOKIES", "0")
    env.setdefault("SECURE_HSTS_SECONDS", "0")

    def manage(*args: str) -> None:
        subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True)

    manage("migrate", "--noinput", "-v", "0")
    manage("collectstatic", "--noinput", "-v", "0")
    manage("seed_demo")
    bind = env.get("BIND", "127.0.0.1:8000")
    print(f"Lotledger on http://{bind}/  (Ctrl-C stops it)", flush=True)
    if dev:
        cmd = [PY, "manage.py", "runserver", bind]
    else:
        cmd = [str(Path(PY).parent / "gunicorn"), "lotledger.wsgi", "--bind", bind,
               "--workers", env.get("WEB_CONCURRENCY", "3"), "--access-logfile", "-"]
    procs = [subprocess.Popen(cmd, cwd=ROOT, env=env)]
    # one COGS worker beside the web server (queued and scheduled runs execute there)
    worker = [PY, "manage.py", "procrastinate", "worker", "--queues", "cogs", "--concurrency", "1"]
    procs.append(subprocess.Popen(worker, cwd=ROOT, env=env))
    try:
        return procs[0].wait()
    except KeyboardInterrupt:
        return 0
    finally:
        for proc in procs:
            proc.terminate()


if __name__ == "__main__":
    sys.exit(main())
