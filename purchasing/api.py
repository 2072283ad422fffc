"""This app's API endpoints (routed under /api/v1/ by lotledger/urls.py: ``urlpatterns``, then
``router``): API.md "Purchasing", and vendors (API.md "Master data").

Clerks create POs and receive (roles.POST_STOCK); accountants post invoices, close POs and
reverse receipts (roles.POST_ACCOUNTING). Every write goes through purchasing.services.
"""

from __future__ import annotations

import datetime

from django.db.models import Prefetch
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from core import roles
from core.drf.exports import CSV, ExportView, file_schema
from core.drf.master_data import MasterDataViewSet
from core.drf.routers import api_router
from inventory_lots.scope import EVERYTHING, Scope, get_visible, require_costs, scope_of

from . import exports, selectors, services
from . import serializers as s
from .filters import PurchaseOrderFilter
from .models import PurchaseOrder, PurchaseOrderLine, Receipt, ReceiptLine, Vendor, VendorInvoice, VendorInvoiceLine


def _po_queryset(scope: Scope = EVERYTHING):
    return selectors.po_list(scope).prefetch_related(
        Prefetch("lines", queryset=PurchaseOrderLine.objects.select_related("lic").order_by("line_no"))
    )


def _po_response(po_id: int, code: int = status.HTTP_200_OK) -> Response:
    return Response(s.POOutSerializer(_po_queryset().get(pk=po_id)).data, status=code)


class PurchaseOrderListCreate(generics.ListCreateAPIView):
    write_permission = roles.POST_STOCK
    serializer_class = s.POOutSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = PurchaseOrderFilter

    def get_queryset(self):
        return _po_queryset(scope_of(self.request))

    @extend_schema(request=s.POInSerializer, responses={201: s.POOutSerializer})
    def post(self, request, *args, **kwargs):
        data = _valid(s.POInSerializer, request)
        po = services.create_purchase_order(
            vendor=data["vendor"],
            office=data["office"],
            date=data["date"],
            actor=request.user,
            lines=[services.POLineInput(**line) for line in data["lines"]],
        )
        return _po_response(po.pk, status.HTTP_201_CREATED)


class PurchaseOrderDetail(generics.RetrieveAPIView):
    serializer_class = s.POOutSerializer

    def get_queryset(self):
        return _po_queryset(scope_of(self.request))


class ReceiptCreate(generics.GenericAPIView):
    write_permission = roles.POST_STOCK
    serializer_class = s.ReceiptInSerializer
    queryset = PurchaseOrder.objects.all()

    @extend_schema(request=s.ReceiptInSerializer, responses={201: s.ReceiptOutSerializer})
    def post(self, request, pk: int):
        po = get_visible(PurchaseOrder.objects.select_related("office", "vendor"), scope_of(request), pk=pk)
        data = _valid(s.ReceiptInSerializer, request)
        receipt = services.receive_purchase_order(
            purchase_order=po,
            date=data["date"],
            actor=request.user,
            allow_over_receipt=data["allow_over_receipt"],
            reason=data.get("reason", ""),
            lines=[services.ReceiptLineInput(**line) for line in data["lines"]],
        )
        return _receipt_response(receipt.pk, status.HTTP_201_CREATED)


def _receipt_response(receipt_id: int, code: int = status.HTTP_200_OK) -> Response:
    receipt = Receipt.objects.prefetch_related(Prefetch("lines", queryset=ReceiptLine.objects.order_by("line_no"))).get(
        pk=receipt_id
    )
    return Response(s.ReceiptOutSerializer(receipt).data, status=code)


class ReceiptDetail(generics.RetrieveAPIView):
    serializer_class = s.ReceiptOutSerializer
    queryset = Receipt.objects.prefetch_related(Prefetch("lines", queryset=ReceiptLine.objects.order_by("line_no")))

    def get_queryset(self):
        return super().get_queryset().visible_to(scope_of(self.request))


class ReceiptReverse(generics.GenericAPIView):
    write_permission = roles.POST_ACCOUNTING
    serializer_class = s.ReverseInSerializer
    queryset = Receipt.objects.all()

    @extend_schema(request=s.ReverseInSerializer, responses={201: s.ReceiptOutSerializer})
    def post(self, request, pk: int):
        receipt = get_visible(Receipt.objects.select_related("purchase_order__office"), scope_of(request), pk=pk)
        data = _valid(s.ReverseInSerializer, request)
        reversal = services.reverse_receipt(
            receipt=receipt,
            date=data.get("date") or datetime.date.today(),
            reason=data["reason"],
            actor=request.user,
        )
        return _receipt_response(reversal.pk, status.HTTP_201_CREATED)


class PurchaseOrderClose(generics.GenericAPIView):
    write_permission = roles.POST_ACCOUNTING
    serializer_class = s.CloseInSerializer
    queryset = PurchaseOrder.objects.all()

    @extend_schema(request=s.CloseInSerializer, responses={200: s.POOutSerializer})
    def post(self, request, pk: int):
        po = get_visible(PurchaseOrder.objects.select_related("office"), scope_of(request), pk=pk)
        data = _valid(s.CloseInSerializer, request)
        services.close_purchase_order(
            purchase_order=po, date=data.get("date") or datetime.date.today(), actor=request.user
        )
        return _po_response(po.pk)


def _invoice_queryset(scope: Scope = EVERYTHING):
    return (
        VendorInvoice.objects.visible_to(scope)
        .select_related("vendor")
        .prefetch_related(Prefetch("lines", queryset=VendorInvoiceLine.objects.order_by("line_no")))
    )


class VendorInvoiceListCreate(generics.ListCreateAPIView):
    write_permission = roles.POST_ACCOUNTING
    serializer_class = s.InvoiceOutSerializer

    def get_queryset(self):
        return _invoice_queryset(scope_of(self.request))

    @extend_schema(request=s.InvoiceInSerializer, responses={201: s.InvoiceOutSerializer})
    def post(self, request, *args, **kwargs):
        data = _valid(s.InvoiceInSerializer, request)
        invoice = services.post_vendor_invoice(
            vendor=data["vendor"],
            purchase_order=data["purchase_order"],
            number=data["number"],
            date=data["date"],
            freight=data["freight"],
            actor=request.user,
            lines=[services.InvoiceLineInput(**line) for line in data["lines"]],
        )
        return Response(
            s.InvoiceOutSerializer(_invoice_queryset().get(pk=invoice.pk)).data, status=status.HTTP_201_CREATED
        )


class VendorInvoiceDetail(generics.RetrieveAPIView):
    serializer_class = s.InvoiceOutSerializer

    def get_queryset(self):
        return _invoice_queryset(scope_of(self.request))


class AccruedInventoryList(generics.ListAPIView):
    """Every PO line with received-not-invoiced inventory (the accrued-inventory report)."""

    serializer_class = s.AccruedLineSerializer
    pagination_class = None

    def get_queryset(self):
        require_costs(self.request)  # a report of money, as its page
        return selectors.accrued_lines(scope_of(self.request))


class AccruedInventoryCsvView(ExportView):
    """The accrued-inventory report as CSV: the same file as the page's ``/purchasing/accrued.csv``.
    Accountants (the export permission)."""

    @file_schema(CSV, "Every PO line received but not invoiced, UTF-8 CSV with a header row.")
    def get(self, request):
        require_costs(request)
        return exports.accrued_csv_response(scope_of(request))


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class VendorViewSet(MasterDataViewSet):
    queryset = Vendor.objects.order_by("id")
    serializer_class = s.VendorSerializer

    def update_record(self, record, changes):
        return services.update_vendor(vendor=record, actor=self.request.user, **changes)


router = api_router()
router.register("vendors", VendorViewSet, basename="vendor")


def _urls():
    from django.urls import path

    return [
        path("purchase-orders/", PurchaseOrderListCreate.as_view(), name="purchase-order-list"),
        path("purchase-orders/<int:pk>/", PurchaseOrderDetail.as_view(), name="purchase-order-detail"),
        path("purchase-orders/<int:pk>/receipts/", ReceiptCreate.as_view(), name="purchase-order-receive"),
        path("purchase-orders/<int:pk>/close/", PurchaseOrderClose.as_view(), name="purchase-order-close"),
        path("receipts/<int:pk>/", ReceiptDetail.as_view(), name="receipt-detail"),
        path("receipts/<int:pk>/reverse/", ReceiptReverse.as_view(), name="receipt-reverse"),
        path("vendor-invoices/", VendorInvoiceListCreate.as_view(), name="vendor-invoice-list"),
        path("vendor-invoices/<int:pk>/", VendorInvoiceDetail.as_view(), name="vendor-invoice-detail"),
        path("accrued-inventory/", AccruedInventoryList.as_view(), name="accrued-inventory"),
        path("accrued-inventory.csv", AccruedInventoryCsvView.as_view(), name="accrued-inventory-csv"),
    ]


urlpatterns = _urls()
