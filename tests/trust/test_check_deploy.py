"""`manage.py check --deploy` with production settings reports no issues (docs/deployment.md)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from tests.dburl import subprocess_database_url

ROOT = Path(__file__).resolve().parents[2]


def test_check_deploy_with_production_settings_reports_no_issues():
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "lotledger.settings",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "DEBUG": "0",
            "SECURE_SSL_REDIRECT": "1",
            "ALLOWED_HOSTS": "lotledger.example.com",
            "CSRF_TRUSTED_ORIGINS": "https://lotledger.example.com",
            "DATABASE_URL": subprocess_database_url(),
        }
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output
