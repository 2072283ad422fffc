"""``python manage.py run_cogs [--office X] [--lic Y] [--date D] [--queue]``: a COGS run in
this process with a progress bar (``--queue``: hand it to the workers instead)."""

from __future__ import annotations

import datetime
import sys

from django.core.management.base import BaseCommand, CommandError

from cogs import services, tasks
from cogs.models import RunStatus
from cogs.services.pipeline import switch_interval_tuning
from core.codes import by_code
from core.errors import DomainError
from inventory_lots.models import LineItemCode, Office


class Command(BaseCommand):
    help = "Run the COGS reconciliation (everything, or one office / LIC)."

    def add_arguments(self, parser):
        parser.add_argument("--office", help="office code")
        parser.add_argument("--lic", help="line item code")
        parser.add_argument("--date", help="business date YYYY-MM-DD (default today)")
        parser.add_argument("--queue", action="store_true", help="queue it for the workers instead")

    def handle(self, *args, office=None, lic=None, date=None, queue=False, **options):
        scope = {
            "office": self._get(Office, office, "office"),
            "lic": self._get(LineItemCode, lic, "LIC"),
            "date": self._date(date),
            "actor": None,
        }
        try:
            if queue:
                run = services.start_cogs_run(dispatch=tasks.dispatch_run, **scope)
                self.stdout.write(f"COGS run {run} queued for the workers.")
                return
            with switch_interval_tuning():  # a command's own process
                run = services.run_cogs_now(progress=self._progress, **scope)
        except DomainError as error:
            raise CommandError(error.message) from error
        if self._tty():
            self.stdout.write("")
        if run.status == RunStatus.FAILED:
            raise CommandError(f"COGS run {run} failed: {run.error}")
        self.stdout.write(
            self.style.SUCCESS(
                f"COGS run {run} done: allocated {run.allocated_quantity.normalize():f}, given back "
                f"{run.given_back_quantity.normalize():f}, unallocated left {run.unallocated_quantity.normalize():f}, "
                f"COGS posted {run.value_posted}, accruals {run.accrued_value_posted}, {run.entries_posted} entries "
                f"in {run.duration.total_seconds():.2f} s."
            )
        )

    def _get(self, model, code, label):
        if not code:
            return None
        obj = by_code(model.objects.all(), code)
        if obj is None:
            raise CommandError(f"Unknown {label} “{code}”.")
        return obj

    def _date(self, text):
        if not text:
            return None
        try:
            return datetime.date.fromisoformat(text)
        except ValueError as exc:
            raise CommandError(f"Not a date (YYYY-MM-DD): “{text}”.") from exc

    def _tty(self) -> bool:
        return hasattr(self.stdout, "isatty") and self.stdout.isatty() or sys.stdout.isatty()

    def _progress(self, run) -> None:
        pct = run.progress_percent
        bar = "#" * (pct // 4) + "-" * (25 - pct // 4)
        line = f"round {run.round} [{bar}] {pct:3d}%  jobs {run.jobs_done}/{run.jobs_total}"
        if self._tty():
            self.stdout.write(f"\r{line}", ending="")
            self.stdout.flush()
        else:
            self.stdout.write(line)
