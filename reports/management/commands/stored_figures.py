"""``python manage.py stored_figures [--queue]``: bring the stored figures of closed days to the lock
date in this process, printing each stage (``--queue``: hand it to the workers instead). A lock-date
move queues this job by itself; the command is for a job that failed for good, and for scripts that
must wait for the figures (docs/reports.md "Snapshots")."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from reports import services, snapshots, tasks


class Command(BaseCommand):
    help = "Write the stored figures of the closed days up to the lock date (or queue the job)."

    def add_arguments(self, parser):
        parser.add_argument("--queue", action="store_true", help="queue the job for the workers instead")

    def handle(self, *args, queue=False, **options):
        if queue:
            tasks.dispatch_snapshots()
            self.stdout.write("Stored figures: job queued for the workers.")
            return
        start = time.perf_counter()
        try:
            through = services.write_snapshots_now(step=lambda name: self.stdout.write(f"  {name}"))
        except Exception as error:
            raise CommandError(f"Writing the stored figures failed: {error}") from error
        if through is None:
            self.stdout.write("No lock date: nothing to store.")
            return
        state = snapshots.snapshot_state()
        self.stdout.write(
            self.style.SUCCESS(
                f"Stored figures written up to {through:%Y-%m-%d} in {time.perf_counter() - start:.1f} s"
                f"{'' if state else ' (not readable: the lock date moved meanwhile)'}."
            )
        )
