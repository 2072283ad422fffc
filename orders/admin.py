from django.contrib import admin

from .models import Customer, Order


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "created_at"]
    search_fields = ["code", "name"]


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["number", "customer", "office", "date", "status"]
    list_filter = ["status", "office"]
    search_fields = ["number", "customer__code", "customer__name"]
    readonly_fields = ["number"]
    list_select_related = ["customer", "office"]

    def has_add_permission(self, request):
        return False  # orders get their number from orders.services.create_order (pages, API)
