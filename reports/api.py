"""Report API (API.md "Period close"; routed under /api/v1/ by lotledger/urls.py):
``GET /reports/valuation/`` (cursor-paginated rows, totals), ``/reports/roll-forward/``,
``/reports/aging/``, and each one's ``.csv`` / ``.xlsx`` (the pages' files, the export permission).
Viewers read the JSON; a bad parameter is a 400 ``invalid`` naming it (``invalid_cursor``,
``invalid_page_size`` for the paging).

The journal (below the reports): ``GET /journal/`` (cursor pages, totals), ``POST /journal-exports/``
(a recorded export, the export permission) with ``GET /journal-exports/{id}/`` and its files,
``GET, PUT /accounts/`` (administrators write), and the files of the journal as it stands
(``/reports/journal.csv``, ``.xlsx``).

The close (``GET /close/``): the lock date and the state of the period close's background jobs
(the stored figures, the ledger check), as the close page shows them and to whom it shows them."""

from __future__ import annotations

import base64
import binascii
import datetime
import json

from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core import roles
from core.drf.exports import CSV, XLSX, ExportView, file_schema
from core.drf.pagination import MSG_INVALID_CURSOR, IdCursorPagination
from core.errors import ValidationFailed
from inventory_lots.filters import invalid_filter
from inventory_lots.models import LotType, Office
from inventory_lots.scope import require_costs, scope_of

from . import close, exports, journal, selectors
from .filters import DETAIL_CHOICES, GROUP_CHOICES, MSG_DATE, MSG_PERIOD, report_params
from .models import ACCOUNT_ROLES, JournalExport, OfficeAccounts
from .pages import require_books_wide
from .serializers import AgingSerializer, CloseJobsSerializer, Money, RollForwardSerializer, ValuationSerializer


class CostsRequired:
    """The reports and the journal are about money: without "see costs" they answer 403; their
    figures cover the offices the user sees (DOMAIN.md 11)."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # type: ignore[misc]  # authenticates, checks roles
        require_costs(request)


def _param(name: str, type_=OpenApiTypes.STR, description: str = "", **kwargs) -> OpenApiParameter:
    return OpenApiParameter(name, type_, OpenApiParameter.QUERY, required=False, description=description, **kwargs)


SCOPE = [_param("office", description="Office code."), _param("lic", description="LIC code.")]
VALUATION_PARAMS = [
    _param("as_of", OpenApiTypes.DATE, "The date (YYYY-MM-DD); default today."),
    *SCOPE,
    _param("type", description="Lot type.", enum=LotType.values),
    _param(
        "group_by",
        description="Rows per lot (default), per office and LIC, or per office.",
        enum=[value for value, _ in GROUP_CHOICES],
    ),
]
PAGING = [
    _param("cursor", description="The `next` link's cursor."),
    _param("page_size", OpenApiTypes.INT, "Rows per page, 1 to 500 (default 50)."),
]
ROLL_FORWARD_PARAMS = [
    _param("date_from", OpenApiTypes.DATE, "First day of the period; default the first of date_to's month."),
    _param("date_to", OpenApiTypes.DATE, "Last day of the period; default today."),
    *SCOPE,
]
AGING_PARAMS = [
    _param("as_of", OpenApiTypes.DATE, "The date (YYYY-MM-DD); default today."),
    *SCOPE,
    _param("buckets", description="Upper bounds of the age buckets in days, increasing (default 30,60,90,180)."),
]


# --- the valuation's cursor: the last row's position in the report's order ------------------------


def encode_cursor(key: tuple) -> str:
    values = [v.isoformat() if isinstance(v, datetime.date) else v for v in key]
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


def decode_cursor(text: str, group_by: str) -> tuple:
    """(office code, LIC code, lot date, lot id) / (office, LIC) / (office,), or invalid_cursor."""
    invalid = ValidationFailed("invalid_cursor", MSG_INVALID_CURSOR, field="cursor")
    try:
        values = json.loads(base64.urlsafe_b64decode(text.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError) as exc:
        raise invalid from exc
    shapes = {"lot": (str, str, datetime.date, int), "lic": (str, str), "office": (str,)}[group_by]
    if not isinstance(values, list) or len(values) != len(shapes):
        raise invalid
    key = []
    for value, shape in zip(values, shapes):
        if shape is datetime.date and isinstance(value, str):
            try:
                value = datetime.date.fromisoformat(value)
            except ValueError as exc:
                raise invalid from exc
        if not isinstance(value, shape) or isinstance(value, bool) or (shape is str and "\x00" in value):
            raise invalid
        key.append(value)
    return tuple(key)


def _row(row: selectors.ValuationRow, group_by: str) -> dict:
    out = {
        "office": row.office,
        "lic": row.lic,
        "description": row.description,
        "lots": row.lots,
        "quantity": row.quantity,
        "value": row.value,
    }
    if group_by == "lot":
        out.update(lot=row.lot_id, number=row.lot_number, type=row.type, date=row.date, unit_cost=row.unit_cost)
    return out


class ValuationView(CostsRequired, APIView):
    """Every lot with on-hand quantity or value <> 0 at ``as_of`` (or per office and LIC, or per
    office), in office, LIC, lot date order; ``totals`` over all of them, with the usage not yet
    allocated and the open accrued COGS at that date."""

    pagination_class = None

    @extend_schema(parameters=[*VALUATION_PARAMS, *PAGING], responses={200: ValuationSerializer})
    def get(self, request):
        params = report_params("valuation", request.query_params, scope_of(request))
        size = IdCursorPagination().get_page_size(request)
        cursor = request.query_params.get("cursor")
        after = decode_cursor(cursor, params.group_by) if cursor else None
        rows = selectors.valuation_rows(
            as_of=params.as_of, scope=params.scope, group_by=params.group_by, after=after, limit=size + 1
        )
        next_url = None
        if len(rows) > size:
            rows = rows[:size]
            query = request.query_params.copy()
            query["cursor"] = encode_cursor(rows[-1].key)
            next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        totals = selectors.valuation_totals(as_of=params.as_of, scope=params.scope)
        body = {
            "as_of": params.as_of,
            "group_by": params.group_by,
            "totals": totals,
            "next": next_url,
            "results": [_row(r, params.group_by) for r in rows],
        }
        return Response(ValuationSerializer(body).data)


class RollForwardView(CostsRequired, APIView):
    """Per office and LIC: opening value (the day before date_from) + lots_in + cost_changes - cogs -
    production - transfers_out - adjustments_out = closing_value (at date_to), to the cent; give-backs
    and revaluations in the column of their usage's kind."""

    pagination_class = None

    @extend_schema(parameters=ROLL_FORWARD_PARAMS, responses={200: RollForwardSerializer})
    def get(self, request):
        params = report_params("roll_forward", request.query_params, scope_of(request))
        report = selectors.roll_forward(date_from=params.date_from, date_to=params.date_to, scope=params.scope)
        body = {
            "date_from": report.date_from,
            "date_to": report.date_to,
            "results": [
                {"office": r.office, "lic": r.lic, "description": r.description, **r.figures()} for r in report.rows
            ],
            "totals": report.totals.figures(),
        }
        return Response(RollForwardSerializer(body).data)


class AgingView(CostsRequired, APIView):
    """Lots with on-hand quantity at ``as_of`` by age (as_of - lot date) in buckets, quantity and
    value, per office and LIC."""

    pagination_class = None

    @extend_schema(parameters=AGING_PARAMS, responses={200: AgingSerializer})
    def get(self, request):
        params = report_params("aging", request.query_params, scope_of(request))
        report = selectors.aging(as_of=params.as_of, scope=params.scope, bounds=params.bounds)

        def figures(row):
            return {"quantities": row.quantities, "values": row.values, "quantity": row.quantity, "value": row.value}

        body = {
            "as_of": report.as_of,
            "buckets": report.labels,
            "results": [
                {"office": r.office, "lic": r.lic, "description": r.description, **figures(r)} for r in report.rows
            ],
            "totals": figures(report.totals),
        }
        return Response(AgingSerializer(body).data)


def export_view(report: str, fmt: str, parameters: list):
    """The API door of a report's file: the page's file, from the same code."""
    media, build = (CSV, exports.csv_response) if fmt == "csv" else (XLSX, exports.xlsx_response)
    title = report.replace("_", "-")

    class ReportExportView(CostsRequired, ExportView):
        @file_schema(
            media, f"The {title} report, {'UTF-8 CSV' if fmt == 'csv' else 'a workbook'} with a header row.", parameters
        )
        def get(self, request):
            return build(report, request.query_params, scope_of(request))

    ReportExportView.__name__ = ReportExportView.__qualname__ = f"{report.title().replace('_', '')}{fmt.title()}View"
    return ReportExportView.as_view()


# --- the journal --------------------------------------------------------------------------------

JOURNAL_PARAMS = [
    _param("date_from", OpenApiTypes.DATE, "First day; default the first of date_to's month."),
    _param("date_to", OpenApiTypes.DATE, "Last day; default today."),
    _param("office", description="Office code."),
    _param(
        "detail",
        description="One line per record (default) or per date, office and account.",
        enum=[v for v, _ in DETAIL_CHOICES],
    ),
]
JOURNAL_PAGING = [
    _param("cursor", description="The `next` link's cursor."),
    _param("page_size", OpenApiTypes.INT, "Lines per page, 1 to 500 (default 50)."),
]


class SourceSerializer(serializers.Serializer):
    type = serializers.CharField()
    id = serializers.IntegerField()
    label = serializers.CharField(allow_blank=True)


class JournalLineSerializer(serializers.Serializer):
    date = serializers.DateField()
    office = serializers.CharField()
    account = serializers.CharField()
    account_name = serializers.CharField()
    debit = Money()
    credit = Money()
    lic = serializers.CharField(required=False, help_text="detail=lines: the record's LIC.")
    source = SourceSerializer(required=False, help_text="detail=lines: the ledger record behind the line.")
    memo = serializers.CharField(allow_blank=True)


class JournalTotalsSerializer(serializers.Serializer):
    debit = Money()
    credit = Money()
    lines = serializers.IntegerField(help_text="Lines of the detailed view.")


class JournalSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    detail = serializers.CharField()
    totals = JournalTotalsSerializer()
    next = serializers.URLField(allow_null=True)
    results = JournalLineSerializer(many=True)


def _line(line: journal.JournalLine, detail: str) -> dict:
    out = {
        "date": line.date,
        "office": line.office,
        "account": line.account,
        "account_name": line.account_name,
        "debit": line.debit,
        "credit": line.credit,
        "memo": line.memo,
    }
    if detail == "lines":
        out.update(lic=line.lic, source=line.source)
    return out


def _cursor(text: str) -> list:
    try:
        key = json.loads(base64.urlsafe_b64decode(text.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError) as exc:
        raise ValidationFailed("invalid_cursor", MSG_INVALID_CURSOR, field="cursor") from exc
    if not isinstance(key, list) or not key or not all(isinstance(v, str | int | bool) for v in key):
        raise ValidationFailed("invalid_cursor", MSG_INVALID_CURSOR, field="cursor")
    return key


class JournalView(CostsRequired, APIView):
    """The journal lines dated in the period (DOMAIN.md 10), in date, office, record order, debit
    line first; ``detail=summary``: one line per date, office and account (debits and credits
    summed). ``totals`` over the whole period: debits = credits."""

    pagination_class = None
    pages_itself = True

    @extend_schema(parameters=[*JOURNAL_PARAMS, *JOURNAL_PAGING], responses={200: JournalSerializer})
    def get(self, request):
        params = report_params("journal", request.query_params, scope_of(request))
        size = IdCursorPagination().get_page_size(request)
        cursor = request.query_params.get("cursor")
        after = _cursor(cursor) if cursor else None
        period = {"date_from": params.date_from, "date_to": params.date_to, "office_ids": params.office_ids}
        lines = journal.summary_lines(**period) if params.detail == "summary" else journal.iter_lines(**period)
        page = []
        for line in lines:  # keyset: the lines after the cursor's (the journal's order is total)
            if after is not None and list(line.key) <= after:
                continue
            page.append(line)
            if len(page) > size:
                break
        next_url = None
        if len(page) > size:
            page = page[:size]
            query = request.query_params.copy()
            query["cursor"] = base64.urlsafe_b64encode(json.dumps(list(page[-1].key)).encode()).decode()
            next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        totals = journal.journal_totals(
            date_from=params.date_from, date_to=params.date_to, office_ids=params.office_ids
        )
        body = {
            "date_from": params.date_from,
            "date_to": params.date_to,
            "detail": params.detail,
            "totals": {"debit": totals.debit, "credit": totals.credit, "lines": totals.line_count},
            "next": next_url,
            "results": [_line(x, params.detail) for x in page],
        }
        return Response(JournalSerializer(body).data)


# --- exports ---------------------------------------------------------------------------------------


class JournalExportRequestSerializer(serializers.Serializer):
    date_from = serializers.DateField(input_formats=["%Y-%m-%d"], error_messages={"invalid": MSG_DATE})
    date_to = serializers.DateField(input_formats=["%Y-%m-%d"], error_messages={"invalid": MSG_DATE})
    offices = serializers.ListField(
        child=serializers.CharField(), required=False, default=list, help_text="Office codes; none = every office."
    )
    detail = serializers.ChoiceField(choices=[v for v, _ in DETAIL_CHOICES], required=False, default="lines")

    def validate_offices(self, codes):
        offices = Office.objects.visible_to(self.context["access"]) if "access" in self.context else Office.objects
        found = {o.code.upper(): o for o in offices.filter(code__in=[c.upper() for c in codes])}
        unknown = [c for c in codes if c.upper() not in found]
        if unknown:
            raise serializers.ValidationError(f"Unknown code “{unknown[0]}”.")
        return list({o.pk: o for o in found.values()}.values())

    def validate(self, data):
        if data["date_to"] < data["date_from"]:
            message = MSG_PERIOD.format(start=data["date_from"].isoformat(), end=data["date_to"].isoformat())
            raise serializers.ValidationError({"date_to": [message]})
        return data


class JournalExportSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username")
    offices = serializers.ListField(child=serializers.CharField(), help_text="Office codes; empty = every office.")
    csv = serializers.SerializerMethodField()
    xlsx = serializers.SerializerMethodField()

    class Meta:
        model = JournalExport
        fields = [
            "id",
            "created_at",
            "created_by",
            "date_from",
            "date_to",
            "offices",
            "detail",
            "line_count",
            "new_line_count",
            "debit",
            "credit",
            "csv",
            "xlsx",
        ]

    def _url(self, obj, fmt) -> str:
        url = reverse(f"api:journal-export-{fmt}", args=[obj.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

    def get_csv(self, obj) -> str:
        return self._url(obj, "csv")

    def get_xlsx(self, obj) -> str:
        return self._url(obj, "xlsx")


class JournalExportsView(CostsRequired, APIView):
    """Record an export of the journal of a period (the export permission: accountants): the
    answer links its CSV and workbook. Exporting a period again gives the same lines plus those
    since, marked new (``New`` column)."""

    read_permission = roles.EXPORT
    write_permission = roles.EXPORT
    pagination_class = None

    @extend_schema(request=JournalExportRequestSerializer, responses={201: JournalExportSerializer})
    def post(self, request):
        access = scope_of(request)
        data = JournalExportRequestSerializer(data=request.data, context={"access": access})
        if not data.is_valid():
            raise invalid_filter(data.errors)
        values = dict(data.validated_data)
        values["offices"] = journal.export_offices(values["offices"], access)
        batch = journal.record_journal_export(actor=request.user, **values)
        return Response(
            JournalExportSerializer(batch, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


class JournalExportDetailView(CostsRequired, APIView):
    read_permission = roles.EXPORT
    pagination_class = None

    @extend_schema(responses={200: JournalExportSerializer})
    def get(self, request, pk: int):
        exports_ = journal.visible_exports(JournalExport.objects.select_related("created_by"), scope_of(request))
        batch = get_object_or_404(exports_, pk=pk)
        return Response(JournalExportSerializer(batch, context={"request": request}).data)


def export_file_view(fmt: str):
    media, build = (CSV, exports.csv_response) if fmt == "csv" else (XLSX, exports.xlsx_response)

    class JournalExportFileView(CostsRequired, ExportView):
        @file_schema(media, "A recorded journal export's lines (a New column marks those since the previous one).")
        def get(self, request, pk: int):
            batch = get_object_or_404(journal.visible_exports(JournalExport.objects.all(), scope_of(request)), pk=pk)
            return build(exports.journal_export_sheet(batch))

    JournalExportFileView.__name__ = JournalExportFileView.__qualname__ = f"JournalExport{fmt.title()}View"
    return JournalExportFileView.as_view()


# --- accounts --------------------------------------------------------------------------------------


class AccountsSerializer(serializers.Serializer):
    office = serializers.CharField()
    inventory = serializers.CharField(max_length=40, required=False)
    work_in_process = serializers.CharField(max_length=40, required=False)
    in_transit = serializers.CharField(max_length=40, required=False)
    received_not_invoiced = serializers.CharField(max_length=40, required=False)
    accrued_cogs = serializers.CharField(max_length=40, required=False)
    opening_equity = serializers.CharField(max_length=40, required=False)
    cogs = serializers.CharField(max_length=40, required=False)
    adjustments = serializers.CharField(max_length=40, required=False)
    capitalized_clearing = serializers.CharField(max_length=40, required=False)


class AccountsListSerializer(serializers.Serializer):
    results = AccountsSerializer(many=True)


def _accounts(office, row) -> dict:
    return {
        "office": office.code,
        **{role: (getattr(row, role) if row else default) for role, (default, _) in ACCOUNT_ROLES.items()},
    }


class AccountsView(CostsRequired, APIView):
    """The account of each journal role per office (the defaults where none was set); PUT
    ``{office, <role>: <account>, ...}`` sets some of one office's (administrators)."""

    queryset = OfficeAccounts.objects.all()  # PUT needs reports.change_officeaccounts: administrators
    pagination_class = None

    @extend_schema(responses={200: AccountsListSerializer})
    def get(self, request):
        rows = {r.office_id: r for r in OfficeAccounts.objects.all()}
        offices = Office.objects.visible_to(scope_of(request)).order_by("code")
        results = [_accounts(o, rows.get(o.pk)) for o in offices]
        return Response({"results": results})

    @extend_schema(request=AccountsSerializer, responses={200: AccountsSerializer})
    def put(self, request):
        data = AccountsSerializer(data=request.data)
        if not data.is_valid():
            raise invalid_filter(data.errors)
        unknown = sorted(set(request.data) - set(data.fields))  # DRF would drop them: nothing set, no word
        if unknown:
            message = f"Unknown account role “{unknown[0]}”: the roles are {', '.join(ACCOUNT_ROLES)}."
            raise ValidationFailed(
                "invalid", f"{unknown[0]}: {message}", field=unknown[0], errors={unknown[0]: [message]}
            )
        values = dict(data.validated_data)
        code = values.pop("office")
        office = Office.objects.filter(code__iexact=code).first()
        if office is None:
            message = f"Unknown code “{code}”."
            raise ValidationFailed("invalid", f"office: {message}", field="office", errors={"office": [message]})
        row = journal.set_office_accounts(office=office, accounts=values, actor=request.user)
        return Response(_accounts(office, row))


def journal_file_view(fmt: str):
    media, build = (CSV, exports.csv_response) if fmt == "csv" else (XLSX, exports.xlsx_response)

    class JournalFileView(CostsRequired, ExportView):
        @file_schema(media, "The journal of the period as it stands.", JOURNAL_PARAMS)
        def get(self, request):
            return build("journal", request.query_params, scope_of(request))

    JournalFileView.__name__ = JournalFileView.__qualname__ = f"Journal{fmt.title()}View"
    return JournalFileView.as_view()


# --- the close ------------------------------------------------------------------------------------


class CloseJobsView(APIView):
    """The lock date in force, the latest lock-date move's stored figures job (``null`` before the
    first move), the latest finished ledger check (``current``: nothing written since it started)
    and one queued or running. The close page's readers only: the viewer permission, "see costs"
    and every office (else 403)."""

    pagination_class = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authenticates, checks the viewer permission
        require_books_wide(request)

    @extend_schema(responses={200: CloseJobsSerializer})
    def get(self, request):
        return Response(CloseJobsSerializer(close.close_jobs()).data)


urlpatterns = [
    path("reports/valuation/", ValuationView.as_view(), name="report-valuation"),
    path("reports/valuation.csv", export_view("valuation", "csv", VALUATION_PARAMS), name="report-valuation-csv"),
    path("reports/valuation.xlsx", export_view("valuation", "xlsx", VALUATION_PARAMS), name="report-valuation-xlsx"),
    path("reports/roll-forward/", RollForwardView.as_view(), name="report-roll-forward"),
    path(
        "reports/roll-forward.csv",
        export_view("roll_forward", "csv", ROLL_FORWARD_PARAMS),
        name="report-roll-forward-csv",
    ),
    path(
        "reports/roll-forward.xlsx",
        export_view("roll_forward", "xlsx", ROLL_FORWARD_PARAMS),
        name="report-roll-forward-xlsx",
    ),
    path("reports/aging/", AgingView.as_view(), name="report-aging"),
    path("reports/aging.csv", export_view("aging", "csv", AGING_PARAMS), name="report-aging-csv"),
    path("reports/aging.xlsx", export_view("aging", "xlsx", AGING_PARAMS), name="report-aging-xlsx"),
    # the journal
    path("journal/", JournalView.as_view(), name="journal"),
    path("reports/journal.csv", journal_file_view("csv"), name="journal-csv"),
    path("reports/journal.xlsx", journal_file_view("xlsx"), name="journal-xlsx"),
    path("journal-exports/", JournalExportsView.as_view(), name="journal-exports"),
    path("journal-exports/<int:pk>/", JournalExportDetailView.as_view(), name="journal-export-detail"),
    path("reports/journal-exports/<int:pk>.csv", export_file_view("csv"), name="journal-export-csv"),
    path("reports/journal-exports/<int:pk>.xlsx", export_file_view("xlsx"), name="journal-export-xlsx"),
    path("accounts/", AccountsView.as_view(), name="accounts"),
    path("close/", CloseJobsView.as_view(), name="close"),
]
