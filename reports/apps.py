from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Period-close reports (DOMAIN.md section 10): valuation at any date, roll-forward, aging.
    The top layer: it reads every app; no app imports it."""

    name = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        from cogs.selectors import register_ledger_checks

        from .journal import journal_violations

        register_ledger_checks(journal_violations)  # manage.py check_ledger runs the journal's invariants
