"""Admin helpers: posted ledger records are read-only for everybody, the admin included."""

from django.contrib import admin


class PostedRecordAdmin(admin.ModelAdmin):
    """Posted records cannot be added, changed or deleted here; they are reversed by services."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
