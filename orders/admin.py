from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin import PostedRecordAdmin, ReadOnlyInline

from .models import Customer, CustomerReturn, Order, ReturnLine, Shipment, ShipmentLine


@admin.register(Customer)
class CustomerAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "created_at"]
    search_fields = ["code", "name"]


@admin.register(Order)
class OrderAdmin(SimpleHistoryAdmin):
    list_display = ["number", "customer", "office", "date", "status"]
    list_filter = ["status", "office"]
    search_fields = ["number", "customer__code", "customer__name"]
    readonly_fields = ["number"]
    list_select_related = ["customer", "office"]

    def has_add_permission(self, request):
        return False  # orders get their number from orders.services.create_order (pages, API)


class ShipmentLineInline(ReadOnlyInline):
    model = ShipmentLine
    fields = ["line_no", "lic", "quantity", "usage"]


@admin.register(Shipment)
class ShipmentAdmin(PostedRecordAdmin):
    """Posted shipments are read-only; post them from the order page or the API."""

    list_display = ["number", "date", "order", "created_by"]
    search_fields = ["number", "order__number"]
    list_select_related = ["order", "created_by"]
    date_hierarchy = "date"
    inlines = [ShipmentLineInline]


class ReturnLineInline(ReadOnlyInline):
    model = ReturnLine
    fields = ["line_no", "lic", "quantity", "usage"]


@admin.register(CustomerReturn)
class CustomerReturnAdmin(PostedRecordAdmin):
    list_display = ["number", "date", "order", "created_by"]
    search_fields = ["number", "order__number"]
    list_select_related = ["order", "created_by"]
    date_hierarchy = "date"
    inlines = [ReturnLineInline]
