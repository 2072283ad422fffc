"""API of production (API.md "Production"), routed under /api/v1/ by lotledger/urls.py.

Production users (roles.POST_PRODUCTION) create orders, issue components, post job costs,
produce, release and close; a job cost reversal needs POST_PRODUCTION or POST_ACCOUNTING.
"""

from __future__ import annotations

from django.urls import path
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, permissions, serializers, status
from rest_framework.response import Response

from core import roles
from core.drf.fields import CodeRelatedField, MoneyField, QuantityField, UnitCostField
from inventory_lots.models import InventoryUsage, LineItemCode, Lot, Office
from inventory_lots.scope import get_visible, scope_of
from inventory_lots.serializers import VisibleRelatedField
from orders.models import Order
from purchasing.models import Vendor

from . import selectors, services
from .filters import ProductionOrderFilter
from .models import JobCostEntry, ProductionOrder

# --- serializers ----------------------------------------------------------------------------


class ProductionOrderSerializer(serializers.ModelSerializer):
    office = CodeRelatedField(queryset=Office.objects.all())
    lic = CodeRelatedField(queryset=LineItemCode.objects.all())
    order = VisibleRelatedField(queryset=Order.objects.all(), required=False, allow_null=True, default=None)
    order_number = serializers.CharField(source="order.number", read_only=True, default=None)
    estimated_quantity = QuantityField()
    estimated_unit_cost = UnitCostField()
    estimated_value = MoneyField(read_only=True)
    lot = serializers.PrimaryKeyRelatedField(read_only=True)
    lot_number = serializers.CharField(source="lot.number", read_only=True, default=None)
    released = serializers.SerializerMethodField()

    class Meta:
        model = ProductionOrder
        fields = [
            "id",
            "number",
            "status",
            "office",
            "date",
            "order",
            "order_number",
            "lic",
            "estimated_quantity",
            "estimated_unit_cost",
            "estimated_value",
            "lot",
            "lot_number",
            "released",
        ]
        read_only_fields = ["id", "number", "status"]

    def get_released(self, mo) -> bool:
        return bool(mo.lot_id and mo.lot.released)


class CostInputsSerializer(serializers.Serializer):
    components_value = MoneyField()
    capitalized_value = MoneyField()
    produced_qty = QuantityField()
    formula_unit_cost = UnitCostField(allow_null=True)
    unit_cost = UnitCostField()
    provisional = serializers.BooleanField()


class ProductionOrderDetailSerializer(ProductionOrderSerializer):
    cost = serializers.SerializerMethodField()

    class Meta(ProductionOrderSerializer.Meta):
        fields = ProductionOrderSerializer.Meta.fields + ["cost"]

    @extend_schema_field(CostInputsSerializer)
    def get_cost(self, mo) -> dict:
        return CostInputsSerializer(selectors.cost_inputs(mo)).data


class ComponentLineInSerializer(serializers.Serializer):
    lic = CodeRelatedField(queryset=LineItemCode.objects.all())
    quantity = QuantityField()
    lot = serializers.PrimaryKeyRelatedField(queryset=Lot.objects.all(), required=False, allow_null=True, default=None)
    serial_numbers = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    usage = serializers.PrimaryKeyRelatedField(
        queryset=InventoryUsage.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="For a return (negative quantity): the issue it gives back.",
    )


class IssueInSerializer(serializers.Serializer):
    date = serializers.DateField()
    lines = ComponentLineInSerializer(many=True, allow_empty=False)


class IssueOutSerializer(serializers.Serializer):
    usages = serializers.ListField(child=serializers.IntegerField())


class ProduceInSerializer(serializers.Serializer):
    date = serializers.DateField()
    quantity = QuantityField()
    serial_numbers = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    mfr_lot_number = serializers.CharField(required=False, allow_blank=True, default="")


class ProduceOutSerializer(serializers.Serializer):
    lot = serializers.IntegerField()
    lot_number = serializers.CharField()
    qty_in = QuantityField()
    unit_cost = UnitCostField()


class JobCostSerializer(serializers.ModelSerializer):
    production_order = VisibleRelatedField(queryset=ProductionOrder.objects.all())
    amount = MoneyField()
    lic = CodeRelatedField(queryset=LineItemCode.objects.all())
    vendor = CodeRelatedField(queryset=Vendor.objects.all(), required=False, allow_null=True, default=None)
    amount = MoneyField()
    capitalized = serializers.BooleanField(default=True)
    reverses = serializers.PrimaryKeyRelatedField(read_only=True)
    reversed_by = serializers.SerializerMethodField()

    class Meta:
        model = JobCostEntry
        fields = [
            "id",
            "number",
            "production_order",
            "date",
            "lic",
            "description",
            "amount",
            "capitalized",
            "vendor",
            "reverses",
            "reversed_by",
        ]
        read_only_fields = ["id", "number"]

    def get_reversed_by(self, entry) -> int | None:
        return JobCostEntry.objects.filter(reverses=entry).values_list("pk", flat=True).first()


class DateInSerializer(serializers.Serializer):
    date = serializers.DateField()


# --- views ----------------------------------------------------------------------------------


def _detail(mo: ProductionOrder) -> dict:
    return ProductionOrderDetailSerializer(selectors.production_order_detail(mo.pk)).data


class ProductionOrderListCreateView(generics.ListCreateAPIView):
    serializer_class = ProductionOrderSerializer
    write_permission = roles.POST_PRODUCTION
    filterset_class = ProductionOrderFilter

    def get_queryset(self):
        return selectors.production_order_list(scope_of(self.request)).order_by("id")

    filter_backends = [DjangoFilterBackend]

    @extend_schema(responses={201: ProductionOrderDetailSerializer})
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        mo = services.create_production_order(actor=request.user, **serializer.validated_data)
        return Response(_detail(mo), status=status.HTTP_201_CREATED)


class ProductionOrderDetailView(generics.RetrieveAPIView):
    serializer_class = ProductionOrderDetailSerializer

    def get_queryset(self):
        return selectors.production_order_list(scope_of(self.request))


class OrderActionView(generics.GenericAPIView):
    write_permission = roles.POST_PRODUCTION

    def get_queryset(self):
        return ProductionOrder.objects.all()

    def production_order(self, pk: int) -> ProductionOrder:
        return get_visible(ProductionOrder.objects.select_related("office"), scope_of(self.request), pk=pk)


class IssueView(OrderActionView):
    serializer_class = IssueInSerializer

    @extend_schema(responses={201: IssueOutSerializer})
    def post(self, request, pk):
        mo = self.production_order(pk)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        lines = [
            services.ComponentLine(
                lic=line["lic"],
                quantity=line["quantity"],
                lot=line["lot"],
                serial_numbers=line["serial_numbers"],
                returns_usage=line["usage"],
            )
            for line in data["lines"]
        ]
        usages = services.issue_components(production_order=mo, date=data["date"], lines=lines, actor=request.user)
        return Response({"usages": [u.pk for u in usages]}, status=status.HTTP_201_CREATED)


class ProduceView(OrderActionView):
    serializer_class = ProduceInSerializer

    @extend_schema(responses={201: ProduceOutSerializer})
    def post(self, request, pk):
        mo = self.production_order(pk)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lot = services.produce(production_order=mo, actor=request.user, **serializer.validated_data)
        body = {"lot": lot.pk, "lot_number": lot.number, "qty_in": lot.qty_in, "unit_cost": lot.unit_cost}
        return Response(ProduceOutSerializer(body).data, status=status.HTTP_201_CREATED)


class ReleaseView(OrderActionView):
    serializer_class = serializers.Serializer

    @extend_schema(request=None, responses={200: ProductionOrderDetailSerializer})
    def post(self, request, pk):
        mo = services.release(production_order=self.production_order(pk), actor=request.user)
        return Response(_detail(mo))


class CloseView(OrderActionView):
    serializer_class = serializers.Serializer

    @extend_schema(request=None, responses={200: ProductionOrderDetailSerializer})
    def post(self, request, pk):
        mo = services.close(production_order=self.production_order(pk), actor=request.user)
        return Response(_detail(mo))


class JobCostCreateView(generics.CreateAPIView):
    serializer_class = JobCostSerializer
    write_permission = roles.POST_PRODUCTION
    queryset = JobCostEntry.objects.none()

    def perform_create(self, serializer):
        serializer.instance = services.post_job_cost(actor=self.request.user, **serializer.validated_data)


class JobCostDetailView(generics.RetrieveAPIView):
    serializer_class = JobCostSerializer
    queryset = JobCostEntry.objects.select_related("lic", "vendor")

    def get_queryset(self):
        return super().get_queryset().visible_to(scope_of(self.request))


class ReversePermission(permissions.BasePermission):
    """Production or accounting may reverse a job cost entry."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated) and (
            user.has_perm(roles.POST_PRODUCTION) or user.has_perm(roles.POST_ACCOUNTING)
        )


class JobCostReverseView(generics.GenericAPIView):
    serializer_class = DateInSerializer
    permission_classes = [ReversePermission]
    queryset = JobCostEntry.objects.all()

    @extend_schema(responses={201: JobCostSerializer})
    def post(self, request, pk):
        entry = get_visible(JobCostEntry.objects.select_related("production_order__office"), scope_of(request), pk=pk)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reversal = services.reverse_job_cost(entry=entry, date=serializer.validated_data["date"], actor=request.user)
        return Response(JobCostSerializer(reversal).data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("production-orders/", ProductionOrderListCreateView.as_view(), name="production-order-list"),
    path("production-orders/<int:pk>/", ProductionOrderDetailView.as_view(), name="production-order-detail"),
    path("production-orders/<int:pk>/issue/", IssueView.as_view(), name="production-order-issue"),
    path("production-orders/<int:pk>/produce/", ProduceView.as_view(), name="production-order-produce"),
    path("production-orders/<int:pk>/release/", ReleaseView.as_view(), name="production-order-release"),
    path("production-orders/<int:pk>/close/", CloseView.as_view(), name="production-order-close"),
    path("job-costs/", JobCostCreateView.as_view(), name="job-cost-create"),
    path("job-costs/<int:pk>/", JobCostDetailView.as_view(), name="job-cost-detail"),
    path("job-costs/<int:pk>/reverse/", JobCostReverseView.as_view(), name="job-cost-reverse"),
]
