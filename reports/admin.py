from django.contrib import admin

from .models import JournalExport, OfficeAccounts


@admin.register(OfficeAccounts)
class OfficeAccountsAdmin(admin.ModelAdmin):
    """The journal's accounts per office (DOMAIN.md 10): administrators edit them; an office with
    no row uses the defaults (1300 Inventory, ...)."""

    list_display = (
        "office",
        "inventory",
        "work_in_process",
        "in_transit",
        "received_not_invoiced",
        "accrued_cogs",
        "opening_equity",
        "cogs",
        "adjustments",
        "capitalized_clearing",
    )
    list_select_related = ("office",)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(JournalExport)
class JournalExportAdmin(admin.ModelAdmin):
    """Recorded journal exports: a record of what was exported, never edited."""

    list_display = (
        "__str__",
        "created_at",
        "created_by",
        "date_from",
        "date_to",
        "detail",
        "line_count",
        "new_line_count",
        "debit",
        "credit",
    )
    list_select_related = ("created_by",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
