"""requirements-runtime.lock (what the Docker image installs) is requirements.lock's run-time part."""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path

from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]


def _pins(path: Path) -> dict[str, str]:
    lines = [line for line in path.read_text().splitlines() if line and not line.startswith("#")]
    return {canonicalize_name(name): version for name, version in (line.split("==") for line in lines)}


def test_the_runtime_lock_is_fresh_and_holds_no_dev_tools():
    spec = importlib.util.spec_from_file_location("runtime_lock", ROOT / "scripts" / "runtime_lock.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (ROOT / "requirements-runtime.lock").read_text() == module.render(), (
        "stale: run .venv/bin/python scripts/runtime_lock.py"
    )
    runtime, full = _pins(ROOT / "requirements-runtime.lock"), _pins(ROOT / "requirements.lock")
    assert runtime.items() <= full.items()  # the same pins
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    dev = {
        canonicalize_name(spec.split(">")[0].split("[")[0].split("=")[0])
        for spec in project["optional-dependencies"]["dev"]
    }
    assert not dev & runtime.keys()
    assert {"django", "gunicorn", "whitenoise", "procrastinate", "psycopg", "psycopg-binary"} <= runtime.keys()
