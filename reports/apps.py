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

        from django.db.models.signals import post_save

        from inventory_lots.models import LockDate

        from .snapshots import on_lock_date_saved, snapshot_violations

        # the stored valuations of closed days follow the lock date, in its transaction
        # (inventory_lots never imports reports: docs/reports.md "Snapshots")
        post_save.connect(on_lock_date_saved, sender=LockDate, dispatch_uid="reports_snapshots")
        register_ledger_checks(snapshot_violations)
