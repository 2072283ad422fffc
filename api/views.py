"""API views of master data, lots, usage and adjustments. Other apps add theirs in
``<app>/api.py`` and are routed in api/urls.py."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.response import Response

from core import roles
from inventory_lots import selectors, services
from inventory_lots.filters import LotFilter, UsageFilter
from inventory_lots.models import InventoryAdjustment, LineItemCode, Office
from orders.models import Customer, Order
from orders.services import create_order
from purchasing.models import Vendor

from . import serializers as s


class MasterDataViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin,
                        viewsets.GenericViewSet):
    """Master data: anyone with a role reads; administrators (or the record's role) create."""

    lookup_field = "code"
    write_permission = None  # superusers/administrators only unless a subclass says otherwise


class OfficeViewSet(MasterDataViewSet):
    queryset = Office.objects.order_by("id")
    serializer_class = s.OfficeSerializer


class LineItemCodeViewSet(MasterDataViewSet):
    queryset = LineItemCode.objects.order_by("id")
    serializer_class = s.LineItemCodeSerializer


class VendorViewSet(MasterDataViewSet):
    queryset = Vendor.objects.order_by("id")
    serializer_class = s.VendorSerializer


class CustomerViewSet(MasterDataViewSet):
    queryset = Customer.objects.order_by("id")
    serializer_class = s.CustomerSerializer


class OrderViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin,
                   viewsets.GenericViewSet):
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


class AdjustmentCreateView(generics.GenericAPIView):
    serializer_class = s.AdjustmentInSerializer
    write_permission = roles.POST_STOCK
    queryset = InventoryAdjustment.objects.none()

    @extend_schema(request=s.AdjustmentInSerializer, responses={201: s.AdjustmentOutSerializer})
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        adjustment = services.post_adjustment(
            office=data["office"], date=data["date"], reason=data["reason"], actor=request.user,
            lines=[services.AdjustmentLineInput(**line) for line in data["lines"]],
        )
        adjustment = InventoryAdjustment.objects.prefetch_related("lines__lic").select_related("office").get(
            pk=adjustment.pk
        )
        return Response(s.AdjustmentOutSerializer(adjustment).data, status=status.HTTP_201_CREATED)


class LockDateView(generics.GenericAPIView):
    """GET the lock date (null when never set); POST `{date}` moves it forward (accountants)."""

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
            return Response({"date": None, "set_by": None, "set_at": None})
        return Response(s.LockDateSerializer(current).data)

    @extend_schema(request=s.LockDateSerializer, responses={201: s.LockDateSerializer})
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lock = services.set_lock_date(date=serializer.validated_data["date"], actor=request.user)
        return Response(s.LockDateSerializer(lock).data, status=status.HTTP_201_CREATED)
