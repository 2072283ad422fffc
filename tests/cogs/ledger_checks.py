"""Helpers for tests that break a ledger invariant on purpose (issue 16, "safety nets that must be
seen to fail").

``all_violations()`` is what ``manage.py check_ledger`` reports: ``cogs.selectors.ledger_violations()``
plus the command's document checks. ``assert_names(check, record_id)`` asserts that a check names a
record. tests/cogs/test_ledger_checks_fire.py has a meta-test that fails when a check exists that no
test breaks: it counts the cases of that file, every call ``assert_names("<check>", ...)`` with the
check's name written as a literal in any test module, and a check's name written as a string literal
in a test module that runs the checks (``ledger_violations()``, ``check_ledger``)."""

from __future__ import annotations

from cogs.management.commands.check_ledger import document_violations
from cogs.selectors import ledger_violations


def all_violations() -> list[dict]:
    return ledger_violations() + document_violations()


def found(violations: list[dict] | None = None) -> set[tuple[str, int]]:
    return {(v["check"], v["id"]) for v in (all_violations() if violations is None else violations)}


def assert_names(check: str, record_id: int, violations: list[dict] | None = None) -> dict:
    """The check ``check`` reports the record ``record_id``; returns that violation."""
    violations = all_violations() if violations is None else violations
    hits = [v for v in violations if v["check"] == check and v["id"] == record_id]
    assert hits, f"{check} does not name #{record_id}; reported: {sorted(found(violations))}"
    return hits[0]
