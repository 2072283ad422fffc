"""Admin helpers: posted ledger records are read-only for everybody, the admin included; master
data's free text is cleaned as every other door cleans it."""

from collections.abc import Callable

from django.contrib import admin, messages
from django.db import models, transaction

from .errors import DomainError
from .forms import TextField


def run_each(modeladmin, request, queryset, call: Callable[[models.Model], object], done: str) -> None:
    """An admin action over the selected records, in primary-key order: ``call(record)`` in its own
    transaction (a savepoint inside the request's), so a refusal undoes that record's writes only
    and never the others'. Each record gets a message: its refusal (ERROR) or ``done`` formatted
    with ``obj`` (SUCCESS)."""
    for obj in queryset.order_by("pk"):
        try:
            with transaction.atomic():
                call(obj)
        except DomainError as error:
            modeladmin.message_user(request, f"{obj}: {error.message}", messages.ERROR)
        else:
            modeladmin.message_user(request, done.format(obj=obj), messages.SUCCESS)


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
