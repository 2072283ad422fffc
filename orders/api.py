"""API of orders (API.md "Master data", "Stock movements"): customers and orders (GET, POST
/customers/ and /orders/, PATCH /customers/{code}/), GET, POST /shipments/ and /returns/, GET
/shipments/{id}/ and /returns/{id}/, and closing and reopening an order: POST /orders/{id}/close/
and /orders/{id}/reopen/ (routed under /api/v1/ by lotledger/urls.py: ``urlpatterns``, then
``router``)."""

from __future__ import annotations

import datetime

from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, mixins, permissions, serializers, status, viewsets
from rest_framework.response import Response

from core import roles
from core.drf.errors import ErrorSerializer
from core.drf.fields import CodeRelatedField, QuantityField
from core.drf.master_data import MasterDataSerializer, MasterDataViewSet
from core.drf.permissions import RolePermission
from core.drf.routers import api_router
from inventory_lots.models import InventoryUsage, LineItemCode, Lot, Office
from inventory_lots.scope import get_visible, scope_of
from inventory_lots.serializers import VisibleRelatedField

from . import reversals, selectors, services
from .models import Customer, CustomerReturn, Order, Shipment


class CustomerSerializer(MasterDataSerializer):
    class Meta:
        model = Customer
        fields = ["code", "name"]


class OrderSerializer(serializers.ModelSerializer):
    customer = CodeRelatedField(queryset=Customer.objects.all())
    office = CodeRelatedField(queryset=Office.objects.all())

    class Meta:
        model = Order
        fields = ["id", "number", "customer", "office", "date", "status"]
        read_only_fields = ["id", "number", "status"]


class ShipmentLineInSerializer(serializers.Serializer):
    lic = CodeRelatedField(queryset=LineItemCode.objects.all())
    quantity = QuantityField()
    lot = serializers.PrimaryKeyRelatedField(queryset=Lot.objects.all(), required=False, allow_null=True, default=None)
    serial_numbers = serializers.ListField(child=serializers.CharField(), required=False, default=list)


class ShipmentInSerializer(serializers.Serializer):
    order = VisibleRelatedField(queryset=Order.objects.all())
    date = serializers.DateField()
    lines = ShipmentLineInSerializer(many=True, allow_empty=False)


class ReturnLineInSerializer(serializers.Serializer):
    lic = CodeRelatedField(queryset=LineItemCode.objects.all())
    quantity = QuantityField()
    usage = serializers.PrimaryKeyRelatedField(
        queryset=InventoryUsage.objects.all(), required=False, allow_null=True, default=None
    )
    serial_numbers = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        default=list,
        help_text="Serialized LICs: the serials that came back (each out on the usage the line returns).",
    )


class ReturnInSerializer(serializers.Serializer):
    order = VisibleRelatedField(queryset=Order.objects.all())
    date = serializers.DateField()
    lines = ReturnLineInSerializer(many=True, allow_empty=False)
    override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=services.OVERRIDE_REASON_MAX_LENGTH,
        help_text="Accountants only (others: 403 `override_not_permitted`): post a return that brings back more "
        "than the order shipped of a LIC net of its earlier returns (otherwise 400 "
        "`return_exceeds_shipped`); kept on the return when the limit was exceeded.",
    )


class DocumentLineOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    line_no = serializers.IntegerField()
    lic = serializers.CharField(source="lic.code")
    quantity = QuantityField()
    usage = serializers.IntegerField(source="usage_id")


class ShipmentOutSerializer(serializers.ModelSerializer):
    order = serializers.IntegerField(source="order_id")
    order_number = serializers.CharField(source="order.number")
    office = serializers.CharField(source="order.office.code")
    lines = DocumentLineOutSerializer(many=True)

    class Meta:
        model = Shipment
        fields = ["id", "number", "order", "order_number", "office", "date", "lines"]


class StockWarningSerializer(serializers.Serializer):
    """A shipment took more of a LIC than was on hand (released stock in the office, less usage not
    allocated yet): posted all the same, COGS leaves the shortfall unallocated until stock comes in."""

    code = serializers.CharField(help_text="`short_of_stock`")
    message = serializers.CharField()
    field = serializers.CharField(help_text="The line where the LIC runs out: `lines[2].quantity`.")
    lic = serializers.CharField()
    on_hand = QuantityField(help_text="Released stock on hand before this shipment (never below 0).")
    quantity = QuantityField(help_text="What the shipment takes of the LIC (all its lines).")
    short = QuantityField(help_text="quantity − on_hand")


class ShipmentPostedSerializer(ShipmentOutSerializer):
    """The 201 of POST /shipments/: the shipment and the warnings of its posting."""

    warnings = StockWarningSerializer(many=True, read_only=True)

    class Meta(ShipmentOutSerializer.Meta):
        fields = [*ShipmentOutSerializer.Meta.fields, "warnings"]


class ReturnOutSerializer(ShipmentOutSerializer):
    class Meta:
        model = CustomerReturn
        fields = ["id", "number", "order", "order_number", "office", "date", "lines", "override_reason"]


class DocumentListCreateView(generics.ListAPIView):
    """GET the documents (newest first, cursor-paginated, viewers); POST one (clerks)."""

    write_permission = roles.POST_STOCK
    in_serializer = out_serializer = None

    def get_serializer_class(self):
        return self.in_serializer if self.request.method == "POST" else self.out_serializer


class ShipmentListCreateView(DocumentListCreateView):
    in_serializer, out_serializer = ShipmentInSerializer, ShipmentOutSerializer

    def get_queryset(self):
        return selectors.shipment_list(scope_of(self.request))

    @extend_schema(request=ShipmentInSerializer, responses={201: ShipmentPostedSerializer})
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        posted = services.post_shipment(
            order=data["order"],
            date=data["date"],
            actor=request.user,
            lines=[services.ShipmentLineInput(**line) for line in data["lines"]],
        )  # beyond stock is legal: posted, and said in ``warnings``
        shipment = selectors.shipment_list().get(pk=posted.pk)
        shipment.warnings = posted.warnings
        return Response(ShipmentPostedSerializer(shipment).data, status=status.HTTP_201_CREATED)


class ShipmentDetailView(generics.RetrieveAPIView):
    serializer_class = ShipmentOutSerializer

    def get_queryset(self):
        return selectors.shipment_list(scope_of(self.request))


class ReturnPermission(RolePermission):
    """Clerks post customer returns, and accountants, who alone may override their limit."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if request.method not in permissions.SAFE_METHODS and user and user.is_authenticated:
            return any(user.has_perm(p) for p in services.RETURN_PERMISSIONS)
        return super().has_permission(request, view)


class ReturnListCreateView(DocumentListCreateView):
    in_serializer, out_serializer = ReturnInSerializer, ReturnOutSerializer
    permission_classes = [ReturnPermission]

    def get_queryset(self):
        return selectors.return_list(scope_of(self.request))

    @extend_schema(request=ReturnInSerializer, responses={201: ReturnOutSerializer})
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        document = services.post_return(
            order=data["order"],
            date=data["date"],
            actor=request.user,
            override_reason=data["override_reason"],
            lines=[services.ReturnLineInput(**line) for line in data["lines"]],
        )
        document = selectors.return_list().get(pk=document.pk)
        return Response(ReturnOutSerializer(document).data, status=status.HTTP_201_CREATED)


class ReturnDetailView(generics.RetrieveAPIView):
    serializer_class = ReturnOutSerializer

    def get_queryset(self):
        return selectors.return_list(scope_of(self.request))


class OrderCloseInSerializer(serializers.Serializer):
    """Nothing to send: ``{}``."""


class OrderReopenInSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        help_text="Why the order is reopened; kept in its history (at most 100 characters).",
    )


# 409 documented here (api.schema.CONFLICTS, owned elsewhere, would do the same when it lists these)
STATUS_RESPONSES = {
    200: OrderSerializer,
    409: OpenApiResponse(
        ErrorSerializer,
        description="The order's state forbids it (already closed, not closed, a production order not "
        "closed); nothing was written.",
    ),
}


class OrderStatusView(generics.GenericAPIView):
    """Close or reopen a customer order (accountants): 200 with the order; 409 on a state conflict."""

    write_permission = roles.POST_ACCOUNTING
    queryset = Order.objects.select_related("customer", "office")

    def _change(self, request, pk: int, call) -> Response:
        order = get_visible(Order.objects.select_related("office"), scope_of(request), pk=pk)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        call(order, serializer.validated_data)
        return Response(OrderSerializer(self.get_queryset().get(pk=pk)).data)


class OrderCloseView(OrderStatusView):
    serializer_class = OrderCloseInSerializer

    @extend_schema(request=OrderCloseInSerializer, responses=STATUS_RESPONSES)
    def post(self, request, pk: int):
        return self._change(request, pk, lambda order, data: services.close_order(order=order, actor=request.user))


class OrderReopenView(OrderStatusView):
    serializer_class = OrderReopenInSerializer

    @extend_schema(request=OrderReopenInSerializer, responses=STATUS_RESPONSES)
    def post(self, request, pk: int):
        return self._change(
            request,
            pk,
            lambda order, data: services.reopen_order(order=order, reason=data["reason"], actor=request.user),
        )


class CustomerViewSet(MasterDataViewSet):
    queryset = Customer.objects.order_by("id")
    serializer_class = CustomerSerializer

    def update_record(self, record, changes):
        return services.update_customer(customer=record, actor=self.request.user, **changes)


class OrderViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = Order.objects.select_related("customer", "office").order_by("id")
    serializer_class = OrderSerializer
    write_permission = roles.POST_STOCK

    def get_queryset(self):
        return super().get_queryset().visible_to(scope_of(self.request))

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.create_order(
            customer=data["customer"], office=data["office"], date=data["date"], actor=self.request.user
        )


router = api_router()
router.register("customers", CustomerViewSet, basename="customer")
router.register("orders", OrderViewSet, basename="order")

urlpatterns = [
    path("shipments/", ShipmentListCreateView.as_view(), name="shipment-list"),
    path("shipments/<int:pk>/", ShipmentDetailView.as_view(), name="shipment-detail"),
    path("returns/", ReturnListCreateView.as_view(), name="return-list"),
    path("returns/<int:pk>/", ReturnDetailView.as_view(), name="return-detail"),
    path("orders/<int:pk>/close/", OrderCloseView.as_view(), name="order-close"),
    path("orders/<int:pk>/reopen/", OrderReopenView.as_view(), name="order-reopen"),
]


# --- reversals (DOMAIN.md 9, accountants) ------------------------------------------------------


class ShipmentReverseInSerializer(serializers.Serializer):
    date = serializers.DateField(required=False, help_text="The reversal's date; default today (the open period).")
    reason = serializers.CharField(max_length=200)


class ReversalLineOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    line_no = serializers.IntegerField()
    lic = serializers.CharField(source="lic.code")
    quantity = QuantityField()
    usage = serializers.IntegerField(source="usage_id")


class ReturnReversalOutSerializer(serializers.ModelSerializer):
    """The customer return that reverses a shipment."""

    reverses = serializers.IntegerField(source="reverses_shipment_id", help_text="The shipment it reverses.")
    lines = ReversalLineOutSerializer(many=True)

    class Meta:
        model = CustomerReturn
        fields = ["id", "number", "date", "reason", "reverses", "lines"]


class ShipmentReversalOutSerializer(serializers.ModelSerializer):
    """The shipment that reverses a customer return."""

    reverses = serializers.IntegerField(source="reverses_return_id", help_text="The customer return it reverses.")
    lines = ReversalLineOutSerializer(many=True)

    class Meta:
        model = Shipment
        fields = ["id", "number", "date", "reason", "reverses", "lines"]


class DocumentReverseView(generics.GenericAPIView):
    """Reverse a posted document (accountants): 201 with the reversing document; 409 when it is already
    reversed, is itself a reversal, or nothing is left to reverse; 400 for a missing reason or a date in
    closed books or before the document."""

    write_permission = roles.POST_ACCOUNTING
    serializer_class = ShipmentReverseInSerializer

    def _reverse(self, request, document, call, out):
        serializer = ShipmentReverseInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        reversal = call(date=data.get("date") or datetime.date.today(), reason=data["reason"])
        reversal = type(reversal).objects.prefetch_related("lines__lic").get(pk=reversal.pk)
        return Response(out(reversal).data, status=status.HTTP_201_CREATED)


class ShipmentReverseView(DocumentReverseView):
    queryset = Shipment.objects.all()

    @extend_schema(request=ShipmentReverseInSerializer, responses={201: ReturnReversalOutSerializer})
    def post(self, request, pk: int):
        shipment = get_visible(Shipment.objects.select_related("order__office"), scope_of(request), pk=pk)
        return self._reverse(
            request,
            shipment,
            lambda **kw: reversals.reverse_shipment(shipment=shipment, actor=request.user, **kw),
            ReturnReversalOutSerializer,
        )


class ReturnReverseView(DocumentReverseView):
    queryset = CustomerReturn.objects.all()

    @extend_schema(request=ShipmentReverseInSerializer, responses={201: ShipmentReversalOutSerializer})
    def post(self, request, pk: int):
        document = get_visible(CustomerReturn.objects.select_related("order__office"), scope_of(request), pk=pk)
        return self._reverse(
            request,
            document,
            lambda **kw: reversals.reverse_return(customer_return=document, actor=request.user, **kw),
            ShipmentReversalOutSerializer,
        )


urlpatterns += [
    path("shipments/<int:pk>/reverse/", ShipmentReverseView.as_view(), name="shipment-reverse"),
    path("returns/<int:pk>/reverse/", ReturnReverseView.as_view(), name="return-reverse"),
]
