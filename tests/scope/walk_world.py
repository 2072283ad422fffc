"""Two offices' worth of every record kind for the scope walk (tests/scope/test_url_walk.py).

EAST and WEST each get the same history, made through the services, with their own distinctive
money (unit costs such as 913.57 that nothing else produces), so a leak shows up as a plain string
in a page, an export or an API response. A transfer belongs to both its offices, so each office
sends to a third office the walker never sees as the other side: EAST to SOUTH, WEST to NORTH.
February is closed (a lock date with its snapshots), March stays open; a COGS run per office at
the end of each month writes the entries and the journal."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.db import models

from cogs.services import run_cogs_now
from inventory_lots.counts import CountLineInput, post_count
from inventory_lots.models import Office
from inventory_lots.services import AdjustmentLineInput, post_adjustment, set_lock_date
from orders.services import ReturnLineInput, ShipmentLineInput, close_order, create_order, post_return, post_shipment
from production import services as production
from purchasing.services import (
    InvoiceLineInput,
    POLineInput,
    ReceiptLineInput,
    create_purchase_order,
    post_vendor_invoice,
    receive_purchase_order,
)
from tests.factories import CustomerFactory, LicFactory, OfficeFactory, ServiceLicFactory, VendorFactory
from transfers.services import TransferLineInput, post_transfer

D = Decimal
FEB = datetime.date(2026, 2, 10)
FEB_RUN = datetime.date(2026, 2, 27)
LOCK = datetime.date(2026, 2, 28)
DAY = datetime.date(2026, 3, 1)
RUN_DAY = datetime.date(2026, 3, 31)

# Unit costs and amounts per office: two decimals no other figure of the ledger has.
MONEY = {
    "EAST": {
        "stock": "428.19",
        "early": "611.47",
        "po": "517.33",
        "invoice": "2590.41",
        "job": "186.42",
        "estimate": "166.37",
        "spare": "339.71",
        "serial": "802.14",
        "opening": "455.26",
    },
    "WEST": {
        "stock": "913.57",
        "early": "733.91",
        "po": "271.83",
        "invoice": "1367.29",
        "job": "644.29",
        "estimate": "127.48",
        "spare": "358.91",
        "serial": "745.62",
        "opening": "587.23",
    },
}


@dataclass
class Side:
    """One office's records (the attribute names of tests/trust/conftest.py's World, so the POST
    doors of tests/trust/test_doors.py can be pointed at them)."""

    office: Office
    partner: Office  # the receiving office of its transfer
    stock_lot: object = None
    early_lot: object = None
    serial_lot: object = None
    po: object = None
    po_line: object = None
    receipt: object = None
    invoice: object = None
    order: object = None
    shipment: object = None
    ship_usage: object = None
    customer_return: object = None
    mo: object = None
    mo_lot: object = None
    mo_open: object = None
    job_cost: object = None
    run: object = None
    closable_order: object = None
    closed_order: object = None
    spare_adjustment: object = None
    count_adjustment: object = None
    spare_transfer: object = None
    transfer_lot: object = None
    import_batch: object = None  # previewed (the commit doors)
    committed_batch: object = None  # imported (the reversal doors)
    failed_batch: object = None  # with an error row (its errors sheet)
    journal_export: object = None
    lic: object = None


@dataclass
class Walk:
    east: Side
    west: Side
    admin: object
    secrets: dict = field(default_factory=dict)  # "west": WEST's strings, "money": every money string


def build_side(code: str, partner_code: str, admin, lics: dict) -> Side:
    money = {k: D(v) for k, v in MONEY[code].items()}
    office = OfficeFactory(code=code, name=f"{code.title()} depot")
    partner = OfficeFactory(code=partner_code, name=f"{partner_code.title()} depot")
    widget, gizmo, labor, serial = lics["WIDGET"], lics["GIZMO"], lics["LABOR"], lics["SERIAL"]
    vendor, customer = lics["vendor"], lics["customer"]
    side = Side(office=office, partner=partner, lic=widget)

    def adjust(lic, quantity, cost, date=DAY, **extra):
        adjustment = post_adjustment(
            office=office,
            date=date,
            reason="stock",
            actor=admin,
            lines=[AdjustmentLineInput(lic=lic, quantity=D(quantity), unit_cost=cost, **extra)],
        )
        return adjustment, adjustment.lines.get().lot

    # February (closed by the lock date): a lot and a shipment, costed by February's run
    _, side.early_lot = adjust(widget, "30", money["early"], date=FEB)
    feb_order = create_order(customer=customer, office=office, date=FEB)
    post_shipment(order=feb_order, date=FEB, actor=admin, lines=[ShipmentLineInput(lic=widget, quantity=D("3"))])
    _, side.stock_lot = adjust(widget, "100", money["stock"])
    _, side.serial_lot = adjust(serial, "2", money["serial"], serial_numbers=(f"SN-{code}-8841", f"SN-{code}-8842"))
    side.po = create_purchase_order(
        vendor=vendor,
        office=office,
        date=DAY,
        actor=admin,
        lines=[POLineInput(lic=widget, quantity=D("20"), unit_cost=money["po"])],
    )
    side.po_line = side.po.lines.get()
    side.receipt = receive_purchase_order(
        purchase_order=side.po, date=DAY, actor=admin, lines=[ReceiptLineInput(po_line=side.po_line, quantity=D("5"))]
    )
    side.invoice = post_vendor_invoice(
        vendor=vendor,
        purchase_order=side.po,
        number=f"INV-{code}-7731",
        date=DAY,
        actor=admin,
        lines=[InvoiceLineInput(po_line=side.po_line, quantity=D("5"), amount=money["invoice"])],
    )
    side.order = create_order(customer=customer, office=office, date=DAY)
    side.shipment = post_shipment(
        order=side.order, date=DAY, actor=admin, lines=[ShipmentLineInput(lic=widget, quantity=D("2"))]
    )
    side.ship_usage = side.shipment.lines.get().usage
    side.customer_return = post_return(
        order=side.order,
        date=DAY,
        actor=admin,
        lines=[ReturnLineInput(lic=widget, quantity=D("1"), usage=side.ship_usage)],
    )
    side.mo = production.create_production_order(
        office=office,
        date=DAY,
        order=side.order,
        lic=gizmo,
        estimated_quantity=D("2"),
        estimated_unit_cost=money["estimate"],
        actor=admin,
    )
    production.issue_components(
        production_order=side.mo, date=DAY, actor=admin, lines=[production.ComponentLine(lic=widget, quantity=D("4"))]
    )
    side.job_cost = production.post_job_cost(
        production_order=side.mo,
        date=DAY,
        lic=labor,
        description="Assembly",
        amount=money["job"],
        capitalized=True,
        actor=admin,
    )
    side.mo_lot = production.produce(production_order=side.mo, date=DAY, quantity=D("2"), actor=admin)
    side.mo_open = production.create_production_order(
        office=office,
        date=DAY,
        order=None,
        lic=gizmo,
        estimated_quantity=D("1"),
        estimated_unit_cost=money["estimate"],
        actor=admin,
    )
    # a write-off (usage of kind adjustment) and a physical count that finds one more
    post_adjustment(
        office=office,
        date=DAY,
        reason="broken",
        actor=admin,
        lines=[AdjustmentLineInput(lic=widget, quantity=D("-1"))],
    )
    side.count_adjustment = post_count(
        office=office,
        date=DAY,
        actor=admin,
        lines=[CountLineInput(lic=widget, counted_quantity=D("120"))],
    ).adjustment
    side.closable_order = create_order(customer=customer, office=office, date=DAY)
    side.closed_order = close_order(order=create_order(customer=customer, office=office, date=DAY), actor=admin)
    side.spare_adjustment, _ = adjust(gizmo, "1", money["spare"])
    side.spare_transfer = post_transfer(
        from_office=office,
        to_office=partner,
        date=DAY,
        lines=[TransferLineInput(lic=widget, quantity=D(1))],
        actor=admin,
    )
    from inventory_lots.models import Lot

    side.transfer_lot = Lot.objects.filter(office=partner, type="transfer").latest("id")
    return side


def build_walk() -> Walk:
    from django.contrib.auth.models import User

    from imports.services import commit_import, stage_import
    from reports.journal import record_journal_export
    from reports.services import write_snapshots_now

    admin = User.objects.create_superuser("walk-root", "root@example.com", "pw-Secret-123")
    lics = {
        "WIDGET": LicFactory(code="WIDGET", description="Widget"),
        "GIZMO": LicFactory(code="GIZMO", description="Gizmo"),
        "SERIAL": LicFactory(code="SERIAL", description="Serialized thing", serialized=True),
        "LABOR": ServiceLicFactory(code="LABOR", description="Labour"),
        "vendor": VendorFactory(code="ACME", name="Acme Supply"),
        "customer": CustomerFactory(code="CUST", name="A Customer"),
    }
    east = build_side("EAST", "SOUTH", admin, lics)
    west = build_side("WEST", "NORTH", admin, lics)
    # February's COGS, then the lock date with its snapshots, then March's COGS: per office
    for side in (east, west):
        run = run_cogs_now(actor=admin, date=FEB_RUN, office=side.office)
        assert run.status == "done", run.error
    set_lock_date(date=LOCK, actor=admin, reason="February closed")
    write_snapshots_now()
    for side in (east, west):
        side.run = run_cogs_now(actor=admin, date=RUN_DAY, office=side.office)
        assert side.run.status == "done", side.run.error
        side.mo.refresh_from_db()
        side.journal_export = record_journal_export(
            date_from=DAY, date_to=RUN_DAY, offices=[side.office], detail="lines", actor=admin
        )
        content = (
            "office,lic,quantity,unit_cost,lot_date,reference\n"
            f"{side.office.code},WIDGET,3,{MONEY[side.office.code]['opening']},2026-03-02,OLD-{side.office.code}-55\n"
        ).encode()
        side.import_batch, _ = stage_import(kind="opening_stock", file_name="opening.csv", content=content, actor=admin)
        committed, _ = stage_import(
            kind="opening_stock", file_name="opening.csv", content=content.replace(b"-55", b"-56"), actor=admin
        )
        side.committed_batch = commit_import(batch=committed, actor=admin, control_total=committed.total_value)
        side.failed_batch, _ = stage_import(
            kind="opening_stock", file_name="opening.csv", content=content.replace(b",3,", b",-3,"), actor=admin
        )
    walk = Walk(east=east, west=west, admin=admin)
    walk.secrets = collect_secrets(walk)
    return walk


# --- what must not leak ----------------------------------------------------------------------------

MONEY_WORDS = ("cost", "value", "amount", "debit", "credit", "price", "freight", "cogs", "balance")
NUMBER_FIELDS = ("number", "serial", "serial_number", "mfr_lot_number", "reference")


def office_path(model, depth: int = 3) -> str | None:
    """The first chain of foreign keys from ``model`` to Office (breadth first), e.g. ``usage__office``."""
    queue = [(model, "")]
    for _ in range(depth):
        following = []
        for current, prefix in queue:
            for f in current._meta.get_fields():
                if not (f.many_to_one or f.one_to_one) or not f.concrete:
                    continue
                if f.related_model is Office:
                    return prefix + f.name
                if f.related_model is not None and f.related_model._meta.app_label != "auth":
                    following.append((f.related_model, f"{prefix}{f.name}__"))
        queue = following
    return None


def _money_fields(model) -> list[str]:
    return [
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, models.DecimalField)
        and any(w in f.name for w in MONEY_WORDS)
        and "qty" not in f.name
        and "quantity" not in f.name
    ]


def money_strings(value: Decimal) -> set[str]:
    """How a money figure can be written: 913.57, 913.570000 (API), 1,234.56 (pages)."""
    if value is None or value == 0:
        return set()
    value = abs(value)
    cents = value.quantize(D("0.01"))
    if value < 10 or cents == cents.to_integral_value():
        return set()  # 2.00, 7.5: common digits, not distinctive
    out = {f"{cents:.2f}", f"{cents:,.2f}"}
    normal = value.normalize()
    if normal != cents:
        out.add(f"{normal:f}")
    return out


def collect_secrets(walk: Walk) -> dict:
    """WEST's lot numbers, document numbers, serials and money figures (the restricted walk), and
    every money figure of both offices (the walk without "see costs")."""
    hidden = {walk.west.office.pk, walk.west.partner.pk}
    shown = {walk.east.office.pk, walk.east.partner.pk}
    west_words: set[str] = set()
    east_words: set[str] = set()
    all_money: set[str] = set()
    ledger_apps = ("inventory_lots", "purchasing", "orders", "production", "cogs", "transfers", "reports", "imports")
    for label in ledger_apps:
        for model in apps.get_app_config(label).get_models():
            path = office_path(model)
            money = _money_fields(model)
            names = [f.name for f in model._meta.concrete_fields if f.name in NUMBER_FIELDS]
            if not money and not names:
                continue
            rows = model._base_manager.all()
            values = rows.values(*(money + names), **({"_office": models.F(path)} if path else {}))
            for row in values:
                office = row.pop("_office", None)
                words = set()
                for name in money:
                    words |= money_strings(row[name])
                all_money |= words
                for name in names:
                    if row[name] and len(str(row[name])) >= 5:
                        words.add(str(row[name]))
                if office in hidden:
                    west_words |= words
                elif office in shown:
                    east_words |= words
    for side, target in ((walk.west, west_words), (walk.east, east_words)):
        for key in ("opening",):
            target |= money_strings(D(MONEY[side.office.code][key]))
        target |= {f"OLD-{side.office.code}-55", f"OLD-{side.office.code}-56"}
    all_money |= {s for side in MONEY.values() for v in side.values() for s in money_strings(D(v))}
    return {
        "west": sorted(west_words - east_words),
        "east": sorted(east_words - west_words),
        "money": sorted(all_money),
    }
