from django.contrib import admin

from core.admin import PostedRecordAdmin, ReadOnlyInline

from .models import Transfer, TransferLine


class TransferLineInline(ReadOnlyInline):
    model = TransferLine
    fields = ["line_no", "lic", "quantity", "mfr_lot_number", "usage", "lot"]


@admin.register(Transfer)
class TransferAdmin(PostedRecordAdmin):
    list_display = ["number", "date", "from_office", "to_office", "created_by"]
    list_filter = ["from_office", "to_office"]
    search_fields = ["number"]
    list_select_related = ["from_office", "to_office", "created_by"]
    inlines = [TransferLineInline]
