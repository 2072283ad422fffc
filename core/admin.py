"""Admin helpers: posted ledger records are read-only for everybody, the admin included; master
data's free text is cleaned as every other door cleans it."""

from django.contrib import admin
from django.db import models

from .forms import TextField


class MasterDataAdminMixin:
    """Office, LIC, vendor, customer: free-text fields (names, descriptions) are stored without
    Unicode bidirectional controls (core.text.clean_text). The code is not cleaned but validated:
    its model validator refuses anything but letters, digits, ".", "_", "-", and the model's
    unique constraint on UPPER(code) a code differing only by case."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.CharField) and db_field.name != "code" and not db_field.choices:
            kwargs.setdefault("form_class", TextField)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


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
