"""Tables of the COGS pages."""

from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from core.templatetags.money import money
from inventory_lots.models import USAGE_COLUMNS, InventoryUsage, usage_number
from inventory_lots.tables import MoneyColumn, QtyColumn, UsageColumns

from . import selectors
from .models import CogsEntry, CogsRun


def plain(value) -> str:
    """A decimal for a URL: no separators, no trailing zeros (10.500000 -> 10.5)."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


class RunTable(tables.Table):
    id = tables.Column(linkify=True, verbose_name="Run", order_by=("id",))
    date = tables.Column(orderable=False)
    scope = tables.Column(empty_values=(), orderable=False)
    status = tables.Column(orderable=False)
    created_by = tables.Column(accessor="created_by__username", verbose_name="By", orderable=False, default="schedule")
    allocated_quantity = QtyColumn(verbose_name="Allocated", orderable=False)
    unallocated_quantity = QtyColumn(verbose_name="Unallocated left", orderable=False)
    value_posted = MoneyColumn(verbose_name="COGS posted", orderable=False)
    accrued_value_posted = MoneyColumn(verbose_name="Accruals (net)", orderable=False)
    entries_posted = tables.Column(verbose_name="Entries", orderable=False)
    duration = tables.Column(empty_values=(), orderable=False)

    class Meta:
        model = CogsRun
        fields = ()
        sequence = (
            "id",
            "date",
            "scope",
            "status",
            "created_by",
            "allocated_quantity",
            "unallocated_quantity",
            "value_posted",
            "accrued_value_posted",
            "entries_posted",
            "duration",
        )
        order_by = ("-id",)
        attrs = {"class": "table table-sm table-hover align-middle"}

    def render_id(self, record):
        return str(record)

    def render_scope(self, record):
        parts = [
            f"office {record.office.code}" if record.office_id else "",
            f"LIC {record.lic.code}" if record.lic_id else "",
        ]
        return ", ".join(p for p in parts if p) or "everything"

    def render_status(self, record):
        return record.status_label

    def render_duration(self, record):
        d = record.duration
        return f"{d.total_seconds():.2f} s" if d is not None else "—"


class EntryTable(tables.Table):
    id = tables.Column(verbose_name="Entry", order_by=("id",))
    kind = tables.Column(orderable=False)
    date = tables.Column(orderable=False)
    lic = tables.Column(accessor="lic__code", verbose_name="LIC", orderable=False)
    office = tables.Column(accessor="office__code", verbose_name="Office", orderable=False)
    lot = tables.Column(accessor="lot__number", verbose_name="Lot", orderable=False, default="—")
    usage = tables.Column(empty_values=(), orderable=False)
    quantity = QtyColumn(orderable=False)
    value = MoneyColumn(orderable=False)

    class Meta:
        model = CogsEntry
        fields = ()
        sequence = ("id", "kind", "date", "lic", "office", "lot", "usage", "quantity", "value")
        order_by = ("id",)
        attrs = {"class": "table table-sm table-hover align-middle"}

    def render_kind(self, record):
        return record.get_kind_display()

    def render_lot(self, record):
        return format_html('<a href="{}">{}</a>', record.lot.get_absolute_url(), record.lot.number)

    def render_usage(self, record):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("inventory_lots:usage_detail", args=[record.usage_id]),
            usage_number(record.usage_id),
        )


class UnallocatedTable(UsageColumns):
    unallocated_quantity = QtyColumn(verbose_name="Unallocated", orderable=False)
    accrued_value = MoneyColumn(
        verbose_name="Accrued COGS",
        orderable=False,
        attrs={
            "td": {"class": "text-end font-monospace", "data-figure": lambda record: f"accrued_{record.pk}"},
            "th": {"class": "text-end"},
        },
    )
    reason = tables.Column(empty_values=(), orderable=False)
    resolve = tables.Column(empty_values=(), orderable=False, verbose_name="")

    class Meta:
        model = InventoryUsage
        fields = ()
        sequence = ("id", *USAGE_COLUMNS, "unallocated_quantity", "accrued_value", "reason", "resolve")
        order_by = ("date",)
        attrs = {"class": "table table-sm table-hover align-middle"}

    def render_id(self, record):
        return str(record)

    def paginate(self, *args, **kwargs):
        super().paginate(*args, **kwargs)
        selectors.with_reasons([row.record for row in self.page.object_list])  # one query per page

    def render_accrued_value(self, record):
        """The open accrual (DOMAIN.md 6a), or the "No cost basis" flag when no lot gave an estimate."""
        if record.no_cost_basis:
            return format_html(
                '{} <span class="badge text-bg-warning" data-flag="no_cost_basis">No cost basis</span>',
                money(record.accrued_value),
            )
        return money(record.accrued_value)

    def render_reason(self, record):
        return getattr(record, "reason", "")

    def render_resolve(self, record):
        if record.quantity < 0:
            return ""
        url = reverse("inventory_lots:adjustment_create")
        return format_html(
            '<a class="btn btn-sm btn-outline-primary goto" href="{}?lic={}&amp;office={}&amp;quantity={}">'
            "Adjust in ›</a>",
            url,
            record.lic.code,
            record.office.code,
            plain(record.unallocated_quantity),
        )


__all__ = ["EntryTable", "RunTable", "UnallocatedTable", "money"]
