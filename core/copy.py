"""Bulk writes by PostgreSQL's COPY (psycopg 3), inside the caller's transaction: tens of thousands
of rows in a fraction of the time an INSERT per row, or Django's bulk_create, takes. Used by the
services that post in bulk (opening stock); they reserve the ids they need first
(core.numbering.reserve_ids), so nothing has to be read back. Every CHECK, foreign key and unique
index still applies to each row."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection
from django.db.models import Model


def copy_rows(model: type[Model], columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """COPY ``rows`` (values in ``columns`` order: database column names) into ``model``'s table."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    count = 0
    connection.ensure_connection()
    sql = f"COPY {table} ({names}) FROM STDIN"  # noqa: S608 - names from the model's metadata
    with connection.connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count
