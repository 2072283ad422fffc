"""Demo data of the ledger core: offices, LICs, adjustment lots and usage (through services). Run
by lotledger/demo.py, which seeds every app in dependency order."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from inventory_lots.models import LineItemCode, Lot, Office
from inventory_lots.services import AdjustmentLineInput, post_adjustment

OFFICES = [("HQ", "Headquarters"), ("WEST", "West warehouse"), ("EAST", "East plant")]
INVENTORIED = [(f"WIDGET-{i:02d}", f"Widget model {i}", "fifo", False, False) for i in range(1, 13)] + [
    ("GADGET-LIFO", "Gadget (LIFO costed)", "lifo", False, False),
    ("ENGINE-SPEC", "Engine (specific unit)", "specific", False, False),
    ("SCANNER-SN", "Handheld scanner (serialized)", "fifo", True, False),
    ("RESIN-ML", "Resin (tracked by mfr lot)", "fifo", False, True),
    ("LEG", "Chair leg", "fifo", False, False),
    ("SEAT", "Chair seat", "fifo", False, False),
    ("CHAIR", "Chair (produced)", "fifo", False, False),
    ("TEXTBOOK", "Textbook", "fifo", False, False),
]
SERVICES = [("LABOR", "Labour"), ("FREIGHT", "Freight"), ("OUTSIDE", "Outside services"), ("OVERHEAD", "Overhead")]


def seed_master_data() -> None:
    """Codes matched ignoring case, as every door matches them (an existing "hq" is the HQ office)."""
    for code, name in OFFICES:
        Office.objects.get_or_create(code__iexact=code, defaults={"code": code, "name": name})
    for code, desc, method, serialized, mfr in INVENTORIED:
        LineItemCode.objects.get_or_create(
            code__iexact=code,
            defaults={
                "code": code,
                "description": desc,
                "inventoried": True,
                "costing_method": method,
                "serialized": serialized,
                "track_by_mfr_lot": mfr,
            },
        )
    for code, desc in SERVICES:
        LineItemCode.objects.get_or_create(
            code__iexact=code, defaults={"code": code, "description": desc, "inventoried": False}
        )


def seed_ledger(*, rng: random.Random, actor, today: datetime.date) -> None:
    offices = list(Office.objects.all())
    lics = list(LineItemCode.objects.filter(inventoried=True, serialized=False, track_by_mfr_lot=False))
    serial = 0
    for n in range(60):  # 60 adjustments x 5 lines = 300 lots
        office = offices[n % len(offices)]
        date = today - datetime.timedelta(days=90 - n)
        lines = []
        for _ in range(5):
            lic = rng.choice(lics)
            lines.append(
                AdjustmentLineInput(
                    lic=lic, quantity=Decimal(rng.randint(5, 80)), unit_cost=Decimal(rng.randint(150, 9000)) / 100
                )
            )
        post_adjustment(office=office, date=date, reason="Opening stock count", lines=lines, actor=actor)
    scanner = LineItemCode.objects.get(code="SCANNER-SN")
    resin = LineItemCode.objects.get(code="RESIN-ML")
    for office in offices:
        serials = [f"SN-{office.code}-{serial + k:04d}" for k in range(3)]
        serial += 3
        post_adjustment(
            office=office,
            date=today - datetime.timedelta(days=30),
            reason="Opening stock count",
            actor=actor,
            lines=[
                AdjustmentLineInput(
                    lic=scanner, quantity=Decimal(3), unit_cost=Decimal("249.00"), serial_numbers=tuple(serials)
                ),
                AdjustmentLineInput(
                    lic=resin,
                    quantity=Decimal("12.5"),
                    unit_cost=Decimal("18.40"),
                    mfr_lot_number=f"MFR-{office.code}-A1",
                ),
            ],
        )
    # usage: write-offs (negative adjustments) of part of the stock; COGS allocates them later
    pairs = list(Lot.objects.values_list("lic_id", "office_id").distinct())
    lic_by_id = {lic.pk: lic for lic in lics}
    office_by_id = {o.pk: o for o in offices}
    for index, (lic_id, office_id) in enumerate(sorted(pairs)[:40]):
        if lic_id not in lic_by_id:
            continue
        post_adjustment(
            office=office_by_id[office_id],
            date=today - datetime.timedelta(days=10 - index % 10),
            reason=rng.choice(["Damaged in storage", "Cycle count shortfall", "Samples"]),
            actor=actor,
            lines=[AdjustmentLineInput(lic=lic_by_id[lic_id], quantity=Decimal(-rng.randint(1, 6)))],
        )
