"""``python manage.py valuation --as-of D [--office X] [--lic Y] [--group-by lot|lic|office] [--csv FILE]``:
the inventory valuation at a date (DOMAIN.md 10). Prints it per office and LIC with its totals (the
usage not yet allocated and the open accrued COGS beside them); ``--csv FILE`` also writes the
report's CSV (the page's export: per lot unless ``--group-by`` says otherwise; ``-`` for stdout)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.http import QueryDict

from core.errors import ValidationFailed
from core.templatetags.money import money, qty
from reports import exports, selectors
from reports.filters import report_params


class Command(BaseCommand):
    help = "The inventory valuation at a date (per office and LIC, totals; --csv FILE for the CSV)."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", dest="as_of", help="the date YYYY-MM-DD (default today)")
        parser.add_argument("--office", help="office code")
        parser.add_argument("--lic", help="line item code")
        parser.add_argument("--type", help="lot type (purchase, production)")
        parser.add_argument("--group-by", dest="group_by", help="rows of the CSV: lot (default), lic, office")
        parser.add_argument("--csv", dest="csv_file", help="write the CSV to FILE ('-' for stdout)")

    def handle(self, *args, csv_file=None, **options):
        query = QueryDict(mutable=True)
        query.update({k: options[k] for k in ("as_of", "office", "lic", "type", "group_by") if options.get(k)})
        try:
            params = report_params("valuation", query)
        except ValidationFailed as error:
            raise CommandError(_message(error)) from error
        if csv_file:
            self._write_csv(query, csv_file)
            if csv_file == "-":
                return
        self._print(params)

    def _print(self, params) -> None:
        rows = selectors.valuation_rows(as_of=params.as_of, scope=params.scope, group_by="lic")
        totals = selectors.valuation_totals(as_of=params.as_of, scope=params.scope)
        self.stdout.write(f"Inventory valuation as of {params.as_of.isoformat()}")
        width = max([len(f"{r.office}  {r.lic}") for r in rows] + [5])
        self.stdout.write(f"{'Office  LIC':<{width}}  {'Lots':>6}  {'On hand':>16}  {'Value':>18}")
        for r in rows:
            self.stdout.write(
                f"{f'{r.office}  {r.lic}':<{width}}  {r.lots:>6}  {qty(r.quantity):>16}  {money(r.value):>18}"
            )
        self.stdout.write(
            f"{'Total':<{width}}  {totals.lots:>6}  {qty(totals.quantity):>16}  {money(totals.value):>18}"
        )
        self.stdout.write(
            f"Usage not yet allocated: {qty(totals.unallocated_quantity)}; "
            f"open accrued COGS: {money(totals.accrued_value)}"
        )

    def _write_csv(self, query: QueryDict, path: str) -> None:
        response = exports.csv_response("valuation", query)
        if path == "-":
            for chunk in response.streaming_content:
                self.stdout.write(chunk.decode() if isinstance(chunk, bytes) else chunk, ending="")
            return
        try:
            with open(path, "wb") as out:
                for chunk in response.streaming_content:
                    out.write(chunk if isinstance(chunk, bytes) else chunk.encode())
        except OSError as error:
            raise CommandError(f"Cannot write {path}: {error.strerror}.") from error
        self.stderr.write(f"CSV written to {path}.")


def _message(error: ValidationFailed) -> str:
    """``--as-of: Enter a date as YYYY-MM-DD.``: the option named as typed."""
    options = {"as_of": "--as-of", "group_by": "--group-by"}
    if error.errors:
        return "; ".join(f"{options.get(f, '--' + f)}: {' '.join(m)}" for f, m in error.errors.items())
    return error.message
