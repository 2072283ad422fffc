"""API views of master data, lots, usage and adjustments. Other apps add theirs in
``<app>/api.py`` and are routed in api/urls.py."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core import roles
from core.codes import by_code, code_taken_message
from inventory_lots import selectors, services
from inventory_lots.filters import LotFilter, UsageFilter
from inventory_lots.models import LineItemCode, Office
from orders.models import Customer, Order
from orders.services import create_order, update_customer
from purchasing.models import Vendor
from purchasing.services import update_vendor

from . import serializers as s


class MasterDataViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Master data: anyone with a role reads; administrators (or the record's role) create and
    edit (PATCH, through the owning app's ``update_*`` service, as the admin allows)."""

    lookup_field = "code"
    lookup_value_regex = r"[^/]+"  # codes may hold "." (DRF's default stops at it); by_code decides
    write_permission = None  # superusers/administrators only unless a subclass says otherwise
    http_method_names = ["get", "post", "patch", "head", "options"]  # PATCH edits; no PUT

    def get_object(self):
        """The record whose code is the URL's, ignoring case (core.codes.by_code: one rule everywhere)."""
        record = by_code(self.filter_queryset(self.get_queryset()), self.kwargs[self.lookup_field])
        if record is None:
            raise Http404("No such record.")
        self.check_object_permissions(self.request, record)
        return record

    def perform_create(self, serializer):
        """The serializer refuses a taken code; two creates racing with twin codes meet at the unique
        index on UPPER(code), and the loser gets the same 400 instead of a 500."""
        try:
            with transaction.atomic():
                serializer.save()
        except IntegrityError as exc:
            constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", "") or ""
            if not constraint.endswith(("_code_unique_ci", "_code_key")):
                raise
            model = self.get_queryset().model
            taken = by_code(model.objects.all(), serializer.validated_data.get("code"))
            raise ValidationError({"code": [code_taken_message(model, taken.code if taken else "")]}) from exc

    def perform_update(self, serializer):
        serializer.instance = self.update_record(serializer.instance, dict(serializer.validated_data))

    def update_record(self, record, changes: dict):
        raise NotImplementedError


class OfficeViewSet(MasterDataViewSet):
    queryset = Office.objects.order_by("id")
    serializer_class = s.OfficeSerializer

    def update_record(self, record, changes):
        return services.update_office(office=record, actor=self.request.user, **changes)


class LineItemCodeViewSet(MasterDataViewSet):
    queryset = LineItemCode.objects.order_by("id")
    serializer_class = s.LineItemCodeSerializer

    def update_record(self, record, changes):
        return services.update_line_item_code(lic=record, actor=self.request.user, **changes)


class VendorViewSet(MasterDataViewSet):
    queryset = Vendor.objects.order_by("id")
    serializer_class = s.VendorSerializer

    def update_record(self, record, changes):
        return update_vendor(vendor=record, actor=self.request.user, **changes)


class CustomerViewSet(MasterDataViewSet):
    queryset = Customer.objects.order_by("id")
    serializer_class = s.CustomerSerializer

    def update_record(self, record, changes):
        return update_customer(customer=record, actor=self.request.user, **changes)


class OrderViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = Order.objects.select_related("customer", "office").order_by("id")
    serializer_class = s.OrderSerializer
    write_permission = roles.POST_STOCK

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = create_order(
            customer=data["customer"], office=data["office"], date=data["date"], actor=self.request.user
        )


class LotViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = selectors.lot_list()
    filter_backends = [DjangoFilterBackend]
    filterset_class = LotFilter

    def get_serializer_class(self):
        return s.LotDetailSerializer if self.action == "retrieve" else s.LotSerializer


class UsageViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = selectors.usage_list()
    serializer_class = s.UsageSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = UsageFilter


class AdjustmentListCreateView(generics.ListAPIView):
    """GET the adjustments (newest first, cursor-paginated); POST one (clerks)."""

    write_permission = roles.POST_STOCK

    def get_queryset(self):
        return selectors.adjustment_list()

    def get_serializer_class(self):
        return s.AdjustmentInSerializer if self.request.method == "POST" else s.AdjustmentOutSerializer

    @extend_schema(request=s.AdjustmentInSerializer, responses={201: s.AdjustmentOutSerializer})
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        adjustment = services.post_adjustment(
            office=data["office"],
            date=data["date"],
            reason=data["reason"],
            actor=request.user,
            lines=[services.AdjustmentLineInput(**line) for line in data["lines"]],
        )
        adjustment = selectors.adjustment_list().get(pk=adjustment.pk)
        return Response(s.AdjustmentOutSerializer(adjustment).data, status=status.HTTP_201_CREATED)


class AdjustmentDetailView(generics.RetrieveAPIView):
    serializer_class = s.AdjustmentOutSerializer

    def get_queryset(self):
        return selectors.adjustment_list()


class LockDateView(generics.GenericAPIView):
    """GET the lock date (null when never set); POST `{date}` moves it forward (accountants), never
    past today; an administrator moves it back with `{date, reason}` (DOMAIN.md 6a)."""

    serializer_class = s.LockDateSerializer
    write_permission = roles.POST_ACCOUNTING
    pagination_class = None

    def get_queryset(self):
        from inventory_lots.models import LockDate

        return LockDate.objects.select_related("set_by").order_by("-id")

    @extend_schema(responses={200: s.LockDateSerializer})
    def get(self, request):
        current = self.get_queryset().first()
        if current is None:
            return Response({"date": None, "reason": "", "previous_date": None, "set_by": None, "set_at": None})
        return Response(s.LockDateSerializer(current).data)

    @extend_schema(request=s.LockDateSerializer, responses={201: s.LockDateSerializer})
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lock = services.set_lock_date(
            date=serializer.validated_data["date"],
            actor=request.user,
            reason=serializer.validated_data.get("reason", ""),
        )
        return Response(s.LockDateSerializer(lock).data, status=status.HTTP_201_CREATED)
