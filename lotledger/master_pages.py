"""Master-data pages: offices, LICs, vendors and customers listed, created and edited
outside the admin.

Everyone with a role reads the lists; creating needs the model's add permission and editing its
change permission (administrators, as in the admin and the API's PATCH). Edits go through the owning
app's ``update_*`` service (inventory_lots, purchasing, orders), creation through
``core.master_data.create_record``; both validate the record as the model does and name the actor in
its audit history. A LIC with lots or usage keeps its code and ledger flags (``LIC_LEDGER_FIELDS``):
the edit page shows them read-only and the service refuses them (409 ``lic_in_use``).

It lives in the project package because it spans four apps (core imports none)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.views import View

from core.codes import by_code
from core.errors import DomainError
from core.forms import add_domain_error
from core.master_data import create_record
from core.mixins import ViewerRequiredMixin
from core.text import clean_text
from inventory_lots import selectors as lot_selectors
from inventory_lots import services as lot_services
from inventory_lots.models import LineItemCode, Office
from inventory_lots.scope import scope_of
from orders.models import Customer
from orders.services import update_customer
from purchasing.models import Vendor
from purchasing.services import update_vendor

PAGE_SIZE = 100
LIC_FIELDS = (
    "code",
    "description",
    "unit",
    "inventoried",
    "serialized",
    "track_by_mfr_lot",
    "costing_method",
    "active",
)


@dataclass(frozen=True)
class Kind:
    slug: str
    model: Any
    title: str  # plural, for the list
    noun: str
    fields: tuple[str, ...]
    columns: tuple[str, ...]
    update: Any  # (record, actor, changes) -> record

    @property
    def opts(self):
        return self.model._meta

    def perm(self, action: str) -> str:
        return f"{self.opts.app_label}.{action}_{self.opts.model_name}"


KINDS = {
    kind.slug: kind
    for kind in (
        Kind(
            "offices",
            Office,
            "Offices",
            "office",
            ("code", "name"),
            ("code", "name"),
            lambda r, actor, ch: lot_services.update_office(office=r, actor=actor, **ch),
        ),
        Kind(
            "lics",
            LineItemCode,
            "Line item codes",
            "LIC",
            LIC_FIELDS,
            LIC_FIELDS,
            lambda r, actor, ch: lot_services.update_line_item_code(lic=r, actor=actor, **ch),
        ),
        Kind(
            "vendors",
            Vendor,
            "Vendors",
            "vendor",
            ("code", "name"),
            ("code", "name"),
            lambda r, actor, ch: update_vendor(vendor=r, actor=actor, **ch),
        ),
        Kind(
            "customers",
            Customer,
            "Customers",
            "customer",
            ("code", "name"),
            ("code", "name"),
            lambda r, actor, ch: update_customer(customer=r, actor=actor, **ch),
        ),
    )
}


def record_form(kind: Kind, frozen: tuple[str, ...] = ()) -> type[forms.ModelForm]:
    """A ModelForm of the kind's fields; ``frozen`` fields are shown disabled (never changed)."""

    class RecordForm(forms.ModelForm):
        class Meta:
            model = kind.model
            fields = kind.fields

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            for name in frozen:
                self.fields[name].disabled = True
                self.fields[name].help_text = "In use (it has lots or usage): can no longer change."

        def clean(self):
            data = super().clean()
            for name in ("name", "description"):
                if isinstance(data.get(name), str):
                    data[name] = clean_text(data[name])
            return data

    return RecordForm


class _KindMixin(ViewerRequiredMixin):
    action = ""  # "add" / "change": the model permission needed besides the viewer's

    def dispatch(self, request, *args, **kwargs):
        self.kind = KINDS.get(kwargs["kind"])
        if self.kind is None:
            raise Http404("No such master data.")
        return super().dispatch(request, *args, **kwargs)

    def has_permission(self):
        ok = super().has_permission()
        return ok and (not self.action or self.request.user.has_perm(self.kind.perm(self.action)))

    def context(self, **extra) -> dict:
        user = self.request.user
        return {
            "kind": self.kind,
            "kinds": KINDS.values(),
            "can_add": user.has_perm(self.kind.perm("add")),
            "can_change": user.has_perm(self.kind.perm("change")),
            **extra,
        }


def _records(kind: Kind, request):
    """The kind's records; offices only those the user sees (DOMAIN.md section 11)."""
    records = kind.model.objects.all()
    if kind.model is Office:
        records = records.visible_to(scope_of(request))
    return records


class MasterListView(_KindMixin, View):
    def get(self, request, kind):
        records = _records(self.kind, request).order_by("code")
        query = request.GET.get("q", "").strip()
        if query:
            records = records.filter(code__icontains=query)
        page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = [(r, [getattr(r, c) for c in self.kind.columns]) for r in page]
        return render(request, "master_data/list.html", self.context(page=page, rows=rows, query=query))


class MasterCreateView(_KindMixin, View):
    action = "add"

    def get(self, request, kind):
        return self._render(record_form(self.kind)())

    def _render(self, form, status=200):
        return render(self.request, "master_data/form.html", self.context(form=form, record=None), status=status)

    def post(self, request, kind):
        form = record_form(self.kind)(request.POST)
        if form.is_valid():
            try:
                record = create_record(
                    self.kind.model, {n: form.cleaned_data[n] for n in self.kind.fields}, actor=request.user
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, f"{self.kind.noun.capitalize()} {record.code} created.")
                return redirect("master_data:list", kind=self.kind.slug)
        return self._render(form, status=400)


class MasterEditView(_KindMixin, View):
    action = "change"

    def dispatch(self, request, *args, **kwargs):
        self.code = kwargs["code"]
        return super().dispatch(request, *args, **kwargs)

    def record(self):
        record = by_code(_records(self.kind, self.request), self.code)
        if record is None:
            raise Http404("No such record.")
        return record

    def frozen(self, record) -> tuple[str, ...]:
        if self.kind.model is LineItemCode and lot_selectors.lic_in_use(record):
            return tuple(lot_services.LIC_LEDGER_FIELDS)
        return ()

    def _render(self, form, record, status=200):
        return render(self.request, "master_data/form.html", self.context(form=form, record=record), status=status)

    def get(self, request, kind, code):
        record = self.record()
        return self._render(record_form(self.kind, self.frozen(record))(instance=record), record)

    def post(self, request, kind, code):
        record = self.record()
        frozen = self.frozen(record)
        # the form validates a copy (a ModelForm writes its cleaned values onto its instance); the
        # service gets the changes and compares them with the record itself
        form = record_form(self.kind, frozen)(request.POST, instance=self.record())
        if form.is_valid():
            changes = {n: form.cleaned_data[n] for n in self.kind.fields if n not in frozen}
            try:
                record = self.kind.update(record, request.user, changes)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, f"{self.kind.noun.capitalize()} {record.code} saved.")
                return redirect("master_data:list", kind=self.kind.slug)
        return self._render(form, record, status=400)


app_name = "master_data"
urlpatterns = [
    path("<slug:kind>/", MasterListView.as_view(), name="list"),
    path("<slug:kind>/new/", MasterCreateView.as_view(), name="create"),
    path("<slug:kind>/<str:code>/edit/", MasterEditView.as_view(), name="edit"),
]
