"""Human document and lot numbers from PostgreSQL sequences (gap-tolerant, never reused)."""

from __future__ import annotations

from django.db import connection
from django.db.models import Model

SEQUENCES = {
    "PL": "lotledger_seq_purchase_lot",
    "PR": "lotledger_seq_production_lot",
    "ADJ": "lotledger_seq_adjustment",
    "PO": "lotledger_seq_purchase_order",
    "RCV": "lotledger_seq_receipt",
    "SO": "lotledger_seq_order",
    "SH": "lotledger_seq_shipment",
    "RT": "lotledger_seq_return",
    "MO": "lotledger_seq_production_order",
    "TL": "lotledger_seq_transfer_lot",
    "TR": "lotledger_seq_transfer",
}


def create_sequences_sql() -> str:
    return "".join(f"CREATE SEQUENCE IF NOT EXISTS {name};" for name in SEQUENCES.values())


def drop_sequences_sql() -> str:
    return "".join(f"DROP SEQUENCE IF EXISTS {name};" for name in SEQUENCES.values())


def reserve_ids(model: type[Model], count: int = 1) -> list[int]:
    """Take ``count`` ids of ``model``'s table from its sequence in one query, for a row that must
    be pointed at (a lot at the line that made it) before it is written."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def next_number(prefix: str) -> str:
    """``next_number("PL")`` -> ``"PL-000123"``."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [SEQUENCES[prefix]])
        (value,) = cursor.fetchone()
    return f"{prefix}-{value:06d}"


def next_numbers(prefix: str, count: int) -> list[str]:
    """``count`` numbers of ``prefix`` in one query (bulk postings), in sequence order."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [SEQUENCES[prefix], count])
        return [f"{prefix}-{value:06d}" for (value,) in cursor.fetchall()]
