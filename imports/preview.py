"""The figures of an import's preview (pure over a checked file, plus the offices' accounts): what
will be created; for opening stock the quantity and value per office and LIC, the opening journal
lines of DOMAIN.md 10 (Inventory / Opening balance equity, per date and office) and the totals."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from core.money import ZERO, ZERO_MONEY, extended

from .kinds import Checked
from .models import ImportKind

LIMIT = 500  # rows of each table kept for the page and the API; the totals cover everything


def summary(checked: Checked) -> dict:
    if checked.kind != ImportKind.OPENING_STOCK:
        records = [
            {"code": r.code, "name": getattr(r, "name", None) or getattr(r, "description", "")} for r in checked.records
        ]
        return {"create_count": len(records), "records": records[:LIMIT]}
    from reports.journal import accounts_of

    by_office: dict = defaultdict(lambda: [0, ZERO_MONEY])
    by_lic: dict = defaultdict(lambda: [0, ZERO, ZERO_MONEY])
    by_day: dict = defaultdict(lambda: ZERO_MONEY)
    offices = {}
    for record in checked.records:
        line = record.line
        value = extended(line.quantity, line.unit_cost)
        offices[line.office.code] = line.office
        o = by_office[line.office.code]
        o[0] += 1
        o[1] += value
        x = by_lic[(line.office.code, line.lic.code)]
        x[0] += 1
        x[1] += line.quantity
        x[2] += value
        by_day[(line.date, line.office.code)] += value
    accounts = {code: accounts_of(office) for code, office in offices.items()}
    journal = []
    for (date, code), value in sorted(by_day.items()):
        journal.append(
            {
                "date": date.isoformat(),
                "office": code,
                "account": accounts[code]["inventory"],
                "debit": str(value),
                "credit": "0.00",
            }
        )
        journal.append(
            {
                "date": date.isoformat(),
                "office": code,
                "account": accounts[code]["opening_equity"],
                "debit": "0.00",
                "credit": str(value),
            }
        )
    return {
        "create_count": len(checked.records),
        "total_quantity": str(checked.total_quantity),
        "total_value": str(checked.total_value),
        "by_office": [{"office": k, "lots": v[0], "value": str(v[1])} for k, v in sorted(by_office.items())],
        "by_office_lic": [
            {"office": k[0], "lic": k[1], "lots": v[0], "quantity": str(v[1]), "value": str(v[2])}
            for k, v in sorted(by_lic.items())[:LIMIT]
        ],
        "by_office_lic_count": len(by_lic),
        "journal": journal[: 2 * LIMIT],
        "journal_count": len(journal),
        "journal_total": str(sum((Decimal(v) for v in by_day.values()), ZERO_MONEY)),
    }
