import datetime

from django.contrib import admin

from core import roles
from core.admin import PostedRecordAdmin, ReadOnlyInline, run_each

from . import reversals
from .models import Transfer, TransferLine


class TransferLineInline(ReadOnlyInline):
    model = TransferLine
    fields = ["line_no", "lic", "quantity", "serial_numbers", "mfr_lot_number", "usage", "lot", "reverses_line"]


@admin.register(Transfer)
class TransferAdmin(PostedRecordAdmin):
    list_display = ["number", "date", "from_office", "to_office", "reverses", "created_by"]
    list_filter = ["from_office", "to_office"]
    search_fields = ["number"]
    list_select_related = ["from_office", "to_office", "created_by"]
    inlines = [TransferLineInline]
    actions = ["reverse_selected"]

    def has_accounting_permission(self, request) -> bool:
        return request.user.has_perm(roles.POST_ACCOUNTING)

    @admin.action(description="Reverse selected transfers (today, lots must be unused)", permissions=["accounting"])
    def reverse_selected(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda transfer: reversals.reverse_transfer(
                transfer=transfer, date=datetime.date.today(), reason="Reversed in the admin", actor=request.user
            ),
            "{obj}: reversed.",
        )
