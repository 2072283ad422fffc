import datetime
from urllib.parse import urlencode

from django.contrib import admin
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from core import roles
from core.admin import MasterDataAdminMixin, PostedRecordAdmin, ReadOnlyInline, run_each

from . import (
    lock_date_admin,  # noqa: F401  (registers the lock date's admin)
    reversals,
)
from .models import (
    LIC_COLUMNS,
    LOT_COLUMNS,
    USAGE_COGS_COLUMNS,
    USAGE_COLUMNS,
    AdjustmentLine,
    InventoryAdjustment,
    InventoryUsage,
    LineItemCode,
    Lot,
    LotExport,
    LotSerial,
    Office,
    OfficeAccess,
    SerialUse,
)
from .selectors import lic_in_use
from .services import LIC_LEDGER_FIELDS


@admin.register(Office)
class OfficeAdmin(MasterDataAdminMixin, SimpleHistoryAdmin):
    list_display = ["code", "name", "created_at"]
    search_fields = ["code", "name"]


@admin.register(LineItemCode)
class LineItemCodeAdmin(MasterDataAdminMixin, SimpleHistoryAdmin):
    list_display = LIC_COLUMNS
    list_filter = ["inventoried", "serialized", "track_by_mfr_lot", "costing_method", "active"]
    search_fields = ["code", "description"]
    LEDGER_FIELDS = LIC_LEDGER_FIELDS

    def get_list_display(self, request):
        return [*LIC_COLUMNS, "transactions"]

    @admin.display(description="Inventory transactions")
    def transactions(self, obj) -> str:
        if not obj.inventoried:
            return ""
        url = reverse("movements:inventory_transactions") + "?" + urlencode({"lic": obj.code})
        return format_html('<a href="{}">Transactions</a>', url)

    def get_readonly_fields(self, request, obj=None):
        """Once a LIC has lots or usage, the flags the ledger depends on can no longer change
        (FIFO -> specific would strand unallocated usage; un-inventorying would strand lots). The
        API's PATCH refuses the same fields through services.update_line_item_code."""
        if obj is not None and lic_in_use(obj):
            return self.LEDGER_FIELDS
        return ()


class LotSerialInline(ReadOnlyInline):
    model = LotSerial
    fields = ["serial_number", "where"]
    readonly_fields = ["where"]

    def get_queryset(self, request):
        out_on = SerialUse.objects.filter(serial=OuterRef("pk"), returned_by__isnull=True).values("usage__source_label")
        return super().get_queryset(request).annotate(out_on=Subquery(out_on[:1]))

    @admin.display(description="Where")
    def where(self, obj) -> str:
        return f"out on {obj.out_on}" if obj.out_on else "in stock"


@admin.register(SerialUse)
class SerialUseAdmin(PostedRecordAdmin):
    """Where each serial went: written only by the ledger core's services."""

    list_display = ["serial", "lic", "lot", "usage", "out_on", "returned_by"]
    search_fields = ["serial__serial_number", "usage__source_label"]
    list_select_related = ["serial__lot", "serial__lic", "usage", "returned_by"]
    show_full_result_count = False

    @admin.display(description="LIC")
    def lic(self, obj) -> str:
        return obj.serial.lic.code

    @admin.display(description="Lot")
    def lot(self, obj) -> str:
        return obj.serial.lot.number

    @admin.display(description="Out on")
    def out_on(self, obj) -> str:
        return obj.usage.source_label


@admin.register(Lot)
class LotAdmin(PostedRecordAdmin):
    list_display = [*LOT_COLUMNS, "value_in", "value_used"]
    list_filter = ["type", "status", "office", "released"]
    search_fields = ["number", "lic__code", "mfr_lot_number"]
    list_select_related = ["office", "lic"]
    date_hierarchy = "date"
    show_full_result_count = False
    inlines = [LotSerialInline]
    raw_id_fields = ["lic"]


@admin.register(InventoryUsage)
class InventoryUsageAdmin(PostedRecordAdmin):
    list_display = ["__str__", *USAGE_COLUMNS, *USAGE_COGS_COLUMNS]
    list_filter = ["kind", "office"]
    search_fields = ["lic__code", "source_label"]
    list_select_related = ["office", "lic", "cogs_state"]
    # what COGS did with it (its UsageCogs row), shown on the view page beside the posted fields
    readonly_fields = ["allocated_quantity", "unallocated_quantity", "cogs_value", "accrued_value", "no_cost_basis"]
    date_hierarchy = "date"
    show_full_result_count = False


class AdjustmentLineInline(ReadOnlyInline):
    model = AdjustmentLine
    fields = ["line_no", "lic", "quantity", "unit_cost", "lot", "usage"]


@admin.register(InventoryAdjustment)
class InventoryAdjustmentAdmin(PostedRecordAdmin):
    list_display = ["number", "date", "office", "kind", "reason", "reverses", "created_by"]
    list_filter = ["kind", "office"]
    search_fields = ["number", "reason"]
    inlines = [AdjustmentLineInline]
    actions = ["reverse_selected"]

    def has_accounting_permission(self, request) -> bool:
        return request.user.has_perm(roles.POST_ACCOUNTING)

    @admin.action(description="Reverse selected adjustments (today, lots must be unused)", permissions=["accounting"])
    def reverse_selected(self, request, queryset):
        run_each(
            self,
            request,
            queryset.select_related("office"),
            lambda adjustment: reversals.reverse_adjustment(
                adjustment=adjustment, date=datetime.date.today(), reason="Reversed in the admin", actor=request.user
            ),
            "{obj}: reversed.",
        )


@admin.register(LotExport)
class LotExportAdmin(PostedRecordAdmin):
    list_display = ["id", "user", "format", "started_at", "finished_at", "row_count", "filters"]
    list_filter = ["format", "user"]
    date_hierarchy = "started_at"


class OfficeAccessInline(admin.TabularInline):
    """Which offices a user without "all offices" sees, view or view-and-post (DOMAIN.md section 11);
    "all offices" and "see costs" are the permissions of the same page."""

    model = OfficeAccess
    extra = 1
    fields = ["office", "can_post"]
    autocomplete_fields = ["office"]


def _register_user_admin() -> None:
    from django.contrib.auth.admin import UserAdmin
    from django.contrib.auth.models import User

    from . import services

    class UserWithOfficesAdmin(UserAdmin):
        inlines = [*UserAdmin.inlines, OfficeAccessInline]

        def save_formset(self, request, form, formset, change):
            if formset.model is not OfficeAccessInline.model:
                return super().save_formset(request, form, formset, change)
            offices = {}
            for row in formset.cleaned_data:
                if row and not row.get("DELETE") and row.get("office") is not None:
                    offices[row["office"]] = bool(row.get("can_post"))
            services.set_user_offices(user=form.instance, offices=offices, actor=request.user)

    if admin.site.is_registered(User):
        admin.site.unregister(User)
    admin.site.register(User, UserWithOfficesAdmin)


_register_user_admin()
