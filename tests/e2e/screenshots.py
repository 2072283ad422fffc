"""Refresh docs/screenshots/: run the e2e tests with LOTLEDGER_SCREENSHOTS set, so each key page
is saved as a PNG at the moment the test has checked its figures.

    .venv/bin/python tests/e2e/screenshots.py [more pytest args]

Uses the same database as the tests (DATABASE_URL, else the embedded PostgreSQL) and Debian's
chromium. Pages saved: lot_list, purchase_lot, production_lot, po_detail, cogs_run, usage, home.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET = ROOT / "docs" / "screenshots"


def main(argv: list[str]) -> int:
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    os.environ["LOTLEDGER_SCREENSHOTS"] = str(TARGET)
    import pytest

    code = pytest.main(["tests/e2e", "-q", *argv])
    for png in sorted(TARGET.glob("*.png")):
        print(f"{png.relative_to(ROOT)}  {png.stat().st_size // 1024} KB")
    return int(code)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
