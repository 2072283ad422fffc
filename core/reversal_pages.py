"""The page that reverses a posted document (DOMAIN.md 9: shipments, customer returns, adjustments; a
receipt has its own in purchasing): a date (default today) and a reason, a confirmation saying what
becomes impossible, then the owning app's reversal service. Refusals (409 and 400) are shown on the
form with the service's message and nothing is written. Domain-free: each app gives its model, its
service and its words."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.generic import TemplateView

from . import roles
from .errors import DomainError
from .forms import add_domain_error, confirmed, date_field
from .mixins import ViewerRequiredMixin

CONFIRM = (
    "{document} stays as posted and a reversing {kind} is posted beside it, dated {date}. This cannot be undone: "
    "the reversal cannot itself be reversed, and {document} cannot be reversed again."
)


class ReverseForm(forms.Form):
    date = date_field()
    reason = forms.CharField(max_length=200)


class ReversePageView(ViewerRequiredMixin, TemplateView):
    """Subclasses set ``model``, ``label`` ("shipment"), ``reversal_kind`` ("customer return"),
    ``explain`` (what the reversal does) and ``reverse(document, date, reason, actor)``."""

    permission_required = roles.POST_ACCOUNTING
    template_name = "reverse_page.html"
    model = None
    label = reversal_kind = explain = ""

    def reverse(self, document, date, reason, actor):  # pragma: no cover - subclasses
        raise NotImplementedError

    def get_queryset(self):
        """The documents this user may reach (subclasses limit it to the offices they see: 404)."""
        return self.model._default_manager.all()

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:  # else the mixin sends the visitor to log in
            self.document = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def _render(self, request, form, status=200, confirm=None):
        context = {
            "document": self.document,
            "label": self.label,
            "explain": self.explain,
            "form": form,
            "confirm": confirm,
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request, *args, **kwargs):
        return self._render(request, ReverseForm())

    def post(self, request, *args, **kwargs):
        form = ReverseForm(request.POST)
        if form.is_valid() and not confirmed(request):
            date = f"{form.cleaned_data['date']:%Y-%m-%d}"
            name = f"{self.label.capitalize()} {self.document.number}"
            confirm = {
                "title": f"Reverse {self.label} {self.document.number} on {date}?",
                "text": CONFIRM.format(document=name, kind=self.reversal_kind, date=date),
                "button": "Yes, reverse it",
                "cancel_url": self.document.get_absolute_url(),
            }
            return self._render(request, form, confirm=confirm)
        if form.is_valid():
            try:
                reversal = self.reverse(
                    self.document, form.cleaned_data["date"], form.cleaned_data["reason"], request.user
                )
            except DomainError as error:
                add_domain_error(form, error)
                return self._render(request, form, status=error.status)
            messages.success(
                request, f"{self.label.capitalize()} {self.document.number} reversed by {reversal.number}."
            )
            return redirect(reversal)
        return self._render(request, form, status=400)
