"""Issue 18, "`make run` prints a clean start-up": the processes it starts (manage.py steps, the
COGS worker, the web workers) each load procrastinate's periodic tasks, which announce themselves
at INFO ("Registering task ..."): with LOG_LEVEL unset none of that reaches the terminal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args",
    [["check"], ["procrastinate", "worker", "--queues", "cogs", "--concurrency", "1", "--one-shot"]],
    ids=["manage.py", "cogs worker"],
)
def test_a_start_up_step_writes_nothing_but_its_own_words(args):
    env = {k: v for k, v in os.environ.items() if k != "LOG_LEVEL"}
    env |= {"DJANGO_SETTINGS_MODULE": "lotledger.settings", "LOTLEDGER_DB_NAME": connection.settings_dict["NAME"]}
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "Registering task" not in result.stdout + result.stderr
    # the worker's one line of its own (scripts/serve.py leaves it out too)
    assert [line for line in result.stderr.splitlines() if not line.startswith("Launching a worker on ")] == []
