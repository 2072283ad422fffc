"""Admin: vendors are editable master data; POs, receipts and invoices are posted documents,
read-only here (view, search, filter). Closing a PO and reversing a receipt are admin actions
that call the services; a refusal is shown as an error message and writes nothing."""

from __future__ import annotations

import datetime

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core import roles
from core.admin import MasterDataAdminMixin, PostedRecordAdmin, ReadOnlyInline, run_each

from . import services
from .models import (
    PO_LINE_COLUMNS,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
    Vendor,
    VendorInvoice,
    VendorInvoiceLine,
)


@admin.register(Vendor)
class VendorAdmin(MasterDataAdminMixin, SimpleHistoryAdmin):
    list_display = ["code", "name", "created_at"]
    search_fields = ["code", "name"]


class _AccountingActionMixin:
    def has_accounting_permission(self, request) -> bool:
        return request.user.has_perm(roles.POST_ACCOUNTING)


class POLineInline(ReadOnlyInline):
    model = PurchaseOrderLine
    fields = PO_LINE_COLUMNS


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(_AccountingActionMixin, PostedRecordAdmin):
    list_display = ["number", "date", "vendor", "office", "status", "closed_on", "created_by"]
    list_filter = ["status", "office", "vendor"]
    search_fields = ["number", "vendor__code", "vendor__name"]
    list_select_related = ["vendor", "office", "created_by"]
    date_hierarchy = "date"
    show_full_result_count = False
    inlines = [POLineInline]
    actions = ["close_selected"]

    @admin.action(description="Close selected purchase orders (today)", permissions=["accounting"])
    def close_selected(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda po: services.close_purchase_order(purchase_order=po, date=datetime.date.today(), actor=request.user),
            "{obj}: closed.",
        )


class ReceiptLineInline(ReadOnlyInline):
    model = ReceiptLine
    fields = ["line_no", "po_line", "quantity", "lot", "mfr_lot_number", "serial_numbers"]


@admin.register(Receipt)
class ReceiptAdmin(_AccountingActionMixin, PostedRecordAdmin):
    list_display = ["number", "date", "purchase_order", "reverses", "allow_over_receipt", "created_by"]
    list_filter = ["allow_over_receipt", "purchase_order__office"]
    search_fields = ["number", "purchase_order__number", "purchase_order__vendor__code"]
    list_select_related = ["purchase_order", "reverses", "created_by"]
    date_hierarchy = "date"
    show_full_result_count = False
    inlines = [ReceiptLineInline]
    actions = ["reverse_selected"]

    @admin.action(description="Reverse selected receipts (today, lots must be unused)", permissions=["accounting"])
    def reverse_selected(self, request, queryset):
        run_each(
            self,
            request,
            queryset.select_related("purchase_order"),
            lambda receipt: services.reverse_receipt(
                receipt=receipt, date=datetime.date.today(), reason="Reversed in the admin", actor=request.user
            ),
            "{obj}: reversed.",
        )


class InvoiceLineInline(ReadOnlyInline):
    model = VendorInvoiceLine
    fields = ["line_no", "po_line", "quantity", "amount", "freight_share"]


@admin.register(VendorInvoice)
class VendorInvoiceAdmin(PostedRecordAdmin):
    list_display = ["number", "vendor", "purchase_order", "date", "freight", "created_by"]
    list_filter = ["vendor"]
    search_fields = ["number", "vendor__code", "purchase_order__number"]
    list_select_related = ["vendor", "purchase_order", "created_by"]
    date_hierarchy = "date"
    show_full_result_count = False
    inlines = [InvoiceLineInline]
