"""Admin of the lock date (DOMAIN.md 6a): its history, read-only like every posted record, and a
form for administrators to move it back (or on) with a reason, through ``services.set_lock_date``
(so the same rules hold as on the page and in the API: never past today, a reason to move back)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from core.admin import PostedRecordAdmin
from core.errors import DomainError
from core.forms import add_domain_error

from . import dates, selectors, services
from .models import LockDate


class MoveLockDateForm(forms.Form):
    date = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}),
        label="Books closed through",
        help_text="Never later than today.",
    )
    reason = forms.CharField(
        max_length=dates.LOCK_REASON_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Required to move the lock date back; kept in its history.",
    )


@admin.register(LockDate)
class LockDateAdmin(PostedRecordAdmin):
    list_display = ["date", "moved_back_from", "reason", "set_by", "created_at"]
    list_select_related = ["set_by"]
    show_full_result_count = False

    @admin.display(description="Moved back from")
    def moved_back_from(self, obj: LockDate):
        return obj.previous_date if obj.moved_back else "—"

    def get_urls(self):
        move_back = path(
            "move-back/", self.admin_site.admin_view(self.move_back_view), name="inventory_lots_lockdate_move_back"
        )
        return [move_back, *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra = {"can_move_lock_date_back": dates.may_move_lock_date_back(request.user), **(extra_context or {})}
        return super().changelist_view(request, extra_context=extra)

    def move_back_view(self, request):
        if not dates.may_move_lock_date_back(request.user):
            raise PermissionDenied
        form = MoveLockDateForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                row = services.set_lock_date(
                    date=form.cleaned_data["date"], actor=request.user, reason=form.cleaned_data["reason"]
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                if row.moved_back:
                    text = f"Lock date moved back from {row.previous_date:%Y-%m-%d} to {row.date:%Y-%m-%d}."
                else:
                    text = f"Books closed through {row.date:%Y-%m-%d}."
                self.message_user(request, text, messages.SUCCESS)
                return redirect("admin:inventory_lots_lockdate_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": "Move the lock date back",
            "current": selectors.current_lock_date(),
            "history": selectors.lock_date_history(),
        }
        return TemplateResponse(request, "admin/inventory_lots/lockdate/move_back.html", context)
