"""Where is serial number X: each serial's state, read from ``inventory_lots.SerialUse`` (kept
by the ledger core's services), described for the lot page's "Serial Numbers" section, the serial search
page (``traceability:serials``) and ``GET /api/v1/serials/?serial_number=&lic=`` (every serial, paginated,
without ``serial_number``).

A serial is in stock, or out on the usage of its open movement: shipped (on a shipment, to the order's
customer), consumed (a production order's component issue), written off (a negative adjustment), used
on a job or transferred (a transfer between offices carried it to a lot in another office: the row it
left there is history, ``LotSerial.moved``, and its live row in the transfer lot says where it is). A
serial back in stock names the return that brought it back (a transfer's reversal too: the serial is
live in its source row again). "Where is it now" reads the live rows only, one per LIC; the path
(``history``) adds the rows it was carried out of. Reads: the serials, their latest movement each
(with its usage and return), the shipments' orders and customers: three queries however many
serials (``DISTINCT ON`` over the unique (serial, usage) index).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.urls import reverse

from inventory_lots.models import Lot, LotSerial, SerialUse
from inventory_lots.sections import Section
from inventory_lots.selectors import go_to_url
from orders.models import Shipment

STATUS_BY_KIND = {
    "shipment": "shipped",
    "production": "consumed",
    "adjustment": "written_off",
    "job": "used_on_job",
    "transfer": "transferred",
}
IN_STOCK = "in_stock"


def _ref(usage) -> dict | None:
    """``{type, id, label}`` of a usage's source document (the API's GenericRef)."""
    if usage is None:
        return None
    return {
        "type": ContentType.objects.get_for_id(usage.source_type_id).model,
        "id": usage.source_id,
        "label": usage.source_label,
    }


@dataclass
class SerialState:
    serial_number: str
    lic: str
    lot_id: int
    lot_number: str
    office: str
    status: str  # in_stock, shipped, consumed, written_off, used_on_job, transferred
    usage: object | None = None  # the usage that has it out
    returned_by: object | None = None  # in stock: the return that brought it back last
    order: object | None = None  # shipped: the customer order
    customer: str | None = None
    moved: bool = False  # a row a transfer carried it out of (history; status transferred)

    @property
    def document(self) -> dict | None:
        return _ref(self.usage)

    @property
    def document_url(self) -> str | None:
        return go_to_url(self.usage.source_type_id, self.usage.source_id) if self.usage else None

    @property
    def returned_url(self) -> str | None:
        return go_to_url(self.returned_by.source_type_id, self.returned_by.source_id) if self.returned_by else None

    @property
    def lot_url(self) -> str:
        return reverse("inventory_lots:lot_detail", args=[self.lot_id])

    @property
    def text(self) -> str:
        if self.status == IN_STOCK:
            return f"In stock (returned on {self.returned_by.source_label})" if self.returned_by else "In stock"
        label = self.usage.source_label
        return {
            "shipped": f"Shipped on {label}" + (f" to {self.customer}" if self.customer else ""),
            "consumed": f"Consumed by {label}",
            "written_off": f"Written off by {label}",
            "used_on_job": f"Used on job {label}",
            "transferred": f"Transferred on {label}",
        }[self.status]

    def api(self) -> dict:
        return {
            "serial_number": self.serial_number,
            "lic": self.lic,
            "lot": self.lot_id,
            "lot_number": self.lot_number,
            "office": self.office,
            "status": self.status,
            "usage": self.usage.pk if self.usage else None,
            "document": self.document,
            "order": self.order.number if self.order else None,
            "customer": self.customer,
            "returned_by": _ref(self.returned_by),
        }


def states(serials: list[LotSerial]) -> list[SerialState]:
    """Where each of these serials (with ``lic`` and ``lot__office`` selected) is now."""
    latest = {
        m.serial_id: m
        for m in SerialUse.objects.filter(serial_id__in=[s.pk for s in serials])
        .order_by("serial_id", "-id")
        .distinct("serial_id")
        .select_related("usage", "returned_by")
    }
    shipment_ct = ContentType.objects.get_for_model(Shipment).pk
    shipped = {
        m.usage.source_id for m in latest.values() if m.returned_by_id is None and m.usage.source_type_id == shipment_ct
    }
    shipments = Shipment.objects.filter(pk__in=shipped).select_related("order__customer").in_bulk() if shipped else {}
    out = []
    for s in serials:
        state = SerialState(
            serial_number=s.serial_number,
            lic=s.lic.code,
            lot_id=s.lot_id,
            lot_number=s.lot.number,
            office=s.lot.office.code,
            status=IN_STOCK,
            moved=s.moved,
        )
        move = latest.get(s.pk)
        if move is not None and move.returned_by_id is None:
            state.usage = move.usage
            state.status = STATUS_BY_KIND.get(move.usage.kind, "out")
            shipment = shipments.get(move.usage.source_id) if move.usage.source_type_id == shipment_ct else None
            if shipment is not None:
                state.order, state.customer = shipment.order, shipment.order.customer.code
        elif move is not None:
            state.returned_by = move.returned_by
        out.append(state)
    return out


def lot_serial_states(lot: Lot) -> list[SerialState]:
    """Every serial of a lot with where it is now."""
    return states(list(lot.serials.select_related("lic", "lot__office").order_by("serial_number")))


def find_serials(serial_number: str, lic=None, scope=None, history: bool = False) -> list[SerialState]:
    """Where is serial number X now: one row per LIC that has it (serials are unique per LIC), its live
    row (the lot it is in, or the usage that has it out), by the ``lotserial_serial_number`` index.
    ``history``: its path too, the rows transfers carried it out of ("Transferred on TR-…", ``moved``),
    in order (per LIC, oldest first). ``scope``: only the lots of the offices it sees."""
    rows: QuerySet[LotSerial] = LotSerial.objects.filter(serial_number=serial_number.strip())
    if not history:
        rows = rows.filter(moved=False)
    if lic is not None:
        rows = rows.filter(lic=lic)
    if scope is not None:
        rows = rows.visible_to(scope)
    return states(list(rows.select_related("lic", "lot__office").order_by("lic__code", "id")))


def hidden_serial_lots(serial_number: str, lic, scope) -> int:
    """How many lots of offices ``scope`` does not see hold serial number X (the search page's one
    line for them, without details; DOMAIN.md 11)."""
    if scope.all_offices:
        return 0
    rows = LotSerial.objects.filter(serial_number=serial_number.strip())
    if lic is not None:
        rows = rows.filter(lic=lic)
    return rows.exclude(lot__office_id__in=sorted(scope.viewable)).values("lot_id").distinct().count()


def lic_by_code(code: str):
    """The LIC typed on the search page (codes are unique ignoring case), or None."""
    from inventory_lots.models import LineItemCode

    return LineItemCode.objects.filter(code__iexact=code.strip()).first()


def serials_section(lot: Lot) -> Section | None:
    """The lot page's "Serial Numbers" (position 5, page only; the API's lot keeps ``serial_numbers``
    and answers "where" at ``/api/v1/serials/``)."""
    if not lot.serialized:
        return None
    return Section(
        key="",
        title="Serial Numbers",
        template="traceability/_section_serials.html",
        context={"states": lot_serial_states(lot)},
    )
