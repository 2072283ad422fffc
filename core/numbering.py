"""Human document and lot numbers from PostgreSQL sequences (gap-tolerant, never reused)."""

from __future__ import annotations

from django.db import connection

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
}


def create_sequences_sql() -> str:
    return "".join(f"CREATE SEQUENCE IF NOT EXISTS {name};" for name in SEQUENCES.values())


def drop_sequences_sql() -> str:
    return "".join(f"DROP SEQUENCE IF EXISTS {name};" for name in SEQUENCES.values())


def next_number(prefix: str) -> str:
    """``next_number("PL")`` -> ``"PL-000123"``."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [SEQUENCES[prefix]])
        (value,) = cursor.fetchone()
    return f"{prefix}-{value:06d}"
