"""The reports' parameters: one FilterSet per report, used by every door (the page's GET form,
the exports, the API, the command), so the same bad input gets the same message everywhere.

The FilterSets only read and check the parameters (their filters do not filter a queryset: the
figures come from reports.selectors); ``*_params(data)`` turns valid input into the selector's
arguments (defaults filled in) or raises ValidationFailed ``invalid`` naming the field, the way
the API's lists refuse a bad filter."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace

import django_filters
from django import forms

from core.errors import ValidationFailed
from inventory_lots.dates import today
from inventory_lots.filters import CodeChoiceFilter, invalid_filter
from inventory_lots.models import LineItemCode, LotType, Office

from .selectors import DEFAULT_BUCKETS, Scope

MSG_DATE = "Enter a date as YYYY-MM-DD."
MSG_PERIOD = "The period ends ({end}) before it starts ({start})."
MSG_BUCKETS = (
    "Give the age buckets' upper bounds in days: whole numbers from 0 to {max}, increasing, "
    "separated by commas (e.g. 30,60,90,180)."
)
MSG_TOO_MANY_BUCKETS = "At most {max} bucket bounds."
MAX_BUCKET_DAYS = 36500  # a hundred years
MAX_BUCKETS = 12
GROUP_CHOICES = [("lot", "Lot"), ("lic", "LIC"), ("office", "Office")]


def _noop(queryset, name, value):
    return queryset


def _date_filter(label: str) -> django_filters.DateFilter:
    return django_filters.DateFilter(
        method=_noop,
        label=label,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": MSG_DATE},
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class BucketsField(forms.CharField):
    """``30,60,90,180`` -> (30, 60, 90, 180): whole days, increasing; empty -> None (the default)."""

    def clean(self, value):
        text = (super().clean(value) or "").strip()
        if not text:
            return None
        message = MSG_BUCKETS.format(max=MAX_BUCKET_DAYS)
        parts = [p.strip() for p in text.split(",")]
        if not all(p.isascii() and p.isdigit() and len(p) <= 6 for p in parts):
            raise forms.ValidationError(message, code="invalid_buckets")
        bounds = tuple(int(p) for p in parts)
        if any(b > MAX_BUCKET_DAYS for b in bounds) or any(a >= b for a, b in zip(bounds, bounds[1:])):
            raise forms.ValidationError(message, code="invalid_buckets")
        if len(bounds) > MAX_BUCKETS:
            raise forms.ValidationError(MSG_TOO_MANY_BUCKETS.format(max=MAX_BUCKETS), code="invalid_buckets")
        return bounds


class BucketsFilter(django_filters.CharFilter):
    field_class = BucketsField


class PeriodForm(forms.Form):
    """A period that ends before it starts is an error on its end."""

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", MSG_PERIOD.format(start=start.isoformat(), end=end.isoformat()))
        return data


def _scope_filters():
    return (
        CodeChoiceFilter(queryset=Office.objects.all(), label="Office", method=_noop),
        CodeChoiceFilter(queryset=LineItemCode.objects.filter(inventoried=True), label="LIC", method=_noop),
    )


class ValuationFilter(django_filters.FilterSet):
    as_of = _date_filter("As of")
    office, lic = _scope_filters()
    type = django_filters.ChoiceFilter(choices=LotType.choices, label="Lot type", method=_noop)
    group_by = django_filters.ChoiceFilter(choices=GROUP_CHOICES, method=_noop, empty_label=None, label="By")


class RollForwardFilter(django_filters.FilterSet):
    date_from = _date_filter("From")
    date_to = _date_filter("To")
    office, lic = _scope_filters()

    class Meta:
        form = PeriodForm


class AgingFilter(django_filters.FilterSet):
    as_of = _date_filter("As of")
    office, lic = _scope_filters()
    buckets = BucketsFilter(
        method=_noop, label="Buckets (days)", widget=forms.TextInput(attrs={"placeholder": "30,60,90,180"})
    )


def _scope(data: dict) -> Scope:
    office, lic = data.get("office"), data.get("lic")
    return Scope(office_id=office.pk if office else None, lic_id=lic.pk if lic else None, type=data.get("type") or None)


@dataclass(frozen=True)
class ValuationParams:
    as_of: datetime.date
    scope: Scope
    group_by: str = "lot"


@dataclass(frozen=True)
class RollForwardParams:
    date_from: datetime.date
    date_to: datetime.date
    scope: Scope


@dataclass(frozen=True)
class AgingParams:
    as_of: datetime.date
    scope: Scope
    bounds: tuple[int, ...] = DEFAULT_BUCKETS


def valuation_from(data: dict) -> ValuationParams:
    """Defaults: today, every lot (``group_by`` lot)."""
    return ValuationParams(
        as_of=data.get("as_of") or today(), scope=_scope(data), group_by=data.get("group_by") or "lot"
    )


def roll_forward_from(data: dict) -> RollForwardParams:
    """Defaults: up to today, from the first day of the month it ends in."""
    end = data.get("date_to") or today()
    start = data.get("date_from") or end.replace(day=1)
    if end < start:  # date_from given after a defaulted date_to (today)
        message = MSG_PERIOD.format(start=start.isoformat(), end=end.isoformat())
        raise ValidationFailed("invalid", f"date_to: {message}", field="date_to", errors={"date_to": [message]})
    return RollForwardParams(date_from=start, date_to=end, scope=_scope(data))


def aging_from(data: dict) -> AgingParams:
    return AgingParams(
        as_of=data.get("as_of") or today(), scope=_scope(data), bounds=data.get("buckets") or DEFAULT_BUCKETS
    )


DETAIL_CHOICES = [("lines", "Lines (one per record)"), ("summary", "Summary (date, office, account)")]


class JournalFilter(django_filters.FilterSet):
    date_from = _date_filter("From")
    date_to = _date_filter("To")
    office = CodeChoiceFilter(queryset=Office.objects.all(), label="Office", method=_noop)
    detail = django_filters.ChoiceFilter(choices=DETAIL_CHOICES, method=_noop, empty_label=None, label="Detail")

    class Meta:
        form = PeriodForm


@dataclass(frozen=True)
class JournalParams:
    date_from: datetime.date
    date_to: datetime.date
    office_ids: list[int] | None
    detail: str = "lines"


def journal_from(data: dict) -> JournalParams:
    """Defaults as the roll-forward's: up to today, from the first of its month; every office; lines."""
    period = roll_forward_from(data)
    office = data.get("office")
    return JournalParams(
        date_from=period.date_from,
        date_to=period.date_to,
        office_ids=[office.pk] if office else None,
        detail=data.get("detail") or "lines",
    )


REPORTS = {
    "journal": (JournalFilter, journal_from),
    "valuation": (ValuationFilter, valuation_from),
    "roll_forward": (RollForwardFilter, roll_forward_from),
    "aging": (AgingFilter, aging_from),
}


def report_params(report: str, data, access=None):
    """The report's parameters from GET data (a QueryDict or a dict), or ValidationFailed.
    ``access``: the requesting user's scope (inventory_lots.scope.Scope; None: every office)."""
    filterset_class, build = REPORTS[report]
    filterset = filterset_class(data, queryset=Office.objects.none())  # it filters nothing: any queryset
    if not filterset.is_valid():
        raise invalid_filter(filterset.errors)
    return within_access(build(filterset.form.cleaned_data), access)


def within_access(params, access):
    """The parameters narrowed to the offices ``access`` sees (DOMAIN.md 11): an office chosen
    outside them leaves nothing, no office means all of theirs."""
    if access is None or access.all_offices:
        return params
    offices = tuple(sorted(access.viewable))
    if isinstance(params, JournalParams):
        chosen = offices if params.office_ids is None else [o for o in params.office_ids if o in access.viewable]
        return replace(params, office_ids=list(chosen))
    return replace(params, scope=replace(params.scope, office_ids=offices))
