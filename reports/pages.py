"""The home page (the books at a glance, reports.home) and the close page (DOMAIN.md 10 "Closing a
period", reports.close). The close page moves the lock date through the lock-date service, with
the lock-date page's confirmation step and its messages."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.generic import TemplateView, View

from core import roles
from core.errors import DomainError
from core.forms import ISODateField, add_domain_error
from core.mixins import ViewerRequiredMixin
from inventory_lots import dates, selectors, services
from inventory_lots.forms import LockDateForm
from inventory_lots.scope import require_costs, scope_of

from . import close, home
from . import services as report_services


def home_page(request):
    """Everyone logged in sees the page; the figures need the viewer permission (no role: the
    "ask for a role" message of templates/home.html)."""
    context = {"books": home.books(access=scope_of(request))} if request.user.has_perm(roles.VIEW) else {}
    return render(request, "reports/home.html", context)


MSG_EVERY_OFFICE = "The lock date is the same for every office: closing needs every office."


def require_books_wide(request) -> None:
    """The close is about money and the lock date is one for every office: 403 without "see
    costs", or without every office (its checklist counts them all). The page and the API's
    ``GET /close/`` (reports.api) ask alike."""
    require_costs(request)
    if not scope_of(request).all_offices:
        raise PermissionDenied(MSG_EVERY_OFFICE)


class BooksWideMixin:
    """The close page answers 403 to a user without "see costs" or every office (require_books_wide)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            require_books_wide(request)
        return super().dispatch(request, *args, **kwargs)


class CloseDateForm(forms.Form):
    date = ISODateField(label="Close through", required=False)


class CloseView(BooksWideMixin, ViewerRequiredMixin, TemplateView):
    """GET ``?date=D``: the checklist for D (default: the next period to close). POST (accountants):
    move the lock date to D; the first submission asks for confirmation, ``confirm=yes`` does it."""

    template_name = "reports/close.html"

    def get_date_form(self):
        return CloseDateForm(self.request.GET or None)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        date_form = kwargs.get("date_form") or self.get_date_form()
        day = kwargs.get("day")
        if day is None and (not date_form.is_bound or date_form.is_valid()):
            day = (date_form.cleaned_data.get("date") if date_form.is_bound else None) or close.default_date()
        context["date_form"] = date_form
        if day is not None:
            context["day"] = day
            context["checklist"] = close.checklist(day)
            context.setdefault("form", LockDateForm(initial={"date": day}))
        return context

    def get(self, request, *args, **kwargs):
        context = self.get_context_data(**kwargs)
        return self.render_to_response(context, status=200 if "day" in context else 400)

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm(roles.POST_ACCOUNTING):
            raise PermissionDenied
        form = LockDateForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form, day=None), status=400)
        day, reason = form.cleaned_data["date"], form.cleaned_data["reason"]
        try:
            if not form.cleaned_data["confirm"]:  # refuse now what the service would refuse, else ask
                lock = selectors.current_lock_date()
                reason = dates.check_lock_date_change(date=day, lock=lock, actor=request.user, reason=reason)
                confirm = {"date": day, "reason": reason, "lock": lock}
                return self.render_to_response(self.get_context_data(form=form, day=day, confirm=confirm))
            row = services.set_lock_date(date=day, actor=request.user, reason=reason)
        except DomainError as error:
            add_domain_error(form, error)
            return self.render_to_response(self.get_context_data(form=form, day=day), status=400)
        messages.success(request, f"Books closed through {row.date:%Y-%m-%d}.")  # the job's state: on the page
        return redirect(f"{reverse('reports:close')}?date={row.date:%Y-%m-%d}")


class CloseCheckView(BooksWideMixin, ViewerRequiredMixin, View):
    """POST (accountants): queue every ledger check (reports.services.request_ledger_check); the
    close page shows its result when a worker has run it."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm(roles.POST_ACCOUNTING):
            raise PermissionDenied
        check = report_services.request_ledger_check(actor=request.user)
        messages.success(request, f"Ledger check queued ({check}): the page shows its result once a worker has run it.")
        form = CloseDateForm(request.POST)
        day = form.cleaned_data.get("date") if form.is_valid() else None
        query = f"?date={day:%Y-%m-%d}" if day else ""
        return redirect(f"{reverse('reports:close')}{query}")
