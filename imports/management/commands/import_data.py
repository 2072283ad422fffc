"""manage.py import_data KIND FILE [--dry-run] [--user NAME] [--control-total X] [--errors-file PATH]

Checks every row of FILE (CSV or xlsx) and imports it in one transaction (all or nothing), as the
import page does. A progress bar goes to stderr; the batch's figures to stdout. With errors nothing
is imported, the errors are printed and the sheet with its Errors column is written (FILE.errors.csv
or .xlsx beside it unless --errors-file says where); the exit status is then 1."""

from __future__ import annotations

import sys
import time
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from imports import formats, services
from imports.models import ImportKind


class ProgressBar:
    """``[#####.....] 12,000 rows check`` redrawn in place on stderr (a line per stage when it is not a terminal)."""

    def __init__(self, stream, width: int = 30):
        self.stream, self.width, self.stage, self.last = stream, width, None, 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        final = total and done >= total
        if stage == self.stage and now - self.last < 0.2 and not final:
            return
        if self.stage is not None and stage != self.stage:
            self.stream.write("\n")
        self.stage, self.last = stage, now
        if total:
            filled = int(self.width * done / total)
            bar = "#" * filled + "." * (self.width - filled)
            self.stream.write(f"\r{stage:7} [{bar}] {done:,}/{total:,} rows")
        else:
            self.stream.write(f"\r{stage:7} {done:,} rows")
        self.stream.flush()

    def close(self) -> None:
        if self.stage is not None:
            self.stream.write("\n")
            self.stream.flush()


class Command(BaseCommand):
    help = "Import offices, lics, vendors, customers or opening_stock from a CSV or xlsx file (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=ImportKind.values)
        parser.add_argument("file")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check every row and show the preview; import nothing."
        )
        parser.add_argument("--user", help="The username recorded on the batch and the records (default: none).")
        parser.add_argument("--control-total", help="Refuse unless the file's total value (record count) is this.")
        parser.add_argument("--errors-file", help="Where to write the sheet with its Errors column.")

    def handle(self, *args, kind, file, dry_run, user, control_total, errors_file, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        actor = self._user(user)
        control = self._decimal(control_total)
        bar = ProgressBar(sys.stderr)
        try:
            batch, checked = services.stage_import(
                kind=kind, file_name=path.name, content=path.read_bytes(), actor=actor, progress=bar
            )
            bar.close()
            if batch.status == "failed":
                self._report_errors(batch, path, errors_file)
                raise CommandError(services.MSG_INVALID.format(count=batch.error_count))
            self._preview(batch)
            if dry_run:
                self.stdout.write(f"Dry run: nothing imported ({batch.number} recorded as checked).")
                return
            batch = services.commit_import(
                batch=batch, actor=actor, control_total=control, checked=checked, progress=bar
            )
            bar.close()
        except DomainError as error:
            bar.close()
            raise CommandError(f"{error.code}: {error.message}") from error
        self.stdout.write(self.style.SUCCESS(f"Imported {batch.number}: {batch.created_count:,} record(s)."))

    def _user(self, username):
        if not username:
            return None
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No such user: {username}")
        return user

    def _decimal(self, text):
        if text is None:
            return None
        try:
            return Decimal(text.replace(",", ""))
        except InvalidOperation as exc:
            raise CommandError(f"--control-total: “{text}” is not a number.") from exc

    def _preview(self, batch) -> None:
        summary = batch.summary
        self.stdout.write(f"{batch.number}: {batch.row_count:,} row(s), {summary.get('create_count', 0):,} to create.")
        if batch.kind == ImportKind.OPENING_STOCK:
            self.stdout.write(f"Total quantity {batch.total_quantity}, total value {batch.total_value:,}")
            for row in summary["by_office"]:
                self.stdout.write(f"  {row['office']:<12} {row['lots']:>9,} lot(s) {Decimal(row['value']):>18,}")
            self.stdout.write("Opening journal (DOMAIN.md 10):")
            for line in summary["journal"][:20]:
                self.stdout.write(
                    f"  {line['date']} {line['office']:<12} {line['account']:<8} "
                    f"Dr {line['debit']:>16} Cr {line['credit']:>16}"
                )

    def _report_errors(self, batch, path: Path, errors_file) -> None:
        for row, message in batch.errors[:50]:
            self.stderr.write(f"Row {row}: {message}")
        if len(batch.errors) > 50:
            self.stderr.write(f"... and {len(batch.errors) - 50} more.")
        target = Path(errors_file) if errors_file else path.with_name(f"{path.stem}.errors.{batch.file_format}")
        target.write_bytes(formats.errors_sheet(bytes(batch.content), batch.file_format, batch.errors))
        self.stderr.write(f"The file with its Errors column: {target}")
