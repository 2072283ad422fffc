from django.contrib import admin

from .models import JournalExport, LedgerCheck, OfficeAccounts, SnapshotRun


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


class JobRecordAdmin(admin.ModelAdmin):
    """A background job's record (reports.services): read-only, written by the job."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SnapshotRun)
class SnapshotRunAdmin(JobRecordAdmin):
    """Each lock-date move's request to write the stored figures of the closed days, and how its
    job went (queued, running with its stage, done up to a date, failed with the error)."""

    list_display = ("date", "status", "created_at", "started_at", "finished_at", "attempts", "written_through", "error")
    list_filter = ("status",)


@admin.register(LedgerCheck)
class LedgerCheckAdmin(JobRecordAdmin):
    """Every ledger check run by the background job (the close page's "Ledger check" item)."""

    list_display = ("__str__", "status", "created_at", "started_at", "finished_at", "violations_count", "requested_by")
    list_filter = ("status",)
    list_select_related = ("requested_by",)
