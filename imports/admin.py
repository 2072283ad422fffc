from django.contrib import admin
from django.utils.html import format_html

from core.admin import PostedRecordAdmin

from .models import ImportBatch


@admin.register(ImportBatch)
class ImportBatchAdmin(PostedRecordAdmin):
    """Batches are written by the import page, command and API only (imports.services); the admin
    shows them and links to the page, where a batch is imported or reversed."""

    list_display = [
        "__str__",
        "kind",
        "status",
        "file_name",
        "created_by",
        "created_at",
        "row_count",
        "created_count",
        "error_count",
        "total_value",
        "page",
    ]
    list_filter = ["kind", "status"]
    search_fields = ["file_name"]
    exclude = ["content", "adjustments"]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).defer("content").select_related("created_by")

    @admin.display(description="Page")
    def page(self, obj) -> str:
        return format_html('<a href="{}">open</a>', obj.get_absolute_url())
