"""Admin of production: read-only records (core.admin.PostedRecordAdmin); state changes and
corrections go through services as admin actions (release, close, reverse job cost)."""

from __future__ import annotations

import datetime

from django.contrib import admin

from core import roles
from core.admin import PostedRecordAdmin, ReadOnlyInline, run_each

from . import services
from .models import PRODUCTION_ORDER_COLUMNS, JobCostEntry, ProductionOrder, ProductionReport


class JobCostInline(ReadOnlyInline):
    model = JobCostEntry
    fk_name = "production_order"
    fields = ["date", "lic", "description", "amount", "capitalized", "vendor", "reverses"]


class ProductionReportInline(ReadOnlyInline):
    model = ProductionReport
    fields = ["date", "quantity", "serial_numbers", "mfr_lot_number", "lot"]


@admin.register(ProductionOrder)
class ProductionOrderAdmin(PostedRecordAdmin):
    list_display = PRODUCTION_ORDER_COLUMNS
    list_filter = ["status", "office"]
    search_fields = ["number", "lic__code", "order__number"]
    list_select_related = ["office", "lic", "order", "lot"]
    date_hierarchy = "date"
    inlines = [JobCostInline, ProductionReportInline]
    actions = ["release_orders", "close_orders"]

    @admin.action(description="Release the produced lot", permissions=["post_production"])
    def release_orders(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda mo: services.release(production_order=mo, actor=request.user),
            "{obj} released.",
        )

    @admin.action(description="Close", permissions=["post_production"])
    def close_orders(self, request, queryset):
        run_each(
            self, request, queryset, lambda mo: services.close(production_order=mo, actor=request.user), "{obj} closed."
        )

    def has_post_production_permission(self, request) -> bool:
        return request.user.has_perm(roles.POST_PRODUCTION)


@admin.register(JobCostEntry)
class JobCostEntryAdmin(PostedRecordAdmin):
    list_display = [
        "__str__",
        "date",
        "production_order",
        "lic",
        "description",
        "amount",
        "capitalized",
        "vendor",
        "reverses",
    ]
    list_filter = ["capitalized"]
    search_fields = ["description", "production_order__number", "lic__code"]
    list_select_related = ["production_order", "lic", "vendor", "reverses"]
    date_hierarchy = "date"
    actions = ["reverse_entries"]

    @admin.action(description="Reverse (post a reversing entry dated today)", permissions=["reverse"])
    def reverse_entries(self, request, queryset):
        today = datetime.date.today()
        run_each(
            self,
            request,
            queryset,
            lambda entry: services.reverse_job_cost(entry=entry, date=today, actor=request.user),
            "{obj} reversed.",
        )

    def has_reverse_permission(self, request) -> bool:
        return request.user.has_perm(roles.POST_PRODUCTION) or request.user.has_perm(roles.POST_ACCOUNTING)


@admin.register(ProductionReport)
class ProductionReportAdmin(PostedRecordAdmin):
    list_display = ["__str__", "date", "production_order", "quantity", "lot"]
    list_select_related = ["production_order", "lot"]
