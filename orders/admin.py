"""Admin: customers and orders are master data (audit history); shipments and returns are posted
documents, read-only. An order's status changes only through the close / reopen actions (the
services); once it has posted documents its customer, office and date are read-only too."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core import roles
from core.admin import MasterDataAdminMixin, PostedRecordAdmin, ReadOnlyInline, run_each
from core.errors import DomainError

from . import reversals, selectors, services
from .models import Customer, CustomerReturn, Order, ReturnLine, Shipment, ShipmentLine


@admin.register(Customer)
class CustomerAdmin(MasterDataAdminMixin, SimpleHistoryAdmin):
    list_display = ["code", "name", "created_at"]
    search_fields = ["code", "name"]


class OrderAdminForm(forms.ModelForm):
    class Meta:
        model = Order
        fields = ["customer", "office", "date"]

    def clean(self):
        """Lock the order row for the rest of the admin's transaction and refuse a change of the
        fields posted documents depend on (a shipment may have been posted since the page was shown)."""
        cleaned = super().clean()
        if self.instance.pk is not None and self.has_changed():
            try:
                services.lock_order_for_edit(order=self.instance, changed=self.changed_data)
            except DomainError as error:
                raise forms.ValidationError(error.message, code=error.code) from error
        return cleaned


@admin.register(Order)
class OrderAdmin(SimpleHistoryAdmin):
    form = OrderAdminForm
    list_display = ["number", "customer", "office", "date", "status"]
    list_filter = ["status", "office"]
    search_fields = ["number", "customer__code", "customer__name"]
    list_select_related = ["customer", "office"]
    actions = ["close_selected", "reopen_selected"]

    def has_add_permission(self, request):
        return False  # orders get their number from orders.services.create_order (pages, API)

    def get_readonly_fields(self, request, obj=None):
        """The status is the services' (close / reopen actions); customer, office and date are
        frozen once shipments, returns or production orders hang on the order."""
        if obj is not None and selectors.order_has_documents(obj):
            return ["number", "status", *services.LOCKED_ONCE_POSTED]
        return ["number", "status"]

    def has_accounting_permission(self, request) -> bool:
        return request.user.has_perm(roles.POST_ACCOUNTING)

    @admin.action(description="Close selected orders", permissions=["accounting"])
    def close_selected(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda order: services.close_order(order=order, actor=request.user),
            "{obj}: closed.",
        )

    @admin.action(description="Reopen selected orders", permissions=["accounting"])
    def reopen_selected(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda order: services.reopen_order(order=order, reason="Reopened in the admin", actor=request.user),
            "{obj}: reopened.",
        )


class ShipmentLineInline(ReadOnlyInline):
    model = ShipmentLine
    fields = ["line_no", "lic", "quantity", "usage"]


@admin.register(Shipment)
class ShipmentAdmin(PostedRecordAdmin):
    """Posted shipments are read-only; post them from the order page or the API."""

    list_display = ["number", "date", "order", "reverses_return", "created_by"]
    search_fields = ["number", "order__number"]
    list_select_related = ["order", "reverses_return", "created_by"]
    date_hierarchy = "date"
    inlines = [ShipmentLineInline]
    actions = ["reverse_selected"]

    def has_accounting_permission(self, request) -> bool:
        return request.user.has_perm(roles.POST_ACCOUNTING)

    @admin.action(description="Reverse selected shipments (today)", permissions=["accounting"])
    def reverse_selected(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda shipment: reversals.reverse_shipment(
                shipment=shipment, date=datetime.date.today(), reason="Reversed in the admin", actor=request.user
            ),
            "{obj}: reversed.",
        )


class ReturnLineInline(ReadOnlyInline):
    model = ReturnLine
    fields = ["line_no", "lic", "quantity", "usage"]


@admin.register(CustomerReturn)
class CustomerReturnAdmin(PostedRecordAdmin):
    list_display = ["number", "date", "order", "reverses_shipment", "created_by"]
    search_fields = ["number", "order__number"]
    list_select_related = ["order", "reverses_shipment", "created_by"]
    date_hierarchy = "date"
    inlines = [ReturnLineInline]
    actions = ["reverse_selected"]

    def has_accounting_permission(self, request) -> bool:
        return request.user.has_perm(roles.POST_ACCOUNTING)

    @admin.action(description="Reverse selected customer returns (today)", permissions=["accounting"])
    def reverse_selected(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda document: reversals.reverse_return(
                customer_return=document, date=datetime.date.today(), reason="Reversed in the admin", actor=request.user
            ),
            "{obj}: reversed.",
        )
